"""Previsões em frases novas: em lote, ordenadas por tamanho, como tabela.

Servem para um modelo do transformers e para um modelo exportado para ONNX
(:class:`helpers.production.OnnxClassifier`). Para medir latência na CPU, use
:func:`helpers.measure.cpu_latency` (notebooks 04 e 05).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .batching import length_batches
from .compat import forward_inputs


def predict_proba(
    texts, model, tokenizer, batch_size: int = 32, max_length: int = 128
) -> np.ndarray:
    """Probabilidades de cada classe (``exemplos × classes``, sem arredondar), **na ordem de** ``texts``.

    As frases são ordenadas por tamanho antes de formar os lotes (menos padding) e as
    linhas voltam na ordem original. Use isto (e não ``Trainer.predict``) quando precisar
    alinhar as previsões com os textos: no transformers 5, com
    ``train_sampling_strategy="group_by_length"``, o ``Trainer`` também agrupa por tamanho
    os exemplos da avaliação e devolve as previsões (e os ``label_ids``) em outra ordem.
    """
    if isinstance(texts, str):
        texts = [texts]
    texts = list(texts)
    if not texts:
        raise ValueError("predict recebeu uma lista vazia de textos.")
    if not all(isinstance(t, str) for t in texts):
        raise TypeError("predict espera textos (str); converta os valores com str() antes.")
    from .training import check_max_length

    check_max_length(max_length, tokenizer, model)
    # um modelo do transformers (ou o production.OnnxClassifier, sempre na CPU) diz onde está
    device = getattr(model, "device", None) or next(model.parameters()).device
    model.eval()
    probs = np.zeros((len(texts), model.config.num_labels), dtype=np.float32)
    with torch.inference_mode():
        for idx in length_batches([len(t) for t in texts], batch_size):
            enc = tokenizer(
                [texts[j] for j in idx],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            ).to(device)
            logits = model(**forward_inputs(model, enc)).logits.float()
            probs[idx] = torch.softmax(logits, dim=-1).cpu().numpy()
    return probs


def predict(texts, model, tokenizer, batch_size: int = 32, max_length: int = 128) -> pd.DataFrame:
    """Classifica ``texts`` e devolve uma tabela: texto, classe prevista e a probabilidade de cada classe.

    As frases são ordenadas por tamanho antes de formar os lotes (menos padding) e a
    tabela volta na ordem original (:func:`predict_proba`).
    """
    texts = [texts] if isinstance(texts, str) else list(texts)
    probs = predict_proba(texts, model, tokenizer, batch_size=batch_size, max_length=max_length)
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    table = pd.DataFrame(
        {"texto": texts, "classe": [id2label[int(i)] for i in probs.argmax(axis=1)]}
    )
    for i in range(probs.shape[1]):
        table[f"p({id2label[i]})"] = probs[:, i].round(3)
    return table


def plot_prediction(text: str, model, tokenizer, max_length: int = 128):
    """Barra com a probabilidade de cada classe para uma frase (devolve a figura)."""
    from matplotlib.figure import Figure

    from .plots import decimal_comma

    if not text.strip():
        raise ValueError("Digite uma frase.")
    row = predict([text], model, tokenizer, max_length=max_length).iloc[0]
    probs = row.filter(like="p(")
    fig = Figure(figsize=(5, 1.8))
    ax = fig.subplots()
    ax.barh([c[2:-1] for c in probs.index], probs.values, color="#2a9d8f")
    ax.set_xlim(0, 1)
    ax.set_xlabel("probabilidade")
    ax.set_title(f"“{text[:60]}” → {row['classe']}", fontsize=10)
    fig.tight_layout()
    return decimal_comma(fig)


def prediction_box(model, tokenizer, max_length: int = 128):
    """Caixa de texto (ipywidgets): digite uma frase e veja as probabilidades."""
    import ipywidgets as w

    from .widgets import live

    box = w.Text(
        value="O atendimento foi ótimo, mas a entrega atrasou.",
        description="frase:",
        layout=w.Layout(width="90%"),
        continuous_update=False,
    )
    return live({"text": box}, lambda text: plot_prediction(text, model, tokenizer, max_length))
