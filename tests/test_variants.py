import pandas as pd
import pytest

from helpers import checks, variants

pytestmark = pytest.mark.unit

PUBLISHED_COUNTS_M = {  # contagem calculada esperada (milhões, 1 casa), da configuração de cada variante
    "BERT-base": 109.5, "BERT-large": 335.1, "DistilBERT": 66.4, "RoBERTa-base": 124.6, "RoBERTa-large": 355.4,
    "ALBERT-base": 11.7, "DeBERTa-v3-base": 183.8, "BERTimbau-base": 108.9, "BERTimbau-large": 334.4,
}


@pytest.fixture(scope="module")
def table():
    return variants.variants_table()


def test_parameter_counts_match_published_within_3_percent(table):
    assert list(table.index) == list(PUBLISHED_COUNTS_M)
    assert table["parâmetros (M, calculado)"].to_dict() == pytest.approx(PUBLISHED_COUNTS_M, abs=0.05)
    assert (table["diferença (%)"].abs() < 3).all(), table
    assert table.loc["ALBERT-base", "diferença (%)"] == pytest.approx(-2.6, abs=0.05)  # o maior desvio


def test_count_summary_names_the_largest_deviation(table):
    text = variants.count_summary(table)
    assert text.startswith("Todas as contagens ficam a até 2,6% dos números publicados")
    assert "ALBERT-base (11,7M calculados contra 12M publicados)" in text


def test_albert_shares_layers_and_distilbert_has_half(table):
    assert table.loc["DistilBERT", "camadas"] * 2 == table.loc["BERT-base", "camadas"]
    assert table.loc["ALBERT-base", "parâmetros (M, calculado)"] < table.loc["BERT-base", "parâmetros (M, calculado)"] / 8


def test_deberta_row_describes_v3_and_albert_row_has_sop():
    by_name = {v.name: v for v in variants.VARIANTS}
    deberta = by_name["DeBERTa-v3-base"]
    assert "2111.09543" in deberta.source and "2006.03654" in deberta.changed
    assert "RTD" in deberta.changed and "GDES" in deberta.changed and "gerador treinado com MLM" in deberta.changed
    assert "SOP" in by_name["ALBERT-base"].changed


# ------------------------------------------------------------------ custo: teoria e frases

def test_forward_macs_follows_the_formula():
    by_name = {v.name: v for v in variants.VARIANTS}
    n, d, L = 128, 768, 12
    expected = L * (n * (4 * d * d + 2 * d * 4 * d) + 2 * n * n * d)
    assert variants.forward_macs(by_name["BERT-base"], n) == expected
    assert variants.forward_macs(by_name["ALBERT-base"], n) == expected          # pesos repetidos, mesmas contas
    assert variants.forward_macs(by_name["DistilBERT"], n) == expected / 2       # metade das camadas
    ratio = variants.forward_macs(by_name["BERT-large"], n) / expected
    assert ratio == pytest.approx(3.53, abs=0.01)                                # 2 × (1024/768)² e a atenção
    # a atenção cresce com n²: 4× os tokens dá mais que 4× as contas
    assert variants.forward_macs(by_name["BERT-base"], 4 * n) / expected == pytest.approx(4.32, abs=0.01)
    assert variants.forward_macs(by_name["BERT-base"], n, batch_size=2) == 2 * expected


