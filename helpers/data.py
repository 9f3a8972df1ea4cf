"""Dados de texto para classificação, de três fontes, sempre no mesmo formato.

* (A) :func:`load_hub_dataset`: um dataset do Hugging Face Hub (colunas de texto e
  rótulo detectadas; rótulo derivado de uma nota, se preciso);
* (B) :func:`load_csv`: arquivos CSV como as pessoas exportam de verdade
  (planilha em português com ``;``, UTF-8 com BOM, Windows-1252...);
* (C) :func:`load_embedded`: o conjunto embutido ``data/avaliacoes_ptbr``.

Todas devolvem um :class:`TextData`: um ``DatasetDict`` com colunas ``text`` e
``label`` (inteiro, ``ClassLabel``), os mapas ``label2id``/``id2label`` e um
relatório do que a limpeza removeu e por quê.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .env import is_offline
from .project import data_dir

TEXT_CANDIDATES = ("text", "texto", "sentence", "frase", "review", "review_text", "review_body",
                   "content", "conteudo", "comment", "comentario", "comentário", "document")
LABEL_CANDIDATES = ("label", "labels", "rotulo", "rótulo", "classe", "class", "sentiment",
                    "sentimento", "polarity", "polaridade", "target")
RATING_CANDIDATES = ("rating", "overall_rating", "stars", "nota", "estrelas", "score", "review_score")
# Datasets do Hub que os notebooks nomeiam (exemplos de HF_DATASET): o kit de aula sem internet
# (scripts/kit.py) baixa estes para o cache do Hugging Face.
NOTEBOOK_DATASETS = (
    "fancyzhx/yelp_polarity",
)
VALIDATION_NAMES = ("validation", "valid", "val", "dev", "validacao", "validação")


class DataError(ValueError):
    """Problema nos dados de entrada, explicado em português."""


def rating_to_sentiment(rating) -> str | None:
    """Nota de 1 a 5 → ``negativo`` (1–2), ``neutro`` (3) ou ``positivo`` (4–5)."""
    try:
        r = float(str(rating).replace(",", "."))
    except (TypeError, ValueError):
        return None
    if np.isnan(r):
        return None
    return "negativo" if r <= 2 else ("neutro" if r < 4 else "positivo")


@dataclass
class TextData:
    """Splits prontos para treino, com os mapas de rótulos e o relatório de limpeza."""

    splits: "object"  # datasets.DatasetDict
    label2id: dict
    id2label: dict
    report: pd.DataFrame = field(default_factory=pd.DataFrame)
    source: str = ""

    def __getitem__(self, split):
        return self.splits[split]

    @property
    def num_labels(self) -> int:
        return len(self.label2id)

    @property
    def labels(self) -> list[str]:
        return [self.id2label[i] for i in range(self.num_labels)]

    def summary(self) -> pd.DataFrame:
        """Tabela para exibir: exemplos por classe em cada conjunto (treino, validação, teste)."""
        rows = {}
        for name, ds in self.splits.items():
            counts = pd.Series(ds["label"]).value_counts()
            rows[SPLIT_NAMES.get(name, name)] = {self.id2label[i]: int(counts.get(i, 0)) for i in range(self.num_labels)}
        table = pd.DataFrame(rows).T
        table["total"] = table.sum(axis=1)
        return table


SPLIT_NAMES = {"train": "treino", "validation": "validação", "test": "teste"}  # só para exibir; as chaves ficam


# --------------------------------------------------------------------------- leitura de CSV

SPREADSHEET_READERS = {".xlsx": ("openpyxl", "openpyxl", "Excel"), ".xlsm": ("openpyxl", "openpyxl", "Excel"),
                       ".xls": ("xlrd", "xlrd", "Excel antigo"), ".ods": ("odf", "odfpy", "LibreOffice/OpenDocument")}
SEPARATOR_NAMES = {",": "vírgula", ";": "ponto e vírgula", "\t": "tabulação"}


def _read_spreadsheet(path: Path, raw: bytes) -> tuple[pd.DataFrame, str]:
    """Planilha (.xlsx, .xls, .ods): lida pelo pandas se o leitor estiver instalado; senão, erro que diz o que fazer."""
    ext = path.suffix.lower()
    if ext not in SPREADSHEET_READERS:  # extensão .csv (ou outra) com conteúdo de planilha
        ext = ".xls" if raw[:4] == b"\xd0\xcf\x11\xe0" else ".xlsx"
    module, package, kind = SPREADSHEET_READERS[ext]
    try:
        __import__(module)
    except ImportError:
        raise DataError(
            f"{path} é uma planilha {kind} ({ext}), não um CSV, e o leitor de planilhas {ext} não está instalado. "
            "Salve como CSV (Excel: Arquivo → Salvar como → CSV UTF-8; Google Sheets: Arquivo → Fazer download → "
            f"CSV; LibreOffice: Salvar como → Texto CSV) e aponte para o .csv, ou instale o leitor: pip install {package}."
        ) from None
    try:
        with pd.ExcelFile(path, engine=module) as book:
            sheets = book.sheet_names
            df = book.parse(sheets[0], dtype=str, keep_default_na=False, na_values=[""])
    except Exception as exc:
        raise DataError(f"Não consegui ler a planilha {path} ({type(exc).__name__}: {exc}). "
                        "Salve como CSV UTF-8 e aponte para o .csv.") from exc
    more = f" (a planilha tem {len(sheets)} abas; usei a primeira)" if len(sheets) > 1 else ""
    return df, f"{path.name}: planilha {kind}, aba '{sheets[0]}'{more}, {len(df)} linhas"


def read_table(path) -> tuple[pd.DataFrame, str]:
    """Lê um CSV exportado por planilha ou por código; devolve ``(tabela, descrição)``.

    Aceita UTF-8 (com ou sem BOM), UTF-16 e Windows-1252, e separador ``,``,
    ``;`` ou tabulação. Uma planilha (``.xlsx``, ``.xls``, ``.ods``) é lida pelo pandas
    quando o leitor dela está instalado (``openpyxl`` para ``.xlsx``). Um arquivo ilegível,
    vazio ou com uma coluna só vira :class:`DataError` explicando o que fazer.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Arquivo não encontrado: {path}. Confira o caminho (a pasta atual é {Path.cwd()}).")
    raw = path.read_bytes()
    if path.suffix.lower() in SPREADSHEET_READERS or raw[:2] == b"PK" or raw[:4] == b"\xd0\xcf\x11\xe0":
        df, desc = _read_spreadsheet(path, raw)
        df.columns = [str(c).strip() for c in df.columns]
        if len(df.columns) < 2:
            raise DataError(f"{path}: a primeira aba da planilha tem uma coluna só ({list(df.columns)}). "
                            "A série precisa de duas: o texto e o rótulo (ou uma nota de 1 a 5).")
        return df, desc
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
        raise DataError(f"Não consegui ler {path}: a codificação não é UTF-8, UTF-16 nem Windows-1252 "
                        "(ou o arquivo não é texto). Salve de novo como 'CSV UTF-8'.")
    if not text.strip():
        raise DataError(f"{path} está vazio. Exporte de novo a planilha como CSV, com a linha de cabeçalho "
                        "(ex.: text,label) e uma linha por exemplo.")
    first = text.splitlines()[0]
    sep = max([",", ";", "\t"], key=first.count)
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as exc:
        raise DataError(f"Não consegui separar as colunas de {path} (separador '{sep}'): {exc}. "
                        "Textos com o separador dentro precisam estar entre aspas.") from exc
    df.columns = [str(c).strip() for c in df.columns]
    nome_sep = SEPARATOR_NAMES[sep]
    if len(df.columns) < 2:
        found = "nenhum dos três aparece na primeira linha" if first.count(sep) == 0 else f"detectado: {nome_sep}"
        others = [c for c in "|:#" if c in first]
        hint = (f" A primeira linha tem {' e '.join(repr(c) for c in others)}: se é isso que separa as colunas, "
                "troque por vírgula ou ponto e vírgula (ou exporte de novo como CSV)." if others else "")
        raise DataError(
            f"{path}: encontrei uma coluna só, {list(df.columns)} (separadores aceitos: vírgula, ponto e vírgula ou "
            f"tabulação; {found}). A série precisa de duas colunas: o texto e o rótulo (ou uma nota de 1 a 5)."
            f"{hint} Primeira linha do arquivo: {first[:80]!r}."
        )
    return df, f"{path.name}: {used}, separador {nome_sep}, {len(df)} linhas"


