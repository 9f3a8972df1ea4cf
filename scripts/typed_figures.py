"""A regra dos números digitados: nenhum número medido no markdown sem a fonte.

    python scripts/typed_figures.py notebooks/*.ipynb README.md   # lista o que viola a regra

Um **número com cara de medida** é: um decimal com vírgula (``0,62``), um decimal que
começa com zero (``0.62``) ou um número com unidade de medida (``%``, ``×``, ``ms``, ``s``,
``min``, ``MB``, ``GB``, ``M`` de milhões, ``pontos``). Inteiros soltos (``12 camadas``,
``lote de 32``) são configuração, não medida. Não contam o código (entre crases ou em
blocos), a matemática (``$...$``) e os endereços de links.

Cada trecho de texto (um parágrafo, um item de lista, uma tabela junto com o parágrafo
que a apresenta, um título) que tem um número desses precisa trazer a **fonte** no
próprio trecho:

* um artigo: ``arXiv 1910.01108`` ou ``et al.``;
* uma medida feita fora da execução (tempos do README, por exemplo): ``medido com `comando```
  e a data no formato ``2026-12-01``.

O resto (tudo o que a execução mede) vai para a saída das células, escrito por
``helpers.prose.say`` a partir dos valores.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

FIGURE = re.compile(
    r"""
    (?<![\w.,])[~≈±+\-−]?\d+(?:[.,]\d+)?\s?(?:%|×|(?:ms|s|min|MB|GB|M|x|pontos?)(?![\w]))
  | (?<![\w.,])\d+,\d+(?![\w])
  | (?<![\w.,])0\.\d+(?![\w.])
""",
    re.X,
)
SOURCE = re.compile(
    r"arXiv\s*\d{4}\.\d{4,5}|et al\.|medid[oa]s? com `[^`]+`[\s\S]*?\d{4}-\d{2}-\d{2}"
    r"|\d{4}-\d{2}-\d{2}[\s\S]*?medid[oa]s? com `[^`]+`"
)
# trechos escritos por um comando (não digitados): o tempo de aula (class_time.py) e a tabela do make compat
GENERATED = re.compile(r"<!-- (tempo|compat):início -->.*?<!-- \1:fim -->", re.S)
HIDE = [
    re.compile(p, re.S)
    for p in (
        r"```.*?```",
        r"\$\$.*?\$\$",
        r"\$[^$\n]+\$",
        r"`[^`\n]+`",
        r"\]\([^)]*\)",
        r"<[^>\n]+>",
        r"https?://\S+",
    )
]


def _visible(text: str) -> str:
    for pattern in HIDE:
        text = pattern.sub(" ", text)
    return text


def blocks(markdown: str) -> list[str]:
    """Trechos em que a fonte precisa aparecer: parágrafos, itens de lista, títulos e tabelas."""
    out, cur = [], []

    def flush():
        if cur:
            out.append("\n".join(cur))
            cur.clear()

    in_table = False
    for line in markdown.splitlines():
        stripped = line.strip()
        is_table = stripped.startswith("|")
        if not stripped:
            flush()
            in_table = False
        elif is_table:
            if not in_table and out and not cur and not out[-1].lstrip().startswith("#"):
                cur.append(out.pop())  # a tabela vai junto com o parágrafo que a apresenta
            in_table = True
            cur.append(line)
        elif re.match(r"^\s*(?:[-*]|\d+\.)\s", line) or stripped.startswith("#"):
            flush()
            cur.append(line)
            if stripped.startswith("#"):
                flush()
        else:
            if in_table:
                flush()
                in_table = False
            cur.append(line)
    flush()
    return out


def typed_figures(markdown: str) -> list[tuple[str, str]]:
    """``(número, trecho)`` para cada número com cara de medida sem fonte no seu trecho."""
    found = []
    for block in blocks(GENERATED.sub(" ", markdown)):
        visible = _visible(block)
        if SOURCE.search(block):
            continue
        for m in FIGURE.finditer(visible):
            found.append((m.group(0).strip(), " ".join(block.split())[:160]))
    return found


def markdown_of(path: Path) -> str:
    """O markdown de um notebook (células de texto) ou de um arquivo ``.md``."""
    if path.suffix == ".ipynb":
        import nbformat

        nb = nbformat.read(path, as_version=4)
        return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


def main(paths) -> int:
    bad = 0
    for p in map(Path, paths):
        for figure, block in typed_figures(markdown_of(p)):
            bad += 1
            print(f"{p}: «{figure}» sem fonte em: {block}")
    print(f"{bad} número(s) digitado(s) sem fonte." if bad else "Nenhum número digitado sem fonte.")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
