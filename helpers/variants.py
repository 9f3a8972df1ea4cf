"""As variantes do BERT lado a lado (notebook 01), sem baixar nenhum peso.

As arquiteturas vêm das classes de configuração do ``transformers`` com os hiperparâmetros publicados
(:data:`VARIANTS`); o notebook 01 as monta no dispositivo ``meta`` e conta os parâmetros. Aqui ficam a
medida de tempo (pesos aleatórios: o custo não depende dos valores dos pesos), a conta de
multiplicações-e-somas (parte por parte em :mod:`helpers.encoder_macs`) e a escolha prática (os dados em
:mod:`helpers.variant_choices`); chaves em inglês, rótulos para mostrar em :data:`LABELS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import measure
from .encoder_macs import encoder_shape, layer_macs
from .variant_choices import CHOICES, MOBILE


@dataclass(frozen=True)
class Variant:
    """Uma variante: nome, id no Hub, família, configuração, parâmetros publicados (milhões) e a fonte."""

    name: str
    hub_id: str
    family: str
    config: dict
    published_params_m: float
    source: str


def _bert(vocab, hidden, layers, heads, inter):
    return dict(
        model_type="bert",
        vocab_size=vocab,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=inter,
        max_position_embeddings=512,
        type_vocab_size=2,
    )


def _roberta(hidden, layers, heads, inter):
    return dict(
        model_type="roberta",
        vocab_size=50265,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=inter,
        max_position_embeddings=514,
        type_vocab_size=1,
    )


# fmt: off
VARIANTS = [
    Variant("BERT-base", "bert-base-uncased", "BERT", _bert(30522, 768, 12, 12, 3072), 110,
            "Devlin et al. 2018, arXiv 1810.04805"),
    Variant("BERT-large", "bert-large-uncased", "BERT", _bert(30522, 1024, 24, 16, 4096), 340,
            "Devlin et al. 2018, arXiv 1810.04805"),
    Variant("DistilBERT", "distilbert-base-uncased", "DistilBERT",
            dict(model_type="distilbert", vocab_size=30522, dim=768, n_layers=6, n_heads=12,
                 hidden_dim=3072),
            66, "Sanh et al. 2019, arXiv 1910.01108"),
    Variant("RoBERTa-base", "roberta-base", "RoBERTa", _roberta(768, 12, 12, 3072), 125,
            "Liu et al. 2019, arXiv 1907.11692 (contagem: README do fairseq)"),
    Variant("RoBERTa-large", "roberta-large", "RoBERTa", _roberta(1024, 24, 16, 4096), 355,
            "Liu et al. 2019, arXiv 1907.11692"),
    Variant("ALBERT-base", "albert-base-v2", "ALBERT",
            dict(model_type="albert", vocab_size=30000, embedding_size=128, hidden_size=768,
                 num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072),
            12, "Lan et al. 2019, arXiv 1909.11942"),
    Variant("DeBERTa-v3-base", "microsoft/deberta-v3-base", "DeBERTa",
            dict(model_type="deberta-v2", vocab_size=128100, hidden_size=768, num_hidden_layers=12,
                 num_attention_heads=12, intermediate_size=3072, max_position_embeddings=512,
                 type_vocab_size=0, relative_attention=True, position_buckets=256,
                 norm_rel_ebd="layer_norm", share_att_key=True, pos_att_type=["p2c", "c2p"],
                 position_biased_input=False, max_relative_positions=-1),
            184, "He et al. 2021, arXiv 2111.09543 (86M no corpo + 98M nas embeddings, "
                 "cartão do modelo)"),
    Variant("BERTimbau-base", "neuralmind/bert-base-portuguese-cased", "BERT",
            _bert(29794, 768, 12, 12, 3072), 110, "Souza et al. 2020, BRACIS (cartão neuralmind)"),
    Variant("BERTimbau-large", "neuralmind/bert-large-portuguese-cased", "BERT",
            _bert(29794, 1024, 24, 16, 4096), 335, "Souza et al. 2020, BRACIS (cartão neuralmind)"),
]
# fmt: on

LABELS = {
    "layers": "camadas",
    "hidden": "dimensão",
    "vocab": "vocabulário",
    "params_m": "parâmetros (M, calculado)",
    "published_m": "publicado (M)",
    "diff_pct": "diferença (%)",
    "source": "fonte",
    "embeddings": "embeddings",
    "encoder": "camadas (encoder)",
    "pooler": "pooler",
    "ms": "tempo (ms)",
    "base_ms": "BERT-base ao lado (ms)",
    "ratio": "razão",
    "ratio_low": "razão mín.",
    "ratio_high": "razão máx.",
    "macs_b": "conta (bilhões)",
    "macs_ratio": "razão da conta",
    "projections": "projeções Q, K, V e saída",
    "ffn": "feed-forward",
    "attention": "atenção (Q·Kᵀ e pesos·V)",
    "rel_projection": "tabela de posições × W_q e W_k",
    "rel_products": "conteúdo→posição e posição→conteúdo",
    "layer_total": "total por camada",
    "model": "modelo sugerido",
    "why": "por quê",
}


def time_forwards(
    variants=VARIANTS,
    base: str = "BERT-base",
    seq_len: int = 128,
    batch_size: int = 1,
    repeats: int = 5,
    seed: int = 0,
    progress=None,
    threads: int | None = 1,
) -> pd.DataFrame:
    """Tempo de cada variante e a razão ao ``base`` (coluna ``"ratio"``), medidos **em alternância**.

    As passagens alternam (variante, base, ...) e cada tempo é o menor de ``repeats``
    (:func:`helpers.measure.alternating_forward_times`); ``"base_ms"`` é o tempo do ``base`` medido junto
    com aquela variante, na mesma janela. A linha do próprio ``base`` é medida contra uma **cópia** dele:
    a razão dela só se afasta de 1 pelo ruído. ``"ratio_low"`` e ``"ratio_high"``: a menor e a maior das
    razões passagem a passagem de cada linha. ``threads``: threads do PyTorch durante a medida (depois,
    volta o valor anterior; ``None`` não mexe). ``progress``: um embrulho de iteráveis, como ``tqdm``.
    """
    import torch

    from .lesson01 import build_model

    by_name = {v.name: v for v in variants}
    if base not in by_name:
        raise ValueError(f"O modelo de referência '{base}' não está na lista de variantes.")
    previous = torch.get_num_threads()
    if threads is not None:
        # com uma só, um programa no outro núcleo não trava a passagem
        torch.set_num_threads(threads)
    try:
        inputs = measure.random_inputs(seq_len, batch_size, seed)
        torch.manual_seed(seed)
        reference = build_model(by_name[base], device="cpu").eval()
        rows = {}
        # o base primeiro, contra a cópia
        todo = [by_name[base]] + [v for v in variants if v.name != base]
        for v in progress(todo) if progress else todo:
            torch.manual_seed(seed)
            model = build_model(v, device="cpu").eval()
            own, ref = measure.alternating_forward_times(model, reference, inputs, repeats)
            pairs = [o / r for o, r in zip(own, ref)]
            rows[v.name] = {
                "ms": min(own),
                "base_ms": min(ref),
                "ratio": min(own) / min(ref),
                "ratio_low": min(pairs),
                "ratio_high": max(pairs),
            }
    finally:
        torch.set_num_threads(previous)
    return pd.DataFrame(rows).T.loc[[v.name for v in variants]]


def noise_band(cost: pd.DataFrame, base: str = "BERT-base") -> float:
    """O ruído da medida: a maior distância até 1 na linha do ``base`` medido contra a cópia dele (a razão
    dos menores tempos e as das repetições). Estimativa grosseira (um par de modelos)."""
    row = cost.loc[base]
    return float(max(abs(float(row[c]) - 1) for c in ("ratio", "ratio_low", "ratio_high")))


def ratio_within_noise(
    cost: pd.DataFrame, name: str, base: str = "BERT-base", expected=1.0
) -> bool:
    """``True`` quando ``razão ÷ expected − 1`` fica a até :func:`noise_band` de 0, ou as repetições caem
    dos dois lados de ``expected`` (1, o ``base``, ou a razão da conta): sem diferença, a mesma régua."""
    row = cost.loc[name]
    if abs(float(row["ratio"]) / expected - 1) <= noise_band(cost, base):
        return True
    return float(row["ratio_low"]) <= expected <= float(row["ratio_high"])


def ratio_range(low: float, high: float) -> str:
    """``"de 0,97× a 0,99×"``, ou ``"todas 1,73×"`` quando as duas pontas arredondam igual."""
    from .prose import times

    a, b = times(low, 2), times(high, 2)
    return f"todas {a}" if a == b else f"de {a} a {b}"


def forward_macs(variant: Variant, seq_len: int = 128, batch_size: int = 1) -> float:
    """Multiplicações-e-somas das multiplicações de matrizes do encoder, por passagem: a conta.

    ``camadas ×`` a soma de :func:`layer_macs` (``≈ 12·L·d²`` por token mais ``2·L·n·d`` da atenção, e as
    contas da atenção desemaranhada no DeBERTa). Não conta embeddings (só consultas), LayerNorm,
    softmax, o *pooler* nem a projeção 128→768 do ALBERT.
    """
    return float(encoder_shape(variant)[0] * sum(layer_macs(variant, seq_len, batch_size).values()))


def layer_macs_table(
    names=("BERT-base", "DeBERTa-v3-base"),
    seq_len: int = 128,
    batch_size: int = 1,
    variants=VARIANTS,
) -> pd.DataFrame:
    """Milhões de multiplicações-e-somas por camada, parte por parte (:func:`layer_macs`), lado a lado."""
    by_name = {v.name: v for v in variants}
    table = (
        pd.DataFrame({n: layer_macs(by_name[n], seq_len, batch_size) for n in names}).fillna(0)
        / 1e6
    )
    table.loc["layer_total"] = table.sum()
    return table


def cost_table(
    params: pd.DataFrame,
    timing: pd.DataFrame,
    seq_len: int,
    variants=VARIANTS,
    base: str = "BERT-base",
    batch_size: int = 1,
) -> pd.DataFrame:
    """Tempo medido (de :func:`time_forwards`) e a conta (:func:`forward_macs`), as duas em razão ao ``base``.

    ``params``: a tabela de parâmetros do notebook 01 (colunas ``layers``, ``hidden``, ``params_m``). A
    razão de tempo de cada linha divide pelo ``base`` medido ao lado dela (``"base_ms"``); nada é
    arredondado (para mostrar, ``prose.fixed``).
    """
    by_name = {v.name: v for v in variants}
    out = params[["layers", "hidden", "params_m"]].copy()
    for column in ("ms", "base_ms", "ratio", "ratio_low", "ratio_high"):
        out[column] = timing[column].astype(float)
    macs = pd.Series({name: forward_macs(by_name[name], seq_len, batch_size) for name in out.index})
    out["macs_b"], out["macs_ratio"] = macs / 1e9, macs / macs[base]
    return out


# ------------------------------------------------------------------ escolha prática


def choose_variant(
    language: str = "pt", resources: str = "normais", deploy: str = "servidor"
) -> pd.Series:
    """A "escolha prática" do curso como função.

    ``language``: ``"pt"`` ou ``"en"``; ``resources``: ``"poucos"``, ``"normais"`` ou
    ``"muitos"``; ``deploy`` (onde o modelo vai rodar): ``"servidor"`` ou ``"mobile"`` (celular).
    """
    if language not in CHOICES:
        raise ValueError(f"Idioma '{language}' não previsto: use 'pt' ou 'en'.")
    if resources not in CHOICES[language]:
        raise ValueError(
            f"Recursos '{resources}' não previstos: use 'poucos', 'normais' ou 'muitos'."
        )
    if deploy not in ("servidor", "mobile"):
        raise ValueError(
            f"Onde vai rodar: '{deploy}' não previsto; use 'servidor' ou 'mobile' (celular)."
        )
    model, why = MOBILE[language] if deploy == "mobile" else CHOICES[language][resources]
    return pd.Series({"model": model, "why": why})  # rótulos para mostrar: LABELS


def chooser_widget():
    """Caixas de seleção que chamam :func:`choose_variant` (ipywidgets)."""
    import ipywidgets as w

    from .widgets import live

    style = {"description_width": "initial"}  # "onde vai rodar" não cabe na largura padrão
    controls = {
        "language": w.Dropdown(
            options=[("português", "pt"), ("inglês", "en")], description="idioma", style=style
        ),
        "resources": w.Dropdown(
            options=["poucos", "normais", "muitos"],
            value="normais",
            description="recursos",
            style=style,
        ),
        "deploy": w.Dropdown(
            options=[("servidor", "servidor"), ("celular", "mobile")],
            description="onde vai rodar",
            style=style,
        ),
    }
    show = lambda **kw: choose_variant(**kw).rename(LABELS).to_frame("").to_html(header=False)  # noqa: E731
    return live(controls, show, kind="html")