def _pick(columns, wanted, candidates, kind, where, required=True):
    cols = list(columns)
    if wanted is not None:
        if wanted not in cols:
            near = [c for c in cols if str(c).strip().lower() == str(wanted).strip().lower()]
            raise DataError(f"{where}: a coluna de {kind} '{wanted}' não existe. Colunas encontradas: {cols}."
                            + (f" Quis dizer '{near[0]}'? (maiúsculas e minúsculas contam)" if near else ""))
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
        f"{ {'texto': 'text', 'nota': 'rating'}.get(kind, 'label')}_column='...'."
    )


# --------------------------------------------------------------------------- limpeza

def _normalise_label(value):
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


def _examples(values, n: int = 3) -> str:
    seen = list(dict.fromkeys(values))
    return ", ".join(repr(v) for v in seen[:n]) + (f"... ({len(seen)} valores diferentes)" if len(seen) > n else "")


def clean_frame(df: pd.DataFrame, split: str, where: str = "", columns: dict | None = None) -> tuple[pd.DataFrame, list[dict]]:
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
        raise DataError(f"{where}: o arquivo não tem nenhuma linha de dados, só o cabeçalho.{found} "
                        "Confira se exportou a aba certa da planilha.")
    original_labels = df["label"]
    df["text"] = df["text"].map(lambda t: None if t is None or (isinstance(t, float) and np.isnan(t)) else " ".join(str(t).split()))
    df["label"] = df["label"].map(_normalise_label)
    for reason, rule, kind, param in [("texto vazio", lambda d: d["text"].isna() | (d["text"] == ""), "texto", "text"),
                                      ("rótulo vazio", lambda d: d["label"].isna(), "rótulo", "label")]:
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
            dropped.append({"split": split, "motivo": reason, "linhas": int(mask.sum()), "arquivo": where})
            df = df[~mask]
    numbers = [original_labels[i] for i, v in df["label"].items() if not isinstance(v, str)]
    words = [original_labels[i] for i, v in df["label"].items() if isinstance(v, str)]
    if numbers and words:
        raise DataError(
            f"{where}: a coluna de rótulo '{columns.get('label', 'label')}' mistura números "
            f"({len(numbers)} linhas, ex.: {_examples(numbers)}) e palavras ({len(words)} linhas, ex.: "
            f"{_examples(words)}). Use um tipo só: todas as classes como palavras (ex.: negativo, positivo) ou "
            "todas como números (ex.: 0, 1), e salve o arquivo de novo."
        )
    dup = df["text"].duplicated()
    if dup.any():
        dropped.append({"split": split, "motivo": "texto repetido", "linhas": int(dup.sum()), "arquivo": where})
        df = df[~dup]
    if df.empty:
        raise DataError(f"{where}: não sobrou nenhum exemplo depois da limpeza "
                        "(textos ou rótulos vazios). Confira as colunas e o conteúdo do arquivo.")
    return df.reset_index(drop=True), dropped


