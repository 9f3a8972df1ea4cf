import numpy as np
import pytest
import torch
from datasets import Dataset, DatasetDict

from helpers import compat, inference, lesson02, trainer_callbacks, training
from test_compat import as_current_names

pytestmark = pytest.mark.unit


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
    assert torch.allclose(lesson02.weighted_cross_entropy(logits, labels, w), by_hand)
    assert torch.allclose(
        lesson02.weighted_cross_entropy(logits, labels, w, num_items_in_batch=6),
        (w[labels] * ce).sum() / 6,
    )
    assert torch.allclose(lesson02.weighted_cross_entropy(logits, labels), ce.mean())


def test_weighted_trainer_compute_loss_accepts_num_items(tmp_path, bert_standin):
    from transformers import AutoModelForSequenceClassification

    from helpers import hub

    tok, _ = bert_standin
    model = hub.load_model(
        "bert-base-uncased", AutoModelForSequenceClassification, num_labels=2, verbose=False
    )
    ds = Dataset.from_dict({"text": ["bom", "ruim", "ótimo", "péssimo"], "label": [1, 0, 1, 0]})
    tokd, _ = lesson02.tokenize_splits(
        DatasetDict({"train": ds}), tok, max_length=16, verbose=False
    )
    trainer = lesson02.make_trainer(
        model,
        tok,
        tokd["train"],
        output_dir=str(tmp_path),
        class_weights=torch.tensor([1.0, 2.0]),
        num_train_epochs=1,
        disable_tqdm=True,
    )
    batch = trainer.data_collator(
        [
            {
                k: tokd["train"][i][k]
                for k in ("input_ids", "attention_mask", "token_type_ids", "label")
            }
            for i in range(4)
        ]
    )
    batch = {
        k: v.to(model.device) for k, v in batch.items()
    }  # numa GPU, o Trainer já levou o modelo para lá
    model.eval()
    with torch.no_grad():
        loss = trainer.compute_loss(model, dict(batch), num_items_in_batch=4)
        logits = model(**{k: v for k, v in batch.items() if k != "labels"}).logits
    weight = torch.tensor([1.0, 2.0], device=model.device)
    expected = (
        torch.nn.functional.cross_entropy(logits, batch["labels"], weight=weight, reduction="sum")
        / 4
    )
    assert torch.allclose(loss, expected, atol=1e-6)
    trainer.train()  # um passo de treino de verdade, com perda ponderada
    assert trainer.state.global_step >= 1


# ------------------------------------------------------------------ congelamento e tokenização


def test_freeze_layers_counts(bert_standin, capsys):
    from transformers import AutoModelForSequenceClassification

    from helpers import hub

    model = hub.load_model(
        "bert-base-uncased", AutoModelForSequenceClassification, num_labels=3, verbose=False
    )
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

    m = hub.load_model(
        "distilbert-base-uncased", AutoModelForSequenceClassification, num_labels=2, verbose=False
    )
    trainable, total = training.freeze_layers(m, 3, verbose=False)
    assert 0 < trainable < total


def test_tokenize_reports_truncation(bert_standin):
    tok, _ = bert_standin
    ds = DatasetDict(
        {"train": Dataset.from_dict({"text": ["curto", "palavra " * 50], "label": [0, 1]})}
    )
    tokd, report = lesson02.tokenize_splits(ds, tok, max_length=20, verbose=False)
    assert report.loc["train", "cortados"] == 1
    assert max(tokd["train"]["length"]) == 20 and "input_ids" in tokd["train"].column_names


def test_padding_efficiency():
    lengths = [10, 10, 30, 30]
    assert lesson02.padding_efficiency(lengths, 2, pad_to=40) == pytest.approx(80 / 160)
    assert lesson02.padding_efficiency([10, 30, 10, 30], 2) == pytest.approx(80 / 120)
    assert lesson02.padding_efficiency([10, 30, 10, 30], 2, group_by_length=True) == pytest.approx(
        1.0
    )


