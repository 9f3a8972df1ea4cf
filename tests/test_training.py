import numpy as np
import pytest
import torch
from datasets import Dataset, DatasetDict
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from helpers import inference, metrics, training


# ------------------------------------------------------------------ perda ponderada

def test_class_weights_balanced():
    w = training.class_weights([0, 0, 0, 1], 2)
    assert torch.allclose(w, torch.tensor([4 / (2 * 3), 4 / (2 * 1)]))
    with pytest.raises(ValueError, match="não aparecem"):
        training.class_weights([0, 0], 2)


def test_weighted_loss_by_hand():
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    labels = torch.tensor([0, 1, 1])
    w = torch.tensor([1.0, 3.0])
    logp = torch.log_softmax(logits, -1)
    ce = -logp[torch.arange(3), labels]  # por exemplo
    by_hand = (w[labels] * ce).sum() / w[labels].sum()
    assert torch.allclose(training.weighted_cross_entropy(logits, labels, w), by_hand)
    assert torch.allclose(training.weighted_cross_entropy(logits, labels, w, num_items_in_batch=6), (w[labels] * ce).sum() / 6)
    assert torch.allclose(training.weighted_cross_entropy(logits, labels), ce.mean())


def test_weighted_trainer_compute_loss_accepts_num_items(tmp_path, bert_standin):
    from transformers import AutoModelForSequenceClassification

    from helpers import hub

    tok, _ = bert_standin
    model = hub.load_model("bert-base-uncased", AutoModelForSequenceClassification, num_labels=2, verbose=False)
    ds = Dataset.from_dict({"text": ["bom", "ruim", "ótimo", "péssimo"], "label": [1, 0, 1, 0]})
    tokd, _ = training.tokenize_splits(DatasetDict({"train": ds}), tok, max_length=16, verbose=False)
    trainer = training.make_trainer(model, tok, tokd["train"], output_dir=str(tmp_path),
                                    class_weights=torch.tensor([1.0, 2.0]), num_train_epochs=1, disable_tqdm=True)
    batch = trainer.data_collator([{k: tokd["train"][i][k] for k in ("input_ids", "attention_mask", "token_type_ids", "label")} for i in range(4)])
    batch = {k: v.to(model.device) for k, v in batch.items()}  # numa GPU, o Trainer já levou o modelo para lá
    model.eval()
    with torch.no_grad():
        loss = trainer.compute_loss(model, dict(batch), num_items_in_batch=4)
        logits = model(**{k: v for k, v in batch.items() if k != "labels"}).logits
    weight = torch.tensor([1.0, 2.0], device=model.device)
    expected = torch.nn.functional.cross_entropy(logits, batch["labels"], weight=weight, reduction="sum") / 4
    assert torch.allclose(loss, expected, atol=1e-6)
    trainer.train()  # um passo de treino de verdade, com perda ponderada
    assert trainer.state.global_step >= 1


# ------------------------------------------------------------------ congelamento e tokenização

def test_freeze_layers_counts(bert_standin, capsys):
    from transformers import AutoModelForSequenceClassification

    from helpers import hub

    model = hub.load_model("bert-base-uncased", AutoModelForSequenceClassification, num_labels=3, verbose=False)
    total = sum(p.numel() for p in model.parameters())
    emb = sum(p.numel() for p in model.bert.embeddings.parameters())
    layer = sum(p.numel() for p in model.bert.encoder.layer[0].parameters())
    trainable, tot = training.freeze_layers(model, 2)
    assert tot == total and trainable == total - emb - 2 * layer
    assert not any(p.requires_grad for p in model.bert.encoder.layer[1].parameters())
    assert all(p.requires_grad for p in model.bert.encoder.layer[2].parameters())
    assert all(p.requires_grad for p in model.classifier.parameters())
    assert "Treináveis" in capsys.readouterr().out
    with pytest.raises(ValueError, match="camadas"):
        training.freeze_layers(model, 99)


def test_freeze_distilbert():
    from transformers import AutoModelForSequenceClassification

    from helpers import hub

    m = hub.load_model("distilbert-base-uncased", AutoModelForSequenceClassification, num_labels=2, verbose=False)
    trainable, total = training.freeze_layers(m, 3, verbose=False)
    assert 0 < trainable < total


def test_tokenize_reports_truncation(bert_standin):
    tok, _ = bert_standin
    ds = DatasetDict({"train": Dataset.from_dict({"text": ["curto", "palavra " * 50], "label": [0, 1]})})
    tokd, report = training.tokenize_splits(ds, tok, max_length=20, verbose=False)
    assert report.loc["train", "cortados"] == 1
    assert max(tokd["train"]["length"]) == 20 and "input_ids" in tokd["train"].column_names


def test_padding_efficiency():
    lengths = [10, 10, 30, 30]
    assert training.padding_efficiency(lengths, 2, pad_to=40) == pytest.approx(80 / 160)
    assert training.padding_efficiency([10, 30, 10, 30], 2) == pytest.approx(80 / 120)
    assert training.padding_efficiency([10, 30, 10, 30], 2, group_by_length=True) == pytest.approx(1.0)


def test_precision_kwargs_cpu():
    assert training.precision_kwargs("cpu") == {}


