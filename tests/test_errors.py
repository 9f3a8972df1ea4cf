"""Cada erro que uma pessoa provoca com as entradas de verdade sai em português, diz o arquivo, a
coluna ou o modelo envolvido e o que fazer (issue 12, item 5)."""

import gc
import os
import shutil
import subprocess
import sys
import types
import weakref
from pathlib import Path

import pandas as pd
import pytest
import torch
from datasets import DatasetDict

from helpers import data, lesson02, memory, training
from helpers.data import DataError
from tiny import tiny_dataset, tiny_teacher

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------- CSV


def test_csv_too_small_for_a_stratified_validation(tmp_path):
    # 7 linhas, 3 classes: 15% dá 2 linhas de validação, e cada classe precisa de uma
    body = "text,label\n" + "".join(f"frase {i},{'abc'[i % 3]}\n" for i in range(7))
    f = write(tmp_path / "pequeno.csv", body)
    with pytest.raises(DataError) as e:
        data.load_data("csv", csv_train=str(f), verbose=False)
    msg = str(e.value)
    assert "pequeno.csv" in msg and "Linhas por classe: a: 3, b: 2, c: 2 (total 7)" in msg
    assert "dá 2 para a validação" in msg and "pelo menos 3" in msg
    assert "CSV_VALIDATION" in msg and "validation_fraction" in msg and "acrescente linhas" in msg
    # a fração sugerida funciona de verdade
    low = float(msg.split("entre ")[1].split(" e ")[0])
    assert set(data.load_csv(f, validation_fraction=low, verbose=False)["validation"]["label"]) == {
        0,
        1,
        2,
    }


def test_class_with_a_single_row_cannot_be_in_train_and_validation(tmp_path):
    body = "text,label\n" + "".join(
        f"frase {i},{'positivo' if i % 2 else 'negativo'}\n" for i in range(30)
    )
    f = write(tmp_path / "raro.csv", body + "uma frase neutra,neutro\n")
    with pytest.raises(DataError) as e:
        data.load_csv(f, verbose=False)
    msg = str(e.value)
    assert "raro.csv" in msg and "['neutro'] têm uma linha só" in msg and "neutro: 1" in msg
    assert (
        "CSV_VALIDATION" in msg and "mude a fração" not in msg
    )  # nenhuma fração resolve uma classe de uma linha


@pytest.mark.parametrize("fraction", [0, 1, 1.5, "0.2"])
def test_validation_fraction_out_of_range(tmp_path, fraction):
    f = write(tmp_path / "a.csv", "text,label\n" + "".join(f"t{i},{i % 2}\n" for i in range(20)))
    with pytest.raises(DataError, match="validation_fraction precisa ser um número entre 0 e 1"):
        data.load_csv(f, validation_fraction=fraction, verbose=False)


def test_spreadsheet_with_a_single_column_names_separator_and_columns(tmp_path):
    f = write(
        tmp_path / "barra.csv",
        "texto|classe\n" + "".join(f"frase {i}|{i % 2}\n" for i in range(20)),
    )
    with pytest.raises(DataError) as e:
        data.load_csv(f, verbose=False)
    msg = str(e.value)
    assert "barra.csv" in msg and "uma coluna só" in msg and "['texto|classe']" in msg
    assert "vírgula, ponto e vírgula ou tabulação" in msg and "'|'" in msg
    # só a coluna do texto: diz que nenhum separador aparece e que falta o rótulo
    g = write(
        tmp_path / "so_texto.csv", "comentario\n" + "".join(f"frase {i} boa\n" for i in range(20))
    )
    with pytest.raises(DataError, match="nenhum dos três aparece na primeira linha") as e2:
        data.load_csv(g, verbose=False)
    assert "so_texto.csv" in str(e2.value) and "['comentario']" in str(e2.value)
    assert "o texto e o rótulo" in str(e2.value)


def test_label_column_mixing_numbers_and_words(tmp_path):
    rows = "".join(
        f"avaliação {i};{['positivo', '1', 'negativo', '0'][i % 4]}\n" for i in range(40)
    )
    f = write(tmp_path / "misturado.csv", "Comentário;Classe\n" + rows)
    with pytest.raises(DataError) as e:
        data.load_csv(f, text_column="Comentário", label_column="Classe", verbose=False)
    msg = str(e.value)
    assert "misturado.csv" in msg and "'Classe'" in msg and "mistura números" in msg
    assert "'1'" in msg and "'0'" in msg and "'positivo'" in msg and "'negativo'" in msg
    assert "Use um tipo só" in msg