def test_deberta_layer_macs_project_the_relative_position_table_once_per_pass():
    deberta = {v.name: v for v in variants.VARIANTS}["DeBERTa-v3-base"]
    n, d, span = 128, 768, 512                     # 2k = 2 × position_buckets (256)
    assert variants.relative_positions(deberta) == span
    assert variants.relative_positions(variants.VARIANTS[0]) == 0
    parts = variants.layer_macs(deberta, n)
    assert parts[variants.PART_REL_PROJ] == 2 * span * d * d            # W_q e W_k sobre a tabela inteira
    assert parts[variants.PART_REL_PRODUCTS] == 2 * n * span * d        # conteúdo→posição e posição→conteúdo
    assert parts[variants.PART_REL_PROJ] > 5 * parts[variants.PART_REL_PRODUCTS]
    two = variants.layer_macs(deberta, n, batch_size=2)                 # a projeção não cresce com o lote
    assert two[variants.PART_REL_PROJ] == parts[variants.PART_REL_PROJ]
    assert two[variants.PART_REL_PRODUCTS] == 2 * parts[variants.PART_REL_PRODUCTS]
    bert = variants.forward_macs(variants.VARIANTS[0], n)
    assert variants.forward_macs(deberta, n) / bert == pytest.approx(1.76, abs=0.01)
    table = variants.layer_macs_table(seq_len=n)
    assert table.loc["total por camada", "DeBERTa-v3-base"] == pytest.approx(sum(parts.values()) / 1e6, abs=0.1)
    assert table.loc[variants.PART_REL_PROJ, "BERT-base"] == 0


def test_deberta_relative_positions_follow_the_transformers_code():
    """A tabela projetada tem ``2·att_span`` linhas, com ``att_span`` lido como no transformers."""
    import torch

    cfg = dict(model_type="deberta-v2", vocab_size=100, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
               intermediate_size=64, max_position_embeddings=64, type_vocab_size=0, relative_attention=True,
               position_buckets=8, share_att_key=True, pos_att_type=["p2c", "c2p"], max_relative_positions=-1)
    tiny = variants.Variant("mini-deberta", "-", "DeBERTa", cfg, 0.1, "-", "-")
    model = variants.build_model(tiny, device="cpu").eval()
    seen = []
    hooks = [getattr(model.encoder.layer[0].attention.self, name).register_forward_hook(
        lambda m, args, out: seen.append(args[0].shape[-2])) for name in ("query_proj", "key_proj")]
    with torch.inference_mode():
        model(input_ids=torch.ones(1, 5, dtype=torch.long))
    for h in hooks:
        h.remove()
    span = variants.relative_positions(tiny)
    assert span == 16
    assert sorted(seen) == [5, 5, span, span]                          # as frases e a tabela de posições


def _tiny(name, layers):
    return variants.Variant(name, "-", "BERT", variants._bert(3000, 32, layers, 2, 64), 0.1, "-", "-")


def test_time_forwards_measures_each_variant_against_the_base():
    tiny = [_tiny("base", 2), _tiny("fundo", 8), _tiny("raso", 1)]
    seen = []
    timing = variants.time_forwards(tiny, base="base", seq_len=16, repeats=3, progress=lambda it: seen.extend(it) or it)
    assert [v.name for v in seen] == ["base", "fundo", "raso"]     # o base primeiro, contra uma cópia dele
    assert list(timing.index) == ["base", "fundo", "raso"]
    assert list(timing.columns) == ["tempo (ms)", "base ao lado (ms)", "razão", "razão mín.", "razão máx."]
    # a razão de cada linha é o tempo dela dividido pelo do base medido junto
    assert (timing["razão"] == timing["tempo (ms)"] / timing["base ao lado (ms)"]).all()
    assert (timing["razão mín."] <= timing["razão máx."]).all()
    assert (timing["tempo (ms)"] > 0).all()
    assert timing.loc["fundo", "razão"] > timing.loc["raso", "razão"]   # 8 camadas contra 1
    with pytest.raises(ValueError, match="referência"):
        variants.time_forwards(tiny, base="nenhum")


def test_time_forwards_keeps_the_ratio_of_each_repetition(monkeypatch):
    calls = []

    def fake(model, reference, inputs, repeats):
        calls.append(model.config.num_hidden_layers)
        if len(calls) == 1:                                        # o base contra a cópia: só ruído
            return [10.0, 12.0, 9.0], [10.0, 10.0, 10.0]
        return [20.0, 25.0, 21.0], [10.0, 12.5, 10.0]

    monkeypatch.setattr(variants.measure, "alternating_forward_times", fake)
    timing = variants.time_forwards([_tiny("base", 2), _tiny("fundo", 4)], base="base", seq_len=8, repeats=3)
    assert calls == [2, 4]
    assert timing.loc["base", "razão"] == pytest.approx(0.9)          # 9 ÷ 10: os menores de cada lado
    assert timing.loc["base", "razão mín."] == pytest.approx(0.9) and timing.loc["base", "razão máx."] == pytest.approx(1.2)
    assert timing.loc["fundo", "razão"] == pytest.approx(2.0)
    assert timing.loc["fundo", "razão mín."] == pytest.approx(2.0) and timing.loc["fundo", "razão máx."] == pytest.approx(2.1)


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


