import pandas as pd
import pytest

from helpers import measure, variants

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


def test_embedding_parameters_matches_real_module():
    m = variants.build_model(variants.VARIANTS[0])
    assert measure.count_parameters(m.embeddings) == variants.embedding_parameters(30522, 768, 512, 2)


def test_deberta_row_describes_v3_and_albert_row_has_sop():
    by_name = {v.name: v for v in variants.VARIANTS}
    deberta = by_name["DeBERTa-v3-base"]
    assert "2111.09543" in deberta.source and "2006.03654" in deberta.changed
    assert "RTD" in deberta.changed and "GDES" in deberta.changed
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


def _tiny(name, layers):
    return variants.Variant(name, "-", "BERT", variants._bert(3000, 32, layers, 2, 64), 0.1, "-", "-")


def test_time_forward_builds_the_variant_and_times_it(monkeypatch):
    seen = {}

    def fake_forward_ms(model, inputs, repeats):
        seen.update(layers=model.config.num_hidden_layers, shape=tuple(inputs["input_ids"].shape), repeats=repeats)
        return 12.5

    monkeypatch.setattr(variants.measure, "forward_ms", fake_forward_ms)
    assert variants.time_forward(_tiny("mini", 2), seq_len=16, batch_size=3, repeats=4) == 12.5
    assert seen == {"layers": 2, "shape": (3, 16), "repeats": 4}


def test_time_forwards_measures_each_variant_against_the_base():
    tiny = [_tiny("base", 2), _tiny("fundo", 8), _tiny("raso", 1)]
    seen = []
    timing = variants.time_forwards(tiny, base="base", seq_len=16, repeats=3, progress=lambda it: seen.extend(it) or it)
    assert [v.name for v in seen] == ["fundo", "raso"]            # o base não é medido sozinho
    assert list(timing.index) == ["base", "fundo", "raso"]
    assert list(timing.columns) == ["tempo (ms)", "base ao lado (ms)", "tempo × base"]
    assert timing.loc["base", "tempo × base"] == 1.0
    # a proporção de cada linha é o tempo dela dividido pelo do base medido junto
    assert (timing["tempo × base"] == timing["tempo (ms)"] / timing["base ao lado (ms)"]).all()
    assert timing.loc["base", "tempo (ms)"] == min(timing.loc[["fundo", "raso"], "base ao lado (ms)"])
    assert (timing["tempo (ms)"] > 0).all()
    assert timing.loc["fundo", "tempo × base"] > timing.loc["raso", "tempo × base"]   # 8 camadas contra 1
    with pytest.raises(ValueError, match="referência"):
        variants.time_forwards(tiny, base="nenhum")


def test_time_forwards_uses_the_threads_asked_and_gives_them_back(monkeypatch):
    import torch

    seen = []

    def fake(model, reference, inputs, repeats):
        seen.append(torch.get_num_threads())
        return 1.0, 2.0

    monkeypatch.setattr(variants.measure, "alternating_forward_ms", fake)
    before = torch.get_num_threads()
    tiny = [_tiny("base", 1), _tiny("outro", 1)]
    variants.time_forwards(tiny, base="base", seq_len=8, repeats=1)
    assert seen == [1] and torch.get_num_threads() == before
    variants.time_forwards(tiny, base="base", seq_len=8, repeats=1, threads=None)
    assert seen[-1] == before


def test_cost_table_divides_by_the_base_measured_beside(table):
    ms = {name: 1000.0 for name in table.index}
    beside = dict(ms, DistilBERT=1500.0)            # a CPU estava ocupada quando o DistilBERT foi medido
    ms["DistilBERT"] = 750.0
    timing = pd.DataFrame({"tempo (ms)": ms, "BERT-base ao lado (ms)": beside})
    cost = variants.cost_table(table, timing, seq_len=128)
    assert cost.loc["DistilBERT", "tempo × BERT-base"] == pytest.approx(0.5)   # não 0,75
    assert cost.loc["DistilBERT", "BERT-base ao lado (ms)"] == 1500.0


def _cost(table, **times):
    ms = {"BERT-base": 1000.0, "BERT-large": 2200.0, "DistilBERT": 520.0, "RoBERTa-base": 950.0,
          "RoBERTa-large": 2160.0, "ALBERT-base": 1280.0, "DeBERTa-v3-base": 2330.0, "BERTimbau-base": 1000.0,
          "BERTimbau-large": 2210.0}
    ms.update(times)
    timing = pd.DataFrame({"tempo (ms)": ms, "tempo × BERT-base": {k: v / ms["BERT-base"] for k, v in ms.items()}})
    return variants.cost_table(table, timing, seq_len=128)


