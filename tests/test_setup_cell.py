"""A célula de preparação num kernel de verdade, fingindo ser o Colab: quando o clone ou a instalação falha,
o aluno lê em português o que falhou e o que fazer, sem traceback.

O kernel finge o Colab com um módulo ``google.colab`` vazio, esconde os ``helpers`` (como num Colab
novo, onde a série ainda não está instalada) e põe no ``PATH`` um ``git`` que falha como sem internet.
"""

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import nbtool  # noqa: E402  (scripts/nbtool.py)
from helpers.project import COLAB_DIR  # noqa: E402

GIT_OFFLINE = "fatal: unable to access 'https://github.com/variantes-bert/variantes-bert/': Could not resolve host"


def run_setup_as_colab(tmp_path, colab_dir: Path) -> dict:
    """Executa a célula de preparação (com ``colab_dir`` no lugar de /content/...) e devolve a saída de erro."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git = bin_dir / "git"
    git.write_text(f'#!/bin/sh\necho "{GIT_OFFLINE}" >&2\nexit 128\n')
    git.chmod(0o755)
    fake_colab = (
        "import os, sys, types\n"
        "sys.modules['google.colab'] = types.ModuleType('google.colab')\n"
        "sys.modules['helpers'] = None  # num Colab novo, a série ainda não está instalada\n"
        f"os.environ['PATH'] = {str(bin_dir)!r} + os.pathsep + os.environ['PATH']\n"
    )
    setup = nbtool.setup_source().replace(COLAB_DIR, str(colab_dir))
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(fake_colab), nbformat.v4.new_code_cell(setup)]
    )
    NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    assert nb.cells[0].outputs == []
    errors = [o for o in nb.cells[1].outputs if o.output_type == "error"]
    assert len(errors) == 1, nb.cells[1].outputs
    return errors[0]


def assert_no_traceback(error) -> str:
    text = "\n".join(error.traceback)
    assert (
        "Traceback" not in text
        and 'File "' not in text
        and "line " not in text
        and "\x1b" not in text
    )
    return text


def test_clone_that_fails_says_in_portuguese_what_to_do(tmp_path):
    error = run_setup_as_colab(tmp_path, tmp_path / "variantes-bert")
    text = assert_no_traceback(error)
    assert text.startswith(
        "Não consegui baixar a série de https://github.com/variantes-bert/variantes-bert."
    )
    assert "sem internet" in text and "troque REPO_URL nesta célula" in text
    assert f"envie a pasta do projeto para {tmp_path / 'variantes-bert'}" in text
    assert text.endswith(
        f"(mensagem original: {GIT_OFFLINE})"
    )  # a última linha do git, para quem pede ajuda
    assert not (tmp_path / "variantes-bert").exists()


def test_install_that_fails_says_what_to_do_with_the_folder(tmp_path):
    incomplete = tmp_path / "variantes-bert"  # uma pasta enviada pela metade: sem pyproject.toml
    incomplete.mkdir()
    error = run_setup_as_colab(tmp_path, incomplete)
    text = assert_no_traceback(error)
    assert text.startswith(f"Não consegui instalar a série a partir de {incomplete}.")
    assert f"apague-a antes (!rm -rf {incomplete})" in text
    assert (
        "mensagem original: " in text.splitlines()[-1] and "pyproject.toml" in text.splitlines()[-1]
    )
