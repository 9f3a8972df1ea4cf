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
        """Tabela: exemplos por classe em cada split."""
        rows = {}
        for name, ds in self.splits.items():
            counts = pd.Series(ds["label"]).value_counts()
            rows[name] = {self.id2label[i]: int(counts.get(i, 0)) for i in range(self.num_labels)}
        table = pd.DataFrame(rows).T
        table["total"] = table.sum(axis=1)
        return table


# --------------------------------------------------------------------------- leitura de CSV

def read_table(path) -> tuple[pd.DataFrame, str]:
    """Lê um CSV exportado por planilha ou por código; devolve ``(tabela, descrição)``.

    Aceita UTF-8 (com ou sem BOM), UTF-16 e Windows-1252, e separador ``,``,
    ``;`` ou tabulação. Um arquivo ilegível vira :class:`DataError` explicando o que fazer.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Arquivo não encontrado: {path}. Confira o caminho (a pasta atual é {Path.cwd()}).")
    raw = path.read_bytes()
    if raw[:2] == b"PK":
        raise DataError(f"{path} parece uma planilha Excel (.xlsx), não um CSV. "
                        "No Excel/Sheets use Arquivo → Salvar como/Fazer download → CSV.")
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
    first = text.splitlines()[0] if text.strip() else ""
    sep = max([",", ";", "\t"], key=first.count)
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as exc:
        raise DataError(f"Não consegui separar as colunas de {path} (separador '{sep}'): {exc}. "
                        "Textos com o separador dentro precisam estar entre aspas.") from exc
    df.columns = [str(c).strip() for c in df.columns]
    nome_sep = {",": "vírgula", ";": "ponto e vírgula", "\t": "tabulação"}[sep]
    return df, f"{path.name}: {used}, separador {nome_sep}, {len(df)} linhas"


def _pick(columns, wanted, candidates, kind, where, required=True):
    cols = list(columns)
    if wanted is not None:
        if wanted not in cols:
            raise DataError(f"{where}: a coluna de {kind} '{wanted}' não existe. Colunas encontradas: {cols}.")
        return wanted
    lower = {str(c).lower(): c for c in cols}
    for c in candidates:
        if c in lower:
            return lower[c]
    if not required:
        return None
    raise DataError(
        f"{where}: não encontrei a coluna de {kind}. Colunas encontradas: {cols}. "
        f"Renomeie a coluna para '{candidates[0]}' ou informe {'text' if kind == 'texto' else 'label'}_column='...'."
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


def clean_frame(df: pd.DataFrame, split: str, where: str = "") -> tuple[pd.DataFrame, list[dict]]:
    """Limpa uma tabela com colunas ``text`` e ``label``; devolve ``(tabela, removidos)``.

    Remove textos vazios, rótulos vazios e textos repetidos (mantém a primeira
    ocorrência), e anota cada remoção com o motivo.
    """
    dropped = []
    df = df[["text", "label"]].copy()
    df["text"] = df["text"].map(lambda t: None if t is None or (isinstance(t, float) and np.isnan(t)) else " ".join(str(t).split()))
    df["label"] = df["label"].map(_normalise_label)
    for reason, rule in [("texto vazio", lambda d: d["text"].isna() | (d["text"] == "")),
                         ("rótulo vazio", lambda d: d["label"].isna())]:
        mask = rule(df)
        if mask.any():
            dropped.append({"split": split, "motivo": reason, "linhas": int(mask.sum()), "arquivo": where})
            df = df[~mask]
    dup = df["text"].duplicated()
    if dup.any():
        dropped.append({"split": split, "motivo": "texto repetido", "linhas": int(dup.sum()), "arquivo": where})
        df = df[~dup]
    if df.empty:
        raise DataError(f"{where or split}: não sobrou nenhum exemplo depois da limpeza "
                        "(textos ou rótulos vazios). Confira as colunas e o conteúdo do arquivo.")
    return df.reset_index(drop=True), dropped


def label_maps(labels) -> tuple[dict, dict]:
    """``label2id`` e ``id2label`` estáveis: rótulos ordenados (números ou texto)."""
    uniq = set(labels)
    ordered = sorted(uniq, key=lambda v: (isinstance(v, str), v))
    label2id = {str(lab): i for i, lab in enumerate(ordered)}
    return label2id, {i: lab for lab, i in label2id.items()}


def _stratified_split(df, fraction, seed, what):
    from sklearn.model_selection import train_test_split

    counts = df["label"].value_counts()
    stratify = df["label"] if counts.min() >= 2 else None
    a, b = train_test_split(df, test_size=fraction, random_state=seed, stratify=stratify)
    return a.reset_index(drop=True), b.reset_index(drop=True)


def build_text_data(frames: dict[str, pd.DataFrame], source: str, where: dict | None = None,
                    validation_fraction: float = 0.15, seed: int = 42, dropped=None) -> TextData:
    """Junta tabelas já com colunas ``text``/``label`` num :class:`TextData` validado."""
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

    where = where or {}
    report = list(dropped or [])
    cleaned = {}
    for split, df in frames.items():
        cleaned[split], rep = clean_frame(df, split, where.get(split, split))
        report += rep
    if "validation" not in cleaned:
        cleaned["train"], cleaned["validation"] = _stratified_split(cleaned["train"], validation_fraction, seed, "validação")
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
    frames, where, notes = {}, {}, []
    for split, path in [("train", train), ("validation", validation), ("test", test)]:
        if path is None:
            continue
        df, desc = read_table(path)
        notes.append(desc)
        t = _pick(df.columns, text_column, TEXT_CANDIDATES, "texto", str(path))
        lab = _pick(df.columns, label_column, LABEL_CANDIDATES, "rótulo", str(path), required=False)
        if lab is None:
            r = _pick(df.columns, None, RATING_CANDIDATES, "rótulo", str(path))
            df["__label"] = df[r].map(rating_to_sentiment)
            lab = "__label"
            notes.append(f"{Path(path).name}: rótulo derivado da coluna de nota '{r}' (1–2 negativo, 3 neutro, 4–5 positivo)")
        frames[split] = df.rename(columns={t: "text", lab: "label"})[["text", "label"]]
        where[split] = str(path)
    data = build_text_data(frames, "CSV: " + "; ".join(notes), where, validation_fraction, seed)
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
        if is_offline():
            raise DataError(
                f"Perfil offline (HF_HUB_OFFLINE=1): o dataset '{name}' do Hub não pode ser baixado. "
                "Use DATA_SOURCE='embutido' (data/avaliacoes_ptbr) ou DATA_SOURCE='csv' com seus arquivos."
            )
        from datasets import load_dataset

        ds = load_dataset(name, config) if config else load_dataset(name)
        label = f"Hub: {name}" + (f" ({config})" if config else "")
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


def load_data(source: str = "embutido", hf_dataset=None, hf_config=None, csv_train=None,
              csv_validation=None, csv_test=None, **kwargs) -> TextData:
    """Escolhe a fonte pelos parâmetros do notebook: ``"embutido"``, ``"hub"`` ou ``"csv"``."""
    source = source.lower().strip()
    if source in ("embutido", "embedded", "c"):
        return load_embedded(verbose=kwargs.get("verbose", True))
    if source in ("hub", "hf", "a"):
        if not hf_dataset:
            raise DataError("DATA_SOURCE='hub' precisa de HF_DATASET (ex.: 'ruanchaves/b2w-reviews01').")
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
