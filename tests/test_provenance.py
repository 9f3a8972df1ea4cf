"""As saídas versionadas são as que o código de hoje produz: a proveniência de cada notebook confere."""

import shutil
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.static

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
sys.path.insert(0, str(ROOT / "scripts"))

import provenance  # noqa: E402


def test_committed_notebooks_come_from_one_full_run_of_todays_code():
    found = provenance.problems(NOTEBOOKS)
    assert not found, (
        "\n".join(found) + "\nAs saídas versionadas não são mais o que o código produz: rode "
        "`make notebooks` e versione o resultado."
    )


@pytest.fixture
def repo_copy(tmp_path):
    """Uma cópia do que entra no hash (e de um README e um teste, que não entram)."""
    for folder in ("helpers", "data", "notebooks", "requirements", "tests"):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    return tmp_path


def test_editing_one_line_of_an_imported_helper_changes_the_hash_and_says_what_to_run(repo_copy):
    nb = repo_copy / "notebooks" / "03_pooled_output.ipynb"
    before = provenance.input_hash(nb, repo_copy)
    assert "pooling" in provenance.helpers_imported(provenance.code_cells(nb), repo_copy)
    module = repo_copy / "helpers" / "pooling.py"
    module.write_text(
        module.read_text(encoding="utf-8").replace("def ", "def  ", 1), encoding="utf-8"
    )
    assert provenance.input_hash(nb, repo_copy) != before
    provenance.record(nb, {"run_id": "x", "offline": True}, before)
    assert any(
        "03_pooled_output" in p and "mudaram" in p for p in provenance.problems([nb], repo_copy)
    )


@pytest.mark.parametrize("edit", ["README.md", "tests/test_data.py"])
def test_editing_the_readme_or_a_test_keeps_the_hash(repo_copy, edit):
    nb = repo_copy / "notebooks" / "02_bertimbau.ipynb"
    before = provenance.input_hash(nb, repo_copy)
    (repo_copy / edit).write_text(
        (repo_copy / edit).read_text(encoding="utf-8") + "\n# outra linha\n", encoding="utf-8"
    )
    assert provenance.input_hash(nb, repo_copy) == before


@pytest.mark.parametrize("edit", ["data", "lock", "cell"])
def test_data_lock_and_code_cells_are_inputs(repo_copy, edit):
    import nbformat

    nb = repo_copy / "notebooks" / "01_variantes.ipynb"
    before = provenance.input_hash(nb, repo_copy)
    if edit == "data":
        target = repo_copy / "data" / "avaliacoes_ptbr" / "train.csv"
        target.write_text(target.read_text(encoding="utf-8") + "x,0\n", encoding="utf-8")
    elif edit == "lock":
        (repo_copy / "requirements" / "lock.txt").write_text("torch==0.0\n", encoding="utf-8")
    else:
        book = nbformat.read(nb, as_version=4)
        next(c for c in book.cells if c.cell_type == "code").source += "\n1"
        nbformat.write(book, nb)
    assert provenance.input_hash(nb, repo_copy) != before


def test_two_runs_and_an_online_run_are_caught(repo_copy):
    a, b = (repo_copy / "notebooks" / n.name for n in NOTEBOOKS[:2])
    provenance.record(a, {"run_id": "um", "offline": True}, provenance.input_hash(a, repo_copy))
    provenance.record(b, {"run_id": "dois", "offline": False}, provenance.input_hash(b, repo_copy))
    found = provenance.problems([a, b], repo_copy)
    assert any("execuções diferentes" in p for p in found) and any(
        "perfil offline" in p for p in found
    )


def test_the_readme_class_time_table_is_the_one_the_committed_notebooks_give():
    import class_time

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert class_time.readme_block(class_time.rows()) in text, (
        "a tabela de tempos de aula do README não é a das saídas versionadas: rode "
        "`python scripts/class_time.py --write`"
    )


def test_reading_counts_markdown_and_run_written_prose_but_not_link_targets(tmp_path):
    import class_time
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Olá, mundo [leia](https://exemplo.com/um-dois-tres) 0,5"),
        nbformat.v4.new_code_cell("x = 1"),
    ]
    nb.cells[1].outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/markdown": "O aluno ganhou.", "text/plain": "ignorado aqui"}
        )
    ]
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)
    assert class_time.words_read(path) == 3 + 3  # Olá, mundo, leia + O, aluno, ganhou


def test_each_notebook_header_says_its_own_class_time():
    import class_time
    import nbformat

    for item in class_time.rows():
        path = ROOT / "notebooks" / item["notebook"]
        first = nbformat.read(path, as_version=4).cells[0].source
        expected = class_time.header_text(item, class_time.recorded(path))
        assert class_time.with_header(first, expected) == first, (
            f"{item['notebook']}: o «Tempo de aula» do cabeçalho não é o das saídas versionadas: rode "
            "`python scripts/class_time.py --write`"
        )
