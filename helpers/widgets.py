"""Widgets que também rodam sem navegador (papermill, nbval).

Nada de ``widgets.Output`` nem ``interactive``: executados sem navegador, eles podem
travar o nbclient (jupyter/nbclient#312). Aqui o resultado é uma imagem
(``widgets.Image``) ou um HTML (``widgets.HTML``), refeitos quando um controle muda.
"""

from __future__ import annotations

import io


def figure_png(figure, dpi: int = 90) -> bytes:
    """Bytes PNG de uma figura do matplotlib (a figura é fechada depois)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def live(controls: dict, render, kind: str = "image"):
    """Caixa com ``controls`` (nome → widget) e uma saída refeita a cada mudança.

    ``render(**valores)`` devolve uma figura do matplotlib (``kind="image"``) ou um
    texto HTML (``kind="html"``). Um erro de entrada vira uma mensagem em negrito.
    """
    import ipywidgets as w

    out = w.Image(format="png") if kind == "image" else w.HTML()
    message = w.HTML()

    def update(_=None):
        try:
            result = render(**{name: c.value for name, c in controls.items()})
        except ValueError as exc:
            message.value = f"<b>{exc}</b>"
            return
        message.value = ""
        if kind == "image":
            out.value = figure_png(result)
        else:
            out.value = result

    for c in controls.values():
        c.observe(update, names="value")
    update()
    return _box([*controls.values(), message, out])


def _box(children):
    """Uma ``VBox`` cujo texto, onde o widget não é desenhado (GitHub, nbviewer), está em português."""
    import ipywidgets as w

    class Caixa(w.VBox):
        def __repr__(self):
            return (
                "[caixa interativa: abra o notebook num Jupyter com o kernel rodando para usá-la]"
            )

    return Caixa(children)