def test_restore_plain_forward_undoes_the_autocast_wrapper():
    from types import MethodType

    model = torch.nn.Linear(2, 2)
    model._original_forward = model.forward
    model.forward = MethodType(torch.autocast("cpu", dtype=torch.bfloat16)(type(model).forward), model)
    assert model(torch.ones(1, 2)).dtype == torch.bfloat16
    training.restore_plain_forward(model)
    assert model(torch.ones(1, 2)).dtype == torch.float32
    assert "forward" not in model.__dict__ and "_original_forward" not in model.__dict__
    training.restore_plain_forward(model)  # sem wrapper: não faz nada
    assert model(torch.ones(1, 2)).dtype == torch.float32
    callbacks = training.with_series_callbacks([training.PlainForwardAfterTraining()])
    assert len(callbacks) == 1


def test_manual_precision_replaces_the_automatic_one(monkeypatch, tmp_path, bert_standin):
    # numa GPU com bf16, quem pede outra precisão não pode ganhar "fp16 e bf16 ao mesmo tempo"
    from transformers import AutoModelForSequenceClassification

    from helpers import hub

    monkeypatch.setattr(training, "precision_kwargs", lambda device=None: {"bf16": True})
    tok, _ = bert_standin
    model = hub.load_model("bert-base-uncased", AutoModelForSequenceClassification, num_labels=2, verbose=False)
    ds = Dataset.from_dict({"text": ["bom", "ruim"], "label": [1, 0]})
    tokd, _ = training.tokenize_splits(DatasetDict({"train": ds}), tok, max_length=16, verbose=False)
    manual = training.make_trainer(model, tok, tokd["train"], output_dir=str(tmp_path), use_cpu=True)
    assert not manual.args.bf16 and not manual.args.fp16


# ------------------------------------------------------------------ métricas

def test_metrics_equal_sklearn():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    m = metrics.classification_metrics(p, y, ["neg", "neu", "pos"])
    assert m["accuracy"] == pytest.approx(accuracy_score(y, p))
    assert m["f1_macro"] == pytest.approx(f1_score(y, p, average="macro"))
    assert m["f1_weighted"] == pytest.approx(f1_score(y, p, average="weighted"))
    pr, rc, f1, _ = precision_recall_fscore_support(y, p)
    assert [m["precision_neg"], m["recall_neu"], m["f1_pos"]] == pytest.approx([pr[0], rc[1], f1[2]])
    assert m["confusion_matrix"] == confusion_matrix(y, p).tolist()


def test_compute_metrics_for_trainer_and_baseline():
    fn = metrics.make_compute_metrics(["a", "b"])
    out = fn((np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]), np.array([0, 1, 1])))
    assert out["accuracy"] == pytest.approx(2 / 3) and "confusion_matrix" not in out
    base = metrics.majority_baseline([1, 1, 0], [0, 1, 1, 1], ["a", "b"])
    assert base["accuracy"] == 0.75
    assert list(metrics.per_class_table(metrics.classification_metrics([0, 1], [0, 1], ["a", "b"]), ["a", "b"]).columns) == ["precisão", "revocação", "F1"]


# ------------------------------------------------------------------ inferência

def test_predict_save_reload_identical(tmp_path, bert_standin):
    from transformers import AutoModelForSequenceClassification

    from helpers import hub

    tok, _ = bert_standin
    torch.manual_seed(0)
    model = hub.load_model("bert-base-uncased", AutoModelForSequenceClassification, num_labels=3, verbose=False,
                           id2label={0: "negativo", 1: "neutro", 2: "positivo"}, label2id={"negativo": 0, "neutro": 1, "positivo": 2})
    texts = ["uma frase bem mais longa que as outras, para testar a ordem", "curta", "média de tamanho"]
    table = inference.predict(texts, model, tok, batch_size=2)
    assert list(table["texto"]) == texts
    assert list(table.columns) == ["texto", "classe", "p(negativo)", "p(neutro)", "p(positivo)"]
    assert np.allclose(table.filter(like="p(").sum(axis=1), 1, atol=2e-3)
    # em lote ou uma a uma, o mesmo resultado
    single = [inference.predict([t], model, tok).filter(like="p(").values[0] for t in texts]
    assert np.allclose(np.stack(single), table.filter(like="p(").values, atol=1e-3)
    model.save_pretrained(tmp_path)
    reloaded = AutoModelForSequenceClassification.from_pretrained(tmp_path)
    assert table.equals(inference.predict(texts, reloaded, tok, batch_size=2))
    with pytest.raises(ValueError, match="vazia"):
        inference.predict([], model, tok)
    assert inference.prediction_box(model, tok) is not None


def test_history_frame():
    log = [{"loss": 1.0, "epoch": 1.0}, {"eval_loss": 0.9, "eval_f1_macro": 0.5, "eval_runtime": 1.0, "epoch": 1.0},
           {"loss": 0.5, "epoch": 2.0}, {"eval_loss": 0.7, "eval_f1_macro": 0.6, "epoch": 2.0}]
    h = training.history_frame(log)
    assert list(h.index) == [1.0, 2.0] and list(h["f1_macro"]) == [0.5, 0.6] and "runtime" not in h


def test_check_class_weights(capsys):
    assert training.check_class_weights(lambda labels, k: training.class_weights(labels, k).tolist())
    assert not training.check_class_weights(lambda labels, k: [1.0] * k)
