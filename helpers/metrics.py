"""Métricas de classificação, avaliação de um modelo treinado e análise dos erros.

As métricas seguem a API do ``evaluate``, sem código remoto: a métrica é uma subclasse local de
``evaluate.Metric`` que calcula com o scikit-learn (``sklearn_metric``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .batching import length_batches, token_lengths
from .compat import forward_inputs
from .sklearn_metric import ClassificationMetrics
from .training import autocast_for


def classification_metrics(predictions, references, labels: list[str] | None = None) -> dict:
    """Calcula :class:`ClassificationMetrics` de uma vez."""
    return ClassificationMetrics(labels=labels).compute(
        predictions=list(map(int, predictions)), references=list(map(int, references))
    )


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
    return pd.DataFrame(
        {
            "precisão": [metrics[f"precision_{c}"] for c in labels],
            "revocação": [metrics[f"recall_{c}"] for c in labels],
            "F1": [metrics[f"f1_{c}"] for c in labels],
        },
        index=pd.Index(labels, name="classe"),
    ).round(3)


def majority_baseline(train_labels, test_labels, labels: list[str] | None = None) -> dict:
    """Métricas de quem sempre chuta a classe mais comum do treino."""
    majority = int(pd.Series(list(train_labels)).mode()[0])
    return classification_metrics([majority] * len(test_labels), list(test_labels), labels)


# ------------------------------------------------------------------ lendo os erros

NEGATION_WORDS = ("não", "nada", "nunca", "nem", "ninguém", "nenhum", "nenhuma")
CONTRAST_WORDS = ("mas", "porém", "apesar", "embora", "contudo", "entretanto")
PRAISE_WORDS = (
    "ótimo",
    "ótima",
    "excelente",
    "maravilha",
    "maravilhoso",
    "parabéns",
    "perfeito",
    "adorei",
)

PATTERNS = {
    "negação": "negação (" + ", ".join(f"“{w}”" for w in NEGATION_WORDS[:4]) + "...)",
    "contraste": "contraste (" + ", ".join(f"“{w}”" for w in CONTRAST_WORDS[:3]) + "...)",
    "ironia": "marca de ironia (reticências, ou um elogio como “ótimo” num texto negativo)",
    "neutro": "rótulo verdadeiro neutro (descrição sem veredito, ou prós e contras equilibrados)",
    "cortado": "texto cortado em `max_length`",
}


def per_example_loss(probs, labels) -> np.ndarray:
    """Entropia cruzada de cada exemplo, ``−log p(classe verdadeira)``, a partir das probabilidades."""
    probs, labels = np.asarray(probs, dtype=float), np.asarray(labels, dtype=int)
    if probs.ndim != 2 or len(probs) != len(labels):
        raise ValueError("probs precisa ser (exemplos × classes), com um rótulo por exemplo.")
    if not np.allclose(probs.sum(axis=1), 1, atol=1e-3) or (probs < 0).any():
        raise ValueError(
            "probs precisa ter probabilidades (cada linha somando 1): aplique softmax nos logits antes."
        )
    return -np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, None))


def highest_loss_errors(texts, probs, labels, id2label, n: int = 8) -> pd.DataFrame:
    """Os ``n`` erros com **maior perda**, ``−log p(classe verdadeira)``, do pior para o menos ruim.

    Maior perda é **menos probabilidade na classe certa**, não mais certeza na classe errada: um
    erro com ``p(previsto)`` perto de 0,5 pode vir antes de outro com 0,9, se deixou menos para a
    classe certa. Como no capítulo de classificação de *Natural Language Processing with
    Transformers* (Tunstall et al.): no topo ficam os erros que mais ensinam (e os rótulos errados
    do conjunto, se houver). O índice da tabela é a posição do exemplo em ``texts``.
    """
    texts = list(texts)
    probs, labels = np.asarray(probs, dtype=float), np.asarray(labels, dtype=int)
    loss = per_example_loss(probs, labels)
    pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(pred != labels)
    order = wrong[np.argsort(-loss[wrong], kind="stable")][:n]
    names = {int(k): v for k, v in id2label.items()}
    return pd.DataFrame(
        {
            "texto": [texts[i] for i in order],
            "verdadeiro": [names[int(labels[i])] for i in order],
            "previsto": [names[int(pred[i])] for i in order],
            "p(previsto)": probs[order, pred[order]].round(3),
            "perda": loss[order].round(3),
        },
        index=pd.Index(order, name="exemplo"),
    )


def _words(text: str) -> set[str]:
    import re

    return set(re.findall(r"\w+", text.lower()))


def error_patterns(
    table: pd.DataFrame,
    tokenizer=None,
    max_length: int | None = None,
    negative: str = "negativo",
    neutral: str = "neutro",
) -> pd.DataFrame:
    """Marca, em cada linha de :func:`highest_loss_errors`, os padrões que costumam enganar o modelo.

    Colunas (verdadeiro/falso): ``negação``, ``contraste``, ``ironia`` (reticências, ou um elogio
    num texto cujo rótulo verdadeiro é ``negative``), ``neutro`` (o rótulo verdadeiro é
    ``neutral``) e ``cortado`` (com ``tokenizer`` e ``max_length``: o texto passa de
    ``max_length`` tokens e o fim dele não foi visto).
    """
    rows = []
    for _, row in table.iterrows():
        text, words = str(row["texto"]), _words(str(row["texto"]))
        cut = False
        if tokenizer is not None and max_length is not None:
            cut = len(tokenizer(text)["input_ids"]) > max_length
        rows.append(
            {
                "negação": bool(words & set(NEGATION_WORDS)),
                "contraste": bool(words & set(CONTRAST_WORDS)),
                "ironia": "..." in text
                or "…" in text
                or (row["verdadeiro"] == negative and bool(words & set(PRAISE_WORDS))),
                "neutro": row["verdadeiro"] == neutral,
                "cortado": cut,
            }
        )
    return pd.DataFrame(rows, index=table.index, columns=list(PATTERNS))


def describe_error_patterns(flags: pd.DataFrame) -> str:
    """Frase em português com a contagem de cada padrão entre as linhas mostradas (de :func:`error_patterns`).

    Conta só as colunas de ``flags`` que são padrões conhecidos: sem a coluna ``neutro`` (o rótulo
    verdadeiro, não um traço do texto), a frase fala só dos sinais no texto.
    """
    n = len(flags)
    if n == 0:
        return "Não há erros para ler: o modelo acertou todos os textos."

    def count(k: int) -> str:
        return "nenhuma" if k == 0 else ("todas" if k == n and n > 1 else str(k))

    counts = {name: int(flags[name].sum()) for name in PATTERNS if name in flags.columns}
    parts = [f"{count(k)} com {PATTERNS[name]}" for name, k in counts.items()]
    none = int((~flags[list(counts)].any(axis=1)).sum())
    shown = "a frase mostrada" if n == 1 else f"as {n} frases mostradas"
    text = f"Entre {shown}: " + "; ".join(parts) + "."
    if none:
        text += (
            f" {count(none).capitalize()} não {'tem' if none == 1 else 'têm'} nenhum desses sinais."
        )
    top = max(counts.values())
    if top == 0:
        text += " Nenhum dos padrões da lista explica estes erros: leia as frases e procure outro."
    else:
        leaders = [name for name, k in counts.items() if k == top]
        which = " e ".join(leaders)
        text += f" O padrão mais frequente aqui: **{which}** ({top} de {n})."
    return text


# ------------------------------------------------------------------ avaliação de um modelo treinado


def predictions_on(trainer, dataset) -> tuple[np.ndarray, np.ndarray]:
    """``(rótulos, previsões)`` de ``trainer.model`` em ``dataset``, na ordem das linhas de ``dataset``.

    Só o modelo do ``trainer`` roda (num ``DistillationTrainer``, o professor fica de fora),
    em lotes de frases de tamanho parecido (menos *padding*, mesma resposta), na mesma
    precisão do treino: com ``bf16``/``fp16`` nos argumentos (numa GPU), sob ``torch.autocast``;
    na CPU, em float32. A ordem original volta no fim, para que as previsões de dois
    modelos no mesmo split possam ser comparadas frase a frase (:func:`helpers.prose.paired_bootstrap`).
    """
    inputs = [
        c
        for c in ("input_ids", "attention_mask", "token_type_ids", "label")
        if c in dataset.column_names
    ]
    if "input_ids" not in inputs or "label" not in inputs:
        raise ValueError(
            "predictions_on espera um dataset tokenizado e com rótulos (colunas input_ids e label)."
        )
    # lotes em ordem de tamanho, montados aqui: o dataloader de avaliação do Trainer pode embaralhar a ordem
    rows = dataset.select_columns(inputs)
    model = trainer.model
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    y_true, y_pred = np.empty(len(rows), dtype=np.int64), np.empty(len(rows), dtype=np.int64)
    with torch.inference_mode(), autocast_for(trainer.args, device):
        for idx in length_batches(token_lengths(dataset), trainer.args.per_device_eval_batch_size):
            batch = trainer.data_collator([rows[int(i)] for i in idx])
            labels = batch.pop("labels")
            logits = model(
                **forward_inputs(model, {k: v.to(device) for k, v in batch.items()})
            ).logits
            y_true[idx] = labels.numpy()
            y_pred[idx] = logits.argmax(dim=-1).cpu().numpy()
    model.train(was_training)
    return y_true, y_pred


def macro_f1(y_true, y_pred, num_labels: int = 3) -> float:
    """F1 macro com NumPy (o mesmo do scikit-learn com ``zero_division=0``), rápido para o *bootstrap*.

    O intervalo de :func:`helpers.prose.paired_bootstrap` recalcula a métrica milhares de vezes;
    o ``f1_score`` do scikit-learn leva milissegundos por chamada, esta conta, microssegundos.
    """
    y_true, y_pred = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    cm = np.bincount(num_labels * y_true + y_pred, minlength=num_labels**2).reshape(
        num_labels, num_labels
    )
    tp = np.diag(cm).astype(float)
    denominator = cm.sum(axis=0) + cm.sum(axis=1)  # previstos + verdadeiros de cada classe
    f1 = np.divide(2 * tp, denominator, out=np.zeros(num_labels), where=denominator > 0)
    return float(f1.mean())


def scores_on(trainer, dataset, labels) -> dict:
    """Acurácia e F1 macro de ``trainer.model`` em ``dataset`` (normalmente o teste).

    As previsões são as de :func:`predictions_on`; as métricas, as de
    :func:`helpers.metrics.classification_metrics` (scikit-learn).
    """
    y_true, y_pred = predictions_on(trainer, dataset)
    result = classification_metrics(y_pred, y_true, labels)
    return {"accuracy": result["accuracy"], "f1_macro": result["f1_macro"]}
