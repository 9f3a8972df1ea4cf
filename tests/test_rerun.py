"""Rodar o notebook inteiro de novo no mesmo kernel dá as mesmas saídas conferidas.

Cada notebook roda duas vezes no mesmo kernel com os parâmetros curtos de ``make smoke`` (minutos por
notebook): faz parte do ``make test``. ``VARIANTES_RERUN=0`` pula as execuções duplas (para um
``pytest tests`` rápido enquanto escreve); a conferência dos parâmetros curtos roda sempre.
"""
import ast
import os
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
sys.path.insert(0, str(ROOT / "scripts"))

from run_notebooks import SMOKE_DIR, SMOKE_PARAMETERS, smoke_environment, smoke_parameters  # noqa: E402

RERUN = os.environ.get("VARIANTES_RERUN", "1") != "0"


def parameter_names(path):
    cell = next(c for c in nbformat.read(path, as_version=4).cells if "parameters" in c.metadata.get("tags", []))
    return {t.id for node in ast.parse(cell.source).body if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_smoke_parameters_exist_in_the_notebook(path):
    short = smoke_parameters(path)
    assert short, f"faltam parâmetros curtos para {path.name} em scripts/run_notebooks.py (SMOKE_PARAMETERS)"
    unknown = set(short) - parameter_names(path)
    assert not unknown, f"{path.name} não tem os parâmetros {sorted(unknown)} (mudaram de nome?)"


def test_smoke_stays_inside_build_smoke():
    env = smoke_environment()
    assert Path(env["VARIANTES_BUILD"]).is_absolute() and Path(env["VARIANTES_BUILD"]) == SMOKE_DIR
    assert Path(env["VARIANTES_RESULTS_DIR"]).is_relative_to(SMOKE_DIR)
    assert SMOKE_DIR != ROOT / "build" and SMOKE_DIR.is_relative_to(ROOT / "build")
    assert set(SMOKE_PARAMETERS) == {p.name[:2] for p in NOTEBOOKS}


@pytest.mark.skipif(not RERUN, reason="VARIANTES_RERUN=0: execuções duplas puladas")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_second_run_in_the_same_kernel_gives_the_same_checked_outputs(path, monkeypatch):
    from rerun_check import differences, run_twice

    for key, value in smoke_environment().items():
        monkeypatch.setenv(key, value)
    first, second, _ = run_twice(path, smoke_parameters(path), timeout=1200)
    assert first, f"{path.name} não tem células com # NBVAL_CHECK_OUTPUT"
    report = differences(first, second, path)
    assert not report, f"{path.name}: saídas conferidas diferentes na segunda passagem:\n" + "\n\n".join(report)
