"""Preparação do ambiente: versões, dispositivo, sementes e perfil (online/offline)."""

from __future__ import annotations

import logging
import os
import platform
import random
import sys

import numpy as np


def in_colab() -> bool:
    """``True`` quando o código roda no Google Colab."""
    return "google.colab" in sys.modules or os.path.isdir("/content/sample_data")


def is_offline() -> bool:
    """``True`` no perfil offline (``HF_HUB_OFFLINE=1``): nada é baixado do Hub."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def get_device() -> str:
    """Devolve ``"cuda"``, ``"mps"`` ou ``"cpu"``, o melhor disponível."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def seed_everything(seed: int = 42) -> int:
    """Fixa as sementes de ``random``, NumPy e PyTorch (CPU e GPU) numa chamada só."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    try:
        import transformers

        transformers.set_seed(seed)
    except Exception:  # pragma: no cover - transformers sempre presente na série
        pass
    return seed


def library_versions() -> dict[str, str]:
    """Versões das bibliotecas usadas pela série."""
    import importlib.metadata as md

    versions = {"python": platform.python_version()}
    for name in ["torch", "transformers", "datasets", "evaluate", "accelerate", "variantes-bert"]:
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = "não instalado"
    return versions


# Avisos de biblioteca que não pedem nada ao aluno e sujariam toda saída: logger → trechos da mensagem.
# O torchao (extra ``producao``) é importado pelo transformers ao carregar qualquer modelo; na CPU ele diz
# que não achou as extensões de GPU e o torch reclama de como o torchao registra dois Enums.
KNOWN_NOISE = {
    "torchao": (("Failed to load", ".so"),),
    "torch.utils._pytree": (("is an Enum subclass", "register_constant"),),
}


class _DropKnownNoise(logging.Filter):
    """Descarta só os registros cujas mensagens contêm todos os trechos de uma entrada de :data:`KNOWN_NOISE`."""

    def __init__(self, patterns):
        super().__init__()
        self.patterns = patterns

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(all(part in message for part in parts) for parts in self.patterns)


def quiet_known_noise() -> None:
    """Põe nos loggers de :data:`KNOWN_NOISE` um filtro que tira só essas mensagens (as outras passam).

    Chamado ao importar ``helpers``; chamar de novo não acrescenta outro filtro.
    """
    for name, patterns in KNOWN_NOISE.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropKnownNoise) for f in logger.filters):
            logger.addFilter(_DropKnownNoise(patterns))


def decimal_comma_tables() -> None:
    """Tabelas do pandas com vírgula decimal, como o texto e os gráficos da série."""
    import pandas as pd

    from .prose import table_number

    pd.set_option("display.float_format", table_number)


OFFLINE_SOURCES = (
    "cada modelo do Hub vem do cache local, se estiver lá, ou vira um substituto local (o notebook "
    "avisa qual); os dados vêm de data/."
)


def profile_line() -> str:
    """A linha do perfil, dita uma vez e **depois** de perguntar ao Hub se ele responde.

    Sem ``HF_HUB_OFFLINE`` e sem rede, :func:`helpers.net.ensure_hub` passa a sessão para o perfil
    offline antes desta linha: o aluno não lê «ONLINE» e, células depois, o contrário.
    """
    from . import net

    if not is_offline():
        net.ensure_hub(verbose=False)
    reason = net.switch_reason()
    if reason:
        return (
            f"Perfil: OFFLINE, porque o Hugging Face Hub ({net.hub_endpoint()}) não respondeu ({reason}): "
            f"{OFFLINE_SOURCES} Para não esperar essa pergunta, defina HF_HUB_OFFLINE=1 antes de começar; para "
            'os modelos reais sem internet, veja a página "Aula sem internet" (docs/aula-sem-internet.md).'
        )
    if is_offline():
        return f"Perfil: OFFLINE (HF_HUB_OFFLINE=1): {OFFLINE_SOURCES}"
    return "Perfil: ONLINE: modelos e datasets vêm do Hugging Face Hub."


def setup_notebook(seed: int = 42, quiet_libraries: bool = True) -> str:
    """Prepara um notebook: imprime versões, perfil e dispositivo; fixa sementes.

    Devolve o dispositivo escolhido (``"cuda"``, ``"mps"`` ou ``"cpu"``).
    """
    if quiet_libraries:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.set_verbosity_error()
        except Exception:  # pragma: no cover
            pass
    decimal_comma_tables()
    versions = library_versions()
    print("Versões: " + " | ".join(f"{k} {v}" for k, v in versions.items()))
    print(profile_line())
    device = get_device()
    if device == "cpu":
        hint = (
            " No Colab: menu Ambiente de execução → Alterar o tipo de ambiente de execução → GPU (T4)."
            if in_colab()
            else ""
        )
        print("Aviso: sem GPU; vai rodar na CPU (mais lento, mas funciona)." + hint)
    else:
        print(f"Dispositivo: {device}")
    seed_everything(seed)
    return device
