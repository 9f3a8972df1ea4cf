"""Ferramenta dos autores: escrever notebooks como texto e manter badges em dia.

    python scripts/nbtool.py py2nb fonte.py notebooks/NN_nome.ipynb   # cria/atualiza o notebook
    python scripts/nbtool.py nb2py notebooks/NN_nome.ipynb fonte.py   # extrai para editar
    python scripts/nbtool.py sync notebooks/*.ipynb                  # badges e instalação

Formato do texto ("percent"): células separadas por ``# %%``; ``# %% [markdown]``
abre uma célula de texto (linhas começando com ``# ``); ``tags=["parameters"]``
depois do marcador define as tags. ``{{COLAB_BADGE}}`` e uma célula ``{{SETUP}}``
são preenchidos a partir de ``helpers/project.py``.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from helpers.project import COLAB_DIR, REPO_URL, colab_badge  # noqa: E402

MARK = re.compile(r"^# %%(?P<md> \[markdown\])?(?P<rest>.*)$")


def setup_source() -> str:
    """Código da célula de preparação, igual em todos os notebooks."""
    return (
        "# Preparação (rode primeiro). No Colab, instala os helpers da série sem atualizar o torch.\n"
        "import importlib, os, subprocess, sys\n"
        f'if "google.colab" in sys.modules and not os.path.isdir("{COLAB_DIR}"):\n'
        f'    subprocess.run(["git", "clone", "-q", "--depth", "1", "{REPO_URL}", "{COLAB_DIR}"], check=True)\n'
        f'    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "{COLAB_DIR}"], check=True)\n'
        "    importlib.invalidate_caches()\n"
        "import helpers\n"
        "\n"
        "DEVICE = helpers.setup_notebook()"
    )


def py2nb(src: Path, dest: Path) -> None:
    cells, cur, kind, tags = [], [], None, []

    def flush():
        if kind is None:
            return
        text = "\n".join(cur).strip("\n")
        if kind == "markdown":
            text = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in text.splitlines())
            text = text.replace("{{COLAB_BADGE}}", colab_badge(dest.name))
            cell = nbformat.v4.new_markdown_cell(text)
        else:
            if text.strip() == "{{SETUP}}":
                text, tags_ = setup_source(), tags + ["setup"]
            else:
                tags_ = tags
            cell = nbformat.v4.new_code_cell(text)
            if tags_:
                cell.metadata["tags"] = tags_
        if kind == "markdown" and tags:
            cell.metadata["tags"] = tags
        cells.append(cell)

    for line in src.read_text(encoding="utf-8").splitlines():
        m = MARK.match(line)
        if m:
            flush()
            kind = "markdown" if m.group("md") else "code"
            t = re.search(r"tags=(\[.*\])", m.group("rest"))
            tags = json.loads(t.group(1)) if t else []
            cur = []
        else:
            cur.append(line)
    flush()
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": []},
    }
    nbformat.write(nb, dest)


def nb2py(src: Path, dest: Path) -> None:
    nb = nbformat.read(src, as_version=4)
    out = []
    for cell in nb.cells:
        tags = [t for t in cell.metadata.get("tags", []) if t != "setup"]
        suffix = f" tags={json.dumps(tags)}" if tags else ""
        if cell.cell_type == "markdown":
            out.append(f"# %% [markdown]{suffix}")
            out += [("# " + l) if l else "#" for l in cell.source.splitlines()]
        else:
            out.append(f"# %%{suffix}")
            out.append("{{SETUP}}" if "setup" in cell.metadata.get("tags", []) else cell.source)
        out.append("")
    dest.write_text("\n".join(out), encoding="utf-8")


def sync(path: Path) -> bool:
    """Regrava badge e célula de preparação; devolve ``True`` se mudou algo."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "[![Abrir no Colab]" in cell.source:
            new = re.sub(r"\[!\[Abrir no Colab\]\([^)]*\)\]\([^)]*\)", lambda _: colab_badge(path.name), cell.source)
            changed |= new != cell.source
            cell.source = new
        if cell.cell_type == "code" and "setup" in cell.metadata.get("tags", []):
            changed |= cell.source != setup_source()
            cell.source = setup_source()
    if changed:
        nbformat.write(nb, path)
    return changed


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "py2nb":
        py2nb(Path(args[0]), Path(args[1]))
    elif cmd == "nb2py":
        nb2py(Path(args[0]), Path(args[1]))
    elif cmd == "sync":
        for a in args:
            print(("atualizado: " if sync(Path(a)) else "sem mudança: ") + a)
    else:
        sys.exit(__doc__)
