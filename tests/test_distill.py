"""Testes de helpers.distill: contas feitas à mão (NumPy), o Trainer em dados minúsculos e o aluno."""
import copy

import numpy as np
import pytest
import torch

from helpers import distill, metrics
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
    assert np.allclose(distill.softmax_with_temperature(z, 3.0).numpy(), np_softmax([[2.0, 1.0, 0.1]], 3.0))
    assert np.allclose(distill.softmax_with_temperature([5.0, 0.0, -5.0], 1e-3).numpy(), [1, 0, 0], atol=1e-6)
    assert np.allclose(distill.softmax_with_temperature([5.0, 0.0, -5.0], 1e6).numpy(), [1 / 3] * 3, atol=1e-5)
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
    got = distill.soft_target_loss(torch.tensor(S), torch.tensor(TEACH), T)
    assert got.shape == ()
    assert got.item() == pytest.approx(np_soft_loss(S, TEACH, T), rel=1e-5)


def test_soft_loss_value_at_T1_written_out():
    # exemplo 1: p = softmax([3, 1, -2]) = (0.8756, 0.1185, 0.0059), q = softmax([2, 0.5, -1]) = (0.7856, 0.1753, 0.0391)
    #            KL = Σ p·log(p/q) = 0.03742
    # exemplo 2: p = softmax([-1, 2, 0.5]) = (0.0391, 0.7856, 0.1753), q = softmax([0, 1, 0]) = (0.2119, 0.5761, 0.2119)
    #            KL = 0.14426
    # batchmean: (0.03742 + 0.14426) / 2 = 0.09084
    assert distill.soft_target_loss(torch.tensor(S), torch.tensor(TEACH), 1.0).item() == pytest.approx(0.09084, abs=1e-5)


def test_soft_loss_is_zero_when_student_equals_teacher():
    t = torch.tensor(TEACH)
    assert distill.soft_target_loss(t, t, 3.0).item() == pytest.approx(0.0, abs=1e-7)


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
        distill.soft_target_loss(zz, v, T).backward()
        grads[T] = zz.grad
        assert torch.allclose(zz.grad, (z - v) / (classes * batch), atol=0.1 / T)  # o erro da aproximação cai como 1/T
        # sem o fator T², o gradiente encolhe como 1/T²
        zz = z.clone().requires_grad_(True)
        (distill.soft_target_loss(zz, v, T) / T**2).backward()
        assert torch.allclose(zz.grad * T**2, grads[T], atol=1e-6)
    assert torch.allclose(grads[10.0], grads[50.0], atol=0.01)


def test_kl_and_cross_entropy_have_the_same_gradient():
    """KL(p‖q) = CE(p, q) − H(p); H(p) não depende do aluno, então os gradientes coincidem."""
    T = 2.0
    v = torch.tensor(TEACH)
    z1 = torch.tensor(S, requires_grad=True)
    distill.soft_target_loss(z1, v, T).backward()
    z2 = torch.tensor(S, requires_grad=True)
    p = torch.softmax(v / T, -1)
    ce = -(p * torch.log_softmax(z2 / T, -1)).sum(-1).mean() * T**2
    ce.backward()
    assert torch.allclose(z1.grad, z2.grad, atol=1e-6)
    entropy = -(p * p.log()).sum(-1).mean() * T**2
    assert ce.item() - entropy.item() == pytest.approx(distill.soft_target_loss(torch.tensor(S), v, T).item(), rel=1e-5)


# --------------------------------------------------------------------------- perda hidden


def _hidden():
    """Duas "camadas" de aluno e três de professor, lote 1, 2 tokens, dimensão 2."""
    student = (torch.tensor([[[1.0, 0.0], [0.0, 1.0]]]),
               torch.tensor([[[1.0, 1.0], [2.0, 0.0]]]))
    teacher = (torch.tensor([[[9.0, 9.0], [9.0, 9.0]]]),
               torch.tensor([[[0.0, 1.0], [0.0, 1.0]]]),
               torch.tensor([[[1.0, 1.0], [0.0, 3.0]]]))
    return student, teacher