def label_maps(labels) -> tuple[dict, dict]:
    """``label2id`` e ``id2label`` estáveis: rótulos ordenados (números ou texto)."""
    uniq = set(labels)
    ordered = sorted(uniq, key=lambda v: (isinstance(v, str), v))
    label2id = {str(lab): i for i, lab in enumerate(ordered)}
    return label2id, {i: lab for lab, i in label2id.items()}


def _stratified_split(df, fraction, seed, what):
    """Treino e validação sorteados de ``df`` mantendo a proporção das classes; ``what``: de onde vêm (mensagens).

    Quando a conta não fecha (uma classe com uma linha só, validação ou treino menor que o
    número de classes), :class:`DataError` diz quantas linhas há por classe, quantas faltam e o que fazer.
    """
    import math
    import warnings

    from sklearn.model_selection import train_test_split

    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise DataError(f"validation_fraction precisa ser um número entre 0 e 1 (ex.: 0.15, 15% para a validação); "
                        f"veio {fraction!r}.")
    counts = df["label"].value_counts()
    n, k = len(df), len(counts)
    n_val = math.ceil(fraction * n)
    per_class = ", ".join(f"{lab}: {c}" for lab, c in counts.items())
    problems = []
    if k >= 2 and counts.min() < 2:
        few = [str(lab) for lab, c in counts.items() if c < 2]
        problems.append(f"as classes {few} têm uma linha só, e cada classe precisa de pelo menos 2 (uma para o "
                        "treino, outra para a validação)")
    if k >= 2 and n_val < k:
        problems.append(f"{fraction:.0%} de {n} linhas dá {n_val} para a validação, menos que as {k} classes "
                        f"(precisa de pelo menos {k})")
    if k >= 2 and n - n_val < k:
        problems.append(f"sobram {n - n_val} linhas para o treino, menos que as {k} classes")
    if problems:
        def fits(rows, f):  # a mesma conta do scikit-learn: validação = ceil(f·n)
            return k <= math.ceil(f * rows) <= rows - k

        need = next(m for m in range(2 * k, int(k / fraction) + 2 * k + 1000) if fits(m, fraction))
        ok = [f / 100 for f in range(1, 100) if fits(n, f / 100)] if counts.min() >= 2 else []
        fix = (f", ou mude a fração da validação: data.load_data(..., validation_fraction=...) entre {ok[0]:.2f} e "
               f"{ok[-1]:.2f} (hoje {fraction})" if ok else "")
        raise DataError(
            f"{what}: não dá para sortear uma validação com todas as classes: " + "; ".join(problems) + ". "
            f"Linhas por classe: {per_class} (total {n}). O que fazer: acrescente linhas (com validation_fraction="
            f"{fraction}, pelo menos {need} no total e 2 por classe), ou dê um arquivo de validação separado "
            f"(CSV_VALIDATION no notebook, validation=... em load_csv){fix}."
        )
    stratify = df["label"] if k >= 2 else None
    a, b = train_test_split(df, test_size=fraction, random_state=seed, stratify=stratify)
    missing = sorted(map(str, set(df["label"]) - set(b["label"])))
    if missing:
        warnings.warn(f"{what}: a validação sorteada ficou sem exemplos das classes {missing} (poucas linhas: "
                      f"{per_class}). As métricas dessas classes não serão medidas; acrescente linhas ou dê um "
                      "arquivo de validação separado (CSV_VALIDATION).", UserWarning, stacklevel=3)
    return a.reset_index(drop=True), b.reset_index(drop=True)


