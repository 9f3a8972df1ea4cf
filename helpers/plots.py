"""Gráficos de treino: curvas por época e matriz de confusão."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_history(history, metrics=("accuracy", "f1_macro"), title: str = "Treino"):
    """Perda (treino × validação) e métricas de validação por época, lado a lado.

    ``history``: a tabela de :func:`helpers.training.history_frame`.
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    for col, style in [("perda treino", "o-"), ("perda validação", "s--")]:
        if col in history:
            ax1.plot(history.index, history[col], style, label=col)
    ax1.set_xlabel("época")
    ax1.set_ylabel("perda")
    ax1.set_title(f"{title}: perda")
    ax1.legend()
    for m in metrics:
        if m in history:
            ax2.plot(history.index, history[m], "o-", label=m)
    ax2.set_xlabel("época")
    ax2.set_ylim(0, 1)
    ax2.set_title(f"{title}: validação")
    ax2.legend()
    fig.tight_layout()
    return fig


def plot_confusion_matrix(cm, labels, title: str = "Matriz de confusão (teste)"):
    """Matriz de confusão com contagens e a proporção de cada linha (classe verdadeira)."""
    cm = np.asarray(cm)
    share = cm / np.clip(cm.sum(axis=1, keepdims=True), 1, None)
    fig, ax = plt.subplots(figsize=(4.6, 4))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, f"{cm[i, j]}\n{100 * share[i, j]:.0f}%", ha="center", va="center",
                    color="white" if share[i, j] > 0.5 else "black", fontsize=9)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("previsto")
    ax.set_ylabel("verdadeiro")
    ax.set_title(title)
    fig.tight_layout()
    return fig
