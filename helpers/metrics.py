"""Métricas de classificação com a API do ``evaluate``, sem código remoto.

``evaluate.load("f1")`` baixa um script do Hub (não funciona offline e executa
código de fora). Aqui a métrica é uma subclasse local de ``evaluate.Metric``
que calcula com o scikit-learn: os números são os mesmos do scikit-learn (testado).
"""
from __future__ import annotations

import datasets
import evaluate
import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support


class ClassificationMetrics(evaluate.Metric):
    """Acurácia, F1 macro e ponderado, precisão/revocação/F1 por classe e matriz de confusão."""

    def __init__(self, labels: list[str] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.label_names = labels

    def _info(self):
        return evaluate.MetricInfo(
            description="Métricas de classificação (scikit-learn) para a série Variantes do BERT.",
            citation="",
            inputs_description="predictions e references: ids inteiros das classes.",
            features=datasets.Features({"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}),
        )

    def _compute(self, predictions, references):
        y_pred, y_true = np.asarray(predictions), np.asarray(references)
        ids = list(range(len(self.label_names))) if self.label_names else sorted(set(y_true) | set(y_pred))
        names = self.label_names or [str(i) for i in ids]
        p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=ids, zero_division=0)
        out = {
            "accuracy": float(accuracy_score(y_true, y_pred)),
            "f1_macro": float(f1_score(y_true, y_pred, labels=ids, average="macro", zero_division=0)),
            "f1_weighted": float(f1_score(y_true, y_pred, labels=ids, average="weighted", zero_division=0)),
        }
        for i, name in enumerate(names):
            out[f"precision_{name}"] = float(p[i])
            out[f"recall_{name}"] = float(r[i])
            out[f"f1_{name}"] = float(f[i])
        out["confusion_matrix"] = confusion_matrix(y_true, y_pred, labels=ids).tolist()
        return out


def classification_metrics(predictions, references, labels: list[str] | None = None) -> dict:
    """Calcula :class:`ClassificationMetrics` de uma vez."""
    return ClassificationMetrics(labels=labels).compute(predictions=list(map(int, predictions)),
                                                         references=list(map(int, references)))


def make_compute_metrics(labels: list[str] | None = None):
    """Função ``compute_metrics`` para o ``Trainer``.

    Vão para o log só acurácia e F1 (macro e ponderado); o detalhe por classe e a
    matriz de confusão ficam para :func:`classification_metrics` no fim.
    """
    keep = ("accuracy", "f1_macro", "f1_weighted")

    def compute_metrics(eval_pred):
        logits, y = eval_pred
        logits = logits[0] if isinstance(logits, tuple) else logits
        res = classification_metrics(np.argmax(logits, axis=-1), y, labels)
        return {k: res[k] for k in keep}

    return compute_metrics


def per_class_table(metrics: dict, labels: list[str]) -> pd.DataFrame:
    """Tabela por classe (precisão, revocação, F1) a partir do resultado das métricas."""
    return pd.DataFrame({
        "precisão": [metrics[f"precision_{c}"] for c in labels],
        "revocação": [metrics[f"recall_{c}"] for c in labels],
        "F1": [metrics[f"f1_{c}"] for c in labels],
    }, index=pd.Index(labels, name="classe")).round(3)


def majority_baseline(train_labels, test_labels, labels: list[str] | None = None) -> dict:
    """Métricas de quem sempre chuta a classe mais comum do treino."""
    majority = int(pd.Series(list(train_labels)).mode()[0])
    return classification_metrics([majority] * len(test_labels), list(test_labels), labels)
