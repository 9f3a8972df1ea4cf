import pytest

from helpers import variants


def test_parameter_counts_match_published_within_3_percent():
    table = variants.variants_table()
    assert len(table) == 9
    assert (table["diferença (%)"].abs() <= 3).all(), table


def test_albert_shares_layers_and_distilbert_has_half():
    t = variants.variants_table()
    assert t.loc["DistilBERT", "camadas"] * 2 == t.loc["BERT-base", "camadas"]
    assert t.loc["ALBERT-base", "parâmetros (M, calculado)"] < t.loc["BERT-base", "parâmetros (M, calculado)"] / 8


def test_embedding_parameters_matches_real_module():
    m = variants.build_model(variants.VARIANTS[0])
    assert variants.count_parameters(m.embeddings) == variants.embedding_parameters(30522, 768, 512, 2)


def test_time_forward_returns_positive_ms():
    small = variants.Variant("mini", "-", "BERT", variants._bert(3000, 32, 2, 2, 64), 0.1, "-", "-")
    assert variants.time_forward(small, seq_len=16, repeats=2) > 0


def test_choose_variant_follows_the_practical_table():
    assert variants.choose_variant("pt", "normais")["modelo sugerido"] == "neuralmind/bert-base-portuguese-cased"
    assert variants.choose_variant("en", "poucos")["modelo sugerido"] == "distilbert-base-uncased"
    assert "albert" in variants.choose_variant("en", "normais", "mobile")["modelo sugerido"]
    with pytest.raises(ValueError, match="Idioma"):
        variants.choose_variant("fr")


def test_chooser_widget_builds():
    assert variants.chooser_widget() is not None


def test_checker_accepts_right_and_rejects_wrong(capsys):
    assert variants.check_embedding_parameters(variants.embedding_parameters)
    assert not variants.check_embedding_parameters(lambda v, h, p=512, t=2: v * h)
    out = capsys.readouterr().out
    assert "✅" in out and "❌" in out


def test_checker_handles_unimplemented_and_crashing(capsys):
    def stub(*a):
        raise NotImplementedError

    assert not variants.check_embedding_parameters(stub)
    assert not variants.check_embedding_parameters(lambda *a: 1 / 0)
    out = capsys.readouterr().out
    assert "ainda não implementada" in out and "ZeroDivisionError" in out