def build_text_data(frames: dict[str, pd.DataFrame], source: str, where: dict | None = None,
                    validation_fraction: float = 0.15, seed: int = 42, dropped=None,
                    columns: dict | None = None) -> TextData:
    """Junta tabelas já com colunas ``text``/``label`` num :class:`TextData` validado.

    ``columns``: por split, os nomes originais das colunas (veja :func:`clean_frame`), para as mensagens.
    """
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

    where = where or {}
    columns = columns or {}
    report = list(dropped or [])
    cleaned = {}
    for split, df in frames.items():
        cleaned[split], rep = clean_frame(df, split, where.get(split, split), columns.get(split))
        report += rep
    if "validation" not in cleaned:
        cleaned["train"], cleaned["validation"] = _stratified_split(cleaned["train"], validation_fraction, seed,
                                                                    where.get("train", "treino"))
    train_texts = set(cleaned["train"]["text"])
    for split in [s for s in cleaned if s != "train"]:
        leak = cleaned[split]["text"].isin(train_texts)
        if leak.any():
            report.append({"split": split, "motivo": "texto também está no treino", "linhas": int(leak.sum()),
                           "arquivo": where.get(split, split)})
            cleaned[split] = cleaned[split][~leak].reset_index(drop=True)
            if cleaned[split].empty:
                raise DataError(f"{where.get(split, split)}: todos os textos deste split também estão no treino.")
    train_labels = set(cleaned["train"]["label"])
    if len(train_labels) < 2:
        raise DataError(f"{where.get('train', 'treino')}: o treino tem uma classe só ({sorted(map(str, train_labels))}). "
                        "Um classificador precisa de pelo menos duas classes.")
    for split in [s for s in cleaned if s != "train"]:
        unseen = set(cleaned[split]["label"]) - train_labels
        if unseen:
            raise DataError(f"{where.get(split, split)}: os rótulos {sorted(map(str, unseen))} aparecem em '{split}' "
                            f"mas nunca no treino (rótulos do treino: {sorted(map(str, train_labels))}). "
                            "Corrija os rótulos ou junte os arquivos e deixe a série dividir.")
    label2id, id2label = label_maps(train_labels)
    features = Features({"text": Value("string"), "label": ClassLabel(names=[id2label[i] for i in range(len(id2label))])})
    splits = DatasetDict({
        split: Dataset.from_dict({"text": list(df["text"]), "label": [label2id[str(v)] for v in df["label"]]},
                                 features=features)
        for split, df in cleaned.items()
    })
    report_df = pd.DataFrame(report, columns=["split", "motivo", "linhas", "arquivo"])
    return TextData(splits, label2id, id2label, report_df, source)


