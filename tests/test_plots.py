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
    assert ax.get_title() == "softmax(z / T) com T = 2,5"
    fig.canvas.draw()
    assert any("," in t.get_text() for t in ax.get_yticklabels())
    assert not any("." in t.get_text() for t in ax.get_yticklabels())
