"""Testes de helpers.checks: cada corretor aceita a resposta certa e recusa as erradas de verdade.

Para cada exercício: uma resposta certa, escrita aqui à mão, passa; a resposta que só chama a função da série que a
lição usa não passa (o exercício pede uma variante); uma constante não passa; o ``raise NotImplementedError`` do
enunciado vira "ainda não implementada"; um erro na função do aluno vira explicação, não traceback.
"""

import numpy as np
import pytest
import torch

from helpers import checks, lesson03, lesson04, production, training

pytestmark = pytest.mark.unit


# ------------------------------------------------------------------ exercícios que pedem uma variante
# A resposta certa é escrita aqui, à mão (não com a função de referência de helpers.checks); a resposta que só
# chama a função da série que a lição usa não passa.


def _albert(v, e, h, p=512, t=2):
    return (v + p + t) * e + 2 * e + e * h + h


def _effective(labels, k, beta):
    n = np.bincount(labels, minlength=k)
    w = (1 - beta) / (1 - beta**n)
    return w / w.sum() * k


def _mean_without_special(h, mask, special):
    keep = (mask * (1 - special)).unsqueeze(-1).float()
    return (h * keep).sum(1) / keep.sum(1).clamp(min=1)


def _per_example(s, t, T):
    p = torch.softmax(t / T, -1)
    return (p * (p.log() - torch.log_softmax(s / T, -1))).sum(-1) * T * T


def _speedup_by_hand(lt, ls, f):
    return 1 / (f + (1 - f) * ls / lt)


def _share_by_hand(s, lt, ls):
    r = ls / lt
    return (1 / s - r) / (1 - r)


def _uint8(x):
    x = np.asarray(x, dtype=np.float32)
    lo, hi = min(x.min(), 0), max(x.max(), 0)
    scale = (hi - lo) / 255 if hi > lo else 1.0
    zp = int(np.clip(np.rint(-lo / scale), 0, 255))
    return np.clip(np.rint(x / scale) + zp, 0, 255), scale, zp


