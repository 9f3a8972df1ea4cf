"""Produção leve (notebook 06): int8 à mão, torchao, ONNX, ONNX Runtime e a tabela.

O torchao, a exportação, as quantizações e o OnnxClassifier são os das células do 06 (helpers.lesson06).
"""

import builtins
import importlib.util
import re

import numpy as np
import pandas as pd
from pathlib import Path

import pytest
import torch
from tiny import tiny_teacher
from transformers import DistilBertConfig, DistilBertForSequenceClassification

from helpers import inference, lesson06, measure, optional_packages, production, version_metrics

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def tokenizer():
    from helpers import hub

    return hub.load_tokenizer("bert-base-uncased", verbose=False)


def tiny_distil(seed=0):
    torch.manual_seed(seed)
    config = DistilBertConfig(
        vocab_size=30522,
        dim=32,
        n_layers=2,
        n_heads=2,
        hidden_dim=64,
        max_position_embeddings=64,
        num_labels=3,
    )
    return DistilBertForSequenceClassification(config).eval()


SENTENCES = [
    "o produto chegou rápido",
    "péssimo atendimento, não volto mais nunca",
    "ok",
    "a entrega atrasou mas o vendedor resolveu tudo com educação e paciência",
]


# --- int8 à mão -------------------------------------------------------------------------------------------------


def test_quantize_by_hand_rounds_clips_and_comes_back_within_half_a_step():
    x = torch.tensor([0.0, 0.1, -0.26, 1.27, 5.0, -9.0])
    q = production.quantize(x, 0.01)
    assert q.dtype == torch.int8
    assert q.tolist() == [0, 10, -26, 127, 127, -127]  # 5,0 e -9,0 passam do limite: 127 e -127
    w = torch.randn(4, 50, generator=torch.Generator().manual_seed(0))
    scale = production.int8_scale(w)
    assert scale.item() == pytest.approx(w.abs().max().item() / 127)
    error = (production.dequantize(production.quantize(w, scale), scale) - w).abs().max()
    assert 0 < error <= scale / 2 + 1e-7  # arredondar erra no máximo meia escala


def test_per_channel_scale_is_one_per_row_and_helps_small_rows():
    w = torch.tensor([[0.01, -0.02, 0.015], [3.0, -1.0, 2.0]])
    per_row = production.int8_scale(w, axis=0)
    assert per_row.shape == (2, 1)
    assert per_row[:, 0].tolist() == pytest.approx([0.02 / 127, 3.0 / 127])
    whole = production.int8_scale(w)
    err_row = (production.dequantize(production.quantize(w, per_row), per_row) - w)[0].abs().max()
    err_whole = (production.dequantize(production.quantize(w, whole), whole) - w)[0].abs().max()
    assert err_row < err_whole / 10


# --- PyTorch (torchao) ------------------------------------------------------------------------------------------


