"""Corretores dos exercícios: rodam a função do aluno em casos conhecidos.

Todos os corretores da série moram aqui, um ``check_*`` por exercício, na ordem dos
notebooks (01 a 06). Cada um monta casos com a resposta certa (calculada pela função
da série que o exercício reescreve) e chama :func:`run_checks`, que nunca levanta
exceção para o aluno: mostra, caso a caso, o que deu certo e o que não deu.
"""
from __future__ import annotations

import math
import traceback

import numpy as np


def _close(got, expected, tol) -> bool:
    try:
        import torch

        if isinstance(got, torch.Tensor):
            got = got.detach().cpu().numpy()
        if isinstance(expected, torch.Tensor):
            expected = expected.detach().cpu().numpy()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(expected, (int, float, np.number, np.ndarray, list, tuple)) and not isinstance(expected, bool):
        try:
            g, e = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
            return g.shape == e.shape and bool(np.allclose(g, e, atol=tol, rtol=tol))
        except (TypeError, ValueError):
            return False
    return got == expected


def run_checks(function, cases, tol: float = 1e-6, name: str | None = None) -> bool:
    """Testa ``function`` em ``cases`` (lista de ``(args, esperado, descrição)``).

    Imprime o resultado de cada caso em português e devolve ``True`` se todos passarem.
    """
    name = name or getattr(function, "__name__", "sua função")
    ok_all = True
    for args, expected, description in cases:
        try:
            got = function(*args)
        except NotImplementedError:
            print(f"⏳ {name}: ainda não implementada (troque o `raise NotImplementedError` pelo seu código).")
            return False
        except Exception as exc:  # o erro do aluno vira explicação, não traceback gigante
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            print(f"❌ {description}: a função levantou {last}")
            ok_all = False
            continue
        if _close(got, expected, tol):
            print(f"✅ {description}")
        else:
            ok_all = False
            shown = got if not hasattr(got, "shape") or math.prod(getattr(got, "shape", ())) <= 8 else f"tensor de forma {tuple(got.shape)}"
            print(f"❌ {description}: esperado {expected!r}, veio {shown!r}")
    print("🎉 Tudo certo!" if ok_all else "Ainda não: releia o enunciado e tente de novo.")
    return ok_all


# ------------------------------------------------------------------ notebook 01

def check_embedding_parameters(function) -> bool:
    """Corrige o exercício "conte os parâmetros das embeddings"."""
    from .variants import embedding_parameters

    cases = [((30522, 768, 512, 2), embedding_parameters(30522, 768, 512, 2), "BERT-base (30522 × 768)"),
             ((29794, 1024, 512, 2), embedding_parameters(29794, 1024, 512, 2), "BERTimbau-large (29794 × 1024)"),
             ((30522, 384, 512, 2), embedding_parameters(30522, 384, 512, 2), "MiniLM-L6-H384 (o substituto offline)"),
             ((50265, 768, 514, 1), embedding_parameters(50265, 768, 514, 1), "RoBERTa-base (1 tipo de segmento)")]
    return run_checks(function, cases, tol=0, name="embedding_parameters")


# ------------------------------------------------------------------ notebook 02

def check_class_weights(function) -> bool:
    """Corrige o exercício "escreva os pesos balanceados das classes"."""
    from .training import class_weights

    cases = [(([0, 0, 0, 1], 2), class_weights([0, 0, 0, 1], 2), "duas classes, 3 contra 1"),
             (([0, 1, 2, 2, 2, 2], 3), class_weights([0, 1, 2, 2, 2, 2], 3), "três classes desbalanceadas"),
             (([1, 0, 1, 0], 2), class_weights([1, 0, 1, 0], 2), "classes equilibradas: pesos iguais a 1")]
    return run_checks(function, cases, tol=1e-5, name="class_weights")


# ------------------------------------------------------------------ notebook 03

def check_mean_pooling(function) -> bool:
    """Corrige o exercício "escreva o mean pooling com máscara".

    ``function(last_hidden_state, attention_mask)`` deve devolver a média dos
    tokens com máscara 1, forma ``(lote, dimensão)``; uma linha só de *padding*
    deve virar zeros.
    """
    import torch

    h1 = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]])
    h2 = torch.tensor([[[1.0, -1.0], [3.0, 1.0], [99.0, 99.0], [-50.0, 7.0]]])     # os dois últimos são padding
    h3 = torch.tensor([[[2.0, 0.0, 1.0], [4.0, 2.0, 1.0], [6.0, 4.0, 1.0]],
                       [[1.0, 1.0, 1.0], [8.0, 8.0, 8.0], [8.0, 8.0, 8.0]]])
    h4 = torch.tensor([[[1.0, 2.0], [3.0, 4.0]], [[7.0, 7.0], [9.0, 9.0]]])
    cases = [
        ((h1, torch.tensor([[1, 1, 1]])), torch.tensor([[3.0, 4.0]]), "sem padding: média simples dos 3 tokens"),
        ((h2, torch.tensor([[1, 1, 0, 0]])), torch.tensor([[2.0, 0.0]]), "o padding (máscara 0) não entra na média"),
        ((h3, torch.tensor([[1, 1, 1], [1, 0, 0]])), torch.tensor([[4.0, 2.0, 1.0], [1.0, 1.0, 1.0]]),
         "lote com frases de tamanhos diferentes"),
        ((h4, torch.tensor([[1, 1], [0, 0]])), torch.tensor([[2.0, 3.0], [0.0, 0.0]]),
         "linha só de padding vira zeros (sem NaN)"),
    ]
    return run_checks(function, cases, tol=1e-5, name="mean_pooling")


