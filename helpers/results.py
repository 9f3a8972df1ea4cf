"""Resultados de destaque de cada notebook, para a tabela do ``make run``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd


def headline(notebook: str, **values) -> pd.DataFrame:
    """Registra os números principais de um notebook e os devolve como tabela.

    Quando a variável ``VARIANTES_RESULTS_DIR`` existe (o ``make run`` a define),
    grava também ``<notebook>.json`` nela.
    """
    folder = os.environ.get("VARIANTES_RESULTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        clean = {
            k: (float(v) if hasattr(v, "__float__") and not isinstance(v, (str, bool)) else v)
            for k, v in values.items()
        }
        (Path(folder) / f"{notebook}.json").write_text(
            json.dumps(clean, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    return table(**values)


def table(**values) -> pd.DataFrame:
    """Os números principais como tabela (``resultado`` → ``valor``), sem gravar nada.

    Os comandos de ``commands.experiments`` usam esta: gravam o próprio ``resumo.json`` na pasta de saída e
    não mexem na tabela do ``make run``, que é a dos notebooks.
    """
    return pd.DataFrame({"resultado": list(values), "valor": list(values.values())}).set_index(
        "resultado"
    )
