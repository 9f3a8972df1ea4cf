"""Corretores dos exercícios: rodam a função do aluno em casos conhecidos.

Todos os corretores da série moram aqui, um ``check_*`` por exercício, na ordem dos
notebooks (01 a 06). Cada exercício pede uma **variante** do que a lição escreveu (uma
fórmula vizinha, um caso de borda, uma propriedade): chamar a função da série não passa.
Os casos trazem a resposta certa, calculada aqui, e :func:`helpers.grading.run_checks` nunca
levanta exceção para o aluno: mostra, caso a caso, o que deu certo e o que não deu.
"""

from __future__ import annotations

import numpy as np

from .grading import run_checks

# ------------------------------------------------------------------ um corretor por notebook, na ordem


def albert_embedding_parameters(
    vocab_size, embedding_size, hidden_size, max_positions=512, type_vocab_size=2
):
    """Referência: embeddings fatoradas do ALBERT (Lan et al. 2019, arXiv 1909.11942), como no ``AlbertModel``.

    Tabelas de palavras, posições e segmentos na dimensão E, o LayerNorm (peso e viés, 2E) e a
    projeção E → H do codificador (``embedding_hidden_mapping_in``: E·H pesos + H vieses).
    """
    return (
        (vocab_size + max_positions + type_vocab_size) * embedding_size
        + 2 * embedding_size
        + embedding_size * hidden_size
        + hidden_size
    )


def check_albert_embeddings(function) -> bool:
    """Corrige o exercício do 01: parâmetros das embeddings fatoradas do ALBERT, com a projeção E → H."""
    cases = [
        (
            (30000, 128, 768, 512, 2),
            albert_embedding_parameters(30000, 128, 768),
            "ALBERT-base (E = 128, H = 768)",
        ),
        (
            (30000, 128, 4096, 512, 2),
            albert_embedding_parameters(30000, 128, 4096),
            "ALBERT-xxlarge (E = 128, H = 4096): a tabela não cresce com H",
        ),
        (
            (30000, 768, 768, 512, 2),
            albert_embedding_parameters(30000, 768, 768),
            "E = H: a fatoração não economiza nada, e a projeção ainda está lá",
        ),
        (
            (100, 4, 8, 16, 1),
            albert_embedding_parameters(100, 4, 8, 16, 1),
            "números pequenos, 1 tipo de segmento",
        ),
    ]
    return run_checks(function, cases, tol=0, name="albert_embedding_parameters")


def effective_number_weights(labels, num_classes, beta):
    """Referência: pesos pelo número efetivo de exemplos (Cui et al. 2019, arXiv 1901.05555), somando num_classes."""
    counts = np.bincount(np.asarray(labels, dtype=int), minlength=num_classes).astype(float)
    weights = (1 - beta) / (1 - beta**counts)
    return weights * num_classes / weights.sum()


def check_effective_number_weights(function) -> bool:
    """Corrige o exercício do 02: pesos de classe pelo número efetivo de exemplos, com β."""
    labels = [0] * 60 + [1] * 30 + [2] * 10
    cases = [
        ((labels, 3, 0.0), np.ones(3), "β = 0: nenhum peso (todos 1)"),
        (
            (labels, 3, 0.9),
            effective_number_weights(labels, 3, 0.9),
            "β = 0,9 com 60, 30 e 10 exemplos",
        ),
        ((labels, 3, 0.99), effective_number_weights(labels, 3, 0.99), "β = 0,99"),
        (
            (labels, 3, 1 - 1e-9),
            np.array([1 / 60, 1 / 30, 1 / 10]) * 3 / (1 / 60 + 1 / 30 + 1 / 10),
            "β → 1: o inverso da frequência (os pesos balanceados), normalizados para somar 3",
        ),
        (([1, 1, 0, 0], 2, 0.5), np.ones(2), "classes equilibradas: pesos iguais a 1"),
    ]
    return run_checks(
        lambda *a: np.asarray(function(*a), dtype=float),
        cases,
        tol=1e-6,
        name="effective_number_weights",
    )


