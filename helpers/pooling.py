"""De um vetor por token a um vetor por frase: as ferramentas do notebook 03.

Os *poolings* (``cls_pooling``, ``mean_pooling``, ``max_pooling``) são escritos no notebook
03, seção 3, e copiados em ``helpers/lesson03.py`` pela marca ``# @save``. Aqui ficam as
ferramentas em volta: :func:`get_pooler`, :func:`encode` (os vetores de uma lista de frases,
com os poolings da aula), :func:`model_inputs` (só as entradas que o ``forward`` aceita),
:func:`cosine_similarity_matrix`, :func:`similarity_table`, :func:`plot_similarity`
e :func:`similarity_explorer`.
"""

from __future__ import annotations


import numpy as np
import torch

from .batching import length_batches
from .compat import forward_inputs

POOLINGS = ("cls", "pooler", "mean", "max")
POOLING_LABELS = {
    "cls": "[CLS] cru",
    "pooler": "pooler_output",
    "mean": "média (mean)",
    "max": "máximo (max)",
}
EXAMPLE_SENTENCES = [
    "O filme foi excelente e muito emocionante!",
    "Adorei o filme, a história é linda.",
    "O atendimento foi péssimo e me deixou insatisfeito.",
    "Produto chegou quebrado e ninguém resolveu.",
    "Funciona bem, mas poderia ser mais rápido.",
    "A entrega está prevista para terça-feira.",
]


# --------------------------------------------------------------------------- o pooler


def get_pooler(model):
    """Devolve o *pooler* (Linear + tanh) do modelo, ou ``None`` se ele não tiver um.

    Funciona com o modelo-base (``BertModel``) e com modelos com cabeça
    (``BertForSequenceClassification`` guarda o BERT em ``model.bert``).
    DistilBERT e RoBERTa-para-classificação não têm *pooler*: devolve ``None``.
    """
    base = getattr(model, "base_model", model)
    return getattr(base, "pooler", None)


# --------------------------------------------------------------------------- similaridade


def cosine_similarity_matrix(a, b=None) -> torch.Tensor:
    """Similaridade cosseno de cada linha de ``a`` com cada linha de ``b`` (ou de ``a``).

    Devolve uma matriz ``(len(a), len(b))`` com valores entre -1 e 1. Um vetor de
    zeros tem similaridade 0 com tudo (em vez de NaN).
    """
    a = torch.as_tensor(a, dtype=torch.float32)
    b = a if b is None else torch.as_tensor(b, dtype=torch.float32)
    a = torch.nn.functional.normalize(a, dim=-1)
    b = torch.nn.functional.normalize(b, dim=-1)
    return (a @ b.T).clamp(-1.0, 1.0)


# --------------------------------------------------------------------------- frases → vetores


def model_inputs(model, batch) -> dict:
    """``batch`` (a saída do tokenizador) sem ``token_type_ids`` quando o ``forward`` de ``model`` não o declara.

    O tokenizador do BERT devolve ``token_type_ids``, mas o DistilBERT não tem
    *token-type embeddings*: no ``transformers`` 4.x (conferido no 4.57.6), passar essa chave
    a ``DistilBertModel`` dá ``TypeError: forward() got an unexpected keyword argument
    'token_type_ids'``; no 5.x (conferido no 5.18 e no 5.25), o ``forward`` tem ``**kwargs`` e a
    aceita calado (e a ignora). A chave sai quando a assinatura do ``forward`` não declara
    um parâmetro com esse nome; o resto passa como está. É :func:`helpers.compat.forward_inputs`, o mesmo
    que a inferência, as métricas, as medidas de tempo e a destilação usam.
    """
    return forward_inputs(model, batch)


