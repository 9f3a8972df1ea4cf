"""Testes de helpers.metrics: as contas do scikit-learn, a avaliação de um modelo treinado e os erros."""

import numpy as np
import pytest
import torch
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from helpers import lesson02, metrics
from tiny import tiny_dataset, tiny_teacher

pytestmark = pytest.mark.unit


def test_scores_on_is_sklearn_on_the_float32_predictions(tmp_path, bert_standin):
    # a avaliação por trás de todo F1 do notebook 04: na CPU, float32, as mesmas contas do scikit-learn
    tokenizer, _ = bert_standin
    teacher = tiny_teacher(2, seed=1)
    ds = tiny_dataset(n=12)
    # frases de tamanhos diferentes e a coluna length: a avaliação ordena por tamanho e desfaz a ordem no fim
    ds = ds.map(
        lambda row, i: {
            "input_ids": row["input_ids"][: 3 + (7 * i) % 4],
            "attention_mask": row["attention_mask"][: 3 + (7 * i) % 4],
            "length": 3 + (7 * i) % 4,
        },
        with_indices=True,
    )
    trainer = lesson02.make_trainer(
        teacher, tokenizer, ds, output_dir=str(tmp_path), per_device_eval_batch_size=5
    )
    assert not trainer.args.bf16 and not trainer.args.fp16 or torch.cuda.is_available()
    y_true, y_pred = metrics.predictions_on(trainer, ds)
    assert list(y_true) == ds["label"]
    expected = []
    with torch.no_grad():
        for row in ds:
            logits = teacher.eval()(
                input_ids=torch.tensor([row["input_ids"]]).to(teacher.device)
            ).logits
            assert logits.dtype == torch.float32
            expected.append(int(logits.argmax()))
    assert list(y_pred) == expected
    scores = metrics.scores_on(trainer, ds, ["a", "b", "c"])
    assert scores["accuracy"] == pytest.approx(accuracy_score(ds["label"], expected))
    assert scores["f1_macro"] == pytest.approx(
        f1_score(ds["label"], expected, average="macro", labels=[0, 1, 2], zero_division=0)
    )
    assert teacher.training is False


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_macro_f1_is_sklearn(seed):
    rng = np.random.default_rng(seed)
    y, p = rng.integers(0, 3, 50), rng.integers(0, 3, 50)
    assert metrics.macro_f1(y, p, 3) == pytest.approx(
        f1_score(y, p, average="macro", labels=[0, 1, 2], zero_division=0), abs=1e-12
    )
    # uma classe que nunca aparece nem é prevista conta como F1 zero (zero_division=0)
    y, p = np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1])
    assert metrics.macro_f1(y, p, 3) == pytest.approx((2 / 3 + 0.8 + 0) / 3)
    assert metrics.macro_f1([2, 2, 2], [2, 2, 2], 3) == pytest.approx(1 / 3)


def test_metrics_equal_sklearn():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    m = metrics.classification_metrics(p, y, ["neg", "neu", "pos"])
    assert m["accuracy"] == pytest.approx(accuracy_score(y, p))
    assert m["f1_macro"] == pytest.approx(f1_score(y, p, average="macro"))
    assert m["f1_weighted"] == pytest.approx(f1_score(y, p, average="weighted"))
    pr, rc, f1, _ = precision_recall_fscore_support(y, p)
    assert [m["precision_neg"], m["recall_neu"], m["f1_pos"]] == pytest.approx(
        [pr[0], rc[1], f1[2]]
    )
    assert m["confusion_matrix"] == confusion_matrix(y, p).tolist()


def test_compute_metrics_for_trainer_and_baseline():
    fn = metrics.make_compute_metrics(["a", "b"])
    out = fn((np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]), np.array([0, 1, 1])))
    assert out["accuracy"] == pytest.approx(2 / 3) and "confusion_matrix" not in out
    base = metrics.majority_baseline([1, 1, 0], [0, 1, 1, 1], ["a", "b"])
    assert base["accuracy"] == 0.75
    assert list(
        metrics.per_class_table(
            metrics.classification_metrics([0, 1], [0, 1], ["a", "b"]), ["a", "b"]
        ).columns
    ) == ["precisão", "revocação", "F1"]


