"""Leitura e limpeza de uma tabela de textos rotulados (CSV ou planilha), como as pessoas exportam.

* :func:`read_table`: CSV em UTF-8 (com ou sem BOM), UTF-16 ou Windows-1252, separado por vírgula,
  ponto e vírgula ou tabulação; planilhas ``.xlsx``/``.xls``/``.ods`` quando o leitor está instalado;
* :func:`pick_column`: a coluna de texto, de rótulo ou de nota, pelo nome dado ou por um nome conhecido.

A limpeza da tabela lida (textos vazios, rótulos vazios, repetidos) está em :mod:`helpers.cleaning`.

Todo problema vira :class:`DataError`, com o arquivo, a coluna e o que fazer, em português.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

TEXT_CANDIDATES = (
    "text",
    "texto",
    "sentence",
    "frase",
    "review",
    "review_text",
    "review_body",
    "content",
    "conteudo",
    "comment",
    "comentario",
    "comentário",
    "document",
)
LABEL_CANDIDATES = (
    "label",
    "labels",
    "rotulo",
    "rótulo",
    "classe",
    "class",
    "sentiment",
    "sentimento",
    "polarity",
    "polaridade",
    "target",
)
RATING_CANDIDATES = (
    "rating",
    "overall_rating",
    "stars",
    "nota",
    "estrelas",
    "score",
    "review_score",
)


class DataError(ValueError):
    """Problema nos dados de entrada, explicado em português."""


SPREADSHEET_READERS = {
    ".xlsx": ("openpyxl", "openpyxl", "Excel"),
    ".xlsm": ("openpyxl", "openpyxl", "Excel"),
    ".xls": ("xlrd", "xlrd", "Excel antigo"),
    ".ods": ("odf", "odfpy", "LibreOffice/OpenDocument"),
}
SEPARATOR_NAMES = {",": "vírgula", ";": "ponto e vírgula", "\t": "tabulação"}


def _is_spreadsheet(path: Path, raw: bytes) -> bool:
    """Planilha pela extensão ou pelo conteúdo (``PK``: .xlsx/.ods; ``D0 CF 11 E0``: .xls antigo)."""
    return (
        path.suffix.lower() in SPREADSHEET_READERS
        or raw[:2] == b"PK"
        or raw[:4] == b"\xd0\xcf\x11\xe0"
    )


def _read_spreadsheet(path: Path, raw: bytes) -> tuple[pd.DataFrame, str]:
    """Planilha (.xlsx, .xls, .ods): lida pelo pandas se o leitor está instalado; senão, erro que diz o que fazer."""
    ext = path.suffix.lower()
    if ext not in SPREADSHEET_READERS:  # extensão .csv (ou outra) com conteúdo de planilha
        ext = ".xls" if raw[:4] == b"\xd0\xcf\x11\xe0" else ".xlsx"
    module, package, kind = SPREADSHEET_READERS[ext]
    try:
        __import__(module)
    except ImportError:
        raise DataError(
            f"{path} é uma planilha {kind} ({ext}), não um CSV, e o leitor de planilhas {ext} não está instalado. "
            "Salve como CSV (Excel: Arquivo → Salvar como → CSV UTF-8; Google Sheets: Arquivo → Fazer "
            "download → CSV; LibreOffice: Salvar como → Texto CSV) e aponte para o .csv, ou instale o leitor: "
            f"pip install {package}."
        ) from None
    try:
        with pd.ExcelFile(path, engine=module) as book:
            sheets = book.sheet_names
            df = book.parse(sheets[0], dtype=str, keep_default_na=False, na_values=[""])
    except Exception as exc:
        raise DataError(
            f"Não consegui ler a planilha {path} ({type(exc).__name__}: {exc}). "
            "Salve como CSV UTF-8 e aponte para o .csv."
        ) from exc
    df.columns = [str(c).strip() for c in df.columns]
    if len(df.columns) < 2:
        raise DataError(
            f"{path}: a primeira aba da planilha tem uma coluna só ({list(df.columns)}). "
            "A série precisa de duas: o texto e o rótulo (ou uma nota de 1 a 5)."
        )
    more = f" (a planilha tem {len(sheets)} abas; usei a primeira)" if len(sheets) > 1 else ""
    return df, f"{path.name}: planilha {kind}, aba '{sheets[0]}'{more}, {len(df)} linhas"


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """O texto do arquivo e a codificação usada (UTF-16 pelo BOM; senão UTF-8, depois Windows-1252)."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        attempts = ["utf-16"]
    else:
        attempts = ["utf-8-sig", "cp1252"]
    text, used = None, None
    for enc in attempts:
        try:
            text, used = raw.decode(enc), enc
            break
        except UnicodeDecodeError:
            continue
    if text is None or "\x00" in text:
        raise DataError(
            f"Não consegui ler {path}: a codificação não é UTF-8, UTF-16 nem Windows-1252 "
            "(ou o arquivo não é texto). Salve de novo como 'CSV UTF-8'."
        )
    if not text.strip():
        raise DataError(
            f"{path} está vazio. Exporte de novo a planilha como CSV, com a linha de cabeçalho "
            "(ex.: text,label) e uma linha por exemplo."
        )
    return text, used


