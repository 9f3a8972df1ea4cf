import pytest
import torch

from helpers import hub, hub_cache, standins

pytestmark = pytest.mark.unit


def test_offline_bert_ids_resolve_to_minilm(capsys):
    hub._ANNOUNCED.clear()
    r = hub.resolve_model("neuralmind/bert-base-portuguese-cased")
    assert r.substituted and r.path == str(standins.minilm_path())
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
    assert (
        "roberta-base" in msg
        and "neuralmind/bert-base-portuguese-cased" in msg
        and "distilbert-base-uncased" in msg
    )


def test_local_folder_passes_through(tmp_path):
    r = hub.resolve_model(str(tmp_path))
    assert r.path == str(tmp_path) and not r.substituted


# o perfil online (o id segue como está, com o Hub no ar) é testado em tests/test_net.py, contra um Hub local


def test_distilbert_standin_follows_the_recipe(bert_standin):
    from transformers import DistilBertModel

    tok, bert = bert_standin
    path = standins.build_distilbert_standin()
    distil = DistilBertModel.from_pretrained(path)
    cfg = distil.config
    assert cfg.n_layers == 3 and cfg.dim == bert.config.hidden_size
    assert not hasattr(distil, "pooler")
    assert not any("token_type" in k for k in distil.state_dict())
    # camada 1 do aluno = camada 2 do professor (uma a cada duas)
    assert torch.equal(
        distil.transformer.layer[1].attention.q_lin.weight,
        bert.encoder.layer[2].attention.self.query.weight,
    )
    enc = tok(["o filme foi ótimo", "não gostei"], return_tensors="pt", padding=True)
    with torch.no_grad():
        e_student = distil.embeddings(enc["input_ids"])
        e_teacher = bert.embeddings(enc["input_ids"])
    assert torch.allclose(e_student, e_teacher, atol=1e-6)


def test_distilbert_standin_is_deterministic_and_cached(tmp_path, monkeypatch):
    from safetensors.torch import load_file

    first = load_file(standins.build_distilbert_standin() / "model.safetensors")
    monkeypatch.setenv("VARIANTES_CACHE", str(tmp_path))
    second_path = standins.build_distilbert_standin()
    assert str(second_path).startswith(str(tmp_path))
    second = load_file(second_path / "model.safetensors")
    assert first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)
    assert standins.build_distilbert_standin() == second_path  # segunda chamada usa o cache


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
    assert r.substituted and r.standin == hub.MINILM_NAME and r.path == str(standins.minilm_path())
    out = capsys.readouterr().out
    assert f"'{model_id}' → {hub.MINILM_NAME}" in out and hub.DISTIL_NAME not in out
    m = hub.load_model(model_id, AutoModelForSequenceClassification, num_labels=3, verbose=False)
    assert m.config.model_type == "bert" and type(m).__name__ == "BertForSequenceClassification"
    assert m.bert.pooler is not None and hasattr(m.bert.embeddings, "token_type_embeddings")


def test_distilbert_ids_get_the_distilbert_standin(capsys):
    hub._ANNOUNCED.clear()
    r = hub.resolve_model("distilbert-base-uncased")
    assert r.standin == hub.DISTIL_NAME and r.path == str(standins.build_distilbert_standin())
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


# --------------------------------------------------------------------------- modelos reais primeiro

REAL_ID = "neuralmind/bert-base-portuguese-cased"


@pytest.fixture
def hf_cache(tmp_path, monkeypatch):
    """Um HF_HOME novo e vazio (o cache do Hub fica em HF_HOME/hub)."""
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    hub._ANNOUNCED.clear()
    return tmp_path / "hf" / "hub"


@pytest.fixture(scope="module")
def saved_standin(tmp_path_factory):
    """Os pesos do substituto salvos como um modelo qualquer (``save_pretrained``), com tokenizador."""
    from transformers import AutoModel, AutoTokenizer

    folder = tmp_path_factory.mktemp("salvo")
    AutoModel.from_pretrained(standins.minilm_path()).save_pretrained(folder)
    AutoTokenizer.from_pretrained(standins.minilm_path()).save_pretrained(folder)
    return folder


