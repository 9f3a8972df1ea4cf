"""Ferramenta dos autores: editar notebooks como texto sem perder as saídas, e manter badges em dia.

    python scripts/nbtool.py nb2py notebooks/NN_nome.ipynb [fonte.py]  # extrai (padrão: build/edit/NN_nome.py)
    python scripts/nbtool.py py2nb fonte.py notebooks/NN_nome.ipynb    # devolve ao notebook, com as saídas
    python scripts/nbtool.py edit 02                                   # = make edit NB=02
    python scripts/nbtool.py apply 02                                  # = make apply NB=02
    python scripts/nbtool.py sync notebooks/*.ipynb                    # badges e instalação

O texto é o formato *percent* do jupytext (``py:percent``): células separadas por ``# %%``;
``# %% [markdown]`` abre uma célula de texto (linhas começando com ``# ``); ``tags=["parameters"]``
depois do marcador guarda as tags (e o jupytext guarda os outros metadados da célula do mesmo jeito).

``py2nb`` usa o modo de atualização do jupytext (``jupytext --update``): o texto e os metadados das
células vêm do ``.py``; as saídas, do notebook que já existe. Mudar uma frase do markdown não custa
uma nova execução. Uma célula de código cujo código mudou perde a saída antiga (ela não corresponde
mais ao código) e o comando diz quais; rode o notebook de novo antes de versionar. ``apply``
recusa se o código ou o texto do notebook mudou depois do ``edit`` (senão desfaria essa mudança);
as saídas podem mudar à vontade entre os dois (rodar o notebook no meio é normal).

Marcadores: ``{{COLAB_BADGE}}`` no markdown e uma célula de código só com ``{{SETUP}}`` são
preenchidos a partir de ``helpers/project.py``; ``nb2py`` escreve a célula de preparação como
``{{SETUP}}`` quando ela é a padrão. Não versione os ``.py``: o notebook é a fonte.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from helpers.project import BRANCH, COLAB_DIR, REPO_URL  # noqa: E402

FORMAT = "py:percent"
EDIT_DIR = ROOT / "build" / "edit"
SETUP_MARK = "{{SETUP}}"
BADGE_MARK = "{{COLAB_BADGE}}"
DEFAULT_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
    "colab": {"provenance": []},
}


def repo_slug() -> str:
    """Devolve ``dono/repositorio`` a partir de ``REPO_URL`` (``helpers/project.py``)."""
    return REPO_URL.rstrip("/").removeprefix("https://github.com/")


def colab_url(notebook: str) -> str:
    """Endereço do notebook ``notebooks/<notebook>`` aberto no Google Colab."""
    return (
        f"https://colab.research.google.com/github/{repo_slug()}/blob/{BRANCH}/notebooks/{notebook}"
    )


def colab_badge(notebook: str) -> str:
    """Badge em Markdown "Abrir no Colab" para um notebook."""
    img = "https://colab.research.google.com/assets/colab-badge.svg"
    return f"[![Abrir no Colab]({img})]({colab_url(notebook)})"


# a célula como o ruff format a deixa (linhas de 100), para o formatador não mexer nela nos notebooks
SETUP_TEMPLATE = r"""# Preparação (rode primeiro). No Colab, instala os helpers da série sem atualizar o torch.
import importlib.util, os, subprocess, sys

REPO_URL = "@REPO_URL@"  # num fork ou numa cópia sua, o endereço dela
COLAB_DIR = "@COLAB_DIR@"
if "google.colab" in sys.modules and importlib.util.find_spec("helpers") is None:

    class SetupFailed(Exception):
        def _render_traceback_(self):  # o IPython mostra só a mensagem, sem traceback
            return str(self).splitlines()

    def run_step(cmd, what_failed):
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode:
            said = (result.stderr.strip().splitlines() or ["sem mensagem"])[-1]
            raise SetupFailed(f"{what_failed}\n(mensagem original: {said})")

    if not os.path.isdir(COLAB_DIR):
        run_step(
            ["git", "clone", "-q", "--depth", "1", REPO_URL, COLAB_DIR],
            f"Não consegui baixar a série de {REPO_URL}. O que fazer:\n"
            "- sem internet: confira a conexão e rode esta célula de novo;\n"
            "- a série está em outro endereço (um fork, uma cópia): troque REPO_URL nesta célula;\n"
            f"- cópia privada ou sem GitHub: envie a pasta do projeto para {COLAB_DIR} "
            "(painel Arquivos, à esquerda) e rode esta célula de novo.",
        )
    run_step(
        [sys.executable, "-m", "pip", "install", "-q", "--no-color", COLAB_DIR],
        f"Não consegui instalar a série a partir de {COLAB_DIR}. Confira a conexão e rode esta "
        f"célula de novo; se a pasta ficou incompleta, apague-a antes (!rm -rf {COLAB_DIR}).",
    )
    importlib.invalidate_caches()
