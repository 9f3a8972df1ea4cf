"""Testes do código do notebook 04 (``helpers.lesson04``, gerado das células ``# @save``) e de ``helpers.distill``.

Contas feitas à mão (NumPy), o ``Trainer`` em dados minúsculos e o aluno.
"""

import numpy as np
import pytest
import torch

from helpers import distill, lesson02, lesson04, metrics
from tiny import tiny_dataset, tiny_teacher

pytestmark = pytest.mark.unit

# --------------------------------------------------------------------------- referências em NumPy


def np_softmax(z, T=1.0):
    z = np.asarray(z, dtype=np.float64) / T
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def np_soft_loss(student, teacher, T):
    """T² · KL(p ‖ q), somada nas classes e dividida pelo lote, escrita termo a termo."""
    p, q = np_softmax(teacher, T), np_softmax(student, T)
    batch = len(p)
    total = 0.0
    for i in range(batch):
        for c in range(p.shape[1]):
            total += p[i, c] * (np.log(p[i, c]) - np.log(q[i, c]))
    return T**2 * total / batch


S = [[2.0, 0.5, -1.0], [0.0, 1.0, 0.0]]
TEACH = [[3.0, 1.0, -2.0], [-1.0, 2.0, 0.5]]


# --------------------------------------------------------------------------- temperatura


def test_softmax_with_temperature():
    z = torch.tensor([[2.0, 1.0, 0.1]])
    assert torch.allclose(distill.softmax_with_temperature(z, 1.0), torch.softmax(z, -1))
    assert np.allclose(
        distill.softmax_with_temperature(z, 3.0).numpy(), np_softmax([[2.0, 1.0, 0.1]], 3.0)
    )
    assert np.allclose(
        distill.softmax_with_temperature([5.0, 0.0, -5.0], 1e-3).numpy(), [1, 0, 0], atol=1e-6
    )
    assert np.allclose(
        distill.softmax_with_temperature([5.0, 0.0, -5.0], 1e6).numpy(), [1 / 3] * 3, atol=1e-5
    )
    with pytest.raises(ValueError, match="positiva"):
        distill.softmax_with_temperature(z, 0)


def test_temperature_table_rows_sum_to_one_and_entropy_grows():
    table = distill.temperature_table([3.0, 1.0, 0.2], [1, 2, 5], ["neg", "neu", "pos"])
    assert list(table.columns) == ["neg", "neu", "pos", "entropia (bits)"]
    assert np.allclose(table[["neg", "neu", "pos"]].sum(axis=1), 1)
    assert table["entropia (bits)"].is_monotonic_increasing


# --------------------------------------------------------------------------- perda soft


@pytest.mark.parametrize("T", [1.0, 2.0, 4.0])
def test_soft_loss_matches_numpy_by_hand(T):
    got = lesson04.soft_target_loss(torch.tensor(S), torch.tensor(TEACH), T)
    assert got.shape == ()
    assert got.item() == pytest.approx(np_soft_loss(S, TEACH, T), rel=1e-5)


def test_soft_loss_value_at_T1_written_out():
    # exemplo 1: p = softmax([3, 1, -2]) = (0.8756, 0.1185, 0.0059), q = softmax([2, 0.5, -1]) = (0.7856, 0.1753, 0.0391)
    #            KL = Σ p·log(p/q) = 0.03742
    # exemplo 2: p = softmax([-1, 2, 0.5]) = (0.0391, 0.7856, 0.1753), q = softmax([0, 1, 0]) = (0.2119, 0.5761, 0.2119)
    #            KL = 0.14426
    # batchmean: (0.03742 + 0.14426) / 2 = 0.09084
    assert lesson04.soft_target_loss(
        torch.tensor(S), torch.tensor(TEACH), 1.0
    ).item() == pytest.approx(0.09084, abs=1e-5)


def test_soft_loss_is_zero_when_student_equals_teacher():
    t = torch.tensor(TEACH)
    assert lesson04.soft_target_loss(t, t, 3.0).item() == pytest.approx(0.0, abs=1e-7)