def _print_report(data: TextData, verbose: bool):
    if not verbose:
        return
    print(f"Fonte: {data.source}")
    if data.report.empty:
        print("Limpeza: nada removido.")
    else:
        print("Limpeza: removidos")
        print(data.report.to_string(index=False))


# --------------------------------------------------------------------------- (B) CSV

def load_csv(train, validation=None, test=None, text_column=None, label_column=None,
             validation_fraction: float = 0.15, seed: int = 42, verbose: bool = True) -> TextData:
    """(B) CSV: um arquivo (a validação sai dele, estratificada) ou arquivos separados."""
    frames, where, notes, columns = {}, {}, [], {}
    for split, path in [("train", train), ("validation", validation), ("test", test)]:
        if path is None:
            continue
        df, desc = read_table(path)
        notes.append(desc)
        t = _pick(df.columns, text_column, TEXT_CANDIDATES, "texto", str(path))
        lab = _pick(df.columns, label_column, LABEL_CANDIDATES, "rótulo", str(path), required=False)
        columns[split] = {"text": t, "label": lab, "all": list(df.columns)}
        if lab is None:
            r = _pick(df.columns, None, RATING_CANDIDATES, "nota", str(path), required=False)
            if r is None:
                raise DataError(
                    f"{path}: não encontrei a coluna de rótulo nem uma coluna de nota. Colunas encontradas: "
                    f"{list(df.columns)}. Renomeie a coluna do rótulo para 'label' (ou a da nota de 1 a 5 para "
                    "'nota') ou informe label_column='...'."
                )
            df["__label"] = df[r].map(rating_to_sentiment)
            lab = "__label"
            columns[split]["label"] = r
            notes.append(f"{Path(path).name}: rótulo derivado da coluna de nota '{r}' (1–2 negativo, 3 neutro, 4–5 positivo)")
        frames[split] = df.rename(columns={t: "text", lab: "label"})[["text", "label"]]
        where[split] = str(path)
    data = build_text_data(frames, "CSV: " + "; ".join(notes), where, validation_fraction, seed, columns=columns)
    _print_report(data, verbose)
    return data