@pytest.mark.parametrize(
    "capability,bf16,expected",
    [
        ((8, 0), True, {"bf16": True}),
        ((7, 5), False, {"fp16": True}),
        ((8, 6), False, {"fp16": True}),
    ],
)
def test_precision_follows_the_gpu_and_the_cpu_trains_in_float32(
    monkeypatch, capability, bf16, expected
):
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: capability)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16)
    assert training.precision_kwargs("cuda") == expected
    assert training.precision_kwargs("cpu") == {}


def test_restore_plain_forward_undoes_the_autocast_wrapper():
    from types import MethodType

    model = torch.nn.Linear(2, 2)
    model._original_forward = model.forward
    model.forward = MethodType(
        torch.autocast("cpu", dtype=torch.bfloat16)(type(model).forward), model
    )
    assert model(torch.ones(1, 2)).dtype == torch.bfloat16
    trainer_callbacks.restore_plain_forward(model)
    assert model(torch.ones(1, 2)).dtype == torch.float32
    assert "forward" not in model.__dict__ and "_original_forward" not in model.__dict__
    trainer_callbacks.restore_plain_forward(model)  # sem wrapper: não faz nada
    assert model(torch.ones(1, 2)).dtype == torch.float32
    callbacks = training.with_series_callbacks([trainer_callbacks.PlainForwardAfterTraining()])
    assert len(callbacks) == 1


def test_manual_precision_replaces_the_automatic_one(monkeypatch, tmp_path, bert_standin):
    # numa GPU com bf16, quem pede outra precisão não pode ganhar "fp16 e bf16 ao mesmo tempo"
    from transformers import AutoModelForSequenceClassification

    from helpers import hub

    monkeypatch.setattr(training, "precision_kwargs", lambda device=None: {"bf16": True})
    tok, _ = bert_standin
    model = hub.load_model(
        "bert-base-uncased", AutoModelForSequenceClassification, num_labels=2, verbose=False
    )
    ds = Dataset.from_dict({"text": ["bom", "ruim"], "label": [1, 0]})
    tokd, _ = lesson02.tokenize_splits(
        DatasetDict({"train": ds}), tok, max_length=16, verbose=False
    )
    manual = lesson02.make_trainer(
        model, tok, tokd["train"], output_dir=str(tmp_path), use_cpu=True
    )
    assert not manual.args.bf16 and not manual.args.fp16


# ------------------------------------------------------------------ métricas

# ------------------------------------------------------------------ inferência


def test_predict_save_reload_identical(tmp_path, bert_standin):
    from transformers import AutoModelForSequenceClassification

    from helpers import hub

    tok, _ = bert_standin
    torch.manual_seed(0)
    model = hub.load_model(
        "bert-base-uncased",
        AutoModelForSequenceClassification,
        num_labels=3,
        verbose=False,
        id2label={0: "negativo", 1: "neutro", 2: "positivo"},
        label2id={"negativo": 0, "neutro": 1, "positivo": 2},
    )
    texts = [
        "uma frase bem mais longa que as outras, para testar a ordem",
        "curta",
        "média de tamanho",
    ]
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
    probs = inference.predict_proba(texts, model, tok, batch_size=2)
    assert probs.shape == (3, 3) and np.allclose(probs.round(3), table.filter(like="p(").values)
    assert list(probs.argmax(1)) == [model.config.label2id[c] for c in table["classe"]]
    assert inference.prediction_box(model, tok) is not None


def test_history_frame():
    log = [
        {"loss": 1.0, "epoch": 1.0},
        {"eval_loss": 0.9, "eval_f1_macro": 0.5, "eval_runtime": 1.0, "epoch": 1.0},
        {"loss": 0.5, "epoch": 2.0},
        {"eval_loss": 0.7, "eval_f1_macro": 0.6, "epoch": 2.0},
    ]
    h = training.history_frame(log)
    assert list(h.index) == [1.0, 2.0] and list(h["f1_macro"]) == [0.5, 0.6] and "runtime" not in h


# ------------------------------------------------------------------ a receita explícita do notebook 02 = make_trainer


def _tiny_train(tok):
    ds = Dataset.from_dict({"text": ["bom", "ruim", "ótimo", "péssimo"], "label": [1, 0, 1, 0]})
    tokd, _ = lesson02.tokenize_splits(
        DatasetDict({"train": ds, "validation": ds}), tok, max_length=16, verbose=False
    )
    return tokd


