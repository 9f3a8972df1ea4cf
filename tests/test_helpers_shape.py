"""``helpers`` é o que as aulas compartilham, e pequeno: módulos curtos, funções curtas, nada só de ferramentas."""

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HELPERS = sorted((ROOT / "helpers").glob("*.py"))
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60

pytestmark = pytest.mark.static


def _notebook_code() -> str:
    return "\n".join(
        "".join(c["source"])
        for nb in sorted((ROOT / "notebooks").glob("*.ipynb"))
        for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]
        if c["cell_type"] == "code"
    )


def test_modules_are_short():
    long = {
        p.name: n
        for p in HELPERS
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"módulos de helpers com mais de {MAX_MODULE_LINES} linhas: {long}"


def test_functions_are_short():
    long = {}
    for p in HELPERS:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long[f"{p.name}:{node.name}"] = size
    assert not long, f"funções de helpers com mais de {MAX_FUNCTION_LINES} linhas: {long}"


def test_notebooks_import_only_helpers_from_the_project():
    code = _notebook_code()
    assert not re.search(r"^\s*(from|import)\s+(commands|scripts|benchmarks|tests)\b", code, re.M)


def _names_used(tree) -> list[str]:
    """Os nomes que o código usa (variáveis, atributos, imports), sem docstrings nem comentários."""
    used = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.append(node.id)
        elif isinstance(node, ast.Attribute):
            used.append(node.attr)
        elif isinstance(node, ast.alias):
            used.append(node.name.rsplit(".", 1)[-1])
    return used


def _notebook_text() -> str:
    """Tudo o que o aluno lê num notebook: código, markdown e as saídas em texto (onde uma aula manda chamar algo)."""
    parts = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            parts.append("".join(cell["source"]))
            for out in cell.get("outputs", []):
                parts.append("".join(out.get("text", "")))
                for kind in ("text/plain", "text/markdown"):
                    parts.append("".join(out.get("data", {}).get(kind, "")))
    return "\n".join(parts)


def test_every_public_helper_serves_a_lesson():
    """Um nome público de ``helpers`` é usado (no código, não numa docstring) por um notebook ou por helpers."""
    notebooks = _notebook_text()
    trees = {p.stem: ast.parse(p.read_text(encoding="utf-8")) for p in HELPERS}
    used = {stem: _names_used(tree) for stem, tree in trees.items()}
    unused = []
    for stem, tree in trees.items():
        if stem == "__init__":
            continue
        for node in tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) or node.name.startswith("_"):
                continue
            word = re.compile(rf"\b{re.escape(node.name)}\b")
            inside = node.name in used[stem]
            elsewhere = any(node.name in names for s, names in used.items() if s != stem)
            if not (word.search(notebooks) or inside or elsewhere):
                unused.append(f"{stem}.{node.name}")
    assert not unused, (
        f"nomes de helpers que nenhuma aula usa (mova para scripts/ ou commands/): {unused}"
    )