def test_text_column_all_empty_names_file_and_column(tmp_path):
    f = write(
        tmp_path / "sem_texto.csv", "review;nota\n" + "".join(f" ;{i % 5 + 1}\n" for i in range(12))
    )
    with pytest.raises(DataError) as e:
        data.load_csv(f, verbose=False)
    msg = str(e.value)
    assert (
        "sem_texto.csv" in msg
        and "coluna de texto 'review' está vazia em todas as 12 linhas" in msg
    )
    assert "text_column=" in msg and "['review', 'nota']" in msg
    g = write(tmp_path / "sem_rotulo.csv", "text,label\n" + "".join(f"t{i},\n" for i in range(5)))
    with pytest.raises(DataError, match="coluna de rótulo 'label' está vazia"):
        data.load_csv(g, verbose=False)


def test_no_label_nor_rating_column_says_label(tmp_path):
    f = write(tmp_path / "x.csv", "texto,coisa\n" + "".join(f"t{i},x\n" for i in range(5)))
    with pytest.raises(DataError) as e:
        data.load_csv(f, verbose=False)
    msg = str(e.value)
    assert (
        "x.csv" in msg
        and "nem uma coluna de nota" in msg
        and "'label'" in msg
        and "label_column=" in msg
    )
    assert "'rating'" not in msg


def test_xlsx_without_reader_says_save_as_csv_or_install(tmp_path, monkeypatch):
    monkeypatch.setitem(
        sys.modules, "openpyxl", None
    )  # import openpyxl → ImportError, instalado ou não
    monkeypatch.setitem(sys.modules, "odf", None)
    xlsx = tmp_path / "planilha.xlsx"
    xlsx.write_bytes(b"PK\x03\x04 resto de um zip")
    with pytest.raises(DataError) as e:
        data.load_csv(xlsx, verbose=False)
    msg = str(e.value)
    assert (
        "planilha.xlsx" in msg
        and "Excel" in msg
        and "CSV UTF-8" in msg
        and "pip install openpyxl" in msg
    )
    disguised = tmp_path / "na_verdade_xlsx.csv"  # extensão .csv, conteúdo de planilha (zip)
    disguised.write_bytes(b"PK\x03\x04 resto")
    with pytest.raises(DataError, match="pip install openpyxl"):
        data.load_csv(disguised, verbose=False)
    ods = tmp_path / "planilha.ods"
    ods.write_bytes(b"PK\x03\x04 resto")
    with pytest.raises(DataError, match="pip install odfpy"):
        data.load_csv(ods, verbose=False)


def test_xlsx_with_reader_goes_through_the_same_pipeline(tmp_path, monkeypatch):
    sheet = pd.DataFrame(
        {
            "Comentário": [f"texto {i}" for i in range(20)],
            "Classe": ["bom" if i % 2 else "ruim" for i in range(20)],
        }
    )
    opened = {}

    class FakeBook:  # o que o pandas faz com openpyxl instalado: abas e a primeira como tabela de strings
        sheet_names = ["Respostas", "Outra"]

        def __init__(self, path, engine):
            opened.update(path=Path(path), engine=engine)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def parse(self, name, **kwargs):
            assert name == "Respostas" and kwargs["dtype"] is str
            return sheet.copy()

    monkeypatch.setitem(sys.modules, "openpyxl", types.ModuleType("openpyxl"))
    monkeypatch.setattr(pd, "ExcelFile", FakeBook)
    xlsx = tmp_path / "respostas.xlsx"
    xlsx.write_bytes(b"PK\x03\x04")
    d = data.load_csv(xlsx, text_column="Comentário", label_column="Classe", verbose=False)
    assert opened == {"path": xlsx, "engine": "openpyxl"}
    assert d.labels == ["bom", "ruim"] and len(d["train"]) + len(d["validation"]) == 20
    assert "aba 'Respostas'" in d.source and "2 abas" in d.source


# --------------------------------------------------------------------------- MAX_LENGTH


class NoTokenizing(dict):
    """Splits que falham se alguém tentar tokenizar: a checagem tem de vir antes."""

    def map(self, *args, **kwargs):
        raise AssertionError("tokenizou antes de checar MAX_LENGTH")


