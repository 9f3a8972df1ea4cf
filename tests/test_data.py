import pandas as pd
import pytest
from datasets import ClassLabel, Dataset, DatasetDict

from helpers import data, splits
from helpers.data import DataError

pytestmark = pytest.mark.unit


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


ROWS = "".join(
    f"texto número {i} {'bom' if i % 2 else 'ruim'},{'positivo' if i % 2 else 'negativo'}\n"
    for i in range(40)
)


def test_single_file_is_split_stratified(tmp_path, capsys):
    f = write(tmp_path / "a.csv", "text,label\n" + ROWS)
    d = data.load_csv(f, validation_fraction=0.25)
    assert len(d["train"]) == 30 and len(d["validation"]) == 10
    assert sorted(pd.Series(d["validation"]["label"]).value_counts().tolist()) == [5, 5]
    assert d.label2id == {"negativo": 0, "positivo": 1} and d.id2label == {
        0: "negativo",
        1: "positivo",
    }
    assert isinstance(d["train"].features["label"], ClassLabel)


def test_brazilian_excel_export_semicolon_cp1252(tmp_path):
    body = "Comentário;Classe\n" + "".join(
        f"Não gostei da opção {i};negativo\nÓtima compra {i};positivo\n" for i in range(10)
    )
    f = write(tmp_path / "planilha.csv", body, "cp1252")
    d = data.load_csv(f, text_column="Comentário", label_column="Classe")
    assert any("ção" in t or "Ó" in t for t in d["train"]["text"])


def test_utf8_bom_and_detected_columns(tmp_path):
    body = "\ufeffreview;sentimento\n" + "".join(
        f"ok {i};{'neutro' if i % 2 else 'positivo'}\n" for i in range(20)
    )
    d = data.load_csv(write(tmp_path / "b.csv", body))
    assert d.labels == ["neutro", "positivo"]


def test_utf16_export(tmp_path):
    body = "text\tlabel\n" + "".join(f"frase {i}\t{i % 2}\n" for i in range(20))
    d = data.load_csv(write(tmp_path / "u16.csv", body, "utf-16"))
    assert d.label2id == {"0": 0, "1": 1}


def test_rating_column_becomes_label(tmp_path):
    body = "texto,nota\n" + "".join(f"avaliação {i},{i % 5 + 1}\n" for i in range(30))
    d = data.load_csv(write(tmp_path / "r.csv", body))
    assert d.labels == ["negativo", "neutro", "positivo"]


def test_separate_files_and_cleaning_report(tmp_path, capsys):
    tr = write(
        tmp_path / "train.csv",
        "text,label\n" + ROWS + ",positivo\nsem rótulo,\n" + "texto número 1 bom,positivo\n",
    )
    va = write(
        tmp_path / "val.csv",
        "text,label\ntexto número 1 bom,positivo\noutro texto,negativo\nmais um,positivo\n",
    )
    d = data.load_csv(tr, va)
    reasons = set(d.report["motivo"])
    assert {
        "texto vazio",
        "rótulo vazio",
        "texto repetido",
        "texto também está no treino",
    } <= reasons
    assert len(d["validation"]) == 2
    assert "removidos" in capsys.readouterr().out


def test_missing_columns_error_names_file_and_columns(tmp_path):
    f = write(tmp_path / "x.csv", "frase_do_cliente,estrelas_x\na,b\n")
    with pytest.raises(DataError) as e:
        data.load_csv(f)
    msg = str(e.value)
    assert "x.csv" in msg and "frase_do_cliente" in msg and "text_column" in msg


def test_nothing_left_after_cleaning(tmp_path):
    f = write(tmp_path / "vazio.csv", "text,label\n ,positivo\n,negativo\n")
    with pytest.raises(DataError, match="não sobrou nenhum exemplo"):
        data.load_csv(f)


def test_single_class(tmp_path):
    f = write(tmp_path / "uma.csv", "text,label\n" + "".join(f"t{i},positivo\n" for i in range(10)))
    with pytest.raises(DataError, match="uma classe só"):
        data.load_csv(f)


