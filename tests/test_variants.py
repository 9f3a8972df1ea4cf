import pandas as pd
import pytest

from helpers import checks, encoder_macs, lesson01, variant_choices, variants

pytestmark = pytest.mark.unit

PUBLISHED_COUNTS_M = {  # contagem calculada esperada (milhões, 1 casa), da configuração de cada variante
    "BERT-base": 109.5,
    "BERT-large": 335.1,
    "DistilBERT": 66.4,
    "RoBERTa-base": 124.6,
    "RoBERTa-large": 355.4,
    "ALBERT-base": 11.7,
    "DeBERTa-v3-base": 183.8,
    "BERTimbau-base": 108.9,
    "BERTimbau-large": 334.4,
}
BY_NAME = {v.name: v for v in variants.VARIANTS}


@pytest.fixture(scope="module")
def models():
    """Cada variante montada no ``meta`` pela célula ``# @save`` do 01 (``lesson01.build_model``)."""
    return {v.name: lesson01.build_model(v) for v in variants.VARIANTS}


def test_meta_models_hold_no_memory_and_count_like_the_published(models):
    assert list(models) == list(PUBLISHED_COUNTS_M)
    counts = {name: round(lesson01.count_parameters(m) / 1e6, 1) for name, m in models.items()}
    assert counts == pytest.approx(PUBLISHED_COUNTS_M, abs=0.05)
    assert all(p.device.type == "meta" for m in models.values() for p in m.parameters())
    for v in variants.VARIANTS:  # a menos de 3%; o ALBERT é o mais longe
        assert abs(counts[v.name] / v.published_params_m - 1) < 0.03
    assert counts["ALBERT-base"] / 12 - 1 == pytest.approx(-0.026, abs=0.001)
    assert (
        models["DistilBERT"].config.num_hidden_layers * 2
        == models["BERT-base"].config.num_hidden_layers
    )


def test_albert_embeddings_boundary_is_the_exercise(models):
    albert = models["ALBERT-base"]
    embeddings = lesson01.count_parameters(albert.embeddings)
    embeddings += lesson01.count_parameters(albert.encoder.embedding_hidden_mapping_in)
    assert embeddings == checks.albert_embedding_parameters(30000, 128, 768)


def test_variants_carry_their_sources():
    assert "2111.09543" in BY_NAME["DeBERTa-v3-base"].source
    assert all(("arXiv" in v.source) or ("Souza" in v.source) for v in variants.VARIANTS)


# ------------------------------------------------------------------ a conta


def test_forward_macs_follows_the_formula():
    n, d, L = 128, 768, 12
    expected = L * (n * (4 * d * d + 2 * d * 4 * d) + 2 * n * n * d)
    assert variants.forward_macs(BY_NAME["BERT-base"], n) == expected
    assert (
        variants.forward_macs(BY_NAME["ALBERT-base"], n) == expected
    )  # pesos repetidos, mesmas contas
    assert variants.forward_macs(BY_NAME["DistilBERT"], n) == expected / 2  # metade das camadas
    ratio = variants.forward_macs(BY_NAME["BERT-large"], n) / expected
    assert ratio == pytest.approx(3.53, abs=0.01)  # 2 × (1024/768)² e a atenção
    # a atenção cresce com n²: 4× os tokens dá mais que 4× as contas
    assert variants.forward_macs(BY_NAME["BERT-base"], 4 * n) / expected == pytest.approx(
        4.32, abs=0.01
    )
    assert variants.forward_macs(BY_NAME["BERT-base"], n, batch_size=2) == 2 * expected


