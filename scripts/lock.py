"""Gera ``requirements/lock.txt``: as versões exatas que o ``make test`` (e o CI) instalam.

    python scripts/lock.py          # o mesmo que make lock

Cria um ambiente novo em ``build/lock-venv``, instala o PyTorch de ``requirements/torch.txt`` e a série
com todos os extras, sem restrição (o que o pip resolve hoje), e grava o ``pip freeze`` como arquivo de
restrições (``pip install -c requirements/lock.txt``). Versões locais (``+cpu``) saem da trava: ``==2.13.0``
aceita tanto o build de CPU quanto o do PyPI. A trava vale para Linux x86-64 com Python 3.11 (o CI e as
máquinas da série); noutra plataforma o pip avisa do que não existir. As versões mais novas continuam
testadas pelo ``make compat`` (ambiente ``current``, sem trava).
"""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock.txt"
TORCH = ROOT / "requirements" / "torch.txt"
EXTRAS = "test,offline,producao,busca,lab"


def torch_spec(path: Path = TORCH) -> str:
    """A linha ``torch==X`` de ``requirements/torch.txt`` (a única fixação do PyTorch na série)."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    specs = [ln for ln in lines if ln and not ln.startswith("#")]
    if len(specs) != 1 or not re.fullmatch(r"torch==[0-9][0-9a-z.]*", specs[0]):
        raise SystemExit(
            f"ERRO: {path} deve ter uma linha só, no formato torch==X.Y.Z (achei {specs})"
        )
    return specs[0]


def parse_lock(text: str) -> dict[str, str]:
    """``nome normalizado → versão`` das linhas ``nome==versão`` (comentários e opções ficam de fora)."""
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)(\s*;.*)?", line)
        if m:
            pins[normalize(m.group(1))] = m.group(2)
    return pins


def normalize(name: str) -> str:
    """Nome de pacote normalizado (PEP 503): ``Jinja2`` e ``jinja2`` são o mesmo."""
    return re.sub(r"[-_.]+", "-", name).lower()


def public(version: str) -> str:
    """``2.13.0+cpu`` → ``2.13.0``."""
    return version.split("+", 1)[0]


def main() -> int:
    venv = ROOT / "build" / "lock-venv"
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    pip = [py, "-m", "pip", "install", "-q", *sys.argv[1:]]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + [torch_spec()], check=True)
    subprocess.run(pip + [f"{ROOT}[{EXTRAS}]"], check=True)
    freeze = subprocess.run(
        [py, "-m", "pip", "freeze", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pins = {name: public(v) for name, v in parse_lock(freeze).items() if name != "variantes-bert"}
    header = (
        f"# Gerado por `make lock` (scripts/lock.py): não edite à mão.\n"
        f"# Python {platform.python_version()}, {platform.system()} {platform.machine()}, extras "
        f"[{EXTRAS}]. O make install usa este arquivo como restrição (pip install -c).\n"
    )
    LOCK.write_text(
        header + "".join(f"{n}=={v}\n" for n, v in sorted(pins.items())), encoding="utf-8"
    )
    print(f"{LOCK.relative_to(ROOT)}: {len(pins)} pacotes fixados")
    return 0


if __name__ == "__main__":
    sys.exit(main())