def encode(
    texts,
    model,
    tokenizer,
    batch_size: int = 32,
    max_length: int = 128,
    progress: bool | None = None,
    verbose: bool = True,
    poolings: dict | None = None,
) -> dict[str, np.ndarray]:
    """Passa ``texts`` pelo encoder e devolve ``{pooling: matriz (frases, dimensão)}``.

    As chaves são ``"cls"``, ``"pooler"``, ``"mean"`` e ``"max"``; modelos sem
    *pooler* (DistilBERT) não têm ``"pooler"``, e isso é dito na tela. As frases
    são ordenadas por tamanho e agrupadas em lotes com *padding* dinâmico (cada
    lote só completa até a maior frase dele), sem gradientes; a saída volta na
    ordem original. ``progress=None`` mostra uma barra a partir de 8 lotes. O modelo
    recebe o lote sem ``token_type_ids`` quando o ``forward`` dele não o declara
    (:func:`model_inputs`): dá para usar o tokenizador do BERT com o DistilBERT.
    ``poolings``: ``{"cls": f(h), "mean": f(h, mask), "max": f(h, mask)}``; sem ele, as funções
    da seção 3 do notebook 03 na cópia ``helpers/lesson03.py``.
    """
    from tqdm.auto import tqdm

    from .training import check_max_length

    # acima do limite do modelo: erro em português, antes de rodar
    check_max_length(max_length, tokenizer, model)
    texts = [str(t) for t in texts]
    base = getattr(model, "base_model", model).eval()
    has_pooler = get_pooler(model) is not None
    if verbose and not has_pooler:
        print(
            f"O modelo {type(base).__name__} não tem pooler: o resultado não tem a chave 'pooler' "
            "(só 'cls', 'mean' e 'max')."
        )
    lengths = (
        [len(ids) for ids in tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]]
        if texts
        else []
    )
    batches = length_batches(lengths, batch_size, longest_first=True)
    show = len(batches) >= 8 if progress is None else progress
    names = [name for name in POOLINGS if name != "pooler" or has_pooler]
    result = {
        name: np.zeros((len(texts), base.config.hidden_size), dtype=np.float32) for name in names
    }
    with torch.inference_mode():
        for idx in tqdm(batches, desc="codificando", unit="lote", disable=not show):
            batch = [texts[i] for i in idx]
            vectors = _batch_vectors(base, tokenizer, batch, max_length, has_pooler, poolings)
            for name in names:
                result[name][idx] = vectors[name].float().cpu().numpy()
    return result


def _batch_vectors(base, tokenizer, texts, max_length, has_pooler, poolings) -> dict:
    """Os vetores de um lote de frases sob cada pooling (e o ``pooler_output``, se houver)."""
    from . import lesson03

    fn = poolings or {name: getattr(lesson03, f"{name}_pooling") for name in ("cls", "mean", "max")}
    device = next(base.parameters()).device
    enc = tokenizer(
        texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
    ).to(device)
    out = base(**model_inputs(base, enc))
    h, mask = out.last_hidden_state, enc["attention_mask"]
    vectors = {"cls": fn["cls"](h), "mean": fn["mean"](h, mask), "max": fn["max"](h, mask)}
    if has_pooler:
        vectors["pooler"] = out.pooler_output
    return vectors


# --------------------------------------------------------------------------- gráficos


def _short(text: str, size: int = 38) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def plot_similarity_matrix(
    sim,
    labels,
    title: str = "",
    ax=None,
    annotate: bool = True,
    colorbar: bool = True,
    full_labels: bool = True,
):
    """Desenha uma matriz de similaridade cosseno como mapa de calor (escala fixa de -1 a 1).

    ``full_labels=False`` numera as linhas sem o texto das frases (útil em grades
    de gráficos); ``colorbar=False`` deixa a barra de cores para quem chama. Os
    números (anotações e eixos) saem com vírgula decimal.
    """
    import matplotlib.pyplot as plt

    from . import plots, prose

    sim = np.asarray(sim, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=_figure_size(len(labels)))
    image = ax.imshow(sim, cmap="RdBu_r", vmin=-1, vmax=1)
    if annotate and len(labels) <= 12:
        for i in range(sim.shape[0]):
            for j in range(sim.shape[1]):
                ax.text(
                    j,
                    i,
                    prose.num(sim[i, j], 2),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if abs(sim[i, j]) > 0.6 else "black",
                )
    numbers = [str(i + 1) for i in range(len(labels))]
    rows = [f"{n}. {_short(t)}" for n, t in zip(numbers, labels)] if full_labels else numbers
    ax.set_xticks(range(len(labels)), numbers)
    ax.set_yticks(range(len(labels)), rows, fontsize=8 if full_labels else None)
    ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03, label="cosseno")
    plots.decimal_comma(ax.figure)
    return ax