# --------------------------------------------------------------------------- (C) embutido

def load_embedded(name: str = "avaliacoes_ptbr", verbose: bool = True) -> TextData:
    """(C) O conjunto embutido da série (``data/avaliacoes_ptbr``): treino, validação e teste."""
    folder = data_dir() / name
    data = load_csv(folder / "train.csv", folder / "validation.csv", folder / "test.csv", verbose=False)
    data.source = f"conjunto embutido data/{name} (escrito para a série; veja o README da pasta)"
    _print_report(data, verbose)
    return data


# --------------------------------------------------------------------------- (A) Hub

def load_hub_dataset(name, config=None, text_column=None, label_column=None, rating_column=None,
                     validation_fraction: float = 0.15, max_per_split: int | None = None,
                     seed: int = 42, verbose: bool = True) -> TextData:
    """(A) Dataset do Hugging Face Hub (ou um ``DatasetDict`` já carregado).

    Detecta as colunas de texto e rótulo; sem coluna de rótulo, deriva o rótulo
    de uma coluna de nota (``rating_column``, 1–5). ``max_per_split`` corta cada
    split (amostra aleatória) para experimentos rápidos.
    """
    if isinstance(name, str):
        ds, label = _hub_dataset(name, config, verbose)
    else:
        ds, label = name, "DatasetDict em memória"
    frames, where, notes = {}, {}, []
    names = {s.lower(): s for s in ds.keys()}
    chosen = {"train": names.get("train")}
    chosen["validation"] = next((names[v] for v in VALIDATION_NAMES if v in names), None)
    chosen["test"] = names.get("test")
    if chosen["train"] is None:
        raise DataError(f"{label}: não há split 'train'. Splits encontrados: {list(ds.keys())}.")
    for split, real in chosen.items():
        if real is None:
            continue
        part = ds[real]
        if max_per_split and len(part) > max_per_split:
            part = part.shuffle(seed=seed).select(range(max_per_split))
        df = part.to_pandas()
        where[split] = f"{label} [{real}]"
        t = _pick(df.columns, text_column, TEXT_CANDIDATES, "texto", where[split])
        if rating_column is not None or (label_column is None and _pick(df.columns, None, LABEL_CANDIDATES, "rótulo", "", required=False) is None):
            r = _pick(df.columns, rating_column, RATING_CANDIDATES, "nota", where[split])
            df["label"] = df[r].map(rating_to_sentiment)
            notes.append(f"rótulo derivado da nota '{r}' em {real}")
            lab = "label"
        else:
            lab = _pick(df.columns, label_column, LABEL_CANDIDATES, "rótulo", where[split])
            feature = part.features.get(lab)
            if hasattr(feature, "names") and feature.names:
                df[lab] = df[lab].map(lambda i: feature.names[int(i)] if i is not None and int(i) >= 0 else None)
        frames[split] = df.rename(columns={t: "text", lab: "label"})[["text", "label"]]
    data = build_text_data(frames, label + (" — " + "; ".join(notes) if notes else ""), where, validation_fraction, seed)
    _print_report(data, verbose)
    return data


