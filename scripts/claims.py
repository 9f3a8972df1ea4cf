"""Lista as afirmações conferidas (``prose.check``) de cada notebook e diz quais só valem na execução completa.

    python scripts/claims.py          # notebook, célula, [completa] e o texto da afirmação

Uma afirmação marcada ``full_run=True`` (um tempo medido, um resultado de treino inteiro) é avaliada nas
execuções curtas (o CI, o ``make smoke``) sem interromper nada, e conferida no ``make notebooks``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
# nomes de valores que vêm de um relógio: uma afirmação sobre eles só vale na execução completa
TIMING_NAMES = ("razao", "speedup", "latency", "latencia", "_ms", "seconds", "segundos")


def claims(notebook: Path) -> list[dict]:
    """Cada ``prose.check`` do notebook: célula, condição (texto), afirmação e se é ``full_run``."""
    found = []
    for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "check"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "prose"
            ):
                flag = next((k.value for k in node.keywords if k.arg == "full_run"), None)
                found.append(
                    {
                        "cell": index,
                        "condition": ast.unparse(node.args[0]),
                        "claim": ast.unparse(node.args[1]) if len(node.args) > 1 else "",
                        "full_run": isinstance(flag, ast.Constant) and flag.value is True,
                    }
                )
    return found


def depends_on_a_clock(claim: dict) -> bool:
    return any(name in claim["condition"].lower() for name in TIMING_NAMES)


def main() -> int:
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for c in claims(path):
            mark = "[completa]" if c["full_run"] else "          "
            print(f"{path.name[:2]} célula {c['cell']:>2} {mark} {c['claim'][:100]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