def test_T_squared_factor_keeps_gradients_at_the_same_scale():
    """Hinton et al. 2015: com T alto e logits de média zero, ∂KL/∂z ≈ (z − v) / (N·T²).

    Com o fator T², o gradiente fica ≈ (z − v) / N (e /lote, pelo batchmean), o mesmo para qualquer T.
    """
    z = torch.tensor([[1.0, -0.5, -0.5], [0.2, 0.3, -0.5]])
    v = torch.tensor([[0.5, 0.5, -1.0], [-0.4, 0.6, -0.2]])
    batch, classes = z.shape
    grads = {}
    for T in (10.0, 50.0):
        zz = z.clone().requires_grad_(True)
        lesson04.soft_target_loss(zz, v, T).backward()
        grads[T] = zz.grad
        assert torch.allclose(
            zz.grad, (z - v) / (classes * batch), atol=0.1 / T
        )  # o erro da aproximação cai como 1/T
        # sem o fator T², o gradiente encolhe como 1/T²
        zz = z.clone().requires_grad_(True)
        (lesson04.soft_target_loss(zz, v, T) / T**2).backward()
        assert torch.allclose(zz.grad * T**2, grads[T], atol=1e-6)
    assert torch.allclose(grads[10.0], grads[50.0], atol=0.01)


def test_kl_and_cross_entropy_have_the_same_gradient():
    """KL(p‖q) = CE(p, q) − H(p); H(p) não depende do aluno, então os gradientes coincidem."""
    T = 2.0
    v = torch.tensor(TEACH)
    z1 = torch.tensor(S, requires_grad=True)
    lesson04.soft_target_loss(z1, v, T).backward()
    z2 = torch.tensor(S, requires_grad=True)
    p = torch.softmax(v / T, -1)
    ce = -(p * torch.log_softmax(z2 / T, -1)).sum(-1).mean() * T**2
    ce.backward()
    assert torch.allclose(z1.grad, z2.grad, atol=1e-6)
    entropy = -(p * p.log()).sum(-1).mean() * T**2
    assert ce.item() - entropy.item() == pytest.approx(
        lesson04.soft_target_loss(torch.tensor(S), v, T).item(), rel=1e-5
    )


# --------------------------------------------------------------------------- perda hidden


def _hidden():
    """Duas "camadas" de aluno e três de professor, lote 1, 2 tokens, dimensão 2."""
    student = (torch.tensor([[[1.0, 0.0], [0.0, 1.0]]]), torch.tensor([[[1.0, 1.0], [2.0, 0.0]]]))
    teacher = (
        torch.tensor([[[9.0, 9.0], [9.0, 9.0]]]),
        torch.tensor([[[0.0, 1.0], [0.0, 1.0]]]),
        torch.tensor([[[1.0, 1.0], [0.0, 3.0]]]),
    )
    return student, teacher


def hidden_term(layer_map, kind, mask=None):
    """O termo hidden de ``lesson04.distillation_loss`` sozinho (soft e hard com peso zero)."""
    s, t = _hidden()
    mask = torch.ones(1, 2) if mask is None else mask
    logits = torch.zeros(1, 3)
    _, terms = lesson04.distillation_loss(
        logits, logits, torch.tensor([0]), 1.0, 0.0, 0.0, 1.0, s, t, layer_map, mask, kind
    )
    return terms["hidden"].item()


def test_hidden_mse_with_layer_map_by_hand():
    # par (0, 1): token 1 → ((1−0)² + (0−1)²)/2 = 1; token 2 → 0 → média 0,5
    # par (1, 2): token 1 → 0; token 2 → ((2−0)² + (0−3)²)/2 = 6,5 → média 3,25
    assert hidden_term([(0, 1), (1, 2)], "mse") == pytest.approx((0.5 + 3.25) / 2)
    assert hidden_term([(1, 2)], "mse") == pytest.approx(3.25)


def test_hidden_cosine_with_layer_map_by_hand():
    # par (0, 1): cos([1,0],[0,1]) = 0 → 1; cos([0,1],[0,1]) = 1 → 0; média 0,5
    # par (1, 2): cos([1,1],[1,1]) = 1 → 0; cos([2,0],[0,3]) = 0 → 1; média 0,5
    assert hidden_term([(0, 1), (1, 2)], "cosine") == pytest.approx(0.5)


