"""As células ``# @save`` dos notebooks e os módulos ``helpers/lessonNN.py`` gerados delas são o mesmo código."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("nbsave", ROOT / "scripts" / "nbsave.py")
nbsave = importlib.util.module_from_spec(spec)
spec.loader.exec_module(nbsave)

pytestmark = pytest.mark.static


def test_generated_modules_match_marked_cells():
    assert nbsave.differences() == [], (
        "rode make save (scripts/nbsave.py) e versione helpers/lessonNN.py"
    )


def _notebook(tmp_path, cells):
    nb = {
        "cells": [
            {
                "cell_type": t,
                "source": s,
                "metadata": {},
                **({"outputs": [], "execution_count": None} if t == "code" else {}),
            }
            for t, s in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "nbs").mkdir()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "nbs" / "07_teste.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return tmp_path / "nbs", tmp_path / "pkg"


def test_a_changed_cell_changes_the_module_and_the_check_sees_it(tmp_path):
    nbs, pkg = _notebook(
        tmp_path,
        [
            ("markdown", "## 3. Uma seção"),
            ("code", '# @save\ndef dobro(x):\n    """O dobro."""\n    return 2 * x'),
            ("code", "def fora(x):\n    return x"),
        ],
    )
    assert nbsave.differences(nbs, pkg) == ["lesson07.py falta"]
    assert nbsave.write(nbs, pkg) == ["lesson07.py"]
    text = (pkg / "lesson07.py").read_text()
    assert "def fora" not in text and "Mostrada no notebook 07, seção 3." in text
    spec = importlib.util.spec_from_file_location("lesson07", pkg / "lesson07.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.dobro(4) == 8 and "seção 3" in mod.dobro.__doc__
    # a célula muda: o arquivo gerado fica velho, e o teste de sincronia falha até gerar de novo
    path = nbs / "07_teste.ipynb"
    path.write_text(path.read_text().replace("2 * x", "3 * x"))
    assert nbsave.differences(nbs, pkg) == ["lesson07.py difere das células # @save"]
    nbsave.write(nbs, pkg)
    assert "3 * x" in (pkg / "lesson07.py").read_text()


def test_a_marked_function_without_docstring_is_refused(tmp_path):
    nbs, pkg = _notebook(tmp_path, [("code", "# @save\ndef f(x):\n    return x")])
    with pytest.raises(SystemExit, match="docstring"):
        nbsave.write(nbs, pkg)


def test_check_exit_code(tmp_path, capsys):
    nbs, pkg = _notebook(tmp_path, [("code", "# @save\nX = 1")])
    assert nbsave.main(["--check", "--notebooks", str(nbs), "--helpers", str(pkg)]) == 1
    assert "make save" in capsys.readouterr().err
    assert nbsave.main(["--notebooks", str(nbs), "--helpers", str(pkg)]) == 0
    assert nbsave.main(["--check", "--notebooks", str(nbs), "--helpers", str(pkg)]) == 0
    sys.modules.pop("commands.cli", None)