def test_hidden_mse_with_layer_map_by_hand():
    s, t = _hidden()
    # par (0, 1): token 1 → ((1−0)² + (0−1)²)/2 = 1; token 2 → 0 → média 0,5
    # par (1, 2): token 1 → 0; token 2 → ((2−0)² + (0−3)²)/2 = 6,5 → média 3,25
    got = distill.hidden_state_loss(s, t, [(0, 1), (1, 2)], "mse")
    assert got.item() == pytest.approx((0.5 + 3.25) / 2)
    # sem layer_map: última com última → só o par (1, 2)
    assert distill.hidden_state_loss(s, t, None, "mse").item() == pytest.approx(3.25)


def test_hidden_cosine_with_layer_map_by_hand():
    s, t = _hidden()
    # par (0, 1): cos([1,0],[0,1]) = 0 → 1; cos([0,1],[0,1]) = 1 → 0; média 0,5
    # par (1, 2): cos([1,1],[1,1]) = 1 → 0; cos([2,0],[0,3]) = 0 → 1; média 0,5
    got = distill.hidden_state_loss(s, t, [(0, 1), (1, 2)], "cosine")
    assert got.item() == pytest.approx(0.5)
    # o cosseno não liga para o tamanho do vetor; o MSE liga
    scaled = tuple(3 * h for h in s)
    assert distill.hidden_state_loss(scaled, t, [(1, 2)], "cosine").item() == pytest.approx(0.5)
    assert distill.hidden_state_loss(scaled, t, [(1, 2)], "mse").item() != pytest.approx(3.25)


def test_hidden_loss_ignores_padding():
    s, t = _hidden()
    mask = torch.tensor([[1, 0]])  # o segundo token é padding
    assert distill.hidden_state_loss(s, t, [(1, 2)], "mse", attention_mask=mask).item() == pytest.approx(0.0)
    assert distill.hidden_state_loss(s, t, [(0, 1)], "cosine", attention_mask=mask).item() == pytest.approx(1.0)


def test_hidden_loss_rejects_unknown_kind_and_mismatched_shapes():
    s, t = _hidden()
    with pytest.raises(ValueError, match="não existe"):
        distill.hidden_state_loss(s, t, None, "l1")
    with pytest.raises(ValueError, match="formas diferentes"):
        distill.hidden_state_loss((torch.zeros(1, 2, 3),), t, [(0, 0)], "mse")


def test_uniform_layer_map():
    assert distill.uniform_layer_map(3, 6) == [(1, 2), (2, 4), (3, 6)]
    assert distill.uniform_layer_map(6, 12) == [(k, 2 * k) for k in range(1, 7)]
    with pytest.raises(ValueError):
        distill.uniform_layer_map(4, 6)


# --------------------------------------------------------------------------- perda total


def test_distillation_loss_combines_the_three_terms():
    s, t = torch.tensor(S), torch.tensor(TEACH)
    labels = torch.tensor([0, 1])
    hs, ht = _hidden()
    out = distill.distillation_loss(s, t, labels, T=2.0, alpha_soft=0.3, alpha_hard=0.2, alpha_hidden=1.5,
                                    student_hidden=hs, teacher_hidden=ht, hidden_loss="mse",
                                    layer_map=[(0, 1), (1, 2)])
    total, soft, hard, hidden = out  # desempacota como tupla
    assert soft.item() == pytest.approx(np_soft_loss(S, TEACH, 2.0), rel=1e-5)
    assert hard.item() == pytest.approx(torch.nn.functional.cross_entropy(s, labels).item())
    assert hidden.item() == pytest.approx(1.875)
    assert total.item() == pytest.approx(0.3 * soft.item() + 0.2 * hard.item() + 1.5 * 1.875, rel=1e-6)