def test_a_real_model_in_the_hf_cache_is_loaded_instead_of_the_standin(
    hf_cache, saved_standin, capsys
):
    from hfcache import write_cached_model

    snapshot = write_cached_model(hf_cache, REAL_ID, saved_standin)
    r = hub.resolve_model(REAL_ID)
    assert r.path == str(snapshot) and r.origin == "cache" and not r.substituted
    out = capsys.readouterr().out
    assert "[modelo real do cache]" in out and REAL_ID in out and "[substituto offline]" not in out
    model = hub.load_model(REAL_ID, verbose=False)
    assert type(model).__name__ == "BertModel" and model.config.hidden_size == 384
    assert hub.load_tokenizer(REAL_ID, verbose=False)("olá mundo")["input_ids"][0] == 101


def test_without_the_cache_entry_the_standin_runs_as_before(hf_cache, saved_standin, capsys):
    from hfcache import write_cached_model

    write_cached_model(hf_cache, "outro/modelo", saved_standin)  # outro id no cache não conta
    r = hub.resolve_model(REAL_ID)
    assert (
        r.substituted
        and r.origin == "standin"
        and "[substituto offline]" in capsys.readouterr().out
    )


def test_an_incomplete_cache_entry_is_not_used(hf_cache, saved_standin):
    from hfcache import write_cache_entry

    write_cache_entry(
        hf_cache, REAL_ID, {"config.json": saved_standin / "config.json"}
    )  # sem pesos
    assert (
        hub_cache.find_local_model(REAL_ID) is None
        and hub.resolve_model(REAL_ID, verbose=False).substituted
    )


def test_old_and_new_ids_find_the_same_cache_entry(hf_cache, saved_standin):
    from hfcache import write_cached_model

    snapshot = write_cached_model(hf_cache, "distilbert/distilbert-base-uncased", saved_standin)
    assert hub_cache.find_local_model("distilbert-base-uncased") == snapshot
    assert hub.resolve_model("distilbert-base-uncased", verbose=False).origin == "cache"


def test_a_folder_the_teacher_points_to(hf_cache, saved_standin, tmp_path, monkeypatch, capsys):
    """VARIANTES_MODELOS: ``PASTA/dono/nome`` salvo com save_pretrained (um pendrive, por exemplo)."""
    import shutil

    usb = tmp_path / "pendrive"
    shutil.copytree(saved_standin, usb / REAL_ID)
    monkeypatch.setenv("VARIANTES_MODELOS", str(usb))
    r = hub.resolve_model(REAL_ID)
    assert r.path == str(usb / REAL_ID) and r.origin == "cache"
    assert "[modelo real do cache]" in capsys.readouterr().out
    # um id desconhecido que está na pasta também carrega (não precisa de substituto)
    shutil.copytree(saved_standin, usb / "alguem" / "um-bert")
    assert hub.resolve_model("alguem/um-bert", verbose=False).path == str(
        usb / "alguem" / "um-bert"
    )


def test_hub_dataset_from_the_cache_offline(hf_cache, capsys):
    import io

    import pandas as pd

    from helpers import data
    from hfcache import write_cache_entry

    rows = [
        ("Ótimo app, recomendo", "positive"),
        ("Trava toda hora", "negative"),
        ("Bom demais", "positive"),
        ("Péssimo, desinstalei", "negative"),
        ("Adorei as funções", "positive"),
        ("Não abre mais", "negative"),
        ("Muito útil", "positive"),
        ("Cheio de anúncios", "negative"),
    ] * 3
    frame = pd.DataFrame(
        [(f"{t} {i}", s) for i, (t, s) in enumerate(rows)], columns=["review", "sentiment"]
    )
    buf = io.BytesIO()
    frame.to_parquet(buf)
    write_cache_entry(
        hf_cache,
        "AiresPucrs/google-play-apps-review-pt",
        {"data/train.parquet": buf.getvalue()},
        repo_type="dataset",
    )
    d = data.load_hub_dataset("AiresPucrs/google-play-apps-review-pt", verbose=True)
    assert sorted(d.labels) == ["negative", "positive"]
    assert len(d["train"]) + len(d["validation"]) == len(frame)
    assert "[dataset real do cache]" in capsys.readouterr().out


def test_the_standin_warning_depends_on_the_id_asked():
    assert standins.limitation("neuralmind/bert-base-portuguese-cased") == standins.LIMITATION
    english = standins.limitation("distilbert-base-uncased")
    assert "BERTimbau" not in english and "em português" not in english
    assert "como o modelo pedido" in english and "abaixo das do modelo de verdade" in english
    assert "sem caixa (tira acentos) e outro modelo" in standins.limitation("bert-base-cased")
    assert "BERTimbau" not in standins.limitation("adalbertojunior/distilbert-portuguese-cased")
