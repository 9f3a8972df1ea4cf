"""Limpeza de uma tabela de textos rotulados, anotando o motivo de cada linha removida.

:func:`clean_frame` recebe a tabela lida (:func:`helpers.tables.read_table`) já com colunas ``text`` e
``label``: junta os espaços dos textos, normaliza os rótulos (número vira inteiro, palavra fica em
minúsculas) e tira textos vazios, rótulos vazios e textos repetidos. Uma coluna toda vazia e rótulos que
misturam números e palavras viram :class:`helpers.tables.DataError`, com o arquivo e a coluna.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .tables import DataError


def _normalise_label(value):
    """O rótulo como fica: inteiro se é número (``"1"``, ``1.0``), senão texto minúsculo; vazio → ``None``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    s = str(value).strip()
    if not s:
        return None
    try:
        f = float(s.replace(",", "."))
        if f.is_integer():
            return int(f)
    except ValueError:
        pass
    return s.lower()


def _normalise_text(value):
    """O texto com os espaços (quebras de linha, tabulações, repetidos) juntados num só; ausente → ``None``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return " ".join(str(value).split())


def _examples(values, n: int = 3) -> str:
    """Até ``n`` valores diferentes de ``values``, para uma mensagem de erro."""
    seen = list(dict.fromkeys(values))
    return ", ".join(repr(v) for v in seen[:n]) + (
        f"... ({len(seen)} valores diferentes)" if len(seen) > n else ""
    )


def _drop_empty(df, split, where, columns, found, dropped) -> pd.DataFrame:
    """Tira as linhas de texto vazio e as de rótulo vazio, anotando em ``dropped``; coluna toda vazia → erro."""
    for reason, rule, kind, param in [
        ("texto vazio", lambda d: d["text"].isna() | (d["text"] == ""), "texto", "text"),
        ("rótulo vazio", lambda d: d["label"].isna(), "rótulo", "label"),
    ]:
        mask = rule(df)
        if mask.all():
            name = columns.get(param, param)
            raise DataError(
                f"{where}: a coluna de {kind} '{name}' está vazia em todas as {len(df)} linhas"
                f"{' com texto' if param == 'label' else ''}: não sobrou nenhum "
                f"exemplo depois da limpeza.{found} Confira se é a coluna certa (escolha outra com "
                f"{param}_column='...') e se a planilha foi exportada com o conteúdo."
            )
        if mask.any():
            dropped.append(
                {"split": split, "motivo": reason, "linhas": int(mask.sum()), "arquivo": where}
            )
            df = df[~mask]
    return df


def _check_one_label_kind(df, original_labels, where, columns) -> None:
    """Rótulos todos números ou todos palavras; a mistura vira erro com exemplos de cada lado."""
    numbers = [original_labels[i] for i, v in df["label"].items() if not isinstance(v, str)]
    words = [original_labels[i] for i, v in df["label"].items() if isinstance(v, str)]
    if numbers and words:
        raise DataError(
            f"{where}: a coluna de rótulo '{columns.get('label', 'label')}' mistura números "
            f"({len(numbers)} linhas, ex.: {_examples(numbers)}) e palavras ({len(words)} linhas, ex.: "
            f"{_examples(words)}). Use um tipo só: todas as classes como palavras (ex.: negativo, positivo) ou "
            "todas como números (ex.: 0, 1), e salve o arquivo de novo."
        )


def _drop_repeated(df, split, where, dropped) -> pd.DataFrame:
    """Tira os textos repetidos (fica a primeira ocorrência), anotando em ``dropped``."""
    dup = df["text"].duplicated()
    if dup.any():
        dropped.append(
            {"split": split, "motivo": "texto repetido", "linhas": int(dup.sum()), "arquivo": where}
        )
        df = df[~dup]
    return df


def clean_frame(
    df: pd.DataFrame, split: str, where: str = "", columns: dict | None = None
) -> tuple[pd.DataFrame, list[dict]]:
    """Limpa uma tabela com colunas ``text`` e ``label``; devolve ``(tabela, removidos)``.

    Remove textos vazios, rótulos vazios e textos repetidos (mantém a primeira
    ocorrência), e anota cada remoção com o motivo. ``columns``: os nomes originais das
    colunas (``{"text": ..., "label": ..., "all": [...]}``), para as mensagens de erro.
    Uma coluna de texto (ou de rótulo) toda vazia e rótulos que misturam números e
    palavras viram :class:`DataError`, com o arquivo e a coluna.
    """
    columns = columns or {}
    where = where or split
    found = f" Colunas do arquivo: {columns['all']}." if columns.get("all") else ""
    dropped = []
    df = df[["text", "label"]].reset_index(drop=True)
    if df.empty:
        raise DataError(
            f"{where}: o arquivo não tem nenhuma linha de dados, só o cabeçalho.{found} "
            "Confira se exportou a aba certa da planilha."
        )
    original_labels = df["label"]
    df["text"] = df["text"].map(_normalise_text)
    df["label"] = df["label"].map(_normalise_label)
    df = _drop_empty(df, split, where, columns, found, dropped)
    _check_one_label_kind(df, original_labels, where, columns)
    df = _drop_repeated(df, split, where, dropped)
    if df.empty:
        raise DataError(
            f"{where}: não sobrou nenhum exemplo depois da limpeza "
            "(textos ou rótulos vazios). Confira as colunas e o conteúdo do arquivo."
        )
    return df.reset_index(drop=True), dropped