def _one_column_error(path: Path, columns: list, first: str, sep: str) -> DataError:
    """O erro de um CSV que saiu com uma coluna só, com o separador que a primeira linha parece usar."""
    found = (
        "nenhum dos três aparece na primeira linha"
        if first.count(sep) == 0
        else f"detectado: {SEPARATOR_NAMES[sep]}"
    )
    others = [c for c in "|:#" if c in first]
    hint = (
        f" A primeira linha tem {' e '.join(repr(c) for c in others)}: se é isso que separa as colunas, "
        "troque por vírgula ou ponto e vírgula (ou exporte de novo como CSV)."
        if others
        else ""
    )
    return DataError(
        f"{path}: encontrei uma coluna só, {columns} (separadores aceitos: vírgula, ponto e vírgula ou "
        f"tabulação; {found}). A série precisa de duas colunas: o texto e o rótulo (ou uma nota de 1 a 5)."
        f"{hint} Primeira linha do arquivo: {first[:80]!r}."
    )


def read_table(path) -> tuple[pd.DataFrame, str]:
    """Lê um CSV exportado por planilha ou por código; devolve ``(tabela, descrição)``.

    Aceita UTF-8 (com ou sem BOM), UTF-16 e Windows-1252, e separador ``,``,
    ``;`` ou tabulação. Uma planilha (``.xlsx``, ``.xls``, ``.ods``) é lida pelo pandas
    quando o leitor dela está instalado (``openpyxl`` para ``.xlsx``). Um arquivo ilegível,
    vazio ou com uma coluna só vira :class:`DataError` explicando o que fazer.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"Arquivo não encontrado: {path}. Confira o caminho (a pasta atual é {Path.cwd()})."
        )
    raw = path.read_bytes()
    if _is_spreadsheet(path, raw):
        return _read_spreadsheet(path, raw)
    text, used = _decode(path, raw)
    first = text.splitlines()[0]
    sep = max([",", ";", "\t"], key=first.count)
    try:
        df = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""]
        )
    except pd.errors.ParserError as exc:
        raise DataError(
            f"Não consegui separar as colunas de {path} (separador '{sep}'): {exc}. "
            "Textos com o separador dentro precisam estar entre aspas."
        ) from exc
    df.columns = [str(c).strip() for c in df.columns]
    if len(df.columns) < 2:
        raise _one_column_error(path, list(df.columns), first, sep)
    return df, f"{path.name}: {used}, separador {SEPARATOR_NAMES[sep]}, {len(df)} linhas"


def pick_column(columns, wanted, candidates, kind, where, required=True):
    """A coluna de ``kind`` (``"texto"``, ``"rótulo"``, ``"nota"``): ``wanted``, se dada, ou o primeiro nome
    de ``candidates`` presente (sem diferença de caixa); sem nenhum, ``None`` (com ``required=False``) ou
    :class:`DataError`."""
    cols = list(columns)
    if wanted is not None:
        if wanted not in cols:
            near = [c for c in cols if str(c).strip().lower() == str(wanted).strip().lower()]
            raise DataError(
                f"{where}: a coluna de {kind} '{wanted}' não existe. Colunas encontradas: {cols}."
                + (f" Quis dizer '{near[0]}'? (maiúsculas e minúsculas contam)" if near else "")
            )
        return wanted
    lower = {str(c).lower(): c for c in cols}
    for c in candidates:
        if c in lower:
            return lower[c]
    if not required:
        return None
    raise DataError(
        f"{where}: não encontrei a coluna de {kind}. Colunas encontradas: {cols}. "
        f"Renomeie a coluna para '{candidates[0]}' ou informe "
        f"{ {'texto': 'text', 'nota': 'rating'}.get(kind, 'label') }_column='...'."
    )
