"""O formato comum dos dados da série: :class:`TextData`, os mapas de rótulos e a validação sorteada.

:func:`build_text_data` recebe tabelas já com colunas ``text`` e ``label`` (uma por split), limpa cada
uma (:func:`helpers.cleaning.clean_frame`), sorteia a validação do treino quando ela não veio (estratificada
pela classe), tira da validação e do teste os textos que também estão no treino e confere os rótulos.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .cleaning import clean_frame
from .tables import DataError

SPLIT_NAMES = {
    "train": "treino",
    "validation": "validação",
    "test": "teste",
}  # só para exibir; as chaves ficam


@dataclass
class TextData:
    """Splits prontos para treino, com os mapas de rótulos e o relatório de limpeza."""

    splits: "object"  # datasets.DatasetDict
    label2id: dict
    id2label: dict
    report: pd.DataFrame = field(default_factory=pd.DataFrame)
    source: str = ""

    def __getitem__(self, split):
        """``dados["train"]``: o split, como num ``DatasetDict``."""
        return self.splits[split]

    @property
    def num_labels(self) -> int:
        """Quantas classes."""
        return len(self.label2id)

    @property
    def labels(self) -> list[str]:
        """Os nomes das classes, na ordem dos ids."""
        return [self.id2label[i] for i in range(self.num_labels)]

    def summary(self) -> pd.DataFrame:
        """Tabela para exibir: exemplos por classe em cada conjunto (treino, validação, teste)."""
        rows = {}
        for name, ds in self.splits.items():
            counts = pd.Series(ds["label"]).value_counts()
            rows[SPLIT_NAMES.get(name, name)] = {
                self.id2label[i]: int(counts.get(i, 0)) for i in range(self.num_labels)
            }
        table = pd.DataFrame(rows).T
        table["total"] = table.sum(axis=1)
        return table


def label_maps(labels) -> tuple[dict, dict]:
    """``label2id`` e ``id2label`` estáveis: rótulos ordenados (números ou texto)."""
    uniq = set(labels)
    ordered = sorted(uniq, key=lambda v: (isinstance(v, str), v))
    label2id = {str(lab): i for i, lab in enumerate(ordered)}
    return label2id, {i: lab for lab, i in label2id.items()}


def _check_fraction(fraction) -> None:
    """``validation_fraction`` é um número entre 0 e 1 (exclusive); senão, :class:`DataError`."""
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise DataError(
            f"validation_fraction precisa ser um número entre 0 e 1 (ex.: 0.15, 15% para a validação); "
            f"veio {fraction!r}."
        )


def _split_problems(counts, n, n_val, fraction) -> list[str]:
    """Por que a validação sorteada não teria todas as classes (lista vazia: dá para sortear)."""
    k = len(counts)
    problems = []
    if k >= 2 and counts.min() < 2:
        few = [str(lab) for lab, c in counts.items() if c < 2]
        problems.append(
            f"as classes {few} têm uma linha só, e cada classe precisa de pelo menos 2 (uma para o "
            "treino, outra para a validação)"
        )
    if k >= 2 and n_val < k:
        problems.append(
            f"{fraction:.0%} de {n} linhas dá {n_val} para a validação, menos que as {k} classes "
            f"(precisa de pelo menos {k})"
        )
    if k >= 2 and n - n_val < k:
        problems.append(f"sobram {n - n_val} linhas para o treino, menos que as {k} classes")
    return problems


def _unsplittable_error(what, problems, counts, n, fraction, per_class) -> DataError:
    """O erro que diz quantas linhas faltam no total e que frações da validação dariam certo."""
    import math

    k = len(counts)

    def fits(rows, f):  # a mesma conta do scikit-learn: validação = ceil(f·n)
        return k <= math.ceil(f * rows) <= rows - k

    need = next(m for m in range(2 * k, int(k / fraction) + 2 * k + 1000) if fits(m, fraction))
    ok = [f / 100 for f in range(1, 100) if fits(n, f / 100)] if counts.min() >= 2 else []
    fix = (
        f", ou mude a fração da validação: data.load_data(..., validation_fraction=...) entre {ok[0]:.2f} e "
        f"{ok[-1]:.2f} (hoje {fraction})"
        if ok
        else ""
    )
    return DataError(
        f"{what}: não dá para sortear uma validação com todas as classes: "
        + "; ".join(problems)
        + ". "
        f"Linhas por classe: {per_class} (total {n}). O que fazer: acrescente linhas (com validation_fraction="
        f"{fraction}, pelo menos {need} no total e 2 por classe), ou dê um arquivo de validação separado "
        f"(CSV_VALIDATION no notebook, validation=... em load_csv){fix}."
    )


def _stratified_split(df, fraction, seed, what):
    """Treino e validação sorteados de ``df`` mantendo a proporção das classes; ``what``: de onde vêm (mensagens).

    Quando a conta não fecha (uma classe com uma linha só, validação ou treino menor que o
    número de classes), :class:`DataError` diz quantas linhas há por classe, quantas faltam e o que fazer.
    """
    import math
    import warnings

    from sklearn.model_selection import train_test_split

    _check_fraction(fraction)
    counts = df["label"].value_counts()
    n = len(df)
    n_val = math.ceil(fraction * n)
    per_class = ", ".join(f"{lab}: {c}" for lab, c in counts.items())
    problems = _split_problems(counts, n, n_val, fraction)
    if problems:
        raise _unsplittable_error(what, problems, counts, n, fraction, per_class)
    stratify = df["label"] if len(counts) >= 2 else None
    a, b = train_test_split(df, test_size=fraction, random_state=seed, stratify=stratify)
    missing = sorted(map(str, set(df["label"]) - set(b["label"])))
    if missing:
        warnings.warn(
            f"{what}: a validação sorteada ficou sem exemplos das classes {missing} (poucas linhas: "
            f"{per_class}). As métricas dessas classes não serão medidas; acrescente linhas ou dê um "
            "arquivo de validação separado (CSV_VALIDATION).",
            UserWarning,
            stacklevel=3,
        )
    return a.reset_index(drop=True), b.reset_index(drop=True)


def _drop_train_texts(cleaned, where, report) -> None:
    """Tira da validação e do teste os textos que também estão no treino, anotando em ``report``."""
    train_texts = set(cleaned["train"]["text"])
    for split in [s for s in cleaned if s != "train"]:
        leak = cleaned[split]["text"].isin(train_texts)
        if leak.any():
            report.append(
                {
                    "split": split,
                    "motivo": "texto também está no treino",
                    "linhas": int(leak.sum()),
                    "arquivo": where.get(split, split),
                }
            )
            cleaned[split] = cleaned[split][~leak].reset_index(drop=True)
            if cleaned[split].empty:
                raise DataError(
                    f"{where.get(split, split)}: todos os textos deste split também estão no treino."
                )


def _check_labels(cleaned, where) -> set:
    """Os rótulos do treino (pelo menos dois); um rótulo de outro split que o treino não tem é erro."""
    train_labels = set(cleaned["train"]["label"])
    if len(train_labels) < 2:
        raise DataError(
            f"{where.get('train', 'treino')}: o treino tem uma classe só "
            f"({sorted(map(str, train_labels))}). "
            "Um classificador precisa de pelo menos duas classes."
        )
    for split in [s for s in cleaned if s != "train"]:
        unseen = set(cleaned[split]["label"]) - train_labels
        if unseen:
            raise DataError(
                f"{where.get(split, split)}: os rótulos {sorted(map(str, unseen))} aparecem em '{split}' "
                f"mas nunca no treino (rótulos do treino: {sorted(map(str, train_labels))}). "
                "Corrija os rótulos ou junte os arquivos e deixe a série dividir."
            )
    return train_labels


def _to_dataset_dict(cleaned, label2id, id2label):
    """As tabelas limpas como ``DatasetDict``, com o rótulo em ``ClassLabel`` (ids na ordem de ``label2id``)."""
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

    names = [id2label[i] for i in range(len(id2label))]
    features = Features({"text": Value("string"), "label": ClassLabel(names=names)})
    return DatasetDict(
        {
            split: Dataset.from_dict(
                {"text": list(df["text"]), "label": [label2id[str(v)] for v in df["label"]]},
                features=features,
            )
            for split, df in cleaned.items()
        }
    )


def build_text_data(
    frames: dict[str, pd.DataFrame],
    source: str,
    where: dict | None = None,
    validation_fraction: float = 0.15,
    seed: int = 42,
    dropped=None,
    columns: dict | None = None,
) -> TextData:
    """Junta tabelas já com colunas ``text``/``label`` num :class:`TextData` validado.

    ``columns``: por split, os nomes originais das colunas (veja :func:`clean_frame`), para as mensagens.
    """
    where = where or {}
    columns = columns or {}
    report = list(dropped or [])
    cleaned = {}
    for split, df in frames.items():
        cleaned[split], rep = clean_frame(df, split, where.get(split, split), columns.get(split))
        report += rep
    if "validation" not in cleaned:
        cleaned["train"], cleaned["validation"] = _stratified_split(
            cleaned["train"], validation_fraction, seed, where.get("train", "treino")
        )
    _drop_train_texts(cleaned, where, report)
    label2id, id2label = label_maps(_check_labels(cleaned, where))
    splits = _to_dataset_dict(cleaned, label2id, id2label)
    report_df = pd.DataFrame(report, columns=["split", "motivo", "linhas", "arquivo"])
    return TextData(splits, label2id, id2label, report_df, source)


def print_report(data: TextData, verbose: bool):
    """Com ``verbose``, imprime de onde vieram os dados e o que a limpeza removeu (e por quê)."""
    if not verbose:
        return
    print(f"Fonte: {data.source}")
    if data.report.empty:
        print("Limpeza: nada removido.")
    else:
        print("Limpeza: removidos")
        print(data.report.to_string(index=False))