def check_mean_without_special(function) -> bool:
    """Corrige o exercício do 03: a média dos tokens de verdade, sem [CLS], [SEP] nem padding.

    ``function(last_hidden_state, attention_mask, special_tokens_mask)`` devolve (lote, dimensão);
    uma linha sem nenhum token comum vira zeros.
    """
    import torch

    h = torch.tensor(
        [[[10.0, 0.0], [1.0, 2.0], [3.0, 4.0], [-9.0, 9.0], [50.0, 50.0]]]
    )  # [CLS] a b [SEP] pad
    mask, special = torch.tensor([[1, 1, 1, 1, 0]]), torch.tensor([[1, 0, 0, 1, 0]])
    h2 = torch.tensor([[[1.0, 1.0], [2.0, 2.0], [7.0, 7.0]], [[4.0, 0.0], [6.0, 2.0], [8.0, 4.0]]])
    cases = [
        ((h, mask, special), torch.tensor([[2.0, 3.0]]), "[CLS], [SEP] e padding ficam de fora"),
        (
            (h2, torch.ones(2, 3, dtype=torch.long), torch.tensor([[1, 0, 1], [0, 0, 0]])),
            torch.tensor([[2.0, 2.0], [6.0, 2.0]]),
            "lote: uma frase com especiais, outra sem",
        ),
        (
            (h2[:1], torch.tensor([[1, 1, 0]]), torch.tensor([[1, 1, 0]])),
            torch.zeros(1, 2),
            "só tokens especiais e padding: zeros, sem NaN",
        ),
    ]
    return run_checks(function, cases, tol=1e-5, name="mean_without_special")


def soft_loss_per_example(student_logits, teacher_logits, T):
    """Referência: T² · KL(p_T ‖ q_T) de cada exemplo, forma (lote,)."""
    import torch

    log_p = torch.log_softmax(torch.as_tensor(teacher_logits, dtype=torch.float32) / T, dim=-1)
    log_q = torch.log_softmax(torch.as_tensor(student_logits, dtype=torch.float32) / T, dim=-1)
    return (log_p.exp() * (log_p - log_q)).sum(dim=-1) * T**2


def check_soft_loss_per_example(function) -> bool:
    """Corrige o exercício do 04: a perda soft de **cada** exemplo (sem a média do lote)."""
    import torch

    s = torch.tensor([[2.0, 0.5, -1.0], [0.0, 1.0, 0.0]])
    t = torch.tensor([[3.0, 1.0, -2.0], [-1.0, 2.0, 0.5]])
    s4 = torch.tensor([[1.0, -1.0, 0.0, 2.0], [0.5, 0.5, 0.5, 0.5], [-2.0, 1.0, 3.0, 0.0]])
    t4 = torch.tensor([[0.0, -2.0, 1.0, 4.0], [1.0, 0.0, 0.0, -1.0], [-2.0, 1.0, 3.0, 0.0]])
    cases = [
        ((s, t, 1.0), soft_loss_per_example(s, t, 1.0), "T = 1: um valor por exemplo, forma (2,)"),
        ((s, t, 2.0), soft_loss_per_example(s, t, 2.0), "T = 2: com o fator T²"),
        (
            (s4, t4, 4.0),
            soft_loss_per_example(s4, t4, 4.0),
            "3 exemplos, 4 classes; o terceiro aluno é igual ao professor: perda zero só nele",
        ),
        (
            (s + 5.0, t, 2.0),
            soft_loss_per_example(s, t, 2.0),
            "somar uma constante aos logits não muda nada",
        ),
    ]
    return run_checks(
        lambda *a: torch.as_tensor(function(*a)), cases, tol=1e-5, name="soft_loss_per_example"
    )


def expected_speedup(teacher_layers, student_layers, fixed_share):
    """Referência: aceleração quando ``fixed_share`` do tempo do professor não depende das camadas."""
    return 1 / (fixed_share + (1 - fixed_share) * student_layers / teacher_layers)


def fixed_share_from(speedup, teacher_layers, student_layers):
    """Referência: a fração fixa que explica uma aceleração medida (o inverso de :func:`expected_speedup`)."""
    ratio = student_layers / teacher_layers
    return (1 / speedup - ratio) / (1 - ratio)