def test_highest_loss_errors_sorted_by_loss():
    texts = ["a", "b", "c", "d", "e"]
    probs = np.array(
        [
            [0.9, 0.05, 0.05],  # certo
            [0.1, 0.1, 0.8],  # verdadeiro 0, previsto 2: perda −log 0,1
            [0.02, 0.03, 0.95],  # verdadeiro 1, previsto 2: perda −log 0,03 (o pior)
            [0.3, 0.5, 0.2],  # verdadeiro 2, previsto 1: perda −log 0,2
            [0.2, 0.7, 0.1],
        ]
    )  # certo
    labels = [0, 0, 1, 2, 1]
    names = {0: "negativo", 1: "neutro", 2: "positivo"}
    table = metrics.highest_loss_errors(texts, probs, labels, names, n=8)
    assert list(table.index) == [2, 1, 3]
    assert list(table["texto"]) == ["c", "b", "d"]
    assert list(table["verdadeiro"]) == ["neutro", "negativo", "positivo"]
    assert list(table["previsto"]) == ["positivo", "positivo", "neutro"]
    assert list(table["p(previsto)"]) == [0.95, 0.8, 0.5]
    assert list(table["perda"]) == pytest.approx(
        [round(-np.log(0.03), 3), round(-np.log(0.1), 3), round(-np.log(0.2), 3)]
    )
    assert list(metrics.highest_loss_errors(texts, probs, labels, names, n=1).index) == [2]
    assert metrics.per_example_loss(probs, labels)[0] == pytest.approx(-np.log(0.9))
    with pytest.raises(ValueError, match="softmax"):
        metrics.highest_loss_errors(texts, probs * 3, labels, names)


def test_error_patterns_counts_and_sentence():
    import pandas as pd

    table = pd.DataFrame(
        {
            "texto": [
                "Não gostei, mas serve.",
                "Ótimo, mais uma semana esperando...",
                "É ok.",
                "nada a reclamar",
                "mais ou menos " * 20,
            ],
            "verdadeiro": ["neutro", "negativo", "neutro", "positivo", "positivo"],
            "previsto": ["negativo", "positivo", "positivo", "negativo", "neutro"],
        }
    )

    def tokenizer(text):  # uma palavra por token, mais [CLS] e [SEP]
        return {"input_ids": [0] * (len(text.split()) + 2)}

    flags = metrics.error_patterns(table, tokenizer=tokenizer, max_length=16)
    assert list(flags.columns) == ["negação", "contraste", "ironia", "neutro", "cortado"]
    assert list(flags["negação"]) == [True, False, False, True, False]
    assert list(flags["contraste"]) == [True, False, False, False, False]  # "mais" não é "mas"
    assert list(flags["ironia"]) == [False, True, False, False, False]
    assert list(flags["neutro"]) == [True, False, True, False, False]
    assert list(flags["cortado"]) == [False, False, False, False, True]
    assert not metrics.error_patterns(table)[
        "cortado"
    ].any()  # sem tokenizador, nada conta como cortado
    text = metrics.describe_error_patterns(flags)
    assert text.startswith("Entre as 5 frases mostradas: 2 com negação")
    assert (
        "1 com contraste" in text
        and "1 com marca de ironia" in text
        and "2 com rótulo verdadeiro neutro" in text
    )
    assert "1 com texto cortado" in text and "nenhum desses sinais" not in text
    assert "O padrão mais frequente aqui: **negação e neutro** (2 de 5)." in text
    text_only = metrics.describe_error_patterns(
        flags.drop(columns="neutro")
    )  # só os sinais no texto
    assert "neutro" not in text_only and "1 com texto cortado" in text_only
    assert "1 não tem nenhum desses sinais." in text_only  # "É ok.": só o rótulo era neutro
    assert "O padrão mais frequente aqui: **negação** (2 de 5)." in text_only
    quiet = metrics.error_patterns(table.iloc[[2]].assign(verdadeiro="positivo"))
    assert "nenhuma com negação" in metrics.describe_error_patterns(quiet)
    assert "Nenhum dos padrões" in metrics.describe_error_patterns(quiet)
    assert "não há erros" in metrics.describe_error_patterns(quiet.iloc[:0]).lower()