def test_validation_label_never_seen_in_training(tmp_path):
    tr = write(tmp_path / "t.csv", "text,label\n" + ROWS)
    va = write(tmp_path / "v.csv", "text,label\nnovo,neutro\noutro,positivo\n")
    with pytest.raises(DataError, match="neutro") as e:
        data.load_csv(tr, va)
    assert "v.csv" in str(e.value)


def test_unreadable_encoding_and_xlsx(tmp_path):
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"text,label\n\x81\x8d\x90 texto,positivo\n")
    with pytest.raises(DataError, match="codificação"):
        data.load_csv(bad)
    xlsx = tmp_path / "planilha.csv"
    xlsx.write_bytes(b"PK\x03\x04 resto")
    with pytest.raises(DataError, match="Excel"):
        data.load_csv(xlsx)
    with pytest.raises(DataError, match="não encontrado"):
        data.load_csv(tmp_path / "nao_existe.csv")


def test_hub_source_offline_fails_clearly():
    with pytest.raises(DataError, match="offline"):
        data.load_hub_dataset("ruanchaves/b2w-reviews01")


def test_hub_dataset_in_memory_with_classlabel_and_rating():
    feats = {"sentence": ["a", "b", "c", "d", "e", "f"] * 5, "label": [0, 1] * 15}
    ds = DatasetDict(
        {
            "train": Dataset.from_dict(feats).cast_column(
                "label", ClassLabel(names=["neg", "pos"])
            ),
            "test": Dataset.from_dict({"sentence": ["x", "y"], "label": [1, 0]}).cast_column(
                "label", ClassLabel(names=["neg", "pos"])
            ),
        }
    )
    # textos repetidos no treino são removidos; sobra um de cada
    d = data.load_hub_dataset(
        DatasetDict(
            {
                "train": Dataset.from_dict(
                    {"sentence": [f"s{i}" for i in range(30)], "label": [0, 1] * 15}
                ).cast_column("label", ClassLabel(names=["neg", "pos"])),
                "test": ds["test"],
            }
        ),
        validation_fraction=0.2,
    )
    assert d.labels == ["neg", "pos"] and set(d.splits) == {"train", "validation", "test"}
    rated = DatasetDict(
        {
            "train": Dataset.from_dict(
                {"review_text": [f"r{i}" for i in range(30)], "overall_rating": [1, 3, 5] * 10}
            )
        }
    )
    d2 = data.load_hub_dataset(rated)
    assert d2.labels == ["negativo", "neutro", "positivo"]


def test_load_data_dispatch_errors():
    with pytest.raises(DataError, match="CSV_TRAIN"):
        data.load_data("csv")
    with pytest.raises(DataError, match="desconhecida"):
        data.load_data("planilha")


def test_label_maps_are_stable():
    assert splits.label_maps({"positivo", "negativo", "neutro"})[0] == {
        "negativo": 0,
        "neutro": 1,
        "positivo": 2,
    }
    assert splits.label_maps({10, 2, 1})[0] == {"1": 0, "2": 1, "10": 2}


def test_rating_to_sentiment():
    assert [data.rating_to_sentiment(r) for r in [1, "2", 3, "4,0", 5, None, "x"]] == [
        "negativo",
        "negativo",
        "neutro",
        "positivo",
        "positivo",
        None,
        None,
    ]


def test_limit_train_keeps_classes_and_is_reproducible(capsys):
    full = data.load_embedded(verbose=False)
    assert data.limit_train(full, None) is full and capsys.readouterr().out == ""
    short = data.limit_train(full, 60, seed=1)
    again = data.limit_train(full, 60, seed=1)
    other = data.limit_train(full, 60, seed=2)
    assert len(short["train"]) == 60 and short["train"]["text"] == again["train"]["text"]
    assert short["train"]["text"] != other["train"]["text"]
    assert set(short["train"]["text"]) <= set(full["train"]["text"])
    assert set(short["train"]["label"]) == set(range(full.num_labels))
    assert (
        short["test"]["text"] == full["test"]["text"]
        and short["validation"]["text"] == full["validation"]["text"]
    )
    assert "60 de" in capsys.readouterr().out
    assert data.limit_train(full, 10**6, verbose=False)["train"]["text"] == full["train"]["text"]
    for bad in (0, 3, 2.5, True):
        with pytest.raises(DataError, match="TRAIN_LIMIT"):
            data.limit_train(full, bad)
