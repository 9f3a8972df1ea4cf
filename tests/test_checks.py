"""Testes de helpers.checks: cada corretor aceita a resposta certa e recusa as erradas de verdade.

Para cada exercício: a função de referência da série passa; uma resposta que devolve uma
constante do tipo certo não passa (um corretor que aceitasse isso não corrige nada); o
``raise NotImplementedError`` do enunciado vira "ainda não implementada"; um erro na função
do aluno vira explicação, não traceback.
"""
import numpy as np
import pytest
import torch

from helpers import checks, distill, pooling, production, training, variants

pytestmark = pytest.mark.unit


def _speedup_pair():
    return (lambda slow, fast: slow / fast), (lambda before, after: 1 - after / before)


def _run_speedup(speedup, reduction=None):
    return checks.check_speedup(speedup, reduction or _speedup_pair()[1])


def _int8_refs():
    return production.quantize, production.dequantize, (lambda n_int8, n_float32: (n_int8 + 4 * n_float32) / 1e6)


def _run_int8(quantize_int8, dequantize_int8=None, int8_size_mb=None):
    refs = _int8_refs()
    return checks.check_int8(quantize_int8, dequantize_int8 or refs[1], int8_size_mb or refs[2])


CHECKERS = {
    "embedding_parameters": (checks.check_embedding_parameters, variants.embedding_parameters, lambda *a: 1000),
    "class_weights": (checks.check_class_weights, training.class_weights, lambda labels, k: torch.ones(k)),
    "mean_pooling": (checks.check_mean_pooling, pooling.mean_pooling,
                     lambda h, mask: torch.zeros(h.shape[0], h.shape[-1])),
    "soft_loss": (checks.check_soft_loss, distill.soft_target_loss, lambda s, t, T: torch.tensor(0.5)),
    "speedup": (_run_speedup, _speedup_pair()[0], lambda slow, fast: 1.63),
    "int8": (_run_int8, _int8_refs()[0], lambda x, scale: np.zeros(len(x))),
}


@pytest.mark.parametrize("name", CHECKERS)
def test_reference_passes(name, capsys):
    checker, reference, _ = CHECKERS[name]
    assert checker(reference) is True
    out = capsys.readouterr().out
    assert "🎉 Tudo certo!" in out and "❌" not in out


@pytest.mark.parametrize("name", CHECKERS)
def test_a_constant_answer_fails(name, capsys):
    checker, _, constant = CHECKERS[name]
    assert checker(constant) is False
    out = capsys.readouterr().out
    assert "❌" in out and "Ainda não" in out


@pytest.mark.parametrize("name", CHECKERS)
def test_the_unfinished_stub_is_reported_as_such(name, capsys):
    checker, _, _ = CHECKERS[name]

    def stub(*args):
        raise NotImplementedError

    assert checker(stub) is False
    assert "ainda não implementada" in capsys.readouterr().out


@pytest.mark.parametrize("name", CHECKERS)
def test_an_error_in_the_student_function_becomes_a_line(name, capsys):
    checker, _, _ = CHECKERS[name]
    assert checker(lambda *args: 1 / 0) is False
    out = capsys.readouterr().out
    assert "ZeroDivisionError" in out and "Traceback" not in out


# ------------------------------------------------------------------ respostas quase certas (os erros comuns)

def test_soft_loss_accepts_a_numpy_answer_returning_float():
    def numpy_version(student, teacher, T):
        s, t = student.numpy().astype(np.float64) / T, teacher.numpy().astype(np.float64) / T
        p = np.exp(t - t.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        log_q = s - s.max(-1, keepdims=True)
        log_q -= np.log(np.exp(log_q).sum(-1, keepdims=True))
        return float(T**2 * (p * (np.log(p) - log_q)).sum() / len(p))

    assert checks.check_soft_loss(numpy_version) is True


@pytest.mark.filterwarnings("ignore:reduction")
@pytest.mark.parametrize("wrong", [
    lambda s, t, T: distill.soft_target_loss(s, t, T) / T**2,                       # esqueceu T²
    lambda s, t, T: distill.soft_target_loss(t, s, T),                              # KL na direção errada
    lambda s, t, T: torch.nn.functional.kl_div(torch.log_softmax(s / T, -1), torch.softmax(t / T, -1),
                                               reduction="mean") * T**2,            # média em tudo
    lambda s, t, T: torch.nn.functional.kl_div(torch.log_softmax(s / T, -1), torch.softmax(t / T, -1),
                                               reduction="none").sum(-1) * T**2,    # sem reduzir o lote
], ids=["sem T²", "direção errada", "média em tudo", "sem reduzir o lote"])
def test_soft_loss_rejects_the_common_mistakes(wrong, capsys):
    assert checks.check_soft_loss(wrong) is False
    assert "Ainda não" in capsys.readouterr().out


def test_mean_pooling_rejects_a_mean_that_counts_padding(capsys):
    assert checks.check_mean_pooling(lambda h, mask: h.mean(dim=1)) is False
    out = capsys.readouterr().out
    assert "❌ o padding (máscara 0) não entra na média" in out and "✅ sem padding" in out


def test_mean_pooling_rejects_nan_on_an_all_padding_row(capsys):
    def nan_prone(h, mask):
        m = mask.unsqueeze(-1).float()
        return (h * m).sum(1) / m.sum(1)

    assert checks.check_mean_pooling(nan_prone) is False
    assert "❌ linha só de padding vira zeros" in capsys.readouterr().out


def test_class_weights_accepts_a_list_and_rejects_counts(capsys):
    assert checks.check_class_weights(lambda labels, k: training.class_weights(labels, k).tolist()) is True
    assert checks.check_class_weights(lambda labels, k: np.bincount(labels, minlength=k).astype(float)) is False


def test_embedding_parameters_rejects_forgetting_positions_and_segments(capsys):
    assert checks.check_embedding_parameters(lambda v, h, p=512, t=2: v * h) is False
    assert checks.check_embedding_parameters(lambda v, h, p=512, t=2: (v + p + t) * h) is False  # sem o LayerNorm


def test_speedup_checks_both_functions(capsys):
    speedup, reduction = _speedup_pair()
    assert checks.check_speedup(speedup, reduction) is True
    assert checks.check_speedup(speedup, lambda before, after: after / before) is False   # 0,6 em vez de 0,4


def test_int8_checks_clipping_the_way_back_and_the_size(capsys):
    quantize, dequantize, size = _int8_refs()
    assert checks.check_int8(quantize, dequantize, size) is True
    assert checks.check_int8(lambda x, s: np.round(np.asarray(x) / s), dequantize, size) is False      # sem o ±127
    assert checks.check_int8(quantize, lambda q, s: np.asarray(q) / s, size) is False                  # divide
    assert checks.check_int8(quantize, dequantize, lambda a, b: (a + b) / 1e6) is False                # float = 1 byte
