"""O que o aluno vê é só a lição: as saídas versionadas sem caminhos da máquina, sem dicionários de log em
inglês e com vírgula decimal.

    python scripts/output_hygiene.py              # lista o que sobrou em notebooks/*.ipynb

Confere os textos das saídas (streams, text/plain, text/markdown, text/html; imagens e o repr em texto de um
widget não). Números com ponto decimal contam; ficam de fora o separador de milhar brasileiro (``1.203``),
versões (``5.24.0``) e números de artigos do arXiv (``arXiv 1910.01108``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
ABSOLUTE_PATH = re.compile(
    r"(?<![\w.~])/(?:work|tmp|root|home|usr|opt|var|private|Users)/[^\s'\"<>)]*"
)
LOG_KEY = re.compile(
    r"""['"](?:loss|eval_loss|train_loss|train_runtime|learning_rate|grad_norm|epoch|eval_runtime|"""
    r"""train_samples_per_second|eval_samples_per_second|total_flos)['"]\s*:"""
)
DECIMAL_POINT = re.compile(
    r"(?<!arXiv )(?<![\w.,/\-])(?:0\.\d+|[1-9]\d{0,2}\.(?!\d{3}(?![\d.]))\d+|[1-9]\d{3,}\.\d+)(?![\w.])"
)
TEXT_TYPES = ("text/plain", "text/markdown", "text/html")
WIDGET_REPR = re.compile(r"\b[A-Z]\w*\((?:children|value|description)=[^\n]{0,40}")
HTML_NOISE = re.compile(r"<style.*?</style>|<[^>]+>", re.S)


def output_texts(cell) -> list[str]:
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            texts.append(out.get("text", ""))
        for mime in (
            TEXT_TYPES
        ):  # o text/plain de um widget é o que se vê onde ele não é desenhado (GitHub, nbviewer)
            value = out.get("data", {}).get(mime)
            if value:
                value = value if isinstance(value, str) else "".join(value)
                texts.append(HTML_NOISE.sub(" ", value) if mime == "text/html" else value)
    return texts


def problems(notebook: Path) -> list[str]:
    """``"célula N: tipo: trecho"`` para cada caminho absoluto, chave de log em inglês e ponto decimal."""
    found = []
    for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        if cell.cell_type != "code":
            continue
        for text in output_texts(cell):
            for kind, pattern in (
                ("caminho da máquina", ABSOLUTE_PATH),
                ("log em inglês", LOG_KEY),
                ("ponto decimal", DECIMAL_POINT),
                ("repr em inglês", WIDGET_REPR),
            ):
                found += [
                    f"célula {index}: {kind}: {m.group(0)[:60]}" for m in pattern.finditer(text)
                ]
    return found


def main(paths: list[str]) -> int:
    notebooks = [Path(p) for p in paths] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    total = 0
    for path in notebooks:
        for line in problems(path):
            total += 1
            print(f"{path.name}: {line}")
    print(f"{total} problema(s) nas saídas." if total else "Saídas limpas.")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
