"""Nenhuma escolha olha o teste: com os rótulos do teste embaralhados, cada escolha e cada número da validação ficam iguais.

Os notebooks que escolhem algo (02: a receita; 03: o pooling; 06: a quantização de cada modelo) rodam duas vezes
com os parâmetros curtos: com os dados de verdade e com uma cópia de ``data/`` em que os rótulos do teste foram
deslocados uma linha (``VARIANTES_DATA``). Só o que é medida no teste pode mudar. O 04 carrega as escolhas de um
estudo gravado (``tests/test_distillation_choices.py`` faz o mesmo com o estudo).
"""

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_experiments import execute_notebook

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
CHOICE_WORDS = ("validação", "escolhid", "colocado", "int8 do ONNX Runtime")
RUNS = {
    "02_bertimbau.ipynb": {"NUM_EPOCHS": 1, "TRAIN_LIMIT": 256},
    "03_pooled_output.ipynb": {"BOOTSTRAP": 200},
    "06_producao.ipynb": {"NUM_EPOCHS": 1, "TRAIN_LIMIT": 256, "LATENCY_REPEATS": 2},
}


def shuffled_test_labels(folder: Path) -> Path:
    copy = folder / "data"
    shutil.copytree(ROOT / "data", copy)
    path = copy / "avaliacoes_ptbr" / "test.csv"
    frame = pd.read_csv(path)
    label = "label" if "label" in frame else frame.columns[-1]
    frame[label] = np.roll(frame[label].to_numpy(), 1)
    frame.to_csv(path, index=False)
    return copy


@pytest.mark.parametrize("name", RUNS)
def test_no_choice_reads_the_test_labels(name, tmp_path):
    clean = execute_notebook(name, RUNS[name], tmp_path / "a")
    os.environ["VARIANTES_DATA"] = str(shuffled_test_labels(tmp_path))
    try:
        changed = execute_notebook(name, RUNS[name], tmp_path / "b")
    finally:
        os.environ.pop("VARIANTES_DATA")
    choices = [k for k in clean if any(word in k for word in CHOICE_WORDS) and "teste" not in k]
    assert choices, f"{name}: nenhuma escolha no resultado de destaque"
    assert {k: clean[k] for k in choices} == {k: changed[k] for k in choices}
