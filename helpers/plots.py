"""Gráficos da série: vírgula decimal, curvas por época, matriz de confusão e a temperatura do softmax."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogFormatter, MaxNLocator, ScalarFormatter

from .prose import num


def bar_labels(ax, bars, digits: int = 3, suffix: str = "", **kwargs):
    """Rótulos das barras com vírgula decimal (``ax.bar_label`` escreve ponto)."""
    return ax.bar_label(
        bars, labels=[f"{num(v, digits)}{suffix}" for v in bars.datavalues], **kwargs
    )


class CommaFormatter(ScalarFormatter):
    """O ``ScalarFormatter`` do matplotlib, com vírgula decimal e menos tipográfico."""

    def __call__(self, x, pos=None):
        return super().__call__(x, pos).replace(".", ",").replace("-", "−")


def plain_number(value, pos=None) -> str:
    """Um número de eixo log escrito por extenso (``20``, ``0,5``), não como potência (``2 × 10¹``)."""
    return f"{value:g}".replace(".", ",").replace("-", "−")


def _log_minor(value, pos=None) -> str:
    """Nas marcas menores de um eixo log, só os múltiplos 2 e 5 ganham número (os outros ficam sem rótulo)."""
    mantissa = round(value / 10 ** np.floor(np.log10(value)), 6) if value > 0 else 0
    return plain_number(value) if mantissa in (2, 5) else ""


def decimal_comma(fig):
    """Vírgula decimal nos números dos eixos de ``fig``; nos eixos log, números por extenso. Devolve ``fig``.

    Eixos lineares: o ``ScalarFormatter`` vira :class:`CommaFormatter`. Eixos log (base 10): ``10``, ``20``,
    ``50``, ``100``... em vez de ``10¹`` e marcas sem número.
    """
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if type(formatter) is ScalarFormatter:
                axis.set_major_formatter(CommaFormatter())
            elif isinstance(formatter, LogFormatter) and getattr(formatter, "_base", 10) == 10:
                axis.set_major_formatter(FuncFormatter(plain_number))
                axis.set_minor_formatter(FuncFormatter(_log_minor))
    return fig


METRIC_NAMES = {"accuracy": "acurácia", "f1_macro": "F1 macro", "f1_weighted": "F1 ponderado"}


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
            ax2.plot(history.index, history[m], "o-", label=METRIC_NAMES.get(m, m))
    ax2.set_xlabel("época")
    for ax in (ax1, ax2):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # épocas inteiras: 1, 2, 3 (não 1,5)
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
            ax.text(
                j,
                i,
                f"{cm[i, j]}\n{100 * share[i, j]:.0f}%",
                ha="center",
                va="center",
                color="white" if share[i, j] > 0.5 else "black",
                fontsize=9,
            )
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
    names = (
        list(class_names)
        if class_names is not None
        else [f"classe {i}" for i in range(len(logits))]
    )
    p_T, p_1 = softmax_with_temperature(logits, T), softmax_with_temperature(logits, 1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    x = np.arange(len(names))
    bars = ax.bar(x, p_T.numpy(), color="#2a9d8f", label=f"T = {_t_label(T)}")
    ax.bar(
        x,
        p_1.numpy(),
        fill=False,
        edgecolor="#264653",
        linestyle="--",
        linewidth=1.5,
        label="T = 1",
    )
    bar_labels(ax, bars, digits=2, padding=2)
    ax.set_xticks(x, names)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("probabilidade")
    ax.set_title(f"softmax(v / T) com T = {_t_label(T)}")
    ax.legend(loc="upper right")
    ax.figure.tight_layout()
    return decimal_comma(ax.figure)


def temperature_options(T: float = 2.0) -> list[tuple[str, float]]:
    """As temperaturas do controle, de 0,2 a 20 em passos iguais na escala log, com duas casas; cada uma com o
    rótulo que o título do gráfico usa (vírgula decimal: o controle numérico do navegador escreveria «3.55»)."""
    values = sorted({round(10 ** (k / 20), 2) for k in range(-14, 27)} | {round(float(T), 2)})
    return [(_t_label(v), v) for v in values]


def temperature_slider(logits, class_names=None, T: float = 2.0):
    """Controle deslizante (ipywidgets) para a temperatura; redesenha :func:`plot_softmax_temperature`."""
    import ipywidgets as w
    from matplotlib.figure import Figure

    from .widgets import live

    slider = w.SelectionSlider(
        options=temperature_options(T),
        value=round(float(T), 2),
        description="T",
        continuous_update=False,
    )

    def render(T):
        ax = Figure(figsize=(6, 3.2)).subplots()
        return plot_softmax_temperature(logits, T, class_names, ax=ax)

    return live({"T": slider}, render)