def test_max_length_above_model_limit_is_caught_before_tokenizing(bert_standin):
    from helpers import hub

    tokenizer, _ = bert_standin
    # a pasta do MiniLM atende vários ids: a mensagem fala do último pedido (outros testes pedem outros)
    hub.resolve_model("bert-base-uncased", verbose=False)
    with pytest.raises(ValueError) as e:
        lesson02.tokenize_splits(NoTokenizing(train=None), tokenizer, max_length=1024)
    msg = str(e.value)
    assert "MAX_LENGTH = 1024" in msg and "512" in msg and "Use MAX_LENGTH = 512 ou menos" in msg
    assert (
        "'bert-base-uncased' (carregado de" in msg
    )  # o id que o aluno pediu, não só a pasta do substituto
    assert tokenizer.name_or_path in msg
    # tokenizador sem limite (model_max_length = 1e30, como o de alguns modelos do Hub): vale o config do modelo
    no_limit = types.SimpleNamespace(model_max_length=int(1e30), name_or_path="")
    model = tiny_teacher()
    model.config._name_or_path = "dono/bert-minusculo"
    with pytest.raises(ValueError, match="'dono/bert-minusculo': ele aceita no máximo 64 tokens"):
        lesson02.tokenize_splits(NoTokenizing(train=None), no_limit, max_length=128, model=model)
    with pytest.raises(ValueError, match="MAX_LENGTH precisa ser um inteiro"):
        lesson02.tokenize_splits(NoTokenizing(train=None), tokenizer, max_length="128")
    assert training.position_limit(tokenizer) == (512, "max_position_embeddings do config.json")


def test_max_length_at_the_limit_tokenizes(bert_standin):
    from datasets import Dataset

    tokenizer, _ = bert_standin
    splits = DatasetDict(
        {"train": Dataset.from_dict({"text": ["uma frase curta", "outra " * 600]})}
    )
    tokenized, report = lesson02.tokenize_splits(splits, tokenizer, max_length=512, verbose=False)
    assert max(tokenized["train"]["length"]) == 512 and report.loc["train", "cortados"] == 1


def test_make_trainer_refuses_tokens_longer_than_the_model(bert_standin, tmp_path):
    tokenizer, _ = bert_standin
    model = tiny_teacher()  # 64 posições
    long = tiny_dataset(n=4, length=80).add_column("length", [80] * 4)
    with pytest.raises(ValueError, match="80 tokens.*no máximo 64.*MAX_LENGTH = 64"):
        lesson02.make_trainer(model, tokenizer, long, output_dir=str(tmp_path))


# --------------------------------------------------------------------------- falta de memória


def _oom_trainer(tokenizer, tmp_path, error, **kwargs):
    model = tiny_teacher()

    def forward(input_ids=None, attention_mask=None, token_type_ids=None, labels=None, **kw):
        raise error

    model.forward = forward
    ds = tiny_dataset(n=8).add_column("length", [6] * 8)
    return lesson02.make_trainer(model, tokenizer, ds, ds, output_dir=str(tmp_path), **kwargs)


def test_cuda_out_of_memory_in_training_says_halve_batch_size(bert_standin, tmp_path):
    tokenizer, _ = bert_standin
    original = torch.cuda.OutOfMemoryError(
        "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total "
        "capacity of 14.74 GiB of which 1.06 GiB is free."
    )
    trainer = _oom_trainer(
        tokenizer, tmp_path, original, per_device_train_batch_size=4, num_train_epochs=1
    )
    with pytest.raises(memory.OutOfMemory) as e:
        trainer.train()
    msg = str(e.value)
    assert "memória da GPU" in msg and "durante o treino" in msg
    assert (
        "reduza BATCH_SIZE (per_device_train_batch_size) pela metade, 4 → 2," in msg
        and "gradient_accumulation_steps=2" in msg
    )
    assert "MAX_LENGTH pela metade" in msg and "o texto mais longo do treino tem 6 tokens" in msg
    assert e.value.__cause__ is original and isinstance(e.value, RuntimeError)
    assert memory.explain_out_of_memory(trainer) is trainer  # uma vez só: não embrulha de novo
    ref = weakref.ref(trainer)
    del trainer, e, original  # o traceback do erro original também aponta para o trainer
    gc.collect()
    assert ref() is None  # apagar o trainer libera o modelo (e a GPU)


def test_out_of_memory_in_evaluation_and_on_mps(bert_standin, tmp_path):
    tokenizer, _ = bert_standin
    mps = RuntimeError(
        "MPS backend out of memory (MPS allocated: 8.00 GB, other allocations: 1.00 GB)."
    )
    trainer = _oom_trainer(tokenizer, tmp_path, mps, per_device_eval_batch_size=64)
    with pytest.raises(memory.OutOfMemory) as e:
        trainer.evaluate()
    msg = str(e.value)
    assert "GPU do Mac (MPS)" in msg and "durante a avaliação" in msg
    assert "per_device_eval_batch_size=32" in msg and e.value.__cause__ is mps
    # outro erro de execução passa como está
    other = RuntimeError("mat1 and mat2 shapes cannot be multiplied")
    with pytest.raises(RuntimeError) as e2:
        _oom_trainer(
            tokenizer, tmp_path, other, num_train_epochs=1
        ).train()  # encadeado: o trainer vive até o fim
    assert e2.value is other
    assert memory.is_out_of_memory(RuntimeError("CUDA error: out of memory"))
    try:  # uma falta de memória de verdade, do alocador da CPU (pede 1 PiB; falha sem tocar na memória)
        torch.empty(2**50, dtype=torch.uint8)
    except RuntimeError as real:
        assert memory.is_out_of_memory(real)
        assert memory.out_of_memory_message(real).startswith(
            "Acabou a memória RAM durante o treino"
        )
    assert not memory.is_out_of_memory(ValueError("out of memory"))


