"""Código das aulas do notebook 03 (03_pooled_output), gerado por ``scripts/nbsave.py``: não edite aqui.

Cada bloco é uma célula marcada com ``# @save`` em ``notebooks/03_pooled_output.ipynb``. Para mudar uma função, mude a
célula no notebook e rode ``make save``; um teste confere que este arquivo e as células são iguais.
"""
# ruff: noqa: E402, F811

# --- seção 3 do notebook 03
import torch


def cls_pooling(last_hidden_state):
    """O vetor do `[CLS]` cru: a posição 0 da última camada, forma (frases, dimensão).

    Mostrada no notebook 03, seção 3.
    """
    return last_hidden_state[:, 0, :]


def mean_pooling(last_hidden_state, attention_mask):
    """Média dos vetores dos tokens de verdade (máscara 1); o *padding* não conta.

    Uma frase só de *padding* vira um vetor de zeros (nunca NaN).

    Mostrada no notebook 03, seção 3.
    """
    mask = torch.as_tensor(attention_mask, device=last_hidden_state.device)
    mask = mask.bool().unsqueeze(-1)  # (frases, tokens, 1)
    total = torch.where(mask, last_hidden_state, 0.0).sum(dim=1)  # (frases, dimensão)
    count = mask.sum(dim=1).clamp(min=1)  # tokens de verdade, nunca 0
    return total / count


def max_pooling(last_hidden_state, attention_mask):
    """Máximo, dimensão a dimensão, entre os tokens de verdade; o *padding* recebe -infinito.

    Uma frase só de *padding* vira um vetor de zeros (nunca -infinito).

    Mostrada no notebook 03, seção 3.
    """
    mask = torch.as_tensor(attention_mask, device=last_hidden_state.device)
    mask = mask.bool().unsqueeze(-1)  # (frases, tokens, 1)
    largest = torch.where(mask, last_hidden_state, float("-inf")).amax(dim=1)
    return torch.where(mask.any(dim=1), largest, 0.0)