def test_hidden_loss_ignores_padding():
    mask = torch.tensor([[1, 0]])  # o segundo token é padding
    assert hidden_term([(1, 2)], "mse", mask) == pytest.approx(0.0)
    assert hidden_term([(0, 1)], "cosine", mask) == pytest.approx(1.0)


def test_uniform_layer_map():
    assert lesson04.uniform_layer_map(3, 6) == [(1, 2), (2, 4), (3, 6)]
    assert lesson04.uniform_layer_map(6, 12) == [(k, 2 * k) for k in range(1, 7)]
    with pytest.raises(ValueError):
        lesson04.uniform_layer_map(4, 6)


# --------------------------------------------------------------------------- perda total


def test_distillation_loss_combines_the_three_terms():
    s, t = torch.tensor(S), torch.tensor(TEACH)
    labels = torch.tensor([0, 1])
    hs, ht = _hidden()
    total, terms = lesson04.distillation_loss(
        s,
        t,
        labels,
        2.0,
        0.3,
        0.2,
        1.5,
        hs,
        ht,
        [(0, 1), (1, 2)],
        torch.ones(1, 2),
        hidden_loss="mse",
    )
    assert terms["soft"].item() == pytest.approx(np_soft_loss(S, TEACH, 2.0), rel=1e-5)
    assert terms["hard"].item() == pytest.approx(
        torch.nn.functional.cross_entropy(s, labels).item()
    )
    assert terms["hidden"].item() == pytest.approx(1.875)
    assert total.item() == pytest.approx(
        0.3 * terms["soft"].item() + 0.2 * terms["hard"].item() + 1.5 * 1.875, rel=1e-6
    )


def test_distillation_loss_without_hidden_states():
    s, t = torch.tensor(S), torch.tensor(TEACH)
    total, terms = lesson04.distillation_loss(s, t, torch.tensor([0, 1]), 1.0, 1.0, 0.0)
    assert terms["hidden"].item() == 0.0
    assert total.item() == pytest.approx(
        np_soft_loss(S, TEACH, 1.0), rel=1e-5
    )  # só o termo soft, peso 1


# --------------------------------------------------------------------------- aluno a partir do professor


def test_student_copies_exactly_the_chosen_layers():
    teacher = tiny_teacher(4)
    student = lesson04.init_student_from_teacher(teacher, layers=(1, 3))
    assert student.config.num_hidden_layers == 2
    assert teacher.config.num_hidden_layers == 4  # o professor não muda
    t_state, s_state = teacher.state_dict(), student.state_dict()
    for key, value in s_state.items():
        if key.startswith("bert.encoder.layer."):
            j, rest = key.removeprefix("bert.encoder.layer.").split(".", 1)
            source = f"bert.encoder.layer.{(1, 3)[int(j)]}.{rest}"
        else:
            source = key  # embeddings, pooler e classificador
        assert torch.equal(value, t_state[source]), key
    assert any(k.startswith("bert.pooler.") for k in s_state) and "classifier.weight" in s_state
    # cópia, não o mesmo tensor: treinar o aluno não mexe no professor
    with torch.no_grad():
        student.classifier.weight.add_(1.0)
    assert not torch.equal(student.classifier.weight, teacher.classifier.weight)


def test_student_forward_equals_teacher_layers_by_hand():
    teacher = tiny_teacher(4)
    student = lesson04.init_student_from_teacher(teacher, layers=(0, 2)).eval()
    ids = torch.tensor([[101, 2023, 2003, 102]])
    with torch.no_grad():
        h = teacher.bert.embeddings(input_ids=ids)
        for i in (0, 2):
            out = teacher.bert.encoder.layer[i](h)
            h = out[0] if isinstance(out, tuple) else out
        expected = teacher.classifier(teacher.bert.pooler(h))
        got = student(input_ids=ids).logits
    assert torch.allclose(got, expected, atol=1e-5)