def test_cost_table_divides_by_the_base_measured_beside(table):
    ms = {name: 1000.0 for name in table.index}
    beside = dict(ms, DistilBERT=1500.0)            # a CPU estava ocupada quando o DistilBERT foi medido
    ms["DistilBERT"] = 750.0
    timing = pd.DataFrame({"tempo (ms)": ms, "BERT-base ao lado (ms)": beside})
    cost = variants.cost_table(table, timing, seq_len=128)
    assert cost.loc["DistilBERT", "razão"] == pytest.approx(0.5)   # não 0,75
    assert cost.loc["DistilBERT", "BERT-base ao lado (ms)"] == 1500.0


def _cost(table, base_ratio=(0.99, 0.98, 1.03), **times):
    """Tabela de custo com tempos dados; ``base_ratio``: (proporção, mín., máx.) do base contra a cópia."""
    ms = {"BERT-base": 1000.0, "BERT-large": 2200.0, "DistilBERT": 520.0, "RoBERTa-base": 950.0,
          "RoBERTa-large": 2160.0, "ALBERT-base": 1280.0, "DeBERTa-v3-base": 2330.0, "BERTimbau-base": 1000.0,
          "BERTimbau-large": 2210.0}
    ms.update(times)
    ratio = {k: v / 1000.0 for k, v in ms.items()}
    low, high = dict(ratio), dict(ratio)
    ratio["BERT-base"], low["BERT-base"], high["BERT-base"] = base_ratio
    timing = pd.DataFrame({"tempo (ms)": {k: 1000.0 * r for k, r in ratio.items()},
                           "BERT-base ao lado (ms)": dict.fromkeys(ms, 1000.0),
                           "razão mín.": low, "razão máx.": high})
    return variants.cost_table(table, timing, seq_len=128)


def test_cost_table_ratios(table):
    cost = _cost(table)
    assert cost.loc["ALBERT-base", "razão"] == pytest.approx(1.28)
    assert cost.loc["DistilBERT", "razão da conta"] == pytest.approx(0.5)
    assert cost.loc["BERT-large", "razão da conta"] == pytest.approx(3.53, abs=0.005)   # sem arredondar: 3,5315
    assert cost.loc["DeBERTa-v3-base", "razão da conta"] == pytest.approx(1.76, abs=0.005)   # atenção desemaranhada
    assert cost.loc["BERT-base", "conta (bilhões)"] == pytest.approx(11.17, abs=0.01)
    assert cost.loc["BERT-base", "razão máx."] == pytest.approx(1.03)


def test_noise_band_and_within_noise(table):
    cost = _cost(table)
    assert variants.noise_band(cost) == pytest.approx(0.03)                  # a maior distância de 1 no base
    assert variants.ratio_within_noise(cost, "BERTimbau-base") and not variants.ratio_within_noise(cost, "ALBERT-base")
    assert not variants.ratio_within_noise(cost, "RoBERTa-base")                  # 0,95: fora de ±3%
    straddle = _cost(table)
    straddle.loc["ALBERT-base", ["razão mín.", "razão máx."]] = [0.97, 1.4]     # repetições dos dois lados de 1
    assert variants.ratio_within_noise(straddle, "ALBERT-base")
    assert ("ALBERT-base (1,28×, mas com repetições de 0,97× a 1,40×: ora mais rápido, ora mais lento que o "
            "BERT-base)") in variants.cost_findings(straddle)
    wide = _cost(table, base_ratio=(1.0, 0.93, 1.08))
    assert variants.noise_band(wide) == pytest.approx(0.08) and variants.ratio_within_noise(wide, "RoBERTa-base")


