"""Gera ``helpers/lessonNN.py`` a partir das células marcadas com ``# @save`` nos notebooks (como o d2l).

    python scripts/nbsave.py           # grava os módulos gerados (o mesmo que make save)
    python scripts/nbsave.py --check   # só confere: sai com 1 e diz o que difere (o teste static usa isto)

Uma célula de código cuja primeira linha é ``# @save`` (o d2l escreve ``#@save``; o ``ruff format`` põe o
espaço, e as duas formas valem) é código que um notebook seguinte, um comando ou
outro helper reaproveita. O texto dela vai, na ordem do notebook, para ``helpers/lessonNN.py`` (NN: o
número do notebook); a função ou classe continua escrita uma vez só, na aula que a ensina. A célula tem de
ser autossuficiente: os ``import`` de que precisa ficam nela. A docstring de cada função ou classe do topo
ganha a linha "Mostrada no notebook NN, seção S." (a seção é o último título ``## S. ...`` antes da célula).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = "# @save"
HEADER = '''"""Código das aulas do notebook {nn} ({name}), gerado por ``scripts/nbsave.py``: não edite aqui.

Cada bloco é uma célula marcada com ``# @save`` em ``notebooks/{name}.ipynb``. Para mudar uma função, mude a
célula no notebook e rode ``make save``; um teste confere que este arquivo e as células são iguais.
"""
# ruff: noqa: E402, F811
'''


def marked_cells(notebook: Path) -> list[tuple[str, str]]:
    """``(seção, código sem a marca)`` de cada célula ``# @save`` de ``notebook``, na ordem."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    section, out = "", []
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for line in source.splitlines():
                found = re.match(r"##\s+(\d+)\.\s", line)
                if found:
                    section = found.group(1)
        elif cell["cell_type"] == "code" and re.match(r"#\s?@save\b", source.lstrip()):
            first, _, rest = source.lstrip().partition("\n")
            if not re.fullmatch(r"#\s?@save", first.strip()):
                raise SystemExit(
                    f"{notebook.name}: a marca é a linha '{MARK}' sozinha, no topo da célula "
                    f"(achei '{first.strip()}')."
                )
            out.append((section, rest.strip("\n")))
    return out


def with_origin(code: str, nn: str, section: str, notebook: str) -> str:
    """``code`` com "Mostrada no notebook NN, seção S." na docstring de cada função e classe do topo."""
    where = (
        f"Mostrada no notebook {nn}, seção {section}." if section else f"Mostrada no notebook {nn}."
    )
    lines = code.splitlines()
    tree = ast.parse(code)
    for node in reversed(tree.body):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        doc = node.body[0] if node.body else None
        if not (
            isinstance(doc, ast.Expr)
            and isinstance(doc.value, ast.Constant)
            and isinstance(doc.value.value, str)
        ):
            raise SystemExit(
                f"{notebook}: '{node.name}' (célula # @save) precisa de uma docstring em português."
            )
        last = doc.end_lineno - 1
        indent = " " * doc.col_offset
        text = lines[last]
        quote = text.rstrip()[-3:]
        body = text.rstrip()[:-3].rstrip()
        kept = (
            [body] if body.strip() else []
        )  # o fecho sozinho na última linha: nada a manter antes dele
        lines[last : last + 1] = [*kept, "", f"{indent}{where}", f"{indent}{quote}"]
    return "\n".join(lines)


def generate(notebook: Path) -> str | None:
    """O texto de ``helpers/lessonNN.py`` para ``notebook`` (``None`` se ele não tem células ``# @save``)."""
    cells = marked_cells(notebook)
    if not cells:
        return None
    nn = notebook.name[:2]
    parts = [HEADER.format(nn=nn, name=notebook.stem)]
    for section, code in cells:
        parts.append(
            f"\n# --- seção {section or '?'} do notebook {nn}\n"
            + with_origin(code, nn, section, notebook.name)
            + "\n"
        )
    return "".join(parts)


def targets(
    notebooks_dir: Path = ROOT / "notebooks", helpers_dir: Path = ROOT / "helpers"
) -> dict[Path, str | None]:
    """``{módulo gerado: texto}``; ``None`` para um ``lessonNN.py`` cujo notebook não tem mais células marcadas."""
    out = {}
    for notebook in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb")):
        out[helpers_dir / f"lesson{notebook.name[:2]}.py"] = generate(notebook)
    for stale in helpers_dir.glob("lesson[0-9][0-9].py"):
        out.setdefault(stale, None)
    return out


def differences(
    notebooks_dir: Path = ROOT / "notebooks", helpers_dir: Path = ROOT / "helpers"
) -> list[str]:
    """Os módulos gerados que não batem com as células marcadas (vazio: tudo em dia)."""
    out = []
    for path, text in targets(notebooks_dir, helpers_dir).items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            out.append(
                path.name
                + (
                    " sobra (o notebook não tem mais # @save)"
                    if text is None
                    else " falta"
                    if current is None
                    else " difere das células # @save"
                )
            )
    return out


def write(
    notebooks_dir: Path = ROOT / "notebooks", helpers_dir: Path = ROOT / "helpers"
) -> list[str]:
    """Grava (ou apaga) os módulos gerados; devolve os nomes que mudaram."""
    changed = []
    for path, text in targets(notebooks_dir, helpers_dir).items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if text is None:
            path.unlink()
        else:
            path.write_text(text, encoding="utf-8")
        changed.append(path.name)
    return changed


def main(argv=None) -> int:
    sys.path.insert(0, str(ROOT))
    from commands.cli import Parser

    ap = Parser(description="Gera helpers/lessonNN.py das células # @save dos notebooks.")
    ap.add_argument("--check", action="store_true", help="só confere; sai com 1 se algo difere")
    ap.add_argument(
        "--notebooks", type=Path, default=ROOT / "notebooks", help="pasta dos notebooks"
    )
    ap.add_argument(
        "--helpers", type=Path, default=ROOT / "helpers", help="pasta onde os módulos vão"
    )
    opts = ap.parse_args(argv)
    if opts.check:
        diff = differences(opts.notebooks, opts.helpers)
        for line in diff:
            print(f"{line}: rode make save", file=sys.stderr)
        return 1 if diff else 0
    changed = write(opts.notebooks, opts.helpers)
    print("gerados: " + (", ".join(changed) if changed else "nada mudou"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
