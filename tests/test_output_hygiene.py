"""As saídas versionadas mostram só a lição: sem caminhos da máquina, sem logs em inglês, com vírgula decimal."""

import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.static

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import output_hygiene  # noqa: E402


def notebook_printing(tmp_path, text, mime=None):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(x)")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={mime: text})
        if mime
        else nbformat.v4.new_output("stream", name="stdout", text=text)
    ]
    nb.cells = [cell]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(
    "text,kind",
    [
        ("modelo salvo em /work/main/build/02_bertimbau/modelo\n", "caminho da máquina"),
        ("{'loss': '0.76', 'grad_norm': 3.1}\n", "log em inglês"),
        ("F1 macro: 0.594\n", "ponto decimal"),
    ],
)
def test_a_planted_problem_is_caught(tmp_path, text, kind):
    found = output_hygiene.problems(notebook_printing(tmp_path, text))
    assert any(kind in line for line in found), found


@pytest.mark.parametrize(
    "text",
    [
        "F1 macro: 0,594 em 1.203 frases (transformers 5.24.0)\n",
        "lote 32, 1.719 avaliações; /content/variantes-bert no Colab\n",
        "Sanh et al. 2019, arXiv 1910.01108\n",
    ],
)
def test_brazilian_numbers_versions_and_the_colab_folder_are_fine(tmp_path, text):
    assert output_hygiene.problems(notebook_printing(tmp_path, text)) == []


def test_a_widget_shows_a_portuguese_line_where_it_is_not_drawn(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("plots.temperature_slider(...)")
    cell.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            execution_count=1,
            data={
                "text/plain": "VBox(children=(FloatLogSlider(value=2.0, description='T'),))",
                "application/vnd.jupyter.widget-view+json": {
                    "model_id": "abc",
                    "version_major": 2,
                    "version_minor": 0,
                },
            },
        )
    ]
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "w.ipynb")
    found = output_hygiene.problems(tmp_path / "w.ipynb")
    assert any("repr em inglês: VBox(children=" in line for line in found), found
    assert any("ponto decimal: 2.0" in line for line in found), found


def test_the_series_widgets_print_portuguese_where_they_are_not_drawn():
    pytest.importorskip("ipywidgets")
    from helpers import widgets

    import ipywidgets as w

    box = widgets.live({"T": w.FloatSlider(value=2.0)}, lambda T: f"<b>{T}</b>", kind="html")
    assert box.children[0].value == 2.0  # continua um widget de verdade
    assert output_hygiene.WIDGET_REPR.search(repr(box)) is None
    assert "interativ" in repr(box)


def test_html_tables_are_read_without_their_markup(tmp_path):
    html = '<table><tr><td style="width: 0.5em">0,637</td></tr></table>'
    assert output_hygiene.problems(notebook_printing(tmp_path, html, "text/html")) == []


def test_committed_outputs_are_only_the_lesson():
    found = [
        f"{p.name}: {line}"
        for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        for line in output_hygiene.problems(p)
    ]
    assert not found, "\n".join(found[:40])