def test_cost_findings_render_the_measured_ratios(table):
    text = variants.cost_findings(_cost(table))
    assert ("o BERT-base medido contra uma cópia dele (mesma arquitetura, mesmos pesos) levou 0,99× o tempo "
            "da cópia, com as repetições de 0,98× a 1,03×") in text
    assert ("um ruído de cerca de 3%, estimado grosseiramente (poucos pares de um modelo só, sempre na mesma ordem, o "
            "modelo e depois a referência)") in text
    assert "3,0%" not in text and "dentro do ruído" not in text   # a faixa do base não decide os vereditos exatos
    assert "5 pares de um modelo só" in variants.cost_findings(_cost(table), repeats=5)
    assert "Com a mesma conta do BERT-base, **sem diferença detectável** para ele: BERTimbau-base (1,00×)." in text
    assert "fora desse ruído: RoBERTa-base (0,95×) e ALBERT-base (1,28×)" in text
    assert "levou 1,28× o tempo dele (até mais tempo)" in text
    assert "não tempo" in text
    assert "9,4× menos parâmetros" in text
    assert "levou 0,52× o tempo dele: o tempo cai junto com as camadas" in text
    assert "DeBERTa-v3-base** tem as mesmas camadas e a mesma largura do BERT-base e levou 2,33× o tempo" in text
    assert "tabela de 512 faixas de posição relativa por W_q e W_k (604 milhões" in text
    assert "conteúdo→posição e posição→conteúdo (101 milhões" in text
    assert "a projeção da tabela é 86% das multiplicações-e-somas extras, a maior parte" in text
    assert ("a conta do DeBERTa é 1,76× a do BERT-base; a medida fica 33% acima dela, e todas as repetições (2,33× a "
            "2,33×) também: a conta fica fora da faixa delas") in text
    assert "esta medida não separa esses efeitos" in text
    # a razão dos large é a da tabela (contra o BERT-base ao lado), não uma razão de razões
    assert ("2,20× (BERT; repetições de 2,20× a 2,20×), 2,16× (RoBERTa; 2,16× a 2,16×) e 2,21× (BERTimbau; 2,21× a "
            "2,21×) o tempo do BERT-base medido ao lado (a coluna `razão`); a conta deles é 3,53× a do BERT-base") in text
    assert "abaixo da conta (37% a 39%), e todas as repetições também: a conta fica fora da faixa de cada linha" in text
    assert "cresce só de 2,00× (as camadas) a 2,67× (camadas × largura)" in text   # 24/12 e 24·1024/(12·768)
    assert "esta medida não separa uma da outra" in text and "provavelmente" not in text
    assert "As repetições ficaram todas acima de 1" in text                      # o ALBERT, de 1,28× a 1,28×
    assert "depende da máquina" in text and "mais núcleos" not in text
    assert "~3×" not in text and "ruidosa" not in text