def test_deberta_layer_macs_project_the_relative_position_table_once_per_pass():
    deberta = BY_NAME["DeBERTa-v3-base"]
    n, d, span = 128, 768, 512  # 2k = 2 × position_buckets (256)
    assert encoder_macs.relative_positions(deberta) == span
    assert encoder_macs.relative_positions(variants.VARIANTS[0]) == 0
    parts = encoder_macs.layer_macs(deberta, n)
    assert parts["rel_projection"] == 2 * span * d * d  # W_q e W_k sobre a tabela inteira
    assert parts["rel_products"] == 2 * n * span * d  # conteúdo→posição e posição→conteúdo
    assert parts["rel_projection"] > 5 * parts["rel_products"]
    two = encoder_macs.layer_macs(deberta, n, batch_size=2)  # a projeção não cresce com o lote
    assert two["rel_projection"] == parts["rel_projection"]
    assert two["rel_products"] == 2 * parts["rel_products"]
    bert = variants.forward_macs(variants.VARIANTS[0], n)
    assert variants.forward_macs(deberta, n) / bert == pytest.approx(1.76, abs=0.01)
    table = variants.layer_macs_table(seq_len=n)
    assert table.loc["layer_total", "DeBERTa-v3-base"] == pytest.approx(
        sum(parts.values()) / 1e6, abs=0.1
    )
    assert table.loc["rel_projection", "BERT-base"] == 0
    assert set(table.index) <= set(variants.LABELS)  # todo rótulo para mostrar existe


def test_deberta_relative_positions_follow_the_transformers_code():
    """A tabela projetada tem ``2·att_span`` linhas, com ``att_span`` lido como no transformers."""
    import torch

    cfg = dict(
        model_type="deberta-v2",
        vocab_size=100,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        type_vocab_size=0,
        relative_attention=True,
        position_buckets=8,
        share_att_key=True,
        pos_att_type=["p2c", "c2p"],
        max_relative_positions=-1,
    )
    tiny = variants.Variant("mini-deberta", "-", "DeBERTa", cfg, 0.1, "-")
    model = lesson01.build_model(tiny, device="cpu").eval()
    seen = []
    hooks = [
        getattr(model.encoder.layer[0].attention.self, name).register_forward_hook(
            lambda m, args, out: seen.append(args[0].shape[-2])
        )
        for name in ("query_proj", "key_proj")
    ]
    with torch.inference_mode():
        model(input_ids=torch.ones(1, 5, dtype=torch.long))
    for h in hooks:
        h.remove()
    span = encoder_macs.relative_positions(tiny)
    assert span == 16
    assert sorted(seen) == [5, 5, span, span]  # as frases e a tabela de posições
    assert (
        encoder_macs.relative_positions(
            variants.Variant("x", "-", "DeBERTa", dict(cfg, position_buckets=-1), 0.1, "-")
        )
        == 2 * 64
    )  # sem faixas: max_position_embeddings


# ------------------------------------------------------------------ a medida de tempo


def _tiny(name, layers):
    return variants.Variant(name, "-", "BERT", variants._bert(3000, 32, layers, 2, 64), 0.1, "-")


def test_time_forwards_measures_each_variant_against_the_base():
    tiny = [_tiny("base", 2), _tiny("fundo", 8), _tiny("raso", 1)]
    seen = []
    timing = variants.time_forwards(
        tiny, base="base", seq_len=16, repeats=3, progress=lambda it: seen.extend(it) or it
    )
    assert [v.name for v in seen] == [
        "base",
        "fundo",
        "raso",
    ]  # o base primeiro, contra uma cópia dele
    assert list(timing.index) == ["base", "fundo", "raso"]
    assert list(timing.columns) == ["ms", "base_ms", "ratio", "ratio_low", "ratio_high"]
    # a razão de cada linha é o tempo dela dividido pelo do base medido junto
    assert (timing["ratio"] == timing["ms"] / timing["base_ms"]).all()
    assert (timing["ratio_low"] <= timing["ratio_high"]).all()
    assert (timing["ms"] > 0).all()
    assert timing.loc["fundo", "ratio"] > timing.loc["raso", "ratio"]  # 8 camadas contra 1
    with pytest.raises(ValueError, match="referência"):
        variants.time_forwards(tiny, base="nenhum")


