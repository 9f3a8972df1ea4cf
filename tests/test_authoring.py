"""Autoria como texto (scripts/nbtool.py, jupytext): ida e volta sem perder saídas, tags nem metadados.

Nenhum kernel roda aqui: só leitura e escrita de arquivos, em segundos.
"""

import copy
import json
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.static

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
sys.path.insert(0, str(ROOT / "scripts"))

pytest.importorskip("jupytext")
import nbtool  # noqa: E402


def cells_json(nb, keep_ids=True):
    """O JSON das células (fonte, tipo, metadados com as tags, saídas, contagem de execução)."""
    cells = copy.deepcopy(nb["cells"])
    if not keep_ids:
        for cell in cells:
            cell.pop("id", None)
    return json.dumps(cells, sort_keys=True, ensure_ascii=False)


def round_trip(path: Path, tmp_path: Path, edit=None):
    """notebook → .py (→ edit) → notebook (uma cópia em tmp_path); devolve (original, volta)."""
    original = nbformat.read(path, as_version=4)
    copy_nb = tmp_path / path.name
    copy_nb.write_bytes(path.read_bytes())
    text = nbtool.nb2py(copy_nb, tmp_path / f"{path.stem}.py")
    if edit is not None:
        text.write_text(edit(text.read_text(encoding="utf-8")), encoding="utf-8")
    nbtool.py2nb(text, copy_nb)
    return original, nbformat.read(copy_nb, as_version=4)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_round_trip_keeps_cells_tags_metadata_and_outputs(path, tmp_path):
    original, back = round_trip(path, tmp_path)
    assert [c.cell_type for c in back.cells] == [c.cell_type for c in original.cells]
    assert [c.source for c in back.cells] == [c.source for c in original.cells]
    assert [c.metadata.get("tags", []) for c in back.cells] == [
        c.metadata.get("tags", []) for c in original.cells
    ]
    # o JSON inteiro das células (metadados, saídas, contagens); os ids também sobrevivem
    assert cells_json(back) == cells_json(original)
    assert back.metadata == original.metadata
    # e o arquivo sai byte a byte igual: nenhum diff no git por uma ida e volta
    assert (tmp_path / path.name).read_bytes() == path.read_bytes()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_text_uses_the_placeholders_and_the_tags(path, tmp_path):
    text = nbtool.nb2py(path, tmp_path / f"{path.stem}.py").read_text(encoding="utf-8")
    assert text.count(nbtool.SETUP_MARK) == 1, (
        "a célula de preparação padrão vira {{SETUP}} no texto"
    )
    assert '# %% tags=["parameters"]' in text
    assert '# %% [markdown] tags=["header"]' in text


def first_sentence_cell(nb):
    """Índice e primeira linha de uma célula de markdown que não é o cabeçalho."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and index > 0:
            line = next(l for l in cell.source.splitlines() if l.strip())
            return index, line
    raise AssertionError("sem célula de markdown")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_markdown_edit_changes_that_cell_and_keeps_every_output(path, tmp_path):
    original = nbformat.read(path, as_version=4)
    index, line = first_sentence_cell(original)
    edited_line = line + " Frase nova, escrita no texto."

    def edit(text):
        assert text.count("# " + line + "\n") >= 1
        return text.replace("# " + line + "\n", "# " + edited_line + "\n", 1)

    _, back = round_trip(path, tmp_path, edit)
    assert len(back.cells) == len(original.cells)
    assert back.cells[index].source == original.cells[index].source.replace(line, edited_line, 1)
    for i, (before, after) in enumerate(zip(original.cells, back.cells)):
        if i != index:
            assert after.source == before.source, f"célula {i} mudou sem ter sido editada"
        if before.cell_type == "code":
            assert after.outputs == before.outputs, f"a célula de código {i} perdeu as saídas"
            assert after.execution_count == before.execution_count
            assert after.metadata == before.metadata


def test_code_edit_drops_only_that_stale_output(tmp_path):
    path = next(p for p in NOTEBOOKS if p.name.startswith("02_"))
    original = nbformat.read(path, as_version=4)
    every_line = [line for c in original.cells for line in c.source.splitlines()]
    index = next(
        i
        for i, c in enumerate(original.cells)  # uma célula com saída cuja última linha é única
        if c.cell_type == "code"
        and c.outputs
        and "setup" not in c.metadata.get("tags", [])
        and "parameters" not in c.metadata.get("tags", [])
        and every_line.count(c.source.splitlines()[-1]) == 1
    )
    last = original.cells[index].source.splitlines()[-1]

    def edit(text):
        return text.replace(last + "\n", last + "  # editado\n", 1)

    _, back = round_trip(path, tmp_path, edit)
    assert back.cells[index].source.endswith("  # editado")
    assert back.cells[index].outputs == [] and back.cells[index].execution_count is None
    for i, (before, after) in enumerate(zip(original.cells, back.cells)):
        if i != index and before.cell_type == "code":
            assert after.outputs == before.outputs


def test_new_notebook_from_text_fills_badge_and_setup(tmp_path):
    src = tmp_path / "99_teste.py"
    src.write_text(
        '# %% [markdown] tags=["header"]\n# # 99 · Teste\n#\n# {{COLAB_BADGE}}\n\n'
        "# %%\n{{SETUP}}\n\n"
        '# %% tags=["parameters"]\nX = 1\n',
        encoding="utf-8",
    )
    dest = tmp_path / "99_teste.ipynb"
    nbtool.py2nb(src, dest)
    nb = nbformat.read(dest, as_version=4)
    nbformat.validate(nb)
    assert nbtool.colab_badge("99_teste.ipynb") in nb.cells[0].source and nb.cells[0].metadata[
        "tags"
    ] == ["header"]
    assert nb.cells[1].source == nbtool.setup_source() and "setup" in nb.cells[1].metadata["tags"]
    assert nb.cells[2].metadata["tags"] == ["parameters"]
    assert nb.metadata["kernelspec"]["name"] == "python3" and "jupytext" not in nb.metadata


def test_apply_refuses_when_the_notebook_changed_after_edit(tmp_path, monkeypatch, capsys):
    path = next(p for p in NOTEBOOKS if p.name.startswith("02_"))
    (tmp_path / "notebooks").mkdir()
    nb_path = tmp_path / "notebooks" / path.name
    nb_path.write_bytes(path.read_bytes())
    monkeypatch.setattr(nbtool, "ROOT", tmp_path)
    monkeypatch.setattr(nbtool, "EDIT_DIR", tmp_path / "build" / "edit")
    nbtool.main(["edit", "02"])
    nb = nbformat.read(nb_path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and i > 0)
    nb.cells[index].source += " Mudança feita no notebook."
    nbformat.write(nb, nb_path)
    with pytest.raises(SystemExit, match="mudou depois do make edit"):
        nbtool.main(["apply", "02"])
    assert "Mudança feita no notebook." in nbformat.read(nb_path, as_version=4).cells[index].source
    # saídas novas (o notebook rodou no meio) não impedem o apply
    nb.cells[index].source = nb.cells[index].source.removesuffix(" Mudança feita no notebook.")
    code = next(c for c in nb.cells if c.cell_type == "code" and c.outputs)
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="saída nova\n")]
    nbformat.write(nb, nb_path)
    assert nbtool.main(["apply", "02"]) == 0
    assert nbformat.read(nb_path, as_version=4) == nb