def test_distillation_loss_without_hidden_states():
    s, t = torch.tensor(S), torch.tensor(TEACH)
    out = distill.distillation_loss(s, t, torch.tensor([0, 1]), T=1.0, alpha_soft=1.0, alpha_hard=0.0)
    assert out.hidden.item() == 0.0
    assert out.total.item() == pytest.approx(out.soft.item())
    with pytest.raises(ValueError, match="hidden"):
        distill.distillation_loss(s, t, torch.tensor([0, 1]), alpha_hidden=1.0)


# --------------------------------------------------------------------------- aluno a partir do professor


def test_student_copies_exactly_the_chosen_layers():
    teacher = tiny_teacher(4)
    student = distill.init_student_from_teacher(teacher, layers=(1, 3))
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
    student = distill.init_student_from_teacher(teacher, layers=(0, 2)).eval()
    ids = torch.tensor([[101, 2023, 2003, 102]])
    with torch.no_grad():
        h = teacher.bert.embeddings(input_ids=ids)
        for i in (0, 2):
            out = teacher.bert.encoder.layer[i](h)
            h = out[0] if isinstance(out, tuple) else out
        expected = teacher.classifier(teacher.bert.pooler(h))
        got = student(input_ids=ids).logits
    assert torch.allclose(got, expected, atol=1e-5)


def test_student_equals_the_teacher_with_layers_removed_by_hand():
    # a construção do notebook 04: copiar o professor, guardar só as camadas escolhidas
    teacher = tiny_teacher(6, seed=3)
    layers = (0, 2, 4)
    by_hand = copy.deepcopy(teacher)
    by_hand.bert.encoder.layer = torch.nn.ModuleList(by_hand.bert.encoder.layer[i] for i in layers)
    by_hand.config.num_hidden_layers = len(layers)
    student = distill.init_student_from_teacher(teacher, layers)
    a, b = by_hand.state_dict(), student.state_dict()
    assert list(a) == list(b) and len(b) == len(teacher.state_dict()) - 3 * 16  # 16 tensores por camada do BERT
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert student.config.num_hidden_layers == 3 and student.config.teacher_layers == [0, 2, 4]
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102]])
    with torch.no_grad():
        assert torch.allclose(by_hand.eval()(input_ids=ids).logits, student.eval()(input_ids=ids).logits, atol=1e-6)


@pytest.mark.parametrize("layers", [(), (0, 0), (2, 1), (0, 4), (-1, 2)])
def test_student_rejects_bad_layers(layers):
    with pytest.raises(ValueError):
        distill.init_student_from_teacher(tiny_teacher(4), layers=layers)


def test_student_needs_a_bert_classifier():
    with pytest.raises(TypeError):
        distill.init_student_from_teacher(torch.nn.Linear(2, 2))


# --------------------------------------------------------------------------- o Trainer


@pytest.mark.parametrize("alpha_hidden", [0.0, 1.0])
def test_teacher_is_frozen_and_stays_in_eval_mode(tmp_path, bert_standin, alpha_hidden):
    tokenizer, _ = bert_standin
    teacher = tiny_teacher(4)
    before = {k: v.clone() for k, v in teacher.state_dict().items()}
    student = distill.init_student_from_teacher(teacher, (0, 2))
    student_before = {k: v.clone() for k, v in student.state_dict().items()}
    trainer = distill.make_distillation_trainer(
        student, teacher, tokenizer, tiny_dataset(), temperature=2.0, alpha_soft=0.5, alpha_hard=0.5,
        alpha_hidden=alpha_hidden, layer_map=distill.uniform_layer_map(2, 4), output_dir=str(tmp_path),
        max_steps=2, per_device_train_batch_size=4, learning_rate=1e-2, warmup_steps=0,
        logging_strategy="steps", logging_steps=1, disable_tqdm=True)
    assert isinstance(trainer, distill.DistillationTrainer)
    trainer.train()
    assert not teacher.training
    assert all(not p.requires_grad and p.grad is None for p in teacher.parameters())
    assert all(torch.equal(v.cpu(), before[k]) for k, v in teacher.state_dict().items())
    changed = [k for k, v in student.state_dict().items() if not torch.equal(v.cpu(), student_before[k])]
    assert changed, "o aluno deveria ter mudado depois de dois passos"
    assert next(teacher.parameters()).device == next(student.parameters()).device
    logged = [r for r in trainer.state.log_history if "soft" in r]
    assert logged and {"soft", "hard", "hidden"} <= set(logged[0])
    assert (logged[0]["hidden"] > 0) == (alpha_hidden > 0)