def test_make_trainer_defaults(tmp_path, bert_standin):
    from transformers import AutoModelForSequenceClassification, Trainer

    from helpers import hub

    tok, _ = bert_standin
    tokd = _tiny_train(tok)
    model = hub.load_model(
        "bert-base-uncased", AutoModelForSequenceClassification, num_labels=2, verbose=False
    )
    trainer = lesson02.make_trainer(
        model, tok, tokd["train"], tokd["validation"], output_dir=str(tmp_path)
    )
    a = trainer.args
    assert type(trainer) is Trainer and trainer.processing_class is tok
    assert str(getattr(a.eval_strategy, "value", a.eval_strategy)) == "epoch"
    assert str(getattr(a.save_strategy, "value", a.save_strategy)) == "no"
    assert str(getattr(a.logging_strategy, "value", a.logging_strategy)) == "epoch"
    v = as_current_names(
        a
    )  # no 4.x: group_by_length e warmup_ratio; os nomes do 5.x em qualquer versão
    assert a.report_to == [] and v["train_sampling_strategy"] == "group_by_length"
    assert (
        a.learning_rate,
        a.num_train_epochs,
        a.per_device_train_batch_size,
        a.per_device_eval_batch_size,
    ) == (5e-5, 3, 16, 64)
    assert (a.weight_decay, v["warmup_steps"], a.seed, a.dataloader_num_workers) == (
        0.01,
        0.1,
        42,
        0,
    )
    assert a.dataloader_pin_memory == torch.cuda.is_available()
    assert a.output_dir == str(tmp_path)
    if not torch.cuda.is_available():
        assert not a.bf16 and not a.fp16  # na CPU, sempre float32
    assert trainer.data_collator.pad_to_multiple_of == (8 if torch.cuda.is_available() else None)
    assert any(
        isinstance(c, trainer_callbacks.PlainForwardAfterTraining)
        for c in trainer.callback_handler.callbacks
    )
    # sem validação, não avalia; com pesos, a perda ponderada
    no_eval = lesson02.make_trainer(
        model, tok, tokd["train"], output_dir=str(tmp_path), class_weights=torch.ones(2)
    )
    assert str(getattr(no_eval.args.eval_strategy, "value", no_eval.args.eval_strategy)) == "no"
    assert isinstance(no_eval, lesson02.WeightedLossTrainer) and torch.equal(
        no_eval.class_weights, torch.ones(2)
    )


def test_make_trainer_translates_old_names_and_refuses_unknown_ones(tmp_path, bert_standin, capsys):
    from transformers import AutoModelForSequenceClassification

    from helpers import hub

    tok, _ = bert_standin
    tokd = _tiny_train(tok)
    model = hub.load_model(
        "bert-base-uncased", AutoModelForSequenceClassification, num_labels=2, verbose=False
    )
    old = lesson02.make_trainer(
        model,
        tok,
        tokd["train"],
        tokd["validation"],
        output_dir=str(tmp_path),
        evaluation_strategy="no",
        group_by_length=False,
    )
    assert str(getattr(old.args.eval_strategy, "value", old.args.eval_strategy)) == "no"
    assert "evaluation_strategy" in capsys.readouterr().out
    with pytest.raises(ValueError, match="learning_rat"):
        lesson02.make_trainer(
            model, tok, tokd["train"], output_dir=str(tmp_path), learning_rat=1e-4
        )


def test_make_trainer_refuses_texts_longer_than_the_model(tmp_path, bert_standin):
    from transformers import AutoModelForSequenceClassification

    from helpers import hub

    tok, _ = bert_standin
    model = hub.load_model(
        "bert-base-uncased", AutoModelForSequenceClassification, num_labels=2, verbose=False
    )
    limit = model.config.max_position_embeddings
    long = Dataset.from_dict({"input_ids": [[1] * 4], "length": [limit + 1], "label": [0]})
    with pytest.raises(ValueError, match="MAX_LENGTH"):
        lesson02.make_trainer(model, tok, long, output_dir=str(tmp_path))


# ------------------------------------------------------------------ lendo os erros