def test_time_forwards_keeps_the_ratio_of_each_repetition(monkeypatch):
    calls = []

    def fake(model, reference, inputs, repeats):
        calls.append(model.config.num_hidden_layers)
        if len(calls) == 1:  # o base contra a cópia: só ruído
            return [10.0, 12.0, 9.0], [10.0, 10.0, 10.0]
        return [20.0, 25.0, 21.0], [10.0, 12.5, 10.0]

    monkeypatch.setattr(variants.measure, "alternating_forward_times", fake)
    timing = variants.time_forwards(
        [_tiny("base", 2), _tiny("fundo", 4)], base="base", seq_len=8, repeats=3
    )
    assert calls == [2, 4]
    assert timing.loc["base", "ratio"] == pytest.approx(0.9)  # 9 ÷ 10: os menores de cada lado
    assert timing.loc["base", "ratio_low"] == pytest.approx(0.9) and timing.loc[
        "base", "ratio_high"
    ] == pytest.approx(1.2)
    assert timing.loc["fundo", "ratio"] == pytest.approx(2.0)
    assert timing.loc["fundo", "ratio_low"] == pytest.approx(2.0) and timing.loc[
        "fundo", "ratio_high"
    ] == pytest.approx(2.1)


def test_time_forwards_uses_the_threads_asked_and_gives_them_back(monkeypatch):
    import torch

    seen = []

    def fake(model, reference, inputs, repeats):
        seen.append(torch.get_num_threads())
        return [1.0], [2.0]

    monkeypatch.setattr(variants.measure, "alternating_forward_times", fake)
    before = torch.get_num_threads()
    tiny = [_tiny("base", 1), _tiny("outro", 1)]
    variants.time_forwards(tiny, base="base", seq_len=8, repeats=1)
    assert seen == [1, 1] and torch.get_num_threads() == before
    variants.time_forwards(tiny, base="base", seq_len=8, repeats=1, threads=None)
    assert seen[-1] == before


def _counts():
    return pd.DataFrame(
        {
            "layers": {v.name: 12 for v in variants.VARIANTS},
            "hidden": {v.name: 768 for v in variants.VARIANTS},
            "params_m": PUBLISHED_COUNTS_M,
        }
    )


def _cost(base_ratio=(0.99, 0.98, 1.03), **times):
    """Tabela de custo com razões dadas; ``base_ratio``: (razão, mín., máx.) do base contra a cópia."""
    ratio = {
        "BERT-base": 1.0,
        "BERT-large": 2.2,
        "DistilBERT": 0.52,
        "RoBERTa-base": 0.95,
        "RoBERTa-large": 2.16,
        "ALBERT-base": 1.28,
        "DeBERTa-v3-base": 2.33,
        "BERTimbau-base": 1.0,
        "BERTimbau-large": 2.21,
    }
    ratio.update(times)
    low, high = dict(ratio), dict(ratio)
    ratio["BERT-base"], low["BERT-base"], high["BERT-base"] = base_ratio
    timing = pd.DataFrame(
        {
            "ms": {k: 1000.0 * r for k, r in ratio.items()},
            "base_ms": dict.fromkeys(ratio, 1000.0),
            "ratio": ratio,
            "ratio_low": low,
            "ratio_high": high,
        }
    )
    return variants.cost_table(_counts(), timing, seq_len=128)


def test_cost_table_puts_the_measure_beside_the_count():
    cost = _cost()
    assert cost.loc["ALBERT-base", "ratio"] == pytest.approx(1.28)
    assert cost.loc["DistilBERT", "macs_ratio"] == pytest.approx(0.5)
    assert cost.loc["BERT-large", "macs_ratio"] == pytest.approx(
        3.53, abs=0.005
    )  # sem arredondar: 3,5315
    assert cost.loc["DeBERTa-v3-base", "macs_ratio"] == pytest.approx(
        1.76, abs=0.005
    )  # atenção desemaranhada
    assert cost.loc["BERT-base", "macs_b"] == pytest.approx(11.17, abs=0.01)
    assert cost.loc["BERT-base", "ratio_high"] == pytest.approx(1.03)
    assert set(cost.columns) <= set(variants.LABELS)