VARIANTS = {  # corretor, resposta certa, resposta que só delega à série
    "albert": (
        checks.check_albert_embeddings,
        _albert,
        lambda v, e, h, p=512, t=2: (v + p + t) * h + 2 * h,
    ),  # as embeddings do BERT
    "effective": (
        checks.check_effective_number_weights,
        _effective,
        lambda labels, k, beta: training.class_weights(labels, k),
    ),
    "special": (
        checks.check_mean_without_special,
        _mean_without_special,
        lambda h, mask, special: lesson03.mean_pooling(h, mask),
    ),
    "per_example": (
        checks.check_soft_loss_per_example,
        _per_example,
        lambda s, t, T: lesson04.soft_target_loss(s, t, T),
    ),
    "layer_speedup": (
        lambda f: checks.check_layer_speedup(f, _share_by_hand),
        _speedup_by_hand,
        lambda lt, ls, f: lt / ls,
    ),
    "uint8": (
        checks.check_dynamic_quantize_uint8,
        _uint8,
        lambda x: (
            production.quantize(x, production.int8_scale(x)),
            float(production.int8_scale(x)),
            0,
        ),
    ),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_a_right_answer_passes_and_delegating_to_the_series_fails(name, capsys):
    checker, right, delegates = VARIANTS[name]
    assert checker(right) is True
    assert "🎉 Tudo certo!" in capsys.readouterr().out
    assert checker(delegates) is False
    out = capsys.readouterr().out
    assert "❌" in out and "Ainda não" in out
    assert checker(lambda *a: 1 / 0) is False and "ZeroDivisionError" in capsys.readouterr().out


def test_fixed_share_is_checked_too(capsys):
    assert (
        checks.check_layer_speedup(_speedup_by_hand, lambda s, lt, ls: 1 - 1 / s) is False
    )  # fórmula errada
    out = capsys.readouterr().out
    assert "❌ nenhuma aceleração: tudo fixo: esperado 1, veio 0" in out and "1.0" not in out


def test_fixed_share_keeps_the_sign_above_the_ideal_speedup(capsys):
    def clamped(s, lt, ls):  # corta a fração em [0, 1]: esconde a medida acima de 2×
        return min(1.0, max(0.0, _share_by_hand(s, lt, ls)))

    assert checks.check_layer_speedup(_speedup_by_hand, clamped) is False
    out = capsys.readouterr().out
    assert "❌ 2,05× com metade das camadas" in out and "veio 0\n" in out


def test_the_unfinished_speedup_exercise_prints_plain_text(capsys):
    def stub(*args):
        raise NotImplementedError

    assert checks.check_layer_speedup(stub, stub) is False
    out = capsys.readouterr().out
    assert (
        "⏳ expected_speedup: ainda não implementada" in out
        and "⏳ fixed_share: ainda não implementada" in out
    )
    assert "`" not in out and "❌" not in out  # texto impresso: sem crases de markdown


def test_the_albert_formula_is_the_one_of_the_library():
    from transformers import AlbertConfig, AlbertModel

    config = AlbertConfig(
        vocab_size=100,
        embedding_size=4,
        hidden_size=8,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=16,
        type_vocab_size=1,
        num_hidden_layers=1,
    )
    model = AlbertModel(config)
    counted = sum(p.numel() for p in model.embeddings.parameters()) + sum(
        p.numel() for p in model.encoder.embedding_hidden_mapping_in.parameters()
    )
    assert counted == checks.albert_embedding_parameters(100, 4, 8, 16, 1)


def test_the_uint8_reference_is_what_onnx_runtime_computes():
    ort = pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    node = helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "scale", "zp"])
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None])],
        [
            helper.make_tensor_value_info(n, t, s)
            for n, t, s in (
                ("y", TensorProto.UINT8, [None]),
                ("scale", TensorProto.FLOAT, []),
                ("zp", TensorProto.UINT8, []),
            )
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    for x in (
        [-1.0, 0.0, 0.5, 2.0],
        [0.2, 1.0, 2.55],
        [-3.0, -0.5, -1.0],
        [-0.7, 0.31, 1.9, -2.2, 0.0],
        [0.0, 0.0],
    ):
        y, scale, zp = session.run(None, {"x": np.asarray(x, dtype=np.float32)})
        q, s, z = checks.dynamic_quantize_uint8(x)
        assert (
            y.tolist() == q.tolist() and int(zp) == z and float(scale) == pytest.approx(s, rel=1e-6)
        )


@pytest.mark.parametrize("name", VARIANTS)
def test_a_constant_or_an_unfinished_answer_fails(name, capsys):
    checker, right, _ = VARIANTS[name]

    def stub(*args):
        raise NotImplementedError

    assert checker(stub) is False
    assert "ainda não implementada" in capsys.readouterr().out
    assert checker(lambda *args: 0.5) is False
    assert "❌" in capsys.readouterr().out


def test_common_mistakes_fail(capsys):
    assert (
        checks.check_albert_embeddings(lambda v, e, h, p=512, t=2: (v + p + t) * e + 2 * e) is False
    )  # sem a projeção
    assert (
        checks.check_effective_number_weights(
            lambda labels, k, beta: (1 - beta) / (1 - beta ** np.bincount(labels, minlength=k))
        )
        is False
    )  # sem normalizar
    assert (
        checks.check_mean_without_special(lambda h, m, s: _mean_without_special(h, m, 0 * s))
        is False
    )  # conta CLS/SEP
    assert (
        checks.check_soft_loss_per_example(lambda s, t, T: _per_example(s, t, T) / T / T) is False
    )  # sem T²
    assert (
        checks.check_dynamic_quantize_uint8(
            lambda x: (
                np.clip(np.rint(np.asarray(x) / (np.ptp(x) / 255)), 0, 255),
                np.ptp(x) / 255,
                0,
            )
        )
        is False
    )  # sem deslocamento
    assert "❌" in capsys.readouterr().out
