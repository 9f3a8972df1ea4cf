"""Cada notebook cabe numa aula? Palavras que o aluno lê, a 130 por minuto, mais o tempo de execução.

    python scripts/class_time.py            # a tabela
    python scripts/class_time.py --write    # regrava a tabela do README e o «Tempo de aula» de cada notebook

As palavras são as do markdown e as das frases que a execução escreve (saídas em Markdown de ``prose.say``);
o tempo de execução é o que o ``make notebooks`` gravou na proveniência de cada notebook (a execução completa,
no perfil offline, numa CPU de dois núcleos). A meta da série: leitura + execução em no máximo 40 minutos,
deixando dez para a conversa numa aula de 50. O código das células não entra na conta (quanto dele a aula
projeta e explica depende de quem dá a aula): o cabeçalho e o README dizem isso.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from provenance import recorded  # noqa: E402

WORDS_PER_MINUTE = 130
BUDGET_MINUTES = 40
WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
LINK = re.compile(r"\]\([^)]*\)|<[^>]+>")  # endereços de links e tags HTML não são lidos
BEGIN, END = "<!-- tempos-de-aula:início -->", "<!-- tempos-de-aula:fim -->"
HEADER = re.compile(
    r"(<!-- tempo:início -->)(.*?)(<!-- tempo:fim -->)", re.S
)  # na primeira célula de cada notebook


def words_read(notebook: Path) -> int:
    """Palavras do markdown e das frases em Markdown que a execução escreveu."""
    nb = nbformat.read(notebook, as_version=4)
    texts = [c.source for c in nb.cells if c.cell_type == "markdown"]
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            markdown = out.get("data", {}).get("text/markdown")
            if markdown:
                texts.append(markdown if isinstance(markdown, str) else "".join(markdown))
    return sum(len(WORD.findall(LINK.sub(" ", t))) for t in texts)


def rows(root: Path = ROOT) -> list[dict]:
    out = []
    for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        words = words_read(path)
        run = recorded(path).get("seconds")
        reading = words / WORDS_PER_MINUTE
        total = reading + (run or 0) / 60
        out.append(
            {"notebook": path.name, "words": words, "reading": reading, "run": run, "total": total}
        )
    return out


def _min(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def table(items: list[dict]) -> str:
    lines = [
        "| notebook | palavras | leitura do texto (min) | execução (min) | total (min) |",
        "|---|---|---|---|---|",
    ]
    for r in items:
        run = _min(r["run"] / 60) if r["run"] else "?"
        flag = "" if r["run"] and r["total"] <= BUDGET_MINUTES else " ⚠"
        words = f"{r['words']:,}".replace(",", ".")  # separador de milhar brasileiro
        lines.append(
            f"| {r['notebook']} | {words} | {_min(r['reading'])} | {run} | {_min(r['total'])}{flag} |"
        )
    return "\n".join(lines)


def readme_block(items: list[dict]) -> str:
    meta = recorded(ROOT / "notebooks" / items[0]["notebook"]) if items else {}
    return (
        f"{BEGIN}\nLeitura do texto a {WORDS_PER_MINUTE} palavras por minuto (markdown e frases escritas pela "
        "execução; o código que a aula projeta e explica não entra na conta); "
        f"execução medida com `make notebooks` em {meta.get('date', '?')} ({meta.get('cpu', '?')}, "
        f"{meta.get('cores', '?')} núcleos, perfil offline). Meta: até {BUDGET_MINUTES} minutos; ⚠ marca o que "
        f"passa dela. Tabela gerada por `python scripts/class_time.py --write`.\n\n{table(items)}\n{END}"
    )


def header_text(item: dict, meta: dict) -> str:
    """A frase do «Tempo de aula» no cabeçalho do notebook: leitura e execução, em minutos inteiros."""
    reading = max(1, round(item["reading"]))
    run = max(1, round((item["run"] or 0) / 60))
    return (
        f"~{reading} min de leitura do texto (o código, à parte) e ~{run} min de execução numa CPU de "
        f"{meta.get('cores', '?')} núcleos (perfil offline)"
    )


def with_header(source: str, text: str) -> str:
    """``source`` (a primeira célula) com ``text`` entre os marcadores do «Tempo de aula»."""
    if not HEADER.search(source):
        raise SystemExit(
            "ERRO: a primeira célula perdeu os marcadores <!-- tempo:início --> e <!-- tempo:fim -->."
        )
    return HEADER.sub(lambda m: m.group(1) + text + m.group(3), source, count=1)


def write_headers(items: list[dict]) -> None:
    for item in items:
        path = ROOT / "notebooks" / item["notebook"]
        nb = nbformat.read(path, as_version=4)
        new = with_header(nb.cells[0].source, header_text(item, recorded(path)))
        if new != nb.cells[0].source:
            nb.cells[0].source = new
            nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    items = rows()
    if "--write" in argv:
        write_headers(items)
        items = rows()  # as palavras do cabeçalho contam
        readme = ROOT / "README.md"
        text = readme.read_text(encoding="utf-8")
        if BEGIN not in text:
            print(f"ERRO: o README não tem os marcadores {BEGIN} e {END}.")
            return 1
        start, end = text.index(BEGIN), text.index(END) + len(END)
        readme.write_text(text[:start] + readme_block(items) + text[end:], encoding="utf-8")
        print("README.md e cabeçalhos dos notebooks: tempos de aula regravados.")
    else:
        print(table(items))
    over = [r["notebook"] for r in items if not r["run"] or r["total"] > BUDGET_MINUTES]
    if over:
        print(
            f"Passam de {BUDGET_MINUTES} minutos (ou sem tempo de execução gravado): {', '.join(over)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