def _teacher_student_and_cached_logits(tokenizer):
    """Professor de 4 camadas, aluno com as camadas 0 e 2 e o dataset com os logits do professor."""
    teacher = tiny_teacher(4)
    student = distill.init_student_from_teacher(teacher, (0, 2))
    return teacher, student, distill.add_teacher_logits(teacher, tiny_dataset(), tokenizer)


@pytest.mark.parametrize("alpha_hidden", [0.0, 1.0])
def test_distillation_trains_with_cached_and_live_teacher(tmp_path, bert_standin, alpha_hidden):
    # o notebook 04 treina assim: perda finita, pesos em float32, logits guardados em float32;
    # com o termo hidden, o professor roda a cada passo
    tokenizer, _ = bert_standin
    teacher, student, train = _teacher_student_and_cached_logits(tokenizer)
    trainer = distill.make_distillation_trainer(
        student, teacher, tokenizer, train, temperature=2.0, alpha_soft=0.5, alpha_hard=0.5,
        alpha_hidden=alpha_hidden, layer_map=distill.uniform_layer_map(2, 4),
        output_dir=str(tmp_path), max_steps=2, per_device_train_batch_size=4, learning_rate=1e-2, warmup_steps=0,
        logging_strategy="steps", logging_steps=1, disable_tqdm=True)
    trainer.train()
    losses = [r["loss"] for r in trainer.state.log_history if "loss" in r]
    assert losses and all(np.isfinite(losses))
    assert all(p.dtype == torch.float32 for p in student.parameters())
    assert "_original_forward" not in student.__dict__ and "forward" not in student.__dict__
    batch = trainer.data_collator([{k: v for k, v in train[i].items() if k != "teacher_logits"} for i in range(2)])
    with torch.no_grad():
        out = student(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], output_hidden_states=True)
    assert out.hidden_states[-1].dtype == torch.float32
    # a avaliação devolve as métricas de sempre
    labelled = train.remove_columns(distill.TEACHER_LOGITS)
    scores = metrics.scores_on(trainer, labelled, ["a", "b", "c"])
    assert set(scores) == {"acurácia", "F1 macro"} and 0 <= scores["F1 macro"] <= 1


def test_add_teacher_logits_stores_what_the_teacher_says(bert_standin):
    tokenizer, _ = bert_standin
    teacher = tiny_teacher(2)
    ds = tiny_dataset(n=10)
    # frases de tamanhos diferentes, para que os lotes precisem de padding
    ds = ds.map(lambda row, i: {"input_ids": row["input_ids"][: 3 + i % 4],
                                "attention_mask": row["attention_mask"][: 3 + i % 4]}, with_indices=True)
    out = distill.add_teacher_logits(teacher, ds, tokenizer, batch_size=4)
    assert out.column_names[-1] == distill.TEACHER_LOGITS and len(out) == len(ds)
    with torch.no_grad():
        for i in (0, 5, 9):
            row = ds[i]
            expected = teacher(input_ids=torch.tensor([row["input_ids"]]),
                               attention_mask=torch.tensor([row["attention_mask"]])).logits[0]
            assert torch.allclose(torch.tensor(out[i][distill.TEACHER_LOGITS]), expected, atol=1e-5)
    again = distill.add_teacher_logits(teacher, out, tokenizer)  # de novo: substitui a coluna
    assert again.column_names.count(distill.TEACHER_LOGITS) == 1
    with pytest.raises(ValueError, match="tokenizado"):
        distill.add_teacher_logits(teacher, ds.remove_columns("input_ids"), tokenizer)


