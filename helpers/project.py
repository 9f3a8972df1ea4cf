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


def repo_slug() -> str:
    """Devolve ``dono/repositorio`` a partir de ``REPO_URL``."""
    return REPO_URL.rstrip("/").removeprefix("https://github.com/")


def colab_url(notebook: str) -> str:
    """Endereço do notebook ``notebooks/<notebook>`` aberto no Google Colab."""
    return f"https://colab.research.google.com/github/{repo_slug()}/blob/{BRANCH}/notebooks/{notebook}"


def colab_badge(notebook: str) -> str:
    """Badge em Markdown "Abrir no Colab" para um notebook."""
    img = "https://colab.research.google.com/assets/colab-badge.svg"
    return f"[![Abrir no Colab]({img})]({colab_url(notebook)})"


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