def test_cost_table_ratios(table):
    cost = _cost(table)
    assert cost.loc["ALBERT-base", "tempo × BERT-base"] == pytest.approx(1.28)
    assert cost.loc["DistilBERT", "contas × BERT-base"] == pytest.approx(0.5)
    assert cost.loc["BERT-large", "contas × BERT-base"] == pytest.approx(3.53)
    assert cost.loc["BERT-base", "contas (G)"] == pytest.approx(11.17, abs=0.01)


def test_cost_findings_render_the_measured_ratios(table):
    text = variants.cost_findings(_cost(table))
    assert "levou 1,28× o tempo dele (até mais tempo)" in text
    assert "não tempo" in text
    assert "9,4× menos parâmetros" in text
    assert "levou 0,52× o tempo dele: o tempo cai junto com as camadas" in text
    assert "DeBERTa-v3-base** tem as mesmas camadas do BERT-base e levou 2,33× o tempo dele: custa mais" in text
    assert "2,20× (BERT), 2,27× (RoBERTa) e 2,21× (BERTimbau)" in text
    assert "a teoria prevê 3,53×" in text and "abaixo da teoria" in text and "depende da máquina" in text
    assert "~3×" not in text
    assert "levou 1,00× o tempo dele: diferenças desse tamanho entre os outros modelos são ruído" in text


def test_cost_findings_change_the_verdict_with_the_numbers(table):
    other = variants.cost_findings(_cost(table, **{"ALBERT-base": 940.0, "BERT-large": 3300.0, "RoBERTa-large": 3250.0,
                                                  "BERTimbau-large": 3400.0, "DeBERTa-v3-base": 1000.0}))
    assert "levou 0,94× o tempo dele (um tempo parecido)" in other
    assert "A medida fica perto da teoria" in other
    assert "quase o mesmo que um BERT do mesmo tamanho" in other
    slow = variants.cost_findings(_cost(table, DistilBERT=900.0, **{"ALBERT-base": 500.0}))
    assert "o tempo caiu menos do que as contas" in slow
    assert "não tempo" not in slow and "bem menos do que os parâmetros sugeririam" in slow
    noisy = variants.cost_findings(_cost(table, **{"BERTimbau-base": 1310.0}))
    assert "levou 1,31× o tempo dele: esta medição está **ruidosa**" in noisy
    spread = variants.cost_findings(_cost(table, **{"BERT-large": 3580.0, "RoBERTa-large": 2560.0,
                                                   "BERTimbau-large": 2420.0}))
    assert "3,58× (BERT), 2,69× (RoBERTa) e 2,42× (BERTimbau)" in spread
    assert "perto da teoria (a teoria cabe entre as medidas)" in spread and "abaixo da teoria" not in spread
    assert "a distância entre as proporções medidas é ruído da medida" in spread


def test_distilbert_vs_paper(table):
    text = variants.distilbert_vs_paper(_cost(table))
    assert "o DistilBERT foi 1,92× mais rápido que o BERT-base (48% menos tempo)" in text
    assert "668 s ÷ 410 s = 1,63× (39% menos tempo)" in text


def test_parameter_findings():
    parts = pd.DataFrame({"embeddings": [23.8, 98.4, 3.9], "resto": [85.6, 85.4, 7.8]},
                         index=["BERT-base", "DeBERTa-v3-base", "ALBERT-base"])
    text = variants.parameter_findings(parts)
    assert "No BERT-base, 22% dos parâmetros estão nas embeddings; no DeBERTa-v3-base, 54% (98,4M de 183,8M)" in text
    assert "praticamente igual ao do BERT-base (85,6M): é o vocabulário que faz a diferença" in text
    assert "as embeddings fatorizadas têm 3,9M (contra 23,8M no BERT-base)" in text


# ------------------------------------------------------------------ escolha prática

def test_choose_variant_follows_the_practical_table():
    assert variants.choose_variant("pt", "normais")["modelo sugerido"] == "neuralmind/bert-base-portuguese-cased"
    assert variants.choose_variant("en", "poucos")["modelo sugerido"] == "distilbert-base-uncased"
    assert variants.choose_variant("en", "muitos")["modelo sugerido"] == "microsoft/deberta-v3-large"
    assert "albert" in variants.choose_variant("en", "normais", "mobile")["modelo sugerido"]
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
    texts = [why for lang in variants.CHOICES.values() for _, why in lang.values()] + [variants.MOBILE[1]]
    assert not any("3×" in t for t in texts)
    for t in texts:
        if "%" in t or "M de parâmetros" in t:
            assert "arXiv" in t, t


def test_chooser_widget_builds_and_shows_the_choice():
    box = variants.chooser_widget()
    assert "neuralmind/bert-base-portuguese-cased" in box.children[-1].value
    box.children[1].value = "poucos"
    assert "Um BERT menor em português" in box.children[-1].value


