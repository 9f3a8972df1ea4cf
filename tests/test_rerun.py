"""Rodar o notebook inteiro de novo no mesmo kernel dá as mesmas saídas conferidas.

Cada notebook roda duas vezes no mesmo kernel com os parâmetros curtos de ``make smoke`` (minutos por
notebook): camada ``slow`` (``make test-all``, ``make rerun``); a conferência dos parâmetros curtos é estática.
"""

import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.static

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
sys.path.insert(0, str(ROOT / "scripts"))

from run_notebooks import (  # noqa: E402
    PARAMS_DIR,
    load_parameters,
    parameter_names,
    short_environment,
    smoke_environment,
    smoke_parameters,
)  # noqa: E402,I001

PARAMETER_SETS = sorted(p.stem for p in PARAMS_DIR.glob("*.yaml"))


@pytest.mark.parametrize("name", PARAMETER_SETS)
def test_each_parameter_file_covers_every_notebook_with_names_it_has(name):
    sets = load_parameters(name)
    assert set(sets) == {p.name[:2] for p in NOTEBOOKS}, (
        f"params/{name}.yaml: um bloco por notebook"
    )
    for path in NOTEBOOKS:
        unknown = set(sets[path.name[:2]]) - parameter_names(path)
        assert not unknown, (
            f"params/{name}.yaml: {path.name} não tem os parâmetros {sorted(unknown)} (mudaram de nome?)"
        )


def test_ci_and_smoke_parameters_exist_and_differ_only_by_purpose():
    assert {"ci", "smoke"} <= set(PARAMETER_SETS)
    ci, smoke = load_parameters("ci"), load_parameters("smoke")
    # o CI usa os dados inteiros (as células conferidas mostram os tamanhos); o smoke corta o treino
    assert not any("TRAIN_LIMIT" in v for v in ci.values()) and smoke["02"]["TRAIN_LIMIT"] == 256


@pytest.mark.parametrize("name", ["ci", "smoke"])
def test_short_runs_stay_inside_their_own_build_folder(name):
    env = short_environment(name)
    folder = ROOT / "build" / name
    assert Path(env["VARIANTES_BUILD"]) == folder and Path(
        env["VARIANTES_RESULTS_DIR"]
    ).is_relative_to(folder)
    assert (
        env["VARIANTES_SHORT_RUN"] == name and smoke_environment()["VARIANTES_SHORT_RUN"] == "smoke"
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_second_run_in_the_same_kernel_gives_the_same_checked_outputs(path, monkeypatch):
    from rerun_check import differences, run_twice

    for key, value in smoke_environment().items():
        monkeypatch.setenv(key, value)
    first, second, _ = run_twice(path, smoke_parameters(path), timeout=1200)
    assert first, f"{path.name} não tem células com a tag nbval-check-output"
    report = differences(first, second, path)
    assert not report, (
        f"{path.name}: saídas conferidas diferentes na segunda passagem:\n" + "\n\n".join(report)
    )


def test_ci_copy_injects_the_parameters_after_the_parameters_cell_and_keeps_the_outputs(tmp_path):
    from run_notebooks import prepare_copy, short_parameters

    source = next(p for p in NOTEBOOKS if p.name.startswith("02"))
    out = tmp_path / source.name
    prepare_copy(source, out, short_parameters(source, "ci"))
    original, copy = (nbformat.read(p, as_version=4) for p in (source, out))
    params = next(i for i, c in enumerate(copy.cells) if "parameters" in c.metadata.get("tags", []))
    injected = copy.cells[params + 1]
    assert "injected-parameters" in injected.metadata.tags and "NUM_EPOCHS = 1" in injected.source
    assert len(copy.cells) == len(original.cells) + 1
    kept = [
        c.outputs
        for c in copy.cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.tags
    ]
    assert kept == [
        c.outputs for c in original.cells if c.cell_type == "code"
    ]  # o nbval compara com estas


def test_make_run_table_uses_decimal_comma_and_the_heartbeat_says_where_it_is(tmp_path):
    from run_notebooks import Heartbeat, headline_table, minutes

    table = headline_table(
        [
            {
                "notebook": "02_x.ipynb",
                "status": "ok",
                "tempo (s)": 12.0,
                "F1": 0.5941,
                "diferença": -0.0333,
                "receita": "sem pesos",
            }
        ]
    )
    assert "F1 = 0,594; diferença = −0,033; receita = sem pesos" in table and "0.5" not in table
    assert minutes(95) == "1 min 35 s" and minutes(7) == "7 s"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("1"),
        nbformat.v4.new_markdown_cell("x"),
        nbformat.v4.new_code_cell("2"),
    ]
    nb.cells[0].metadata["papermill"] = {"status": "completed"}
    nb.cells[2].metadata["papermill"] = {"status": "running"}
    nbformat.write(nb, tmp_path / "a.ipynb")
    assert Heartbeat("a", tmp_path / "a.ipynb").where() == "célula 2 de 2"
    assert Heartbeat("b", tmp_path / "nada.ipynb").where() == "rodando"
