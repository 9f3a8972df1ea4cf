"""Gráficos da série: vírgula decimal, curvas por época e matriz de confusão."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import ScalarFormatter

from .prose import num


def bar_labels(ax, bars, digits: int = 3, suffix: str = "", **kwargs):
    """Rótulos das barras com vírgula decimal (``ax.bar_label`` escreve ponto)."""
    return ax.bar_label(bars, labels=[f"{num(v, digits)}{suffix}" for v in bars.datavalues], **kwargs)


class CommaFormatter(ScalarFormatter):
    """O ``ScalarFormatter`` do matplotlib, com vírgula decimal e menos tipográfico."""

    def __call__(self, x, pos=None):
        return super().__call__(x, pos).replace(".", ",").replace("-", "−")


def decimal_comma(fig):
    """Vírgula decimal nos números dos eixos lineares de todos os eixos de ``fig``; devolve ``fig``."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(CommaFormatter())
    return fig


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
    return decimal_comma(fig)


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
    return decimal_comma(fig)
