"""Os pacotes opcionais da seção de produção (o extra ``producao``): quais faltam e como instalá-los.

:func:`helpers.production.ensure_installed`, a célula do notebook 06, usa estas funções: a lista do extra
lida dos metadados do pacote, os módulos que faltam e as versões já instaladas, que o pip recebe como
restrição para não trocar nada do que o Colab traz.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import re
import subprocess
import sys
import tempfile

EXTRA = "producao"


def extra_requirements(extra: str = EXTRA) -> list[str]:
    """As dependências do extra ``extra`` do pacote instalado (lidas dos metadados, a mesma lista do pyproject)."""
    try:
        requires = md.requires("variantes-bert") or []
    except md.PackageNotFoundError:
        return []
    marker = re.compile(r";\s*extra\s*==\s*[\"']%s[\"']" % re.escape(extra))
    return [marker.split(r)[0].strip() for r in requires if marker.search(r)]


def missing_modules(modules=("onnx", "onnxscript", "onnxruntime", "torchao")) -> list[str]:
    """Os módulos de ``modules`` que não estão instalados (sem importá-los)."""
    return [m for m in modules if importlib.util.find_spec(m) is None]


def installed_pins() -> list[str]:
    """``nome==versão`` de cada distribuição instalada (a primeira de cada nome, a que o ``import`` acha)."""
    from packaging.version import InvalidVersion, Version

    pins = {}
    for dist in md.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        try:
            Version(dist.version)
        except (InvalidVersion, TypeError):
            continue
        pins.setdefault(name, f"{name}=={dist.version}")
    return sorted(v for k, v in pins.items() if k)


def pip_install_keeping_installed(requirements: list[str]) -> None:
    """``pip install`` de ``requirements`` com a versão de cada pacote instalado como restrição (``-c``)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="instalados-") as constraints:
        constraints.write("\n".join(installed_pins()) + "\n")
        constraints.flush()
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "-c", constraints.name, *requirements],
            check=True,
        )
