"""Gráficos da série: vírgula decimal, curvas por época, matriz de confusão e a temperatura do softmax."""
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


# ------------------------------------------------------------------ temperatura (notebook 04)

def _t_label(T: float) -> str:
    """``2.5`` → ``"2,5"``: a temperatura com vírgula decimal, sem zeros à toa."""
    return f"{T:g}".replace(".", ",")


def plot_softmax_temperature(logits, T: float, class_names=None, ax=None):
    """Barras: ``softmax(logits / T)`` e, em contorno, ``softmax(logits)`` (``T = 1``) para comparar."""
    import matplotlib.pyplot as plt

    import torch

    from .distill import softmax_with_temperature

    logits = torch.as_tensor(logits, dtype=torch.float32).reshape(-1)
    names = list(class_names) if class_names is not None else [f"classe {i}" for i in range(len(logits))]
    p_T, p_1 = softmax_with_temperature(logits, T), softmax_with_temperature(logits, 1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    x = np.arange(len(names))
    bars = ax.bar(x, p_T.numpy(), color="#2a9d8f", label=f"T = {_t_label(T)}")
    ax.bar(x, p_1.numpy(), fill=False, edgecolor="#264653", linestyle="--", linewidth=1.5, label="T = 1")
    bar_labels(ax, bars, digits=2, padding=2)
    ax.set_xticks(x, names)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("probabilidade")
    ax.set_title(f"softmax(z / T) com T = {_t_label(T)}")
    ax.legend(loc="upper right")
    ax.figure.tight_layout()
    return decimal_comma(ax.figure)


def temperature_slider(logits, class_names=None, T: float = 2.0):
    """Controle deslizante (ipywidgets) para a temperatura; redesenha :func:`plot_softmax_temperature`."""
    import ipywidgets as w
    from matplotlib.figure import Figure

    from .widgets import live

    slider = w.FloatLogSlider(value=T, base=10, min=-0.7, max=1.3, step=0.05, description="T",
                              readout_format=".2f", continuous_update=False)

    def render(T):
        ax = Figure(figsize=(6, 3.2)).subplots()
        return plot_softmax_temperature(logits, T, class_names, ax=ax)

    return live({"T": slider}, render)
