"""Dados do projeto num lugar só: endereço do repositório e pastas.

Publicar a série num outro endereço é mudar ``REPO_URL`` aqui (e rodar
``make sync``, que regrava os badges e a célula de instalação dos notebooks).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_URL = "https://github.com/variantes-bert/variantes-bert"
BRANCH = "main"
COLAB_DIR = "/content/variantes-bert"


def data_dir() -> Path:
    """Pasta ``data/`` da série.

    Procura, nesta ordem: a variável ``VARIANTES_DATA``; a pasta ``data/`` ao lado
    do pacote (instalação com ``pip install -e .``); a pasta de trabalho e suas
    mães; o clone feito no Colab.
    """
    candidates = []
    if os.environ.get("VARIANTES_DATA"):
        candidates.append(Path(os.environ["VARIANTES_DATA"]))
    candidates.append(Path(__file__).resolve().parents[1] / "data")
    cwd = Path.cwd().resolve()
    candidates += [p / "data" for p in (cwd, *cwd.parents)]
    candidates.append(Path(COLAB_DIR) / "data")
    for c in candidates:
        if (c / "avaliacoes_ptbr").is_dir():
            return c
    raise FileNotFoundError(
        "Não encontrei a pasta data/ da série (com data/avaliacoes_ptbr). "
        "Rode o notebook de dentro do repositório clonado ou defina a variável "
        "de ambiente VARIANTES_DATA com o caminho da pasta data/."
    )


def cache_dir() -> Path:
    """Pasta de cache da série (modelos substitutos construídos na primeira vez)."""
    base = os.environ.get("VARIANTES_CACHE") or Path.home() / ".cache" / "variantes-bert"
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path
