"""Apoio do notebook 04 (destilação): a tabela da temperatura e a tabela dos termos da perda.

A lição em si (a perda de destilação, o ``DistillationTrainer``, o aluno com metade das camadas) está
escrita nas células do notebook 04 e chega ao pacote por :mod:`helpers.lesson04`, gerado delas.
Aqui fica só o que mostra os resultados: :func:`softmax_with_temperature` (também usada pelo gráfico
de :mod:`helpers.plots`), :func:`temperature_table` e :func:`loss_terms_frame`.
"""

from __future__ import annotations

import pandas as pd
import torch


def softmax_with_temperature(logits, T: float = 1.0, dim: int = -1) -> torch.Tensor:
    """``softmax(logits / T)``: ``T > 1`` espalha a probabilidade, ``T < 1`` concentra.

    Aceita tensor, array ou lista; devolve um tensor ``float32`` da mesma forma.
    """
    if T <= 0:
        raise ValueError(f"A temperatura precisa ser positiva (veio T={T}).")
    logits = torch.as_tensor(logits, dtype=torch.float32)
    return torch.softmax(logits / T, dim=dim)


def temperature_table(logits, temperatures, class_names=None) -> pd.DataFrame:
    """Tabela: uma linha por temperatura, a probabilidade de cada classe e a entropia (em bits)."""
    logits = torch.as_tensor(logits, dtype=torch.float32).reshape(-1)
    names = (
        list(class_names)
        if class_names is not None
        else [f"classe {i}" for i in range(len(logits))]
    )
    rows = {}
    for T in temperatures:
        p = softmax_with_temperature(logits, T)
        entropy = float(-(p * torch.log2(p.clamp_min(1e-30))).sum())
        rows[f"T = {T:g}".replace(".", ",")] = {
            **{n: float(v) for n, v in zip(names, p)},
            "entropia (bits)": entropy,
        }
    return pd.DataFrame(rows).T.rename_axis("temperatura")


def loss_terms_frame(log_history) -> pd.DataFrame:
    """Do histórico do ``DistillationTrainer`` (notebook 04): perda total e cada termo, por época."""
    rows = [
        {
            "época": round(r["epoch"], 2),
            "total": r["loss"],
            "soft": r["soft"],
            "hard": r["hard"],
            "hidden": r["hidden"],
        }
        for r in log_history
        if "soft" in r and "loss" in r
    ]
    return pd.DataFrame(rows).set_index("época")