def test_cost_findings_change_the_verdict_with_the_numbers(table):
    other = variants.cost_findings(_cost(table, **{"ALBERT-base": 1020.0, "BERT-large": 3300.0, "RoBERTa-large": 3250.0,
                                                  "BERTimbau-large": 3400.0, "DeBERTa-v3-base": 1800.0,
                                                  "RoBERTa-base": 1000.0}))
    assert "levou 1,02× o tempo dele (sem diferença detectável)" in other
    assert "A medida fica abaixo da conta (4% a 8%), e todas as repetições também" in other   # sem arredondar
    assert "a medida fica 2% acima dela, e todas as repetições (1,80× a 1,80×) também" in other
    close = _cost(table, **{"BERT-large": 3500.0, "RoBERTa-large": 3450.0, "BERTimbau-large": 3520.0,
                            "RoBERTa-base": 1000.0, "DeBERTa-v3-base": 1750.0})
    close.loc["RoBERTa-large", ["razão mín.", "razão máx."]] = [3.3, 3.6]
    close.loc["DeBERTa-v3-base", ["razão mín.", "razão máx."]] = [1.7, 1.8]
    close = variants.cost_findings(close)
    assert ("A medida fica abaixo da conta em todas as repetições: BERT-large e BERTimbau-large; com a conta dentro "
            "da faixa das repetições: RoBERTa-large. Para os que ficam abaixo, duas explicações cabem") in close
    assert "a medida fica menos de 1% abaixo dela, mas a conta cabe na faixa das repetições (1,70× a 1,80×)" in close
    assert "Uma medida só não mostra que a conta acerta" in close
    mixed = variants.cost_findings(_cost(table, **{"BERT-large": 3500.0, "RoBERTa-large": 3300.0,
                                                   "BERTimbau-large": 3520.0, "RoBERTa-base": 1000.0}))
    assert "abaixo da conta (menos de 1% a 7%), e todas as repetições também" in mixed
    assert "fora desse ruído" not in other
    fast = variants.cost_findings(_cost(table, **{"ALBERT-base": 900.0}))
    assert "levou 0,90× o tempo dele (um pouco menos tempo)" in fast
    slow = variants.cost_findings(_cost(table, DistilBERT=900.0, **{"ALBERT-base": 500.0}))
    assert "o tempo caiu menos do que a conta" in slow
    assert "não tempo" not in slow and "bem menos do que os parâmetros sugeririam" in slow
    noisy = variants.cost_findings(_cost(table, base_ratio=(1.0, 0.85, 1.2)))
    assert "um ruído de cerca de 20%" in noisy and "A medição está **ruidosa**" in noisy
    below = variants.cost_findings(_cost(table, **{"DeBERTa-v3-base": 1200.0}))
    assert "a medida fica 32% abaixo dela, e todas as repetições (1,20× a 1,20×) também" in below
    assert "renderam" not in below
    wide = _cost(table)
    wide.loc["RoBERTa-large", ["razão mín.", "razão máx."]] = [2.0, 2.3]
    assert ("As repetições de outras linhas variam mais (as do RoBERTa-large, de 2,00× a 2,30×): por isso, DeBERTa e "
            "*large* são comparados, cada um, com a faixa das próprias repetições.") in variants.cost_findings(wide)
    above = variants.cost_findings(_cost(table, **{"BERT-large": 3800.0, "RoBERTa-large": 3900.0,
                                                   "BERTimbau-large": 3850.0}))
    assert "acima da conta (8% a 10%), e todas as repetições também: a conta fica fora da faixa de cada linha. Isso a conta não explica" in above
    spread = variants.cost_findings(_cost(table, **{"BERT-large": 3580.0, "RoBERTa-large": 2560.0,
                                                   "BERTimbau-large": 2420.0}))
    assert "3,58× (BERT; repetições de 3,58× a 3,58×), 2,56× (RoBERTa; 2,56× a 2,56×) e 2,42× (BERTimbau" in spread
    assert ("abaixo da conta em todas as repetições: RoBERTa-large e BERTimbau-large; acima da conta em todas as "
            "repetições: BERT-large.") in spread                                  # linha a linha, não "a até X%"
    assert "a distância entre as razões medidas é ruído da medida" in spread


def test_repetitions_on_one_side_are_still_a_tie(table):
    edge = _cost(table, **{"ALBERT-base": 980.0, "RoBERTa-base": 985.0}, base_ratio=(1.0, 0.98, 1.02))
    edge.loc["ALBERT-base", ["razão mín.", "razão máx."]] = [0.97, 0.998]
    edge.loc["RoBERTa-base", ["razão mín.", "razão máx."]] = [0.975, 0.99]
    text = variants.cost_findings(edge)
    assert "levou 0,98× o tempo dele (sem diferença detectável)" in text
    assert "As repetições ficaram todas abaixo de 1 (0,97× a 1,00×): pode ser um efeito que a conta não vê" in text
    assert "RoBERTa-base (0,98×)" in text and "pode haver uma diferença" not in text   # sem diferença, sem meio-termo
    assert "ALBERT-base (0,98×)" in text


