"""Testes de helpers.measure: contagens exatas e medidas de tempo de modelos de mentira com tempo conhecido.

Os testes nunca comparam a velocidade de um modelo de verdade com um número: os modelos
de mentira dormem um tempo conhecido, e o teste confere que a medida o enxerga.
"""

import time

import pandas as pd
import pytest
import torch

from helpers import lesson01, lesson04, measure
from tiny import tiny_teacher

pytestmark = pytest.mark.unit


class Sleeper(torch.nn.Module):
    """Um "modelo" que leva ``ms`` milissegundos por passagem (as primeiras ``slow_calls``, bem mais)."""

    def __init__(self, ms, slow_calls=0, log=None, name=""):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(3))
        self.ms, self.slow_calls, self.calls, self.log, self.name = ms, slow_calls, 0, log, name
        self.config = type("Config", (), {"num_hidden_layers": 1})()

    def forward(self, **inputs):
        self.calls += 1
        if self.log is not None:
            self.log.append(self.name)
        time.sleep((self.ms + (200 if self.calls <= self.slow_calls else 0)) / 1000)


class Tok:
    """Tokenizador mínimo: 3 tokens por frase."""

    def __call__(self, texts, **kwargs):
        n = len(texts)
        return {
            "input_ids": torch.full((n, 3), 1000),
            "attention_mask": torch.ones(n, 3, dtype=torch.long),
        }


def test_count_parameters_exact_and_trainable_only():
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.Linear(4, 2)
    )  # 3·4+4 = 16 e 4·2+2 = 10
    assert lesson01.count_parameters(model) == 26
    model[0].requires_grad_(False)
    assert lesson01.count_parameters(model, trainable_only=True) == 10
    assert lesson01.count_parameters(model) == 26
    with torch.device("meta"):  # sem memória, mesma conta
        assert lesson01.count_parameters(torch.nn.Linear(1000, 1000)) == 1_001_000


def test_size_on_disk_is_four_bytes_per_parameter():
    teacher = tiny_teacher(4)
    student = lesson04.init_student_from_teacher(teacher, (0, 2))
    for model in (teacher, student):
        assert measure.size_on_disk_mb(model) == pytest.approx(
            4 * lesson01.count_parameters(model) / 1e6, rel=0.01
        )
    assert measure.size_on_disk_mb(student) < measure.size_on_disk_mb(teacher)


def test_random_inputs_are_reproducible_and_unpadded():
    a, b, c = (
        measure.random_inputs(8, 2, seed=1),
        measure.random_inputs(8, 2, seed=1),
        measure.random_inputs(8, 2, seed=2),
    )
    assert a["input_ids"].shape == (2, 8) and torch.equal(a["input_ids"], b["input_ids"])
    assert not torch.equal(a["input_ids"], c["input_ids"]) and bool(a["attention_mask"].all())


def test_alternating_forward_times_returns_every_pass_in_order():
    model, reference = (
        Sleeper(1, slow_calls=2),
        Sleeper(20),
    )  # aquecimento + 1ª repetição lentas no modelo
    own, ref = measure.alternating_forward_times(model, reference, {}, repeats=3)
    assert len(own) == len(ref) == 3 and model.calls == reference.calls == 4
    assert (
        own[0] >= 200 and max(own[1:]) < 150 and min(ref) >= 20
    )  # a repetição lenta aparece (não é o mínimo)
    with pytest.raises(ValueError, match="repeats"):
        measure.alternating_forward_times(model, reference, {}, repeats=0)


def test_cpu_latency_sees_the_slower_model_and_restores_threads():
    threads = torch.get_num_threads()
    models = {"lento": Sleeper(25), "rápido": Sleeper(1)}
    table = measure.cpu_latency(
        models, Tok(), ["a"] * 4, batch_sizes=(1, 4), repeats=3, warmup=1, threads=1
    )
    assert torch.get_num_threads() == threads
    assert list(table.columns) == ["lote 1 (ms)", "lote 4 (ms)"] and list(table.index) == [
        "lento",
        "rápido",
    ]
    assert (table.loc["lento"] >= 25).all() and (table.loc["rápido"] < table.loc["lento"]).all()
    assert models["lento"].calls == 2 * (1 + 3)  # dois lotes × (aquecimento + repetições)


