"""A métrica de classificação da série na API do ``evaluate``, calculada aqui com o scikit-learn.

``evaluate.load("f1")`` baixa um script do Hub (não funciona offline e executa código de fora).
:class:`ClassificationMetrics` é uma subclasse local de ``evaluate.Metric``: os números são os mesmos
do scikit-learn (testado). Quem a usa é ``metrics.classification_metrics``.
"""

from __future__ import annotations

import datasets
import evaluate
import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)


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
            features=datasets.Features(
                {"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}
            ),
        )

    def _compute(self, predictions, references):
        y_pred, y_true = np.asarray(predictions), np.asarray(references)
        ids = (
            list(range(len(self.label_names)))
            if self.label_names
            else sorted(set(y_true) | set(y_pred))
        )
        names = self.label_names or [str(i) for i in ids]
        p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=ids, zero_division=0)
        out = {
            "accuracy": float(accuracy_score(y_true, y_pred)),
            "f1_macro": float(
                f1_score(y_true, y_pred, labels=ids, average="macro", zero_division=0)
            ),
            "f1_weighted": float(
                f1_score(y_true, y_pred, labels=ids, average="weighted", zero_division=0)
            ),
        }
        for i, name in enumerate(names):
            out[f"precision_{name}"] = float(p[i])
            out[f"recall_{name}"] = float(r[i])
            out[f"f1_{name}"] = float(f[i])
        out["confusion_matrix"] = confusion_matrix(y_true, y_pred, labels=ids).tolist()
        return out