def similarity_table(texts, pooling, model, tokenizer, max_length: int = 128):
    """Similaridade cosseno entre as frases ``texts`` sob um ``pooling``, como tabela.

    Linhas vazias são ignoradas. Levanta ``ValueError`` (em português) com menos de
    duas frases ou com um pooling que o modelo não tem.
    """
    import pandas as pd

    texts = [t.strip() for t in texts if t and t.strip()]
    if len(texts) < 2:
        raise ValueError("Escreva pelo menos duas frases (uma por linha).")
    vectors = encode(texts, model, tokenizer, max_length=max_length, progress=False, verbose=False)
    if pooling not in vectors:
        raise ValueError(
            f"O pooling '{pooling}' não existe para {type(model).__name__}. "
            f"Opções para este modelo: {', '.join(vectors)}."
        )
    sim = cosine_similarity_matrix(vectors[pooling]).numpy()
    return pd.DataFrame(sim, index=texts, columns=texts)


def _figure_size(n: int) -> tuple[float, float]:
    side = 1.6 + 0.55 * n
    return side + 3.2, side


def plot_similarity(texts, pooling, model, tokenizer, max_length: int = 128):
    """Mapa de calor da similaridade cosseno entre as frases ``texts`` sob um ``pooling``.

    ``pooling``: ``"cls"``, ``"pooler"``, ``"mean"`` ou ``"max"``. Mostra o gráfico
    e devolve a matriz como tabela (frases numeradas).
    """
    import matplotlib.pyplot as plt

    try:
        table = similarity_table(texts, pooling, model, tokenizer, max_length)
    except ValueError as exc:
        print(exc)
        return None
    _, ax = plt.subplots(figsize=_figure_size(len(table)))
    plot_similarity_matrix(
        table.values,
        list(table.index),
        f"Similaridade cosseno: {POOLING_LABELS.get(pooling, pooling)}",
        ax=ax,
    )
    ax.figure.tight_layout()
    plt.show()
    numbers = [str(i + 1) for i in range(len(table))]
    return table.set_axis(numbers, axis=0).set_axis(numbers, axis=1).round(3)


def similarity_explorer(model, tokenizer, texts=None, max_length: int = 128):
    """Caixa de texto (uma frase por linha) + escolha do pooling → mapa de calor.

    O gráfico é refeito quando você troca o pooling ou sai da caixa de texto.
    Sem widgets (fora do Jupyter), use :func:`plot_similarity`.
    """
    import ipywidgets as w
    from matplotlib.figure import Figure

    from .widgets import live

    options = [
        (POOLING_LABELS[p], p) for p in POOLINGS if p != "pooler" or get_pooler(model) is not None
    ]
    controls = {
        "text": w.Textarea(
            value="\n".join(texts or EXAMPLE_SENTENCES),
            description="frases",
            continuous_update=False,
            layout=w.Layout(width="95%", height="150px"),
        ),
        "pooling": w.Dropdown(options=options, value="mean", description="pooling"),
    }

    def render(text, pooling):
        table = similarity_table(text.splitlines(), pooling, model, tokenizer, max_length)
        figure = Figure(figsize=_figure_size(len(table)))
        ax = figure.subplots()
        plot_similarity_matrix(
            table.values,
            list(table.index),
            f"Similaridade cosseno: {POOLING_LABELS[pooling]}",
            ax=ax,
        )
        figure.tight_layout()
        return figure

    return live(controls, render)
