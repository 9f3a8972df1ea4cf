"""Dados de texto para classificação, de três fontes, sempre no mesmo formato.

* (A) :func:`load_hub_dataset`: um dataset do Hugging Face Hub (colunas de texto e
  rótulo detectadas; rótulo derivado de uma nota, se preciso);
* (B) :func:`load_csv`: arquivos CSV como as pessoas exportam de verdade
  (planilha em português com ``;``, UTF-8 com BOM, Windows-1252...);
* (C) :func:`load_embedded`: o conjunto embutido ``data/avaliacoes_ptbr``.

Todas devolvem um :class:`TextData`: um ``DatasetDict`` com colunas ``text`` e
``label`` (inteiro, ``ClassLabel``), os mapas ``label2id``/``id2label`` e um
relatório do que a limpeza removeu e por quê. A leitura de uma tabela está em
:mod:`helpers.tables`, a limpeza em :mod:`helpers.cleaning` e a montagem dos splits em :mod:`helpers.splits`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .env import is_offline
from .project import data_dir
from .splits import (
    SPLIT_NAMES as SPLIT_NAMES,
)  # os notebooks mostram os splits com data.SPLIT_NAMES
from .splits import TextData, build_text_data, print_report
from .tables import (
    LABEL_CANDIDATES,
    RATING_CANDIDATES,
    TEXT_CANDIDATES,
    DataError,
    pick_column,
    read_table,
)

# Datasets do Hub que os notebooks nomeiam (exemplos de HF_DATASET): o kit de aula sem internet
# (scripts/kit.py) baixa estes para o cache do Hugging Face.
NOTEBOOK_DATASETS = ("fancyzhx/yelp_polarity",)
VALIDATION_NAMES = ("validation", "valid", "val", "dev", "validacao", "validação")


def rating_to_sentiment(rating) -> str | None:
    """Nota de 1 a 5 → ``negativo`` (1–2), ``neutro`` (3) ou ``positivo`` (4–5)."""
    try:
        r = float(str(rating).replace(",", "."))
    except (TypeError, ValueError):
        return None
    if np.isnan(r):
        return None
    return "negativo" if r <= 2 else ("neutro" if r < 4 else "positivo")


# --------------------------------------------------------------------------- (B) CSV


def load_csv(
    train,
    validation=None,
    test=None,
    text_column=None,
    label_column=None,
    validation_fraction: float = 0.15,
    seed: int = 42,
    verbose: bool = True,
) -> TextData:
    """(B) CSV: um arquivo (a validação sai dele, estratificada) ou arquivos separados."""
    frames, where, notes, columns = {}, {}, [], {}
    for split, path in [("train", train), ("validation", validation), ("test", test)]:
        if path is None:
            continue
        df, desc = read_table(path)
        notes.append(desc)
        t = pick_column(df.columns, text_column, TEXT_CANDIDATES, "texto", str(path))
        lab = pick_column(
            df.columns, label_column, LABEL_CANDIDATES, "rótulo", str(path), required=False
        )
        columns[split] = {"text": t, "label": lab, "all": list(df.columns)}
        if lab is None:
            r = pick_column(df.columns, None, RATING_CANDIDATES, "nota", str(path), required=False)
            if r is None:
                raise DataError(
                    f"{path}: não encontrei a coluna de rótulo nem uma coluna de nota. Colunas encontradas: "
                    f"{list(df.columns)}. Renomeie a coluna do rótulo para 'label' (ou a da nota de 1 a 5 para "
                    "'nota') ou informe label_column='...'."
                )
            df["__label"] = df[r].map(rating_to_sentiment)
            lab = "__label"
            columns[split]["label"] = r
            notes.append(
                f"{Path(path).name}: rótulo derivado da coluna de nota '{r}' "
                "(1–2 negativo, 3 neutro, 4–5 positivo)"
            )
        frames[split] = df.rename(columns={t: "text", lab: "label"})[["text", "label"]]
        where[split] = str(path)
    data = build_text_data(
        frames, "CSV: " + "; ".join(notes), where, validation_fraction, seed, columns=columns
    )
    print_report(data, verbose)
    return data


# --------------------------------------------------------------------------- (C) embutido


def load_embedded(name: str = "avaliacoes_ptbr", verbose: bool = True) -> TextData:
    """(C) O conjunto embutido da série (``data/avaliacoes_ptbr``): treino, validação e teste."""
    folder = data_dir() / name
    data = load_csv(
        folder / "train.csv", folder / "validation.csv", folder / "test.csv", verbose=False
    )
    data.source = f"conjunto embutido data/{name} (escrito para a série; veja o README da pasta)"
    print_report(data, verbose)
    return data


# --------------------------------------------------------------------------- (A) Hub


def load_hub_dataset(
    name,
    config=None,
    text_column=None,
    label_column=None,
    rating_column=None,
    validation_fraction: float = 0.15,
    max_per_split: int | None = None,
    seed: int = 42,
    verbose: bool = True,
) -> TextData:
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
        t = pick_column(df.columns, text_column, TEXT_CANDIDATES, "texto", where[split])
        no_label = (
            label_column is None
            and pick_column(df.columns, None, LABEL_CANDIDATES, "rótulo", "", required=False)
            is None
        )
        if rating_column is not None or no_label:
            r = pick_column(df.columns, rating_column, RATING_CANDIDATES, "nota", where[split])
            df["label"] = df[r].map(rating_to_sentiment)
            notes.append(f"rótulo derivado da nota '{r}' em {real}")
            lab = "label"
        else:
            lab = pick_column(df.columns, label_column, LABEL_CANDIDATES, "rótulo", where[split])
            feature = part.features.get(lab)
            if hasattr(feature, "names") and feature.names:
                df[lab] = df[lab].map(
                    lambda i: feature.names[int(i)] if i is not None and int(i) >= 0 else None
                )
        frames[split] = df.rename(columns={t: "text", lab: "label"})[["text", "label"]]
    source = label + (" — " + "; ".join(notes) if notes else "")
    data = build_text_data(frames, source, where, validation_fraction, seed)
    print_report(data, verbose)
    return data


def _hub_dataset(name: str, config, verbose: bool):
    """O ``DatasetDict`` de ``name``: do Hub (online) ou, offline, dos arquivos reais no cache local."""
    from datasets import load_dataset

    from . import hub, net
    from .hub_cache import find_local_dataset

    args = (config,) if config else ()
    label = f"Hub: {name}" + (f" ({config})" if config else "")
    if not is_offline() and net.ensure_hub(verbose=verbose):
        try:
            return load_dataset(name, *args), label
        except Exception as exc:
            # datasets 4+/5: DatasetNotFoundError; datasets 3.x: ConnectionError mesmo com o Hub no ar
            if type(exc).__name__ not in (
                "DatasetNotFoundError",
                "FileNotFoundError",
                "RepositoryNotFoundError",
                "HfHubHTTPError",
                "EntryNotFoundError",
                "ConnectionError",
            ):
                raise
            raise DataError(
                f"O dataset '{name}' não existe no Hugging Face Hub, é privado, ou a conexão caiu no meio "
                f"({type(exc).__name__}). "
                f"Confira o nome, com o dono ('dono/nome'), em https://huggingface.co/datasets/{name}; "
                "ou use DATA_SOURCE='embutido' (data/avaliacoes_ptbr) ou DATA_SOURCE='csv' com seus arquivos."
            ) from exc
    local = find_local_dataset(name)
    if local is not None:
        if verbose:
            print(f"[dataset real do cache] '{name}' → {local}")
        return load_dataset(str(local), *args), label + " (arquivos do cache local)"
    why = hub.offline_reason()
    raise DataError(
        f"{why}: o dataset '{name}' do Hub não está no cache local e não pode ser baixado. "
        "Use DATA_SOURCE='embutido' (data/avaliacoes_ptbr) ou DATA_SOURCE='csv' com seus arquivos; ou traga o "
        'dataset pelo kit da página "Aula sem internet" (docs/aula-sem-internet.md); ou rode com internet.'
    )


def load_data(
    source: str = "embutido",
    hf_dataset=None,
    hf_config=None,
    csv_train=None,
    csv_validation=None,
    csv_test=None,
    **kwargs,
) -> TextData:
    """Escolhe a fonte pelos parâmetros do notebook: ``"embutido"``, ``"hub"`` ou ``"csv"``."""
    source = source.lower().strip()
    if source in ("embutido", "embedded", "c"):
        return load_embedded(verbose=kwargs.get("verbose", True))
    if source in ("hub", "hf", "a"):
        if not hf_dataset:
            raise DataError(
                "DATA_SOURCE='hub' precisa de HF_DATASET (o id 'dono/nome' de um dataset do Hub)."
            )
        return load_hub_dataset(hf_dataset, hf_config, **kwargs)
    if source in ("csv", "b"):
        if not csv_train:
            raise DataError(
                "DATA_SOURCE='csv' precisa de CSV_TRAIN (e, se quiser, CSV_VALIDATION e CSV_TEST)."
            )
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
        raise DataError(
            f"TRAIN_LIMIT precisa ser None ou um inteiro de pelo menos {2 * dataset.num_labels} "
            f"(duas frases por classe); veio {n!r}."
        )
    if n >= len(train):
        if verbose:
            print(f"TRAIN_LIMIT = {n}: o treino tem {len(train)} textos, todos ficam.")
        return dataset
    part = train.train_test_split(train_size=n, stratify_by_column="label", seed=seed)["train"]
    splits = type(dataset.splits)({**dataset.splits, "train": part})
    if verbose:
        print(
            f"TRAIN_LIMIT = {n}: treino cortado para {n} de {len(train)} textos (sorteio estratificado, "
            f"semente {seed}). Execução curta: os números abaixo não valem para as conclusões do texto."
        )
    return TextData(splits, dataset.label2id, dataset.id2label, dataset.report, dataset.source)
