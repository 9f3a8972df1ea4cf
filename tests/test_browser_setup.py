"""A preparação do teste no navegador, sem navegador: a cópia curta de cada notebook com widget."""

import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.static

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))

from lab import ROOT, chromium_path, short_copy, widget_cell  # noqa: E402
from test_widgets_browser import NOTEBOOKS, WIDGETS  # noqa: E402


@pytest.mark.parametrize("prefix", sorted(WIDGETS))
def test_short_copy_ends_at_the_widget_with_the_short_parameters(prefix, tmp_path):
    source = nbformat.read(NOTEBOOKS[prefix], as_version=4)
    stop = widget_cell(source, WIDGETS[prefix]["call"])
    copy = nbformat.read(
        short_copy(NOTEBOOKS[prefix], tmp_path / "x.ipynb", WIDGETS[prefix]["call"], ["pass"]),
        as_version=4,
    )
    assert len(copy.cells) == stop + 3  # + parâmetros curtos + a célula plantada
    assert WIDGETS[prefix]["call"] in copy.cells[-1].source and copy.cells[-2].source == "pass"
    params = next(i for i, c in enumerate(copy.cells) if "parameters" in c.metadata.get("tags", []))
    assert copy.cells[params + 1].source.startswith("# parâmetros curtos")
    assert all(not c.get("outputs") for c in copy.cells if c.cell_type == "code")


def test_every_widget_of_the_series_is_in_the_browser_test():
    calls = ("_box(", "_slider(", "_explorer(", "_widget(")
    with_widget = {
        p.name[:2]
        for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
        if any(
            c.cell_type == "code" and any(k in c.source for k in calls)
            for c in nbformat.read(p, as_version=4).cells
        )
    }
    assert with_widget == set(WIDGETS)


def test_chromium_path_honours_the_variable(monkeypatch):
    monkeypatch.setenv("VARIANTES_CHROMIUM", "/opt/meu-chromium")
    assert chromium_path() == "/opt/meu-chromium"