import helpers

DEVICE = helpers.setup_notebook()"""


def setup_source() -> str:
    """Código da célula de preparação, igual em todos os notebooks.

    No Colab (e só lá) clona a série e a instala. Se o ``git clone`` ou o ``pip install`` falha (sem
    internet, um fork em outro endereço, uma cópia privada), a célula para com uma mensagem em português
    que diz o que fazer, sem traceback: o ``_render_traceback_`` é o gancho do IPython para isso. O
    ``helpers`` ainda não existe nesse momento, então o tratamento mora na própria célula.
    """
    return SETUP_TEMPLATE.replace("@REPO_URL@", REPO_URL).replace("@COLAB_DIR@", COLAB_DIR)


def notebook_to_text(nb) -> str:
    """O notebook em ``py:percent`` (a célula de preparação padrão vira ``{{SETUP}}``)."""
    import copy

    import jupytext

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if (
            cell.cell_type == "code"
            and "setup" in cell.metadata.get("tags", [])
            and cell.source == setup_source()
        ):
            cell.source = SETUP_MARK
    return jupytext.writes(nb, fmt=FORMAT)


def text_to_notebook(text: str, notebook_name: str):
    """Lê o ``py:percent`` e preenche os marcadores; devolve um notebook sem saídas."""
    import jupytext

    nb = jupytext.reads(text, fmt=FORMAT)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and BADGE_MARK in cell.source:
            cell.source = cell.source.replace(BADGE_MARK, colab_badge(notebook_name))
        elif cell.cell_type == "code" and cell.source.strip() == SETUP_MARK:
            cell.source = setup_source()
            tags = cell.metadata.setdefault("tags", [])
            if "setup" not in tags:
                tags.append("setup")
    return nb


def nb2py(src: Path, dest: Path | None = None) -> Path:
    """Extrai ``src`` para ``dest`` (padrão: ``build/edit/<nome>.py``); devolve o caminho escrito."""
    dest = Path(dest) if dest else EDIT_DIR / f"{Path(src).stem}.py"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(notebook_to_text(nbformat.read(src, as_version=4)), encoding="utf-8")
    return dest


def merge(text_nb, old_nb):
    """Texto de ``text_nb`` com as saídas de ``old_nb`` (modo de atualização do jupytext).

    Devolve ``(notebook, células_de_código_que_perderam_a_saída)``: uma célula de código cujo código
    mudou não guarda a saída antiga.
    """
    from jupytext.combine import combine_inputs_with_outputs

    old_source = {cell.get("id"): cell.source for cell in old_nb.cells if cell.get("id")}
    new = combine_inputs_with_outputs(text_nb, old_nb, fmt=FORMAT)
    # só os metadados do notebook antigo (sem o bloco "jupytext" do texto), para diffs limpos
    new.metadata = old_nb.metadata
    cleared = []
    for index, cell in enumerate(new.cells):
        if cell.cell_type != "code":
            continue
        before = old_source.get(cell.get("id"))
        if (
            before is not None
            and before != cell.source
            and (cell.get("outputs") or cell.get("execution_count"))
        ):
            cell.outputs, cell.execution_count = [], None
            cleared.append(index)
    return new, cleared


def py2nb(src: Path, dest: Path) -> list[int]:
    """Atualiza ``dest`` com o texto de ``src``, mantendo as saídas; cria ``dest`` se não existir.

    Devolve os índices das células de código que perderam a saída porque o código mudou.
    """
    src, dest = Path(src), Path(dest)
    text_nb = text_to_notebook(src.read_text(encoding="utf-8"), dest.name)
    if dest.exists():
        nb, cleared = merge(text_nb, nbformat.read(dest, as_version=4))
    else:
        nb, cleared = text_nb, []
        nb.metadata = dict(DEFAULT_METADATA)
    nbformat.write(nb, dest)
    return cleared


def find_notebook(prefix: str) -> Path:
    """O notebook ``notebooks/<prefix>_*.ipynb`` (ex.: ``02``) ou um caminho dado por inteiro."""
    if Path(prefix).is_file():
        return Path(prefix)
    found = sorted((ROOT / "notebooks").glob(f"{prefix}*.ipynb"))
    if len(found) != 1:
        names = ", ".join(p.name for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
        raise SystemExit(
            f"Não achei um único notebook começando com {prefix!r} em notebooks/ "
            f"({len(found)} encontrados). Use, por exemplo, NB=02. Notebooks: {names}."
        )
    return found[0]


def sources(path: Path) -> list[list[str]]:
    """Tipo e texto de cada célula (sem saídas): o que ``apply`` compara com o momento do ``edit``."""
    return [[cell.cell_type, cell.source] for cell in nbformat.read(path, as_version=4).cells]


def base_of(notebook: Path) -> Path:
    """Onde ``edit`` guarda as células do notebook no momento da extração."""
    return EDIT_DIR / f"{Path(notebook).stem}.base.json"


def changed_since_edit(notebook: Path) -> list[int]:
    """Índices das células cujo tipo ou texto mudou no notebook desde o ``edit`` (vazio: nada, ou sem registro)."""
    base = base_of(notebook)
    if not base.is_file():
        return []
    before, now = json.loads(base.read_text(encoding="utf-8")), sources(notebook)
    changed = [i for i, (a, b) in enumerate(zip(before, now)) if a != b]
    if len(before) != len(now):
        changed.append(min(len(before), len(now)))
    return changed


def sync(path: Path) -> bool:
    """Regrava badge e célula de preparação; devolve ``True`` se mudou algo."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "[![Abrir no Colab]" in cell.source:
            new = re.sub(
                r"\[!\[Abrir no Colab\]\([^)]*\)\]\([^)]*\)",
                lambda _: colab_badge(path.name),
                cell.source,
            )
            changed |= new != cell.source
            cell.source = new
        if cell.cell_type == "code" and "setup" in cell.metadata.get("tags", []):
            changed |= cell.source != setup_source()
            cell.source = setup_source()
    if changed:
        nbformat.write(nb, path)
    return changed


def _report_cleared(cleared: list[int]) -> None:
    if cleared:
        which = "células de código alteradas" if len(cleared) > 1 else "célula de código alterada"
        print(
            f"  {which}, sem saída até rodar de novo: {', '.join(map(str, cleared))} "
            "(rode o notebook antes de versionar)"
        )


def main(argv: list[str]) -> int:
    if not argv:
        sys.exit(__doc__)
    cmd, *args = argv
    if cmd == "nb2py" and len(args) in (1, 2):
        print(f"texto em {nb2py(Path(args[0]), Path(args[1]) if len(args) == 2 else None)}")
    elif cmd == "py2nb" and len(args) == 2:
        existed = Path(args[1]).exists()
        cleared = py2nb(Path(args[0]), Path(args[1]))
        print(
            f"atualizado: {args[1]} (saídas mantidas)"
            if existed
            else f"criado: {args[1]} (sem saídas)"
        )
        _report_cleared(cleared)
    elif cmd == "edit" and len(args) == 1:
        nb = find_notebook(args[0])
        dest = nb2py(nb)
        base_of(nb).write_text(json.dumps(sources(nb), ensure_ascii=False), encoding="utf-8")
        print(f"edite {dest.relative_to(ROOT)} e depois rode: make apply NB={args[0]}")
    elif cmd == "apply" and len(args) == 1:
        nb = find_notebook(args[0])
        src = EDIT_DIR / f"{nb.stem}.py"
        if not src.is_file():
            sys.exit(f"Não existe {src.relative_to(ROOT)}: rode antes make edit NB={args[0]}.")
        changed = changed_since_edit(nb)
        if changed:
            sys.exit(
                f"O código ou o texto de {nb.relative_to(ROOT)} mudou depois do make edit "
                f"({'células' if len(changed) > 1 else 'célula'} {', '.join(map(str, changed))}): aplicar o texto desfaria essas mudanças. Rode make edit "
                f"NB={args[0]} de novo e refaça a edição (ou force com: python scripts/nbtool.py py2nb "
                f"{src.relative_to(ROOT)} {nb.relative_to(ROOT)})."
            )
        cleared = py2nb(src, nb)
        base_of(nb).write_text(json.dumps(sources(nb), ensure_ascii=False), encoding="utf-8")
        print(
            f"atualizado: {nb.relative_to(ROOT)} a partir de {src.relative_to(ROOT)} (saídas mantidas)"
        )
        _report_cleared(cleared)
    elif cmd == "sync" and args:
        for a in args:
            print(("atualizado: " if sync(Path(a)) else "sem mudança: ") + a)
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