def test_distilbert_vs_paper(table):
    text = variants.distilbert_vs_paper(_cost(table))
    assert "o DistilBERT foi 1,9× mais rápido que o BERT-base (48% menos tempo)" in text   # 1 casa: ruído de ~3%
    assert "só o modelo sem cabeça" in text and "encoder" not in text
    assert "668 s ÷ 410 s = 1,6× (39% menos tempo)" in text


def test_parameter_findings():
    parts = variants.parameter_parts([v for v in variants.VARIANTS
                                      if v.name in ("BERT-base", "DeBERTa-v3-base", "ALBERT-base")])
    # a fronteira das embeddings do ALBERT é a do exercício: com a projeção E → H
    assert parts.loc["ALBERT-base", "embeddings"] * 1e6 == checks.albert_embedding_parameters(30000, 128, 768)
    assert parts.loc["BERT-base"].sum() == pytest.approx(109.48, abs=0.01)
    text = variants.parameter_findings(parts)
    assert "No BERT-base, 22% dos parâmetros estão nas embeddings; no DeBERTa-v3-base, 54% (98,4M de 183,8M)" in text
    assert "fora das embeddings (85,4M), é praticamente igual ao do BERT-base (85,6M, camadas e pooler): é o vocabulário que faz a diferença" in text
    assert "as embeddings fatorizadas, já com a projeção 128 → 768, têm 4,0M (contra 23,8M no BERT-base)" in text
    assert "a única camada, usada pelas 12, guarda 7,1M (contra 85,1M das 12 camadas do BERT-base, sem o pooler)." in text


# ------------------------------------------------------------------ escolha prática

def test_choose_variant_follows_the_practical_table():
    assert variants.choose_variant("pt", "normais")["modelo sugerido"] == "neuralmind/bert-base-portuguese-cased"
    assert variants.choose_variant("en", "poucos")["modelo sugerido"] == "distilbert-base-uncased"
    assert variants.choose_variant("en", "muitos")["modelo sugerido"] == "microsoft/deberta-v3-large"
    assert "albert" in variants.choose_variant("en", "normais", "mobile")["modelo sugerido"]
    # no celular o idioma conta: não há ALBERT nem TinyBERT português; o BERT de 6 camadas em int8
    pt_mobile = variants.choose_variant("pt", "normais", "mobile")
    assert pt_mobile["modelo sugerido"].startswith("adalbertojunior/distilbert-portuguese-cased")
    assert "int8" in pt_mobile["modelo sugerido"] and "albert-base" not in pt_mobile["modelo sugerido"]
    assert "destilação geral" in variants.choose_variant("en", "poucos", "mobile")["por quê"]
    with pytest.raises(ValueError, match="Idioma"):
        variants.choose_variant("fr")
    with pytest.raises(ValueError, match="Recursos"):
        variants.choose_variant("pt", "infinitos")


def test_portuguese_small_model_is_offered_as_a_bert_not_a_distilbert():
    choice = variants.choose_variant("pt", "poucos")
    assert choice["modelo sugerido"] == "adalbertojunior/distilbert-portuguese-cased"
    why = choice["por quê"]
    assert why.startswith("Um BERT menor em português")
    assert "model_type: bert" in why and "6 camadas" in why
    assert not why.startswith("DistilBERT")


def test_choices_carry_their_sources_and_no_bare_cost_figures():
    texts = [why for lang in variants.CHOICES.values() for _, why in lang.values()] + [why for _, why in variants.MOBILE.values()]
    assert not any("3×" in t for t in texts)
    for t in texts:
        if "%" in t or "M de parâmetros" in t:
            assert "arXiv" in t, t


def test_chooser_widget_builds_and_shows_the_choice():
    box = variants.chooser_widget()
    assert "neuralmind/bert-base-portuguese-cased" in box.children[-1].value
    box.children[1].value = "poucos"
    assert "Um BERT menor em português" in box.children[-1].value


