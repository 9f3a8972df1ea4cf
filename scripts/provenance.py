"""De onde vêm as saídas versionadas de cada notebook: o hash do que as produziu, a execução, a data e a CPU.

O ``make notebooks`` (``scripts/run_notebooks.py --inplace``) grava em ``metadata.provenance`` de cada
notebook o :func:`input_hash` dele e o mesmo ``run_id`` para os seis. A camada static
(``tests/test_provenance.py``) recalcula o hash e falha quando um notebook versionado já não é o que o código
de hoje produz, ou quando os seis vêm de execuções diferentes.

O hash cobre: as células de código do notebook; os módulos de ``helpers`` que ele importa (e os que esses
importam); os arquivos de ``data/``; a trava ``requirements/lock.txt``. O markdown, o README e os testes não
entram: mudá-los não muda o que a execução produz.

    python scripts/provenance.py            # mostra, para cada notebook, se a proveniência confere
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import os
import platform
import sys
import uuid
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
KEY = "provenance"


def helpers_imported(sources: list[str], root: Path = ROOT) -> list[str]:
    """Os módulos de ``helpers`` que ``sources`` importam, direta ou indiretamente (nomes como ``"prose"``)."""
    available = {p.stem for p in (root / "helpers").glob("*.py")} - {"__init__"}
    found: set[str] = set()
    pending = list(sources) + [(root / "helpers" / "__init__.py").read_text(encoding="utf-8")]
    while pending:
        try:
            tree = ast.parse(pending.pop())
        except SyntaxError:  # uma célula com mágica do IPython (%...): nenhuma importa helpers
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if (
                    node.level == 1 or module == "helpers"
                ):  # from . import x / from helpers import x
                    names = [module] if node.level == 1 and module else [a.name for a in node.names]
                elif module.startswith("helpers."):
                    names = [module.split(".")[1]]
            elif isinstance(node, ast.Import):
                names = [a.name.split(".")[1] for a in node.names if a.name.startswith("helpers.")]
            for name in names:
                if name in available and name not in found:
                    found.add(name)
                    pending.append((root / "helpers" / f"{name}.py").read_text(encoding="utf-8"))
    return sorted(found)


def inputs(notebook: Path, root: Path = ROOT) -> list[Path]:
    """Os arquivos que entram no hash de ``notebook``, além das células dele."""
    cells = code_cells(notebook)
    files = [root / "helpers" / "__init__.py"] + [
        root / "helpers" / f"{m}.py" for m in helpers_imported(cells, root)
    ]
    files += sorted(p for p in (root / "data").rglob("*") if p.is_file())
    return files + [root / "requirements" / "lock.txt"]


def code_cells(notebook: Path) -> list[str]:
    nb = nbformat.read(notebook, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def input_hash(notebook: Path, root: Path = ROOT) -> str:
    """SHA-256 das células de código de ``notebook`` e de :func:`inputs` (caminho e conteúdo de cada arquivo)."""
    digest = hashlib.sha256()
    for source in code_cells(notebook):
        digest.update(b"cell\0" + source.encode("utf-8") + b"\0")
    for path in inputs(notebook, root):
        digest.update(
            str(path.relative_to(root)).encode("utf-8") + b"\0" + path.read_bytes() + b"\0"
        )
    return digest.hexdigest()


def new_run() -> dict:
    """O que os seis notebooks de uma execução completa compartilham: id, data, CPU, perfil."""
    return {
        "run_id": uuid.uuid4().hex[:12],
        "date": dt.date.today().isoformat(),
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "offline": os.environ.get("HF_HUB_OFFLINE") == "1",
    }


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def record(notebook: Path, run: dict, input_digest: str, seconds: float | None = None) -> None:
    """Grava a proveniência em ``metadata.provenance`` de ``notebook`` (já executado), com o tempo da execução."""
    nb = nbformat.read(notebook, as_version=4)
    nb.metadata[KEY] = {
        **run,
        "input_hash": input_digest,
        **({"seconds": round(seconds, 1)} if seconds else {}),
    }
    nbformat.write(nb, notebook)


def recorded(notebook: Path) -> dict:
    return dict(nbformat.read(notebook, as_version=4).metadata.get(KEY, {}))


def problems(notebooks: list[Path], root: Path = ROOT) -> list[str]:
    """O que não confere: hash diferente, proveniência ausente, execuções diferentes. Vazio: tudo certo."""
    found, runs = [], set()
    for path in notebooks:
        meta = recorded(path)
        if not meta:
            found.append(f"{path.name}: sem proveniência (metadata.{KEY}).")
            continue
        runs.add(meta.get("run_id"))
        if meta.get("input_hash") != input_hash(path, root):
            found.append(
                f"{path.name}: o código, os helpers que ele importa, os dados ou a trava mudaram depois da "
                f"execução {meta.get('run_id')} de {meta.get('date')}."
            )
        if not meta.get("offline"):
            found.append(
                f"{path.name}: a execução {meta.get('run_id')} não foi no perfil offline (HF_HUB_OFFLINE=1)."
            )
    if len(runs) > 1:
        found.append(
            f"os notebooks vêm de execuções diferentes ({', '.join(sorted(map(str, runs)))})."
        )
    return found


def main() -> int:
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    found = problems(notebooks)
    for line in found:
        print(line)
    if found:
        print(
            "As saídas versionadas não são mais o que o código produz: rode `make notebooks` e versione o resultado."
        )
        return 1
    print(
        f"Os {len(notebooks)} notebooks vêm da execução {recorded(notebooks[0])['run_id']} e conferem."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
