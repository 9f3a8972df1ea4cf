"""As medidas de cada versão na tabela de produção (notebook 06): disco, latência, F1 e concordância.

:func:`helpers.production.production_table` monta a tabela com estas funções: uma linha por versão, as
razões à versão de referência e, para as versões menores, a concordância com o mesmo modelo em float.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch


def size_mb(model) -> float:
    """Tamanho em disco, em MB: o ``.onnx`` de um ``OnnxClassifier``, os safetensors de um modelo em float ou o
    ``torch.save`` de um modelo do torchao (os tensores dele não vão para safetensors)."""
    from .measure import size_on_disk_mb

    # o OnnxClassifier do notebook 06 (os pesos vão dentro do arquivo)
    if hasattr(model, "session"):
        return Path(model.path).stat().st_size / 1e6
    # o torchao 0.18 salva o int8 por um caminho que o torch marca como antigo
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="TypedStorage is deprecated", category=UserWarning
        )
        try:
            return size_on_disk_mb(model)
        except Exception:
            with tempfile.TemporaryDirectory() as folder:
                torch.save(model.state_dict(), Path(folder) / "pesos.pt")
                return (Path(folder) / "pesos.pt").stat().st_size / 1e6


def version_rows(
    variants: dict, probs: dict, latency: pd.DataFrame, y_true, labels
) -> pd.DataFrame:
    """Uma linha por versão: disco (MB), as latências de ``latency``, F1 macro e acurácia no teste."""
    from .metrics import classification_metrics

    rows = {}
    for name, (model, _) in variants.items():
        scores = classification_metrics(probs[name].argmax(axis=1), y_true, labels)
        row = {"disco (MB)": size_mb(model)}
        row.update({col: latency.loc[name, col] for col in latency.columns})
        row.update({"F1 macro (teste)": scores["f1_macro"], "acurácia (teste)": scores["accuracy"]})
        rows[name] = row
    return pd.DataFrame(rows).T


def add_reference_ratios(table: pd.DataFrame, reference: str, batch_sizes) -> None:
    """Acrescenta a ``table`` a retenção do F1, o disco e a aceleração de cada lote, em razão a ``reference``."""
    ref = table.loc[reference]
    table[f"retenção do F1 (÷ {reference})"] = table["F1 macro (teste)"] / ref["F1 macro (teste)"]
    table[f"disco ÷ {reference}"] = table["disco (MB)"] / ref["disco (MB)"]
    for b in batch_sizes:
        table[f"aceleração lote {b}"] = ref[f"lote {b} (ms)"] / table[f"lote {b} (ms)"]


def add_float_agreement(table: pd.DataFrame, probs: dict, float_of: dict) -> None:
    """Acrescenta a ``table``, para cada versão menor de ``float_of``, a concordância com o modelo em float.

    A fração de classes iguais e a diferença média e a maior das probabilidades; vazio nas outras linhas.
    """
    pairs = {name: base for name, base in float_of.items() if name in probs and base in probs}
    gaps = {name: np.abs(probs[name] - probs[base]) for name, base in pairs.items()}
    table["mesma classe que o fp32"] = pd.Series(
        {n: float((probs[n].argmax(1) == probs[b].argmax(1)).mean()) for n, b in pairs.items()},
        dtype=float,
    )
    table["diferença média de prob."] = pd.Series(
        {n: float(g.mean()) for n, g in gaps.items()}, dtype=float
    )
    table["maior diferença de prob."] = pd.Series(
        {n: float(g.max()) for n, g in gaps.items()}, dtype=float
    )