def test_noise_band_and_within_noise():
    cost = _cost()
    assert variants.noise_band(cost) == pytest.approx(0.03)  # a maior distância de 1 no base
    assert variants.ratio_within_noise(cost, "BERTimbau-base") and not variants.ratio_within_noise(
        cost, "ALBERT-base"
    )
    assert not variants.ratio_within_noise(cost, "RoBERTa-base")  # 0,95: fora de ±3%
    straddle = _cost()
    straddle.loc["ALBERT-base", ["ratio_low", "ratio_high"]] = [
        0.97,
        1.4,
    ]  # repetições dos dois lados de 1
    assert variants.ratio_within_noise(straddle, "ALBERT-base")
    wide = _cost(base_ratio=(1.0, 0.93, 1.08))
    assert variants.noise_band(wide) == pytest.approx(0.08) and variants.ratio_within_noise(
        wide, "RoBERTa-base"
    )
    # contra a razão da conta, a mesma régua em proporção: 2,20 / 2,25 − 1 ≈ −2,2% (dentro de 3%)
    assert variants.ratio_within_noise(cost, "BERT-large", expected=2.25)
    assert not variants.ratio_within_noise(cost, "BERT-large", expected=2.4)  # −8,3%
    assert variants.ratio_within_noise(straddle, "ALBERT-base", expected=1.35)  # 0,97 ≤ 1,35 ≤ 1,4


def test_ratio_range_says_when_the_repetitions_agree():
    assert variants.ratio_range(0.97, 0.99) == "de 0,97× a 0,99×"
    assert variants.ratio_range(1.7312, 1.7349) == "todas 1,73×"  # não "de 1,73× a 1,73×"


# ------------------------------------------------------------------ escolha prática


def test_choose_variant_follows_the_practical_table():
    assert (
        variants.choose_variant("pt", "normais")["model"] == "neuralmind/bert-base-portuguese-cased"
    )
    assert variants.choose_variant("en", "poucos")["model"] == "distilbert-base-uncased"
    assert variants.choose_variant("en", "muitos")["model"] == "microsoft/deberta-v3-large"
    assert "albert" in variants.choose_variant("en", "normais", "mobile")["model"]
    # no celular o idioma conta: não há ALBERT nem TinyBERT português; o BERT de 6 camadas em int8
    pt_mobile = variants.choose_variant("pt", "normais", "mobile")
    assert pt_mobile["model"].startswith("adalbertojunior/distilbert-portuguese-cased")
    assert "int8" in pt_mobile["model"] and "albert-base" not in pt_mobile["model"]
    assert "destilação geral" in variants.choose_variant("en", "poucos", "mobile")["why"]
    with pytest.raises(ValueError, match="Idioma"):
        variants.choose_variant("fr")
    with pytest.raises(ValueError, match="Recursos"):
        variants.choose_variant("pt", "infinitos")


def test_portuguese_small_model_is_offered_as_a_bert_not_a_distilbert():
    choice = variants.choose_variant("pt", "poucos")
    assert choice["model"] == "adalbertojunior/distilbert-portuguese-cased"
    why = choice["why"]
    assert why.startswith("Um BERT menor em português")
    assert "model_type: bert" in why and "6 camadas" in why
    assert not why.startswith("DistilBERT")


def test_choices_carry_their_sources_and_no_bare_cost_figures():
    texts = [why for lang in variant_choices.CHOICES.values() for _, why in lang.values()] + [
        why for _, why in variant_choices.MOBILE.values()
    ]
    assert not any("3×" in t for t in texts)
    for t in texts:
        if "%" in t or "M de parâmetros" in t:
            assert "arXiv" in t, t


def test_chooser_widget_builds_and_shows_the_choice():
    box = variants.chooser_widget()
    assert "neuralmind/bert-base-portuguese-cased" in box.children[-1].value
    assert "modelo sugerido" in box.children[-1].value  # o rótulo em português, na tela
    box.children[1].value = "poucos"
    assert "Um BERT menor em português" in box.children[-1].value
