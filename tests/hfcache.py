"""Escreve uma entrada do cache do Hugging Face Hub como o ``huggingface_hub`` escreve:
``models--dono--nome/blobs/<sha256>``, ``snapshots/<commit>/<arquivo>`` (links para os blobs) e ``refs/main``."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def write_cache_entry(
    cache: Path,
    repo_id: str,
    files: dict[str, Path | bytes],
    repo_type: str = "model",
    commit: str = "0123456789abcdef0123456789abcdef01234567",
) -> Path:
    """Grava ``files`` (nome no repositório → arquivo ou bytes) em ``cache``; devolve a pasta do snapshot."""
    folder = Path(cache) / f"{repo_type}s--{repo_id.replace('/', '--')}"
    (folder / "blobs").mkdir(parents=True, exist_ok=True)
    (folder / "refs").mkdir(exist_ok=True)
    snapshot = folder / "snapshots" / commit
    for name, content in files.items():
        raw = content if isinstance(content, bytes) else Path(content).read_bytes()
        blob = folder / "blobs" / hashlib.sha256(raw).hexdigest()
        blob.write_bytes(raw)
        target = snapshot / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(blob, target.parent), target)
    (folder / "refs" / "main").write_text(commit)
    return snapshot


def write_cached_model(cache: Path, repo_id: str, source: Path) -> Path:
    """Copia para o cache, sob ``repo_id``, os arquivos de um modelo salvo em ``source`` (``save_pretrained``)."""
    files = {p.name: p for p in Path(source).iterdir() if p.is_file()}
    return write_cache_entry(cache, repo_id, files)
