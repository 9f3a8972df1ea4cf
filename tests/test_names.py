"""Um nome por coisa nos notebooks: um módulo de helpers se chama pelo próprio nome, e nenhuma variável do
notebook tem o nome de um módulo de helpers que ele importa (``data = ...`` depois de ``from helpers import data``
esconde o módulo das células seguintes)."""

import ast
import re
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.static

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MODULES = {p.stem for p in (ROOT / "helpers").glob("*.py") if p.stem != "__init__"}


def code_cells(notebook: Path) -> list[tuple[int, ast.Module]]:
    """``(índice da célula, código)`` de cada célula de código (linhas de magia do IPython, ``%`` e ``!``, fora)."""
    cells = nbformat.read(notebook, as_version=4).cells
    return [
        (
            i,
            ast.parse(
                "\n".join(line for line in c.source.splitlines() if not re.match(r"\s*[%!]", line))
            ),
        )
        for i, c in enumerate(cells)
        if c.cell_type == "code"
    ]


def helpers_imports(tree: ast.AST) -> list[tuple[str, str | None, int]]:
    """``(módulo de helpers, apelido ou None, linha)`` para cada módulo de helpers importado."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "helpers":
            found += [(a.name, a.asname, node.lineno) for a in node.names if a.name in MODULES]
        elif isinstance(node, ast.Import):
            found += [
                (a.name.split(".")[1], a.asname, node.lineno)
                for a in node.names
                if a.name.startswith("helpers.") and a.name.split(".")[1] in MODULES
            ]
    return found


def bound_names(tree: ast.AST) -> list[tuple[str, int]]:
    """``(nome, linha)`` de tudo o que o código do notebook liga a um valor: atribuições (também em ``for``,
    ``with ... as``, compreensões e ``:=``), ``def``/``class``, parâmetros de função e ``except ... as``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.append((node.id, node.lineno))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append((node.name, node.lineno))
        elif isinstance(node, ast.arg):
            found.append((node.arg, node.lineno))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.append((node.name, node.lineno))
    return found


def test_the_rule_catches_both_cases():
    """As duas regras, num trecho pequeno: o apelido de um módulo e a variável com o nome de um módulo."""
    tree = ast.parse(
        "from helpers import data as data_helpers, prose\nimport helpers.metrics\n"
        "prose = 1\nfor metrics in []: pass\n"
    )
    assert [(m, a) for m, a, _ in helpers_imports(tree)] == [
        ("data", "data_helpers"),
        ("prose", None),
        ("metrics", None),
    ]
    assert {"prose", "metrics"} <= {name for name, _ in bound_names(tree)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_helpers_modules_keep_their_names_in_the_notebooks(path):
    """``from helpers import data``, nunca ``from helpers import data as data_helpers``: o aluno vê o mesmo nome
    no notebook, no pacote e nas mensagens de erro; e nenhuma variável do notebook se chama ``data``, ``prose``...
    se ele importa o módulo com esse nome."""
    cells = code_cells(path)
    imports = [
        (i, module, alias) for i, tree in cells for module, alias, _ in helpers_imports(tree)
    ]
    problems = [
        f"célula {i}: o módulo helpers.{module} importado como {alias!r}"
        for i, module, alias in imports
        if alias and alias != module
    ]
    imported = {module for _, module, _ in imports} | {"helpers"}
    problems += [
        f"célula {i}: {name!r} é também o nome de um módulo de helpers importado no notebook"
        for i, tree in cells
        for name, _ in bound_names(tree)
        if name in imported
    ]
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)
