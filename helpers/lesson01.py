"""Código das aulas do notebook 01 (01_variantes), gerado por ``scripts/nbsave.py``: não edite aqui.

Cada bloco é uma célula marcada com ``# @save`` em ``notebooks/01_variantes.ipynb``. Para mudar uma função, mude a
célula no notebook e rode ``make save``; um teste confere que este arquivo e as células são iguais.
"""
# ruff: noqa: E402, F811

# --- seção 1 do notebook 01
import torch
from transformers import AutoConfig, AutoModel

from helpers import compat


def make_config(variant):
    """A configuração do transformers de uma variants.Variant: a arquitetura, sem pesos.

    Mostrada no notebook 01, seção 1.
    """
    config = dict(variant.config)
    return AutoConfig.for_model(config.pop("model_type"), **config)


def build_model(variant, device="meta"):
    """O modelo sem cabeça (embeddings, camadas e, se houver, pooler); no meta, sem memória.

    Mostrada no notebook 01, seção 1.
    """
    with torch.device(device), compat.quiet_model_import():  # sem os avisos do transformers 4.x
        return AutoModel.from_config(make_config(variant))


def count_parameters(model, trainable_only=False):
    """Soma o tamanho (numel()) de cada tensor de pesos; trainable_only: só os que o treino ajusta.

    Mostrada no notebook 01, seção 1.
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