def test_trainer_predict_order_with_group_by_length_is_not_the_dataset_order(
    tmp_path, bert_standin
):
    """Por que o notebook 02 alinha textos e previsões com inference.predict_proba, e não com Trainer.predict."""
    from transformers import AutoModelForSequenceClassification

    from helpers import hub

    tok, _ = bert_standin
    texts = [("palavra " * n).strip() for n in (1, 30, 2, 25, 3, 20, 4, 15, 5, 10)]
    labels = [0, 1] * 5
    ds = DatasetDict({"test": Dataset.from_dict({"text": texts, "label": labels})})
    tokd, _ = lesson02.tokenize_splits(ds, tok, max_length=64, verbose=False)
    torch.manual_seed(0)
    model = hub.load_model(
        "bert-base-uncased", AutoModelForSequenceClassification, num_labels=2, verbose=False
    )
    trainer = lesson02.make_trainer(
        model, tok, tokd["test"], output_dir=str(tmp_path), per_device_eval_batch_size=4
    )
    out = trainer.predict(tokd["test"])
    probs = inference.predict_proba(texts, model, tok, max_length=64)

    if (
        "train_sampling_strategy" in compat.accepted_training_args()
    ):  # transformers 5: a avaliação também é agrupada
        assert out.label_ids.tolist() != labels
    # as métricas do Trainer estão certas (previsões e label_ids na mesma ordem)...
    assert sorted(out.label_ids.tolist()) == sorted(labels)
    # ...e predict_proba devolve a ordem dos textos, com as mesmas probabilidades
    trainer_probs = torch.softmax(torch.from_numpy(out.predictions), -1).numpy()
    assert np.allclose(np.sort(trainer_probs[:, 1]), np.sort(probs[:, 1]), atol=1e-4)


# ------------------------------------------------------------------ o progresso do treino, em português


def test_training_progress_is_a_portuguese_table_per_epoch(tmp_path, capsys):
    from tiny import tiny_dataset, tiny_teacher

    from helpers import hub, metrics
    from helpers.prose import num

    tok = hub.load_tokenizer("bert-base-uncased", verbose=False)
    data = tiny_dataset(n=12)
    trainer = lesson02.make_trainer(
        tiny_teacher(layers=2),
        tok,
        data,
        data,
        output_dir=str(tmp_path),
        compute_metrics=metrics.make_compute_metrics(["a", "b", "c"]),
        num_train_epochs=2,
        per_device_train_batch_size=4,
        disable_tqdm=True,
    )
    kinds = [type(c).__name__ for c in trainer.callback_handler.callbacks]
    assert "SeriesProgress" in kinds and not {
        "ProgressCallback",
        "PrinterCallback",
        "NotebookProgressCallback",
    } & set(kinds)
    trainer.train()
    trainer.evaluate()  # avulso, fora do treino: nada a mais na tabela
    # (num transformers antigo, a camada de compatibilidade anuncia antes o que traduziu: "[compat] ...")
    lines = [
        ln for ln in capsys.readouterr().out.strip().splitlines() if not ln.startswith("[compat]")
    ]
    assert lines[0].split("  ") == [
        "época",
        "perda treino",
        "perda validação",
        "acurácia",
        "F1 macro",
        "F1 ponderado",
    ]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2"]
    history = training.history_frame(trainer.state.log_history)
    for line, (epoch, row) in zip(
        lines[1:], history.iterrows()
    ):  # os números são os do histórico, com vírgula
        assert line.split()[1:3] == [num(row["perda treino"]), num(row["perda validação"])]
    assert "{" not in "\n".join(lines) and "'loss'" not in "\n".join(lines)


def test_a_short_run_by_steps_shows_no_table(tmp_path, capsys):
    from tiny import tiny_dataset, tiny_teacher

    from helpers import hub

    tok = hub.load_tokenizer("bert-base-uncased", verbose=False)
    trainer = lesson02.make_trainer(
        tiny_teacher(layers=2),
        tok,
        tiny_dataset(n=8),
        output_dir=str(tmp_path),
        max_steps=2,
        per_device_train_batch_size=4,
        disable_tqdm=True,
    )
    trainer.train()
    assert [
        ln for ln in capsys.readouterr().out.splitlines() if not ln.startswith("[compat]")
    ] == []