def test_spread_layers_keeps_the_first_and_the_last_like_distilbert():
    # extract_distilbert.py (Hugging Face) copia as camadas 0, 2, 4, 7, 9 e 11 do BERT-base
    assert lesson04.spread_layers(12) == (0, 2, 4, 7, 9, 11)
    assert lesson04.spread_layers(6) == (0, 2, 5)
    assert lesson04.spread_layers(6, 2) == (0, 5)
    assert lesson04.spread_layers(4, 4) == (0, 1, 2, 3)
    for n in range(4, 25):
        layers = lesson04.spread_layers(n)
        assert (
            layers[0] == 0
            and layers[-1] == n - 1
            and len(layers) == n // 2
            and list(layers) == sorted(set(layers))
        )
    with pytest.raises(ValueError, match="camadas"):
        lesson04.spread_layers(6, 7)


# --------------------------------------------------------------------------- o Trainer


def distillation_trainer(student, teacher, tokenizer, train, tmp_path, **loss_options):
    """Como a seção 8 do notebook 04: a receita do 02 e o DistillationTrainer da seção 5."""
    recipe = lesson02.make_trainer(
        student,
        tokenizer,
        train,
        output_dir=str(tmp_path),
        max_steps=2,
        per_device_train_batch_size=4,
        learning_rate=1e-2,
        warmup_steps=0,
        logging_strategy="steps",
        logging_steps=1,
        disable_tqdm=True,
        use_cpu=True,
    )
    return lesson04.make_distillation_trainer(recipe, teacher, **loss_options)


@pytest.mark.parametrize("alpha_hidden", [0.0, 1.0])
def test_teacher_is_frozen_and_the_student_learns(tmp_path, bert_standin, alpha_hidden):
    tokenizer, _ = bert_standin
    teacher = tiny_teacher(4)
    before = {k: v.clone() for k, v in teacher.state_dict().items()}
    student = lesson04.init_student_from_teacher(teacher, (0, 2))
    student_before = {k: v.clone() for k, v in student.state_dict().items()}
    trainer = distillation_trainer(
        student,
        teacher,
        tokenizer,
        tiny_dataset(),
        tmp_path,
        temperature=2.0,
        alpha_soft=0.5,
        alpha_hard=0.5,
        alpha_hidden=alpha_hidden,
        layer_map=lesson04.uniform_layer_map(2, 4),
    )
    assert isinstance(trainer, lesson04.DistillationTrainer)
    trainer.train()
    assert not teacher.training
    assert all(not p.requires_grad and p.grad is None for p in teacher.parameters())
    assert all(torch.equal(v.cpu(), before[k]) for k, v in teacher.state_dict().items())
    changed = [
        k for k, v in student.state_dict().items() if not torch.equal(v.cpu(), student_before[k])
    ]
    assert changed, "o aluno deveria ter mudado depois de dois passos"
    # o log de cada termo (a tabela da seção 8)
    terms = distill.loss_terms_frame(trainer.state.log_history)
    assert len(terms) == 2 and np.isfinite(terms.to_numpy()).all()
    assert ((terms["hidden"] > 0) == (alpha_hidden > 0)).all()
    # a avaliação devolve as métricas de sempre
    scores = metrics.scores_on(trainer, tiny_dataset(), ["a", "b", "c"])
    assert set(scores) == {"accuracy", "f1_macro"} and 0 <= scores["f1_macro"] <= 1


def test_the_trainer_logs_in_portuguese(tmp_path, bert_standin, capsys):
    """O progresso é o da receita do 02 (uma linha por época), não os dicionários em inglês do Trainer."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    tokenizer, _ = bert_standin
    teacher = tiny_teacher(2)
    trainer = distillation_trainer(
        lesson04.init_student_from_teacher(teacher, (0,)),
        teacher,
        tokenizer,
        tiny_dataset(),
        tmp_path,
    )
    assert not any(
        isinstance(c, (PrinterCallback, ProgressCallback))
        for c in trainer.callback_handler.callbacks
    )
    trainer.train()
    assert "{'loss'" not in capsys.readouterr().out


def test_temperature_table_labels_use_a_decimal_comma():
    table = distill.temperature_table([3.0, 1.0, 0.2], [0.5, 1, 2.5])
    assert list(table.index) == ["T = 0,5", "T = 1", "T = 2,5"]