def test_latency_times_keep_every_pass_and_the_medians_summarize_them():
    models = {"lento": Sleeper(12), "rápido": Sleeper(1)}
    times = measure.cpu_latency_times(
        models, Tok(), ["a"] * 4, batch_sizes=(1, 4), repeats=3, warmup=1
    )
    assert set(times) == {("lento", 1), ("lento", 4), ("rápido", 1), ("rápido", 4)}
    assert all(len(v) == 3 for v in times.values())
    assert all(slow > fast for slow, fast in zip(times[("lento", 1)], times[("rápido", 1)]))
    table = measure.latency_medians(times)
    assert list(table.columns) == ["lote 1 (ms)", "lote 4 (ms)"] and list(table.index) == [
        "lento",
        "rápido",
    ]
    assert table.loc["lento", "lote 4 (ms)"] == sorted(times[("lento", 4)])[1]
    with pytest.raises(ValueError, match="repeats"):
        measure.cpu_latency_times(models, Tok(), ["a"] * 4, batch_sizes=(1,), repeats=0)


def test_cpu_latency_one_tokenizer_per_model_and_errors():
    calls = []

    class Counting(Tok):
        def __init__(self, name):
            self.name = name

        def __call__(self, texts, **kwargs):
            calls.append(self.name)
            return super().__call__(texts, **kwargs)

    models = {"professor": Sleeper(0), "aluno": Sleeper(0)}
    measure.cpu_latency(
        models,
        {"professor": Counting("p"), "aluno": Counting("a")},
        ["a"] * 4,
        batch_sizes=(1, 4),
        repeats=2,
        warmup=0,
    )
    assert sorted(calls) == [
        "a",
        "a",
        "p",
        "p",
    ]  # tokeniza uma vez por modelo e lote, fora do tempo
    with pytest.raises(ValueError, match="textos"):
        measure.cpu_latency(models, Tok(), ["a"] * 2, batch_sizes=(1, 4))
    with pytest.raises(ValueError, match="faltam"):
        measure.cpu_latency(models, {"aluno": Tok()}, ["a"] * 4, batch_sizes=(1,))


def test_efficiency_table_joins_counts_size_and_latency(monkeypatch):
    teacher = tiny_teacher(4)
    student = lesson04.init_student_from_teacher(teacher, (0, 2))
    fake = pd.DataFrame({"lote 1 (ms)": {"professor": 2.0, "aluno": 1.0}}).rename_axis("modelo")
    seen = {}

    def fake_latency(models, tokenizer, texts, batch_sizes, **kwargs):
        seen.update(models=list(models), batch_sizes=batch_sizes, **kwargs)
        return fake

    monkeypatch.setattr(measure, "cpu_latency", fake_latency)
    table = measure.efficiency_table(
        {"professor": teacher, "aluno": student},
        Tok(),
        ["a"],
        batch_sizes=(1,),
        repeats=7,
        threads=1,
    )
    assert seen == {
        "models": ["professor", "aluno"],
        "batch_sizes": (1,),
        "repeats": 7,
        "threads": 1,
        "max_length": 128,
    }
    assert list(table.columns) == ["camadas", "parâmetros (M)", "disco (MB)", "lote 1 (ms)"]
    assert table["camadas"].tolist() == [4, 2]
    assert table["parâmetros (M)"].tolist() == pytest.approx(
        [lesson01.count_parameters(teacher) / 1e6, lesson01.count_parameters(student) / 1e6]
    )
    assert table["disco (MB)"].tolist() == pytest.approx(
        [measure.size_on_disk_mb(teacher), measure.size_on_disk_mb(student)]
    )
    assert table["lote 1 (ms)"].tolist() == [2.0, 1.0]
