import pytest
import torch

from helpers import hub


def test_offline_bert_ids_resolve_to_minilm(capsys):
    hub._ANNOUNCED.clear()
    r = hub.resolve_model("neuralmind/bert-base-portuguese-cased")
    assert r.substituted and r.path == str(hub.minilm_path())
    out = capsys.readouterr().out
    assert "neuralmind/bert-base-portuguese-cased" in out and "MiniLM" in out and "inglês" in out


def test_banner_is_printed_once_per_id(capsys):
    hub._ANNOUNCED.clear()
    hub.resolve_model("bert-base-uncased")
    hub.resolve_model("bert-base-uncased")
    assert capsys.readouterr().out.count("[substituto offline]") == 1


def test_unknown_id_fails_at_once_listing_offline_ids():
    with pytest.raises(hub.OfflineModelError) as e:
        hub.resolve_model("roberta-base")
    msg = str(e.value)
    assert "roberta-base" in msg and "neuralmind/bert-base-portuguese-cased" in msg and "distilbert-base-uncased" in msg


def test_local_folder_passes_through(tmp_path):
    r = hub.resolve_model(str(tmp_path))
    assert r.path == str(tmp_path) and not r.substituted


def test_online_profile_keeps_hub_id(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    r = hub.resolve_model("roberta-base")
    assert r.path == "roberta-base" and not r.substituted


def test_distilbert_standin_follows_the_recipe(bert_standin):
    from transformers import DistilBertModel

    tok, bert = bert_standin
    path = hub.build_distilbert_standin()
    distil = DistilBertModel.from_pretrained(path)
    cfg = distil.config
    assert cfg.n_layers == 3 and cfg.dim == bert.config.hidden_size
    assert not hasattr(distil, "pooler")
    assert not any("token_type" in k for k in distil.state_dict())
    # camada 1 do aluno = camada 2 do professor (uma a cada duas)
    assert torch.equal(distil.transformer.layer[1].attention.q_lin.weight, bert.encoder.layer[2].attention.self.query.weight)
    enc = tok(["o filme foi ótimo", "não gostei"], return_tensors="pt", padding=True)
    with torch.no_grad():
        e_student = distil.embeddings(enc["input_ids"])
        e_teacher = bert.embeddings(enc["input_ids"])
    assert torch.allclose(e_student, e_teacher, atol=1e-6)


def test_distilbert_standin_is_deterministic_and_cached(tmp_path, monkeypatch):
    from safetensors.torch import load_file

    first = load_file(hub.build_distilbert_standin() / "model.safetensors")
    monkeypatch.setenv("VARIANTES_CACHE", str(tmp_path))
    second_path = hub.build_distilbert_standin()
    assert str(second_path).startswith(str(tmp_path))
    second = load_file(second_path / "model.safetensors")
    assert first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)
    assert hub.build_distilbert_standin() == second_path  # segunda chamada usa o cache


def test_load_model_with_head(capsys):
    from transformers import AutoModelForSequenceClassification

    m = hub.load_model("distilbert-base-uncased", AutoModelForSequenceClassification, num_labels=3)
    assert m.config.num_labels == 3 and type(m).__name__ == "DistilBertForSequenceClassification"


def test_portuguese_distilbert_id_is_a_bert_and_gets_the_bert_standin(capsys):
    """``adalbertojunior/distilbert-portuguese-cased`` tem ``model_type: bert`` (6 camadas, token-type e pooler)."""
    from transformers import AutoModelForSequenceClassification

    model_id = "adalbertojunior/distilbert-portuguese-cased"
    hub._ANNOUNCED.clear()
    r = hub.resolve_model(model_id)
    assert r.substituted and r.standin == hub.MINILM_NAME and r.path == str(hub.minilm_path())
    out = capsys.readouterr().out
    assert f"'{model_id}' → {hub.MINILM_NAME}" in out and hub.DISTIL_NAME not in out
    m = hub.load_model(model_id, AutoModelForSequenceClassification, num_labels=3, verbose=False)
    assert m.config.model_type == "bert" and type(m).__name__ == "BertForSequenceClassification"
    assert m.bert.pooler is not None and hasattr(m.bert.embeddings, "token_type_embeddings")


def test_distilbert_ids_get_the_distilbert_standin(capsys):
    hub._ANNOUNCED.clear()
    r = hub.resolve_model("distilbert-base-uncased")
    assert r.standin == hub.DISTIL_NAME and r.path == str(hub.build_distilbert_standin())
    assert hub.DISTIL_NAME in capsys.readouterr().out


def test_loading_keeps_the_progress_bar_setting_of_the_caller():
    """load_model esconde a barra enquanto carrega e devolve a configuração de quem chamou (ligada ou não)."""
    from transformers.utils import logging as hf_logging

    was = hf_logging.is_progress_bar_enabled()
    try:
        for wanted in (False, True):
            (hf_logging.enable_progress_bar if wanted else hf_logging.disable_progress_bar)()
            seen = []
            with hub.quiet_loading():
                seen.append(hf_logging.is_progress_bar_enabled())
            hub.load_model("bert-base-uncased", verbose=False)
            assert seen == [False] and hf_logging.is_progress_bar_enabled() is wanted
    finally:
        (hf_logging.enable_progress_bar if was else hf_logging.disable_progress_bar)()