# ------------------------------------------------------------------ notebook 04

def check_soft_loss(function) -> bool:
    """Corrige o exercício "escreva a perda soft".

    ``function(student_logits, teacher_logits, T)`` deve devolver
    ``T² · KL(softmax(professor/T) ‖ softmax(aluno/T))``, somada nas classes e
    dividida pelo número de exemplos do lote.
    """
    import torch

    from .distill import soft_target_loss

    s = torch.tensor([[2.0, 0.5, -1.0], [0.0, 1.0, 0.0]])
    t = torch.tensor([[3.0, 1.0, -2.0], [-1.0, 2.0, 0.5]])
    s4 = torch.tensor([[1.0, -1.0, 0.0, 2.0], [0.5, 0.5, 0.5, 0.5], [-2.0, 1.0, 3.0, 0.0]])
    t4 = torch.tensor([[0.0, -2.0, 1.0, 4.0], [1.0, 0.0, 0.0, -1.0], [-1.0, 0.0, 5.0, 1.0]])
    cases = [
        ((s, t, 1.0), soft_target_loss(s, t, 1.0), "T = 1: KL(professor ‖ aluno) com média no lote"),
        ((s, t, 2.0), soft_target_loss(s, t, 2.0), "T = 2: não esqueça o fator T²"),
        ((s4, t4, 4.0), soft_target_loss(s4, t4, 4.0), "lote de 3 exemplos, 4 classes, T = 4"),
        ((t, t, 3.0), torch.tensor(0.0), "aluno igual ao professor: perda zero"),
    ]

    def as_scalar(*args):
        value = torch.as_tensor(function(*args))
        return value.reshape(()) if value.numel() == 1 else value

    return run_checks(as_scalar, cases, tol=1e-5, name="soft_loss")


# ------------------------------------------------------------------ notebook 05

def check_speedup(speedup, parameter_reduction) -> bool:
    """Corrige o exercício do notebook 05 com os números de Sanh et al. 2019 (arXiv 1910.01108)."""
    ok1 = run_checks(speedup, [((668, 410), 668 / 410, "inferência na CPU do artigo: 668 s × 410 s (≈1,63×)"),
                               ((100, 100), 1.0, "mesma latência: 1×")], tol=1e-6, name="speedup")
    ok2 = run_checks(parameter_reduction, [((110, 66), 0.4, "110M → 66M: 40% menos"),
                                           ((22.7, 17.2), 1 - 17.2 / 22.7, "substitutos offline")], tol=1e-6,
                     name="parameter_reduction")
    return ok1 and ok2


def check_int8(quantize_int8, dequantize_int8, int8_size_mb) -> bool:
    """Corrige o exercício do notebook 06: int8 simétrico com uma escala dada, e o tamanho esperado em disco.

    As respostas vêm de :func:`helpers.production.quantize` e :func:`helpers.production.dequantize`.
    """
    from .production import dequantize, quantize

    x = [0.5, -1.27, 0.004, 2.0, -0.3]
    ok1 = run_checks(lambda v, s: np.asarray(quantize_int8(v, s), dtype=float),
                     [((x, 0.01), quantize(x, 0.01).numpy().astype(float), "escala 0,01: arredonda e corta em ±127"),
                      (([0.0, 0.02, -0.02], 0.01), np.array([0.0, 2.0, -2.0]), "múltiplos exatos da escala")],
                     tol=0, name="quantize_int8")
    q = [50, -127, 0, 127, -30]
    ok2 = run_checks(lambda v, s: np.asarray(dequantize_int8(v, s), dtype=float),
                     [((q, 0.01), dequantize(q, 0.01).numpy().astype(float), "de volta: q × escala"),
                      (([1, -1], 0.5), np.array([0.5, -0.5]), "escala 0,5")], tol=1e-6, name="dequantize_int8")
    ok3 = run_checks(int8_size_mb, [((1_000_000, 0), 1.0, "um milhão de pesos em int8: 1 MB"),
                                    ((0, 1_000_000), 4.0, "um milhão em float32: 4 MB"),
                                    ((42_000_000, 24_000_000), 42 + 96, "42M em int8 e 24M em float32")],
                     tol=1e-9, name="int8_size_mb")
    return ok1 and ok2 and ok3