def test_trainer_uses_cached_logits_without_running_the_teacher(tmp_path, bert_standin):
    tokenizer, _ = bert_standin
    teacher, student, train = _teacher_student_and_cached_logits(tokenizer)
    trainer = distill.make_distillation_trainer(
        student, teacher, tokenizer, train, temperature=2.0, alpha_soft=0.7, alpha_hard=0.3,
        output_dir=str(tmp_path), max_steps=2, per_device_train_batch_size=4, learning_rate=1e-2,
        warmup_steps=0, disable_tqdm=True)
    # a mesma perda com os logits guardados e com o professor rodando
    batch = trainer.data_collator([train[i] for i in range(4)])
    assert distill.TEACHER_LOGITS in batch
    batch = {k: v.to(student.device) for k, v in batch.items()}  # numa GPU, o Trainer já levou os modelos para lá
    student.eval()
    with torch.no_grad():
        cached = trainer.compute_loss(student, dict(batch))
        live = trainer.compute_loss(student, {k: v for k, v in batch.items() if k != distill.TEACHER_LOGITS})
    assert torch.allclose(cached, live, atol=1e-5)
    # no treino, a coluna chega ao compute_loss e o professor não roda
    calls = []
    teacher.register_forward_hook(lambda *args: calls.append(1))
    trainer.train()
    assert trainer.state.global_step == 2 and not calls


def test_trainer_puts_teacher_back_in_eval_mode():
    teacher = tiny_teacher(2).train()
    trainer = distill.DistillationTrainer(model=distill.init_student_from_teacher(teacher, (0,)), teacher=teacher,
                                          args=_args())
    assert not teacher.training
    teacher.train()  # alguém mexeu no professor no meio do caminho
    inputs = {"input_ids": torch.tensor([[101, 1000, 102]]), "attention_mask": torch.ones(1, 3, dtype=torch.long),
              "labels": torch.tensor([1])}
    loss, outputs = trainer.compute_loss(trainer.model, inputs, return_outputs=True)
    assert not teacher.training
    assert loss.ndim == 0 and outputs.logits.shape == (1, 3)


def _args():
    from helpers.compat import build_training_arguments

    return build_training_arguments(output_dir="build/teste_destilacao", report_to="none", use_cpu=True)


def test_trainer_validates_its_arguments():
    teacher = tiny_teacher(2)
    student = distill.init_student_from_teacher(teacher, (0,))
    with pytest.raises(ValueError, match="teacher"):
        distill.DistillationTrainer(model=student, args=_args())
    with pytest.raises(ValueError, match="hidden_loss"):
        distill.DistillationTrainer(model=student, args=_args(), teacher=teacher, hidden_loss="l1")
    with pytest.raises(ValueError, match="positiva"):
        distill.DistillationTrainer(model=student, args=_args(), teacher=teacher, temperature=0)


def test_temperature_table_labels_use_a_decimal_comma():
    table = distill.temperature_table([3.0, 1.0, 0.2], [0.5, 1, 2.5])
    assert list(table.index) == ["T = 0,5", "T = 1", "T = 2,5"]


def test_spread_layers_keeps_the_first_and_the_last_like_distilbert():
    # extract_distilbert.py (Hugging Face) copia as camadas 0, 2, 4, 7, 9 e 11 do BERT-base
    assert distill.spread_layers(12) == (0, 2, 4, 7, 9, 11)
    assert distill.spread_layers(6) == (0, 2, 5)
    assert distill.spread_layers(6, 2) == (0, 5)
    assert distill.spread_layers(4, 4) == (0, 1, 2, 3)
    for n in range(4, 25):
        layers = distill.spread_layers(n)
        assert layers[0] == 0 and layers[-1] == n - 1 and len(layers) == n // 2 and list(layers) == sorted(set(layers))
    with pytest.raises(ValueError, match="camadas"):
        distill.spread_layers(6, 7)
    student = distill.init_student_from_teacher(tiny_teacher(6, seed=3))  # sem layers: a mesma regra
    assert student.config.teacher_layers == [0, 2, 5]