def test_torch_int8_quantizes_the_linear_layers_and_keeps_the_original(tokenizer):
    model = tiny_distil()
    before = model.distilbert.transformer.layer[0].attention.q_lin.weight.clone()
    quantized = lesson06.torch_int8(model)
    assert torch.equal(
        model.distilbert.transformer.layer[0].attention.q_lin.weight, before
    )  # o original não muda
    weight = quantized.distilbert.transformer.layer[0].attention.q_lin.weight
    assert (
        type(weight) is not torch.nn.Parameter
        or weight.dtype != torch.float32
        or "Int8" in type(weight.data).__name__
    )
    assert "int8" in repr(weight).lower()
    assert (
        quantized.distilbert.embeddings.word_embeddings.weight.dtype == torch.float32
    )  # embeddings em float
    gap = production.max_logit_difference(model, quantized, tokenizer, SENTENCES)
    enc = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    with torch.inference_mode():
        by_hand = (
            (
                model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
                - quantized(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
            )
            .abs()
            .max()
        )
    assert gap == pytest.approx(float(by_hand), rel=1e-5) and 0 < gap < 0.05
    # o torch.save dos tensores do torchao
    assert version_metrics.size_mb(quantized) < version_metrics.size_mb(model)


def test_layer_kinds_says_which_weights_became_int8():
    model = tiny_distil()
    before = production.layer_kinds(model).set_index(["camada", "peso guardado como"])
    after = production.layer_kinds(lesson06.torch_int8(model)).set_index(
        ["camada", "peso guardado como"]
    )
    linear = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert before.loc[("Linear", "fp32"), "módulos"] == len(linear)
    assert before.loc[("Linear", "fp32"), "pesos (milhões)"] == pytest.approx(
        sum(m.weight.numel() for m in linear) / 1e6
    )
    int8_rows = [k for k in after.index if k[0] == "Linear"]
    assert len(int8_rows) == 1 and int8_rows[0][1].startswith(
        "int8"
    )  # todas as Linear, nenhuma em float
    assert after.loc[("Embedding", "fp32"), "módulos"] == 2  # palavras e posições
    assert after["pesos (milhões)"].sum() == pytest.approx(before["pesos (milhões)"].sum())


def test_torchao_noise_is_dropped_and_other_warnings_pass():
    import logging

    # importar os helpers (o "from helpers import production" lá em cima) instalou o filtro
    class Keep(logging.Handler):
        def __init__(self):
            super().__init__(logging.WARNING)
            self.messages = []

        def emit(self, record):
            self.messages.append(record.getMessage())

    logger, keep = logging.getLogger("torchao"), Keep()
    logger.addHandler(keep)
    try:
        logger.warning(
            "Failed to load /x/torchao/_C_mxfp8.cpython-310-x86_64-linux-gnu.so: Could not load"
        )
        logger.warning("Failed to load config.json")  # não é o aviso conhecido: passa
    finally:
        logger.removeHandler(keep)
    assert keep.messages == ["Failed to load config.json"]
    from helpers.env import quiet_known_noise

    quiet_known_noise()
    assert sum(type(f).__name__ == "_DropKnownNoise" for f in logger.filters) == 1


# --- ONNX ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def onnx_pair(tmp_path_factory, tokenizer):
    model = tiny_teacher(layers=2)
    folder = tmp_path_factory.mktemp("onnx")
    path = lesson06.export_onnx(model, tokenizer, folder / "bert.onnx")
    int8 = lesson06.quantize_onnx(path, folder / "bert.int8.onnx")
    return (
        model,
        lesson06.OnnxClassifier(path, model.config),
        lesson06.OnnxClassifier(int8, model.config),
    )


def test_export_is_one_file_with_free_batch_and_length_and_the_same_logits(onnx_pair, tokenizer):
    model, onnx_fp32, _ = onnx_pair
    assert not onnx_fp32.path.with_name(onnx_fp32.path.name + ".data").exists()
    assert [i.name for i in onnx_fp32.session.get_inputs()] == ["input_ids", "attention_mask"]
    for texts in (
        SENTENCES[:1],
        SENTENCES,
        SENTENCES * 5,
    ):  # lotes e comprimentos diferentes do exemplo
        assert production.max_logit_difference(model, onnx_fp32, tokenizer, texts) < 1e-4


def test_onnx_int8_is_smaller_and_close(onnx_pair, tokenizer):
    model, onnx_fp32, onnx_int8 = onnx_pair
    # quase tudo aqui é a tabela de embeddings (30522 × 32): o Gather também vai para int8
    assert version_metrics.size_mb(onnx_int8) < 0.35 * version_metrics.size_mb(onnx_fp32)
    # mesmos pesos, outro formato
    assert version_metrics.size_mb(onnx_fp32) == pytest.approx(
        measure.size_on_disk_mb(model), rel=0.1
    )
    gap = production.max_logit_difference(model, onnx_int8, tokenizer, SENTENCES)
    assert 0 < gap < 0.05


def test_onnx_dynamic_int8_keeps_activations_uint8_and_the_symmetric_option_only_moves_the_embeddings(
    onnx_pair, tmp_path
):
    import onnx
    from onnx import numpy_helper

    _, onnx_fp32, _ = onnx_pair
    graphs = {}
    for name, (per_channel, symmetric) in lesson06.QUANTIZATION_CHOICES.items():
        path = lesson06.quantize_onnx(
            onnx_fp32.path,
            tmp_path / f"{per_channel}_{symmetric}.onnx",
            per_channel=per_channel,
            symmetric_embeddings=symmetric,
        )
        graph = onnx.load(str(path)).graph
        graphs[(per_channel, symmetric)] = (
            [n.op_type for n in graph.node],
            {i.name: numpy_helper.to_array(i) for i in graph.initializer},
        )
    for (per_channel, symmetric), (ops, inits) in graphs.items():
        assert (
            "DynamicQuantizeLinear" in ops and "MatMulInteger" in ops
        )  # ativações: uint8, na hora
        table = inits["bert.embeddings.word_embeddings.weight_quantized"]
        assert table.dtype == np.uint8  # a tabela de embeddings: uint8
        zero = inits["bert.embeddings.word_embeddings.weight_zero_point"]
        if symmetric:  # zero fixo no meio da faixa
            assert int(zero) == 128
        else:  # do menor ao maior valor: 0 a 255
            assert (table.min(), table.max()) == (0, 255)
        weight_zeros = [
            v for k, v in inits.items() if k.endswith("_zero_point") and v.dtype == np.int8
        ]
        assert weight_zeros and all((v == 0).all() for v in weight_zeros)  # pesos: int8 simétrico
        scales = [
            v.size
            for k, v in inits.items()
            if k.endswith("_scale")
            and "embeddings" not in k
            and k[: -len("_scale")] + "_zero_point" in inits
            and inits[k[: -len("_scale")] + "_zero_point"].dtype == np.int8
        ]
        assert (max(scales) > 1) == per_channel  # por canal: uma escala por coluna
    for per_channel in (False, True):  # a opção "simétrica" mexe só nas embeddings
        (ops_a, a), (ops_b, b) = graphs[(per_channel, False)], graphs[(per_channel, True)]
        changed = {k for k in a if not np.array_equal(a[k], b[k])}
        assert ops_a == ops_b and changed and all("embeddings" in k for k in changed)


def test_predict_and_latency_accept_the_onnx_model(onnx_pair, tokenizer):
    model, onnx_fp32, onnx_int8 = onnx_pair
    torch_table = inference.predict(SENTENCES, model, tokenizer, max_length=64)
    onnx_table = inference.predict(SENTENCES, onnx_fp32, tokenizer, max_length=64)
    assert list(onnx_table["texto"]) == SENTENCES
    assert list(onnx_table["classe"]) == list(torch_table["classe"])
    np.testing.assert_allclose(
        onnx_table.filter(like="p(").to_numpy(), torch_table.filter(like="p(").to_numpy(), atol=2e-3
    )
    latency = measure.cpu_latency(
        {"torch": model, "onnx": onnx_int8},
        tokenizer,
        SENTENCES,
        batch_sizes=(1, 4),
        repeats=2,
        warmup=1,
        max_length=64,
    )
    assert list(latency.index) == ["torch", "onnx"] and (latency.to_numpy() > 0).all()
    with pytest.raises(ValueError, match="MAX_LENGTH"):
        inference.predict(SENTENCES, onnx_fp32, tokenizer, max_length=4096)


def test_prediction_box_works_with_the_onnx_model(onnx_pair, tokenizer):
    _, _, onnx_int8 = onnx_pair
    box = inference.prediction_box(onnx_int8, tokenizer, max_length=64)
    text, message, image = box.children
    first = bytes(image.value)
    assert first[:4] == b"\x89PNG"
    text.value = "não gostei de nada"
    assert bytes(image.value) != first and message.value == ""
    text.value = "   "
    assert "Digite uma frase" in message.value
    fig = inference.plot_prediction("não gostei de nada", onnx_int8, tokenizer, max_length=64)
    fig.canvas.draw()  # o eixo das probabilidades com vírgula decimal
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert (
        "0,2" in ticks
        and not any("." in t for t in ticks)
        and fig.axes[0].get_xlabel() == "probabilidade"
    )


def test_missing_onnx_file_and_missing_package_speak_portuguese(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="Não achei o modelo ONNX"):
        lesson06.OnnxClassifier(tmp_path / "nada.onnx", None)
    real_import = builtins.__import__

    def no_onnxruntime(name, *args, **kwargs):
        if name.startswith("onnxruntime"):
            raise ImportError(f"No module named '{name}'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnxruntime)
    monkeypatch.delitem(__import__("sys").modules, "onnxruntime", raising=False)
    with pytest.raises(
        production.MissingDependency, match="precisa do pacote 'onnxruntime'.*make install"
    ):
        production.require("onnxruntime")


def test_compare_quantization_measures_the_four_choices_against_float(
    onnx_pair, tokenizer, tmp_path
):
    model, onnx_fp32, _ = onnx_pair
    texts = SENTENCES * 3
    choice, by_text = lesson06.compare_quantization(
        model, tokenizer, onnx_fp32.path, texts, tmp_path, max_length=64
    )
    assert list(choice.index) == list(lesson06.QUANTIZATION_CHOICES) == list(by_text)
    base = inference.predict_proba(texts, model, tokenizer, max_length=64)
    for name in choice.index:  # cada linha é mesmo o arquivo daquela opção
        path = tmp_path / f"bert.{name}.onnx"
        probs = inference.predict_proba(
            texts, lesson06.OnnxClassifier(path, model.config), tokenizer, max_length=64
        )
        assert choice.loc[name, "mean_gap"] == pytest.approx(np.abs(probs - base).mean(), rel=1e-5)
        assert choice.loc[name, "max_gap"] == pytest.approx(np.abs(probs - base).max(), rel=1e-5)
        assert len(by_text[name]) == len(texts)  # a média por frase é a da tabela
        assert by_text[name].mean() == pytest.approx(choice.loc[name, "mean_gap"], rel=1e-5)
    assert choice["mean_gap"].nunique() > 1  # as escolhas mudam o resultado
    assert set(lesson06.CHOICE_LABELS) == set(lesson06.QUANTIZATION_CHOICES)
    with pytest.raises(ValueError, match="quantization deve dar"):
        _benchmark().make_variants(
            model,
            tokenizer,
            tiny_distil(),
            tokenizer,
            {"BERT": onnx_fp32.path},
            {"BERT": "por bloco"},
            tmp_path,
        )


def test_ensure_installed_names_what_is_missing_or_installs_it(monkeypatch):
    assert production.ensure_installed() == []  # make install traz tudo
    requirements = optional_packages.extra_requirements()
    assert {r.split(">")[0] for r in requirements} == {
        "onnx",
        "onnxscript",
        "onnxruntime",
        "torchao",
    }
    monkeypatch.setattr(optional_packages, "missing_modules", lambda: ["onnxruntime", "onnx"])
    with pytest.raises(
        production.MissingDependency, match="Faltam os pacotes onnxruntime, onnx.*make install"
    ):
        production.ensure_installed(colab=False)
    calls = []

    def fake_pip(cmd, check):
        constraints = cmd[cmd.index("-c") + 1]
        calls.append((cmd, Path(constraints).read_text().split()))

    monkeypatch.setattr("subprocess.run", fake_pip)
    assert production.ensure_installed(colab=True) == ["onnxruntime", "onnx"]
    ((cmd, constraints),) = calls
    assert cmd[1:4] == ["-m", "pip", "install"] and "--upgrade" not in cmd and "-U" not in cmd
    wanted = {r.split(">")[0]: r for r in requirements}
    assert cmd[-2:] == [
        wanted["onnxruntime"],
        wanted["onnx"],
    ]  # só o que falta, com o piso do extra
    # a restrição é cada pacote instalado na versão instalada: o pip não troca nenhum deles
    import importlib.metadata as md

    for name in ("torch", "numpy", "transformers", "protobuf"):
        assert f"{name}=={md.version(name)}" in constraints
    assert all(line.count("==") == 1 and " @ " not in line for line in constraints)


def test_installed_pins_skips_versions_pip_would_refuse(monkeypatch):
    import importlib.metadata as md
    from types import SimpleNamespace

    dists = [
        SimpleNamespace(metadata={"Name": "Foo_Bar"}, version="1.2.0+cpu"),
        SimpleNamespace(
            metadata={"Name": "foo-bar"}, version="9.9"
        ),  # a segunda cópia: o import não a vê
        SimpleNamespace(metadata={"Name": "velho"}, version="não-é-versão"),
        SimpleNamespace(metadata={"Name": None}, version="1.0"),
    ]
    monkeypatch.setattr(md, "distributions", lambda: dists)
    assert optional_packages.installed_pins() == ["foo-bar==1.2.0+cpu"]


# --- a tabela ---------------------------------------------------------------------------------------------------


def test_production_table_compares_every_variant_with_the_same_inputs(tmp_path, tokenizer):
    bert, distil = tiny_teacher(layers=4), tiny_distil()
    per_model = {"BERT": "channel_sym", "DistilBERT": "tensor_asym"}
    onnx_paths = {
        name: lesson06.export_onnx(m, tokenizer, tmp_path / f"{name.lower()}.onnx")
        for name, m in (("DistilBERT", distil), ("BERT", bert))
    }
    variants = _benchmark().make_variants(
        bert, tokenizer, distil, tokenizer, onnx_paths, per_model, tmp_path
    )
    expected = [
        "BERT fp32",
        "DistilBERT fp32",
        "DistilBERT int8 (PyTorch)",
        "DistilBERT ONNX fp32",
        "DistilBERT ONNX int8",
        "BERT ONNX fp32",
        "BERT ONNX int8",
    ]
    assert list(variants) == expected
    texts = SENTENCES * 8
    y = [i % 3 for i in range(len(texts))]
    table, probs, times = production.production_table(
        variants,
        texts,
        y,
        ["negativo", "neutro", "positivo"],
        texts,
        batch_sizes=(1, 32),
        repeats=2,
        max_length=64,
    )
    for name in variants:  # a tabela traz a mediana das repetições devolvidas
        for b in (1, 32):
            assert len(times[(name, b)]) == 2
            assert table.loc[name, f"lote {b} (ms)"] == pytest.approx(
                float(np.median(times[(name, b)]))
            )
    assert table.loc["BERT fp32", "retenção do F1 (÷ BERT fp32)"] == 1.0
    assert table.loc["BERT fp32", "aceleração lote 1"] == 1.0
    assert pd.isna(table.loc["DistilBERT fp32", "mesma classe que o fp32"])  # ele é o fp32
    assert table.loc["DistilBERT ONNX fp32", "mesma classe que o fp32"] == 1.0  # mesmas contas
    assert table.loc["DistilBERT ONNX fp32", "maior diferença de prob."] < 1e-4
    assert (
        table.loc["BERT ONNX fp32", "mesma classe que o fp32"] == 1.0
    )  # a linha que separa o runtime
    assert table.loc["BERT ONNX fp32", "maior diferença de prob."] < 1e-4
    for name, chosen in per_model.items():  # cada modelo com a sua escolha
        again = lesson06.quantize_onnx(
            variants[f"{name} ONNX fp32"][0].path,
            tmp_path / f"{name}.again.onnx",
            *lesson06.QUANTIZATION_CHOICES[chosen],
        )
        np.testing.assert_array_equal(
            inference.predict_proba(
                texts,
                lesson06.OnnxClassifier(again, variants[name + " fp32"][0].config),
                tokenizer,
                max_length=64,
            ),
            probs[f"{name} ONNX int8"],
        )
    assert 0 < table.loc["DistilBERT ONNX int8", "maior diferença de prob."] < 0.05
    mean_gap = np.abs(probs["DistilBERT ONNX int8"] - probs["DistilBERT fp32"]).mean()
    assert table.loc["DistilBERT ONNX int8", "diferença média de prob."] == pytest.approx(
        mean_gap, rel=1e-5
    )
    for name in variants:
        expected = (probs[name].argmax(axis=1) == np.array(y)).mean()
        assert table.loc[name, "acurácia (teste)"] == pytest.approx(expected)
    assert (
        table.loc["DistilBERT ONNX int8", "disco (MB)"]
        < table.loc["DistilBERT ONNX fp32", "disco (MB)"] / 2
    )
    line = _benchmark().summary_line(table)
    assert re.fullmatch(
        r"speedup=\S+ speedup_b32=\S+ f1_retention=\S+ size_ratio=\S+ agreement=\S+", line
    )
    best = production.fastest_distilbert(table)
    assert f"speedup={table.loc[best, 'aceleração lote 1']:.2f}" in line
    with pytest.raises(ValueError, match="BERT fp32"):
        production.production_table(
            {"DistilBERT fp32": variants["DistilBERT fp32"]}, texts, y, ["a", "b", "c"], texts
        )


def _benchmark():
    """``benchmarks/inference_speed.py`` como módulo (o ``make_variants`` e a última linha moram lá)."""
    spec = importlib.util.spec_from_file_location(
        "inference_speed", ROOT / "benchmarks" / "inference_speed.py"
    )
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    return benchmark