# --------------------------------------------------------------------------- make sem python3-venv

DEBIAN_VENV_FAILURE = """The virtual environment was not created successfully because ensurepip is not
available.  On Debian/Ubuntu systems, you need to install the python3-venv
package using the following command.

    apt install python3.12-venv

You may need to use sudo with that command.  After installing the python3-venv
package, recreate your virtual environment.

Failing command: {venv}/bin/python3
"""


def _make_install(tmp_path, python):
    if shutil.which("make") is None:
        pytest.skip("make não está instalado nesta máquina")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "install",
            f"PYTHON={python}",
            f"VENV={tmp_path / 'venv'}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_without_python3_venv_says_what_to_install(tmp_path):
    fake = tmp_path / "python3"
    venv = tmp_path / "venv"
    message = DEBIAN_VENV_FAILURE.format(venv=venv)
    # como o python3 do Debian sem python3-venv: cria a pasta pela metade, imprime a mensagem e sai com 1
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = -c ]; then echo 3.12; exit 0; fi\n'
        'if [ "$1" = -m ] && [ "$2" = venv ]; then mkdir -p "$3/bin"; cat <<\'EOF\'\n'
        f"{message}EOF\nexit 1; fi\nexit 2\n"
    )
    fake.chmod(0o755)
    run = _make_install(tmp_path, fake)
    assert run.returncode != 0
    err = run.stderr
    assert "ensurepip is not" in err  # a mensagem original continua lá
    assert (
        "instale o pacote python3-venv" in err
        and "sudo apt install python3-venv, ou python3.12-venv" in err
    )
    assert "pip install" not in run.stdout  # parou antes de instalar
    again = _make_install(tmp_path, fake)  # a pasta pela metade não engana a segunda tentativa
    assert again.returncode != 0 and "instale o pacote python3-venv" in again.stderr


def test_make_without_python_says_to_install_python(tmp_path):
    run = _make_install(tmp_path, tmp_path / "nao_existe" / "python3")
    assert run.returncode != 0
    assert (
        "não encontrei o Python" in run.stderr
        and "sudo apt install python3 python3-venv" in run.stderr
    )
    assert not (tmp_path / "venv").exists()


def test_out_of_memory_in_distillation_says_halve_batch_size(bert_standin, tmp_path):
    """O treino do aluno no notebook 04 (``DistillationTrainer``) dá a mesma mensagem que o ``Trainer``."""
    from helpers import lesson04

    tokenizer, _ = bert_standin
    student = tiny_teacher()

    def forward(input_ids=None, attention_mask=None, token_type_ids=None, labels=None, **kw):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 1.00 GiB.")

    student.forward = forward
    ds = tiny_dataset(n=8).add_column("length", [6] * 8)
    recipe = lesson02.make_trainer(
        student,
        tokenizer,
        ds,
        ds,
        output_dir=str(tmp_path),
        per_device_train_batch_size=8,
        num_train_epochs=1,
    )
    trainer = lesson04.make_distillation_trainer(recipe, tiny_teacher())
    assert isinstance(trainer, lesson04.DistillationTrainer)
    with pytest.raises(memory.OutOfMemory) as e:
        trainer.train()
    assert "reduza BATCH_SIZE (per_device_train_batch_size) pela metade, 8 → 4," in str(e.value)
    assert isinstance(e.value.__cause__, torch.cuda.OutOfMemoryError)


def test_max_length_above_the_limit_in_pooling_and_prediction(bert_standin):
    """Os caminhos sem treino (vetores de frase no 03, previsões no 02 e 05) também conferem MAX_LENGTH."""
    from transformers import AutoModelForSequenceClassification

    from helpers import hub, inference, pooling

    tokenizer, model = bert_standin
    with pytest.raises(ValueError, match="MAX_LENGTH = 600 passa do limite.*512"):
        pooling.encode(["uma frase"], model, tokenizer, max_length=600)
    clf = hub.load_model(
        "bert-base-uncased", AutoModelForSequenceClassification, num_labels=2, verbose=False
    )
    with pytest.raises(ValueError, match="MAX_LENGTH = 513 passa do limite.*512"):
        inference.predict_proba(["uma frase"], clf, tokenizer, max_length=513)
    assert inference.predict_proba(["uma frase"], clf, tokenizer, max_length=512).shape == (1, 2)
