"""Testes de helpers.plots: vírgula decimal e os números que cada gráfico mostra."""

import matplotlib
import numpy as np
import pytest

from helpers import plots

pytestmark = pytest.mark.unit

matplotlib.use("Agg")


def np_softmax(z, T=1.0):
    z = np.asarray(z, dtype=np.float64) / T
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_softmax_plot_writes_decimal_commas():
    fig = plots.plot_softmax_temperature([-1.0, 2.0, 4.0], 2.5, ["neg", "neu", "pos"])
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    p = np_softmax([[-1.0, 2.0, 4.0]], 2.5)[0]
    assert labels == [f"{v:.2f}".replace(".", ",") for v in p]
    assert ax.get_title() == "softmax(v / T) com T = 2,5"
    fig.canvas.draw()
    assert any("," in t.get_text() for t in ax.get_yticklabels())
    assert not any("." in t.get_text() for t in ax.get_yticklabels())


def test_the_temperature_slider_reads_like_the_title_with_a_decimal_comma():
    options = plots.temperature_options(3.54813)
    labels, values = zip(*options)
    assert values == tuple(sorted(values)) and values[0] == 0.2 and values[-1] == 19.95
    assert (
        all("." not in label for label in labels)
        and ("3,55", 3.55) in options
        and ("0,2", 0.2) in options
    )
    ratios = [b / a for a, b in zip(values, values[1:])]
    assert (
        max(ratios) < 1.16 and min(ratios) > 1.08
    )  # passos de 10^0,05 na escala log (±arredondamento)
    box = plots.temperature_slider([-1.0, 2.0, 4.0], ["neg", "neu", "pos"], T=2.0)
    slider = box.children[0]
    assert slider.label == "2" and slider.value == 2.0
    slider.value = 3.55  # o aluno arrasta: o título usa o mesmo rótulo
    assert slider.label == "3,55"
    assert (
        plots.plot_softmax_temperature([-1.0, 2.0, 4.0], slider.value)
        .axes[0]
        .get_title()
        .endswith("T = 3,55")
    )


def test_log_axes_show_plain_numbers_and_history_whole_epochs():
    import matplotlib.pyplot as plt
    import pandas as pd

    fig, ax = plt.subplots()
    ax.plot([3, 7, 40, 120], [0.5, 0.6, 0.55, 0.7])
    ax.set_xscale("log")
    plots.decimal_comma(fig)
    fig.canvas.draw()
    major = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    minor = [t.get_text() for t in ax.get_xticklabels(minor=True) if t.get_text()]
    assert (
        "10" in major
        and "100" in major
        and not any("^" in t or "10^" in t or "$" in t for t in major)
    )
    assert {"5", "20", "50"} <= set(minor) and "3" not in minor  # só 2 e 5 entre as potências
    assert all("." not in t for t in major + minor)
    plt.close(fig)
    history = pd.DataFrame(
        {
            "perda treino": [1.0, 0.8, 0.6],
            "perda validação": [1.0, 0.9, 0.95],
            "accuracy": [0.5, 0.6, 0.62],
            "f1_macro": [0.4, 0.5, 0.55],
        },
        index=pd.Index([1.0, 2.0, 3.0], name="época"),
    )
    fig = plots.plot_history(history)
    fig.canvas.draw()
    for axis in fig.axes:
        ticks = [t.get_text() for t in axis.get_xticklabels() if t.get_text()]
        assert ticks and all(t.lstrip("−").isdigit() for t in ticks), ticks  # épocas inteiras
    assert [t.get_text() for t in fig.axes[1].get_legend().get_texts()] == ["acurácia", "F1 macro"]
    plt.close(fig)