def _hub_dataset(name: str, config, verbose: bool):
    """O ``DatasetDict`` de ``name``: do Hub (online) ou, offline, dos arquivos reais no cache local."""
    from datasets import load_dataset

    from . import hub, net

    args = (config,) if config else ()
    label = f"Hub: {name}" + (f" ({config})" if config else "")
    if not is_offline() and net.ensure_hub(verbose=verbose):
        try:
            return load_dataset(name, *args), label
        except Exception as exc:
            # datasets 4+/5: DatasetNotFoundError; datasets 3.x: ConnectionError mesmo com o Hub no ar
            if type(exc).__name__ not in ("DatasetNotFoundError", "FileNotFoundError", "RepositoryNotFoundError",
                                          "HfHubHTTPError", "EntryNotFoundError", "ConnectionError"):
                raise
            raise DataError(
                f"O dataset '{name}' não existe no Hugging Face Hub, é privado, ou a conexão caiu no meio "
                f"({type(exc).__name__}). "
                f"Confira o nome, com o dono ('dono/nome'), em https://huggingface.co/datasets/{name}; "
                "ou use DATA_SOURCE='embutido' (data/avaliacoes_ptbr) ou DATA_SOURCE='csv' com seus arquivos."
            ) from exc
    local = hub.find_local_dataset(name)
    if local is not None:
        if verbose:
            print(f"[dataset real do cache] '{name}' → {local}")
        return load_dataset(str(local), *args), label + " (arquivos do cache local)"
    why = hub._why_offline()
    raise DataError(
        f"{why}: o dataset '{name}' do Hub não está no cache local e não pode ser baixado. "
        "Use DATA_SOURCE='embutido' (data/avaliacoes_ptbr) ou DATA_SOURCE='csv' com seus arquivos; ou traga o "
        "dataset pelo kit da página \"Aula sem internet\" (docs/aula-sem-internet.md); ou rode com internet."
    )


def load_data(source: str = "embutido", hf_dataset=None, hf_config=None, csv_train=None,
              csv_validation=None, csv_test=None, **kwargs) -> TextData:
    """Escolhe a fonte pelos parâmetros do notebook: ``"embutido"``, ``"hub"`` ou ``"csv"``."""
    source = source.lower().strip()
    if source in ("embutido", "embedded", "c"):
        return load_embedded(verbose=kwargs.get("verbose", True))
    if source in ("hub", "hf", "a"):
        if not hf_dataset:
            raise DataError("DATA_SOURCE='hub' precisa de HF_DATASET (o id 'dono/nome' de um dataset do Hub).")
        return load_hub_dataset(hf_dataset, hf_config, **kwargs)
    if source in ("csv", "b"):
        if not csv_train:
            raise DataError("DATA_SOURCE='csv' precisa de CSV_TRAIN (e, se quiser, CSV_VALIDATION e CSV_TEST).")
        return load_csv(csv_train, csv_validation, csv_test, **kwargs)
    raise DataError(f"Fonte de dados desconhecida: '{source}'. Use 'embutido', 'hub' ou 'csv'.")


def limit_train(dataset: TextData, n: int | None, seed: int = 42, verbose: bool = True) -> TextData:
    """Só ``n`` textos do treino (sorteio estratificado pela classe, semente ``seed``), para execuções curtas.

    ``n=None`` devolve ``dataset`` como está, sem imprimir nada. Validação e teste não mudam:
    os números continuam comparáveis entre si, mas um treino com menos textos aprende menos,
    e isso é dito na tela. O mesmo ``n`` e a mesma ``seed`` dão sempre os mesmos textos (o
    registro de um modelo salvo reconhece os dados, e os notebooks 04 e 05 o reaproveitam).
    """
    if n is None:
        return dataset
    train = dataset.splits["train"]
    if isinstance(n, bool) or not isinstance(n, int) or n < 2 * dataset.num_labels:
        raise DataError(f"TRAIN_LIMIT precisa ser None ou um inteiro de pelo menos {2 * dataset.num_labels} "
                        f"(duas frases por classe); veio {n!r}.")
    if n >= len(train):
        if verbose:
            print(f"TRAIN_LIMIT = {n}: o treino tem {len(train)} textos, todos ficam.")
        return dataset
    part = train.train_test_split(train_size=n, stratify_by_column="label", seed=seed)["train"]
    splits = type(dataset.splits)({**dataset.splits, "train": part})
    if verbose:
        print(f"TRAIN_LIMIT = {n}: treino cortado para {n} de {len(train)} textos (sorteio estratificado, "
              f"semente {seed}). Execução curta: os números abaixo não valem para as conclusões do texto.")
    return TextData(splits, dataset.label2id, dataset.id2label, dataset.report, dataset.source)
