"""O cache do Hugging Face Hub: onde estão, sem internet, os modelos e datasets **reais**.

Offline, antes de um substituto, :func:`find_local_model` procura o modelo de verdade: nas pastas de
``VARIANTES_MODELOS`` (a pasta que o professor aponta: um ``save_pretrained`` em ``PASTA/dono/nome``
ou um cache do Hugging Face) e no cache do Hugging Face desta máquina (:func:`hf_hub_cache`), onde fica
o que foi baixado uma vez com internet ou instalado pelo kit de aula. :func:`find_local_dataset` faz o
mesmo para os datasets.
"""

from __future__ import annotations

import os
from pathlib import Path

# Ids antigos (sem dono) e os novos do Hub apontam para o mesmo modelo; o cache guarda o id pedido.
ALIASES = {
    "distilbert-base-uncased": "distilbert/distilbert-base-uncased",
    "distilbert-base-cased": "distilbert/distilbert-base-cased",
    "distilbert-base-multilingual-cased": "distilbert/distilbert-base-multilingual-cased",
    "bert-base-uncased": "google-bert/bert-base-uncased",
    "bert-base-cased": "google-bert/bert-base-cased",
    "bert-large-uncased": "google-bert/bert-large-uncased",
    "bert-large-cased": "google-bert/bert-large-cased",
    "bert-base-multilingual-cased": "google-bert/bert-base-multilingual-cased",
    "bert-base-multilingual-uncased": "google-bert/bert-base-multilingual-uncased",
}
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
TOKENIZER_FILES = (
    "tokenizer.json",
    "vocab.txt",
    "sentencepiece.bpe.model",
    "spm.model",
    "vocab.json",
)


def hf_hub_cache() -> Path:
    """A pasta do cache do Hugging Face Hub desta máquina, lida das variáveis de ambiente na hora."""
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(name):
            return Path(os.environ[name]).expanduser()
    home = (
        os.environ.get("HF_HOME")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "huggingface"
    )
    return Path(home).expanduser() / "hub"


def model_folders() -> list[Path]:
    """As pastas de ``VARIANTES_MODELOS`` (separadas por ``:``), onde o professor deixa modelos reais."""
    raw = os.environ.get("VARIANTES_MODELOS", "")
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]


def _same_ids(repo_id: str) -> list[str]:
    """``repo_id`` e os outros nomes do mesmo modelo (o id antigo sem dono e o novo)."""
    ids = [repo_id]
    ids += [v for k, v in ALIASES.items() if k == repo_id] + [
        k for k, v in ALIASES.items() if v == repo_id
    ]
    return ids


def _complete_model(folder: Path) -> bool:
    """A pasta tem ``config.json``, pesos e tokenizador."""
    return (
        (folder / "config.json").is_file()
        and any((folder / f).is_file() for f in WEIGHT_FILES)
        and any((folder / f).is_file() for f in TOKENIZER_FILES)
    )


def _complete_dataset(folder: Path) -> bool:
    """A pasta tem algum arquivo de dados."""
    data = (".parquet", ".csv", ".json", ".jsonl", ".arrow", ".txt", ".tsv")
    return any(p.suffix in data and p.is_file() for p in folder.rglob("*"))


def cached_snapshot(cache: Path, repo_id: str, repo_type: str = "model") -> Path | None:
    """A pasta ``snapshots/<commit>`` de ``repo_id`` num cache do Hugging Face, se completa; senão ``None``.

    Segue ``refs/main``; sem ele, a mais recente. Completa: modelo com ``config.json``, pesos e
    tokenizador; dataset com algum arquivo de dados.
    """
    folder = Path(cache) / f"{repo_type}s--{repo_id.replace('/', '--')}"
    snapshots = folder / "snapshots"
    if not snapshots.is_dir():
        return None
    candidates = []
    ref = folder / "refs" / "main"
    if ref.is_file():
        candidates.append(snapshots / ref.read_text(encoding="utf-8").strip())
    candidates += sorted(
        (p for p in snapshots.iterdir() if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    complete = _complete_model if repo_type == "model" else _complete_dataset
    return next((c for c in candidates if c.is_dir() and complete(c)), None)


def _caches() -> list[Path]:
    """Os caches do Hugging Face onde procurar: os de ``VARIANTES_MODELOS`` e o desta máquina."""
    places = []
    for folder in model_folders():
        places += [folder, folder / "hub"]
    return places + [hf_hub_cache()]


def find_local_model(model_id: str) -> Path | None:
    """O modelo **real** ``model_id`` nesta máquina, sem rede: a pasta dele, ou ``None``.

    Procura em ``VARIANTES_MODELOS`` (``PASTA/dono/nome`` salvo com ``save_pretrained``, ou um
    cache do Hugging Face) e no cache do Hugging Face (:func:`hf_hub_cache`).
    """
    for repo_id in _same_ids(model_id.strip()):
        for folder in model_folders():
            if _complete_model(folder / repo_id):
                return folder / repo_id
        for cache in _caches():
            snap = cached_snapshot(cache, repo_id, "model")
            if snap is not None:
                return snap
    return None


def find_local_dataset(dataset_id: str) -> Path | None:
    """Os arquivos do dataset ``dataset_id`` do Hub num cache local (kit de aula, ``VARIANTES_MODELOS``) ou ``None``."""
    for cache in _caches():
        snap = cached_snapshot(cache, dataset_id.strip(), "dataset")
        if snap is not None:
            return snap
    return None
