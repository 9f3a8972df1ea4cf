"""A conta de multiplicações-e-somas de uma camada do encoder, parte por parte (notebook 01).

As projeções, a *feed-forward* e a autoatenção de um BERT e, no DeBERTa, as contas a mais da atenção
desemaranhada (a tabela de posições relativas). :func:`helpers.variants.forward_macs` e
:func:`helpers.variants.layer_macs_table` somam e mostram estas contas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .variants import Variant


def relative_positions(variant: Variant) -> int:
    """Linhas da tabela de posições relativas que cada camada projeta (``2k``); 0 sem atenção relativa.

    Como no ``transformers`` (``models/deberta_v2/modeling_deberta_v2.py``): ``att_span`` é
    ``position_buckets`` quando positivo, senão ``max_relative_positions`` (ou, se este for menor
    que 1, ``max_position_embeddings``), e a atenção usa ``rel_embeddings[0 : 2 * att_span]``.
    """
    cfg = variant.config
    relative = cfg.get("relative_attention", False)
    if cfg["model_type"] not in ("deberta", "deberta-v2") or not relative:
        return 0
    span = cfg.get("max_relative_positions", -1)
    if span < 1:
        span = cfg.get("max_position_embeddings", 512)
    if cfg.get("position_buckets", -1) > 0:
        span = cfg["position_buckets"]
    return 2 * span


def encoder_shape(variant: Variant) -> tuple[int, int, int]:
    """Camadas, largura e *feed-forward* do encoder (o DistilBERT dá outros nomes às chaves)."""
    cfg = variant.config
    return (
        cfg.get("num_hidden_layers") or cfg["n_layers"],
        cfg.get("hidden_size") or cfg["dim"],
        cfg.get("intermediate_size") or cfg["hidden_dim"],
    )


def layer_macs(variant: Variant, seq_len: int = 128, batch_size: int = 1) -> dict:
    """Multiplicações-e-somas de **uma camada** do encoder numa passagem, parte por parte (a conta).

    Para ``batch_size`` frases de ``n = seq_len`` tokens, largura ``d`` e *feed-forward* ``d_ff``: as
    projeções Q, K, V e de saída (``4·d²`` por token), a *feed-forward* (``2·d·d_ff`` por token) e a
    autoatenção (``Q·Kᵀ`` e ``pesos·V``: ``2·n²·d`` por frase). Com a atenção desemaranhada do DeBERTa
    (He et al. 2020, arXiv 2006.03654), como o ``transformers`` a calcula
    (``DisentangledSelfAttention.disentangled_attention_bias``), cada camada ainda projeta a tabela de
    ``2k`` posições relativas por ``W_k`` e ``W_q`` (``2·2k·d²``, uma vez por passagem, qualquer que seja
    a frase ou o lote) e multiplica Q e K pelas posições projetadas (``2·n·2k·d`` por frase).
    """
    _, d, ff = encoder_shape(variant)
    n, b = seq_len, batch_size
    parts = {
        "projections": b * n * 4 * d * d,
        "ffn": b * n * 2 * d * ff,
        "attention": b * 2 * n * n * d,
    }
    span = relative_positions(variant)
    if span:
        kinds = [k for k in (variant.config.get("pos_att_type") or []) if k in ("c2p", "p2c")]
        # com as chaves compartilhadas, as duas projeções
        projected = 2 if variant.config.get("share_att_key", False) else len(kinds)
        parts["rel_projection"] = projected * span * d * d
        parts["rel_products"] = len(kinds) * b * n * span * d
    return {k: float(v) for k, v in parts.items()}