def check_layer_speedup(expected, fixed_share) -> bool:
    """Corrige o exercício do 05: a aceleração de tirar camadas quando parte do tempo não depende delas, e a volta."""

    def unfinished(function, args, name) -> bool:
        """Se ``function`` ainda é o ``raise NotImplementedError`` do enunciado, diz isso (sem crases: texto impresso)."""
        try:
            function(*args)
        except NotImplementedError:
            print(
                f"⏳ {name}: ainda não implementada (troque o raise NotImplementedError pelo seu código)."
            )
            return True
        except Exception:  # um erro de verdade: run_checks o explica, caso a caso
            return False
        return False

    ok1 = not unfinished(expected, (12, 6, 0.0), "expected_speedup") and run_checks(
        expected,
        [
            ((12, 6, 0.0), 2.0, "tudo nas camadas: 12 → 6 dá 2×"),
            ((12, 6, 0.2), expected_speedup(12, 6, 0.2), "20% fixo: menos que 2×"),
            ((6, 3, 1.0), 1.0, "tudo fixo: tirar camadas não acelera"),
            ((12, 4, 0.1), expected_speedup(12, 4, 0.1), "12 → 4 camadas, 10% fixo"),
        ],
        tol=1e-9,
        name="expected_speedup",
    )
    ok2 = not unfinished(fixed_share, (2.0, 12, 6), "fixed_share") and run_checks(
        fixed_share,
        [
            ((2.0, 12, 6), 0.0, "2× com metade das camadas: nada fixo"),
            (
                (668 / 410, 12, 6),
                fixed_share_from(668 / 410, 12, 6),
                "o 1,63× do artigo (668 s / 410 s, Sanh et al. 2019)",
            ),
            ((1.0, 6, 3), 1.0, "nenhuma aceleração: tudo fixo"),
            (
                (2.05, 6, 3),
                fixed_share_from(2.05, 6, 3),
                "2,05× com metade das camadas: mais que 2×, a fração sai negativa",
            ),
        ],
        tol=1e-9,
        name="fixed_share",
    )
    return ok1 and ok2


def dynamic_quantize_uint8(x):
    """Referência: o ``DynamicQuantizeLinear`` como o ONNX Runtime o executa (as ativações do int8 dinâmico), em numpy.

    Faixa com o zero incluído, escala = faixa / 255, deslocamento = round(−mín / escala) limitado a
    0..255, q = round(x / escala) + deslocamento, limitado a 0..255 (arredonda metade para o par).
    Faixa zero (tudo zero): escala 1, como o ONNX Runtime (a referência do pacote ``onnx`` usa 1/255).
    """
    x = np.asarray(x, dtype=np.float32)
    low, high = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    scale = (
        np.float32((high - low) / 255) if high > low else np.float32(1.0)
    )  # faixa zero: escala 1
    zero_point = int(np.clip(np.rint(-low / scale), 0, 255))
    q = np.clip(np.rint(x / scale) + zero_point, 0, 255).astype(np.uint8)
    return q, float(scale), zero_point


def check_dynamic_quantize_uint8(function) -> bool:
    """Corrige o exercício do 06: quantizar ativações em uint8 com deslocamento, como o ONNX Runtime dinâmico."""

    def flat(x):
        q, scale, zero_point = function(x)
        return [*np.asarray(q, dtype=float).tolist(), float(scale), float(zero_point)]

    def expected(x):
        q, scale, zero_point = dynamic_quantize_uint8(x)
        return [*q.astype(float).tolist(), scale, float(zero_point)]

    mixed, positive, negative, zeros = (
        [-1.0, 0.0, 0.5, 2.0],
        [0.2, 1.0, 2.55],
        [-3.0, -0.5, -1.0],
        [0.0, 0.0],
    )
    cases = [
        (
            (mixed,),
            expected(mixed),
            "negativos e positivos: o zero vira um inteiro exato (o deslocamento)",
        ),
        ((positive,), expected(positive), "só positivos: a faixa começa em 0, deslocamento 0"),
        ((negative,), expected(negative), "só negativos: a faixa termina em 0, deslocamento 255"),
        (
            (zeros,),
            expected(zeros),
            "tudo zero: faixa zero, escala 1, como no ONNX Runtime (não divide por zero)",
        ),
    ]
    return run_checks(flat, cases, tol=1e-6, name="dynamic_quantize_uint8")
