"""Código das aulas do notebook 04 (04_destilacao), gerado por ``scripts/nbsave.py``: não edite aqui.

Cada bloco é uma célula marcada com ``# @save`` em ``notebooks/04_destilacao.ipynb``. Para mudar uma função, mude a
célula no notebook e rode ``make save``; um teste confere que este arquivo e as células são iguais.
"""
# ruff: noqa: E402, F811

# --- seção 3 do notebook 04
import torch.nn.functional as F


def soft_target_loss(student_logits, teacher_logits, T):
    """``T² · KL(softmax(professor/T) ‖ softmax(aluno/T))``, somada nas classes e média do lote.

    Mostrada no notebook 04, seção 3.
    """
    log_q = F.log_softmax(student_logits / T, dim=-1)  # aluno
    log_p = F.log_softmax(teacher_logits / T, dim=-1)  # professor
    return F.kl_div(log_q, log_p, log_target=True, reduction="batchmean") * T**2

# --- seção 5 do notebook 04
import torch
import torch.nn.functional as F


def distillation_loss(
    student_logits,
    teacher_logits,
    labels,
    T,
    alpha_soft,
    alpha_hard,
    alpha_hidden=0.0,
    student_hidden=None,
    teacher_hidden=None,
    layer_map=(),
    attention_mask=None,
    hidden_loss="cosine",
):
    """α_soft · soft + α_hard · hard + α_hidden · hidden; devolve (total, {termo: valor sem peso}).

    ``hidden_loss``: ``"cosine"`` (1 − cos, só a direção) ou ``"mse"`` (direção e tamanho).

    Mostrada no notebook 04, seção 5.
    """
    soft = soft_target_loss(student_logits, teacher_logits, T)  # as duas distribuições em T
    hard = F.cross_entropy(student_logits, labels)  # a entropia cruzada, em T = 1
    hidden = student_logits.new_zeros(())
    if alpha_hidden > 0:
        # camada i do aluno contra a camada j do professor, token a token, só nos tokens de verdade
        mask = attention_mask.float()
        per_pair = []
        for i, j in layer_map:
            h_s, h_t = student_hidden[i], teacher_hidden[j]
            if hidden_loss == "cosine":
                per_token = 1 - F.cosine_similarity(h_s, h_t, dim=-1)
            else:
                per_token = ((h_s - h_t) ** 2).mean(dim=-1)
            per_pair.append((per_token * mask).sum() / mask.sum())
        hidden = torch.stack(per_pair).mean()
    total = alpha_soft * soft + alpha_hard * hard + alpha_hidden * hidden
    return total, {"soft": soft, "hard": hard, "hidden": hidden}

# --- seção 5 do notebook 04
import torch
from transformers import Trainer
from transformers.modeling_outputs import SequenceClassifierOutput


class DistillationTrainer(Trainer):
    """Treina o aluno (``model``) com :func:`distillation_loss`; o professor fica congelado.

    Mostrada no notebook 04, seção 5.
    """

    loss_is_scaled_for_ga = False  # perda média do lote: o Trainer divide pelo acúmulo de gradiente

    def __init__(
        self,
        *args,
        teacher,
        temperature=2.0,
        alpha_soft=0.5,
        alpha_hard=0.5,
        alpha_hidden=0.0,
        hidden_loss="cosine",
        layer_map=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.teacher = teacher.to(self.model.device).eval()  # no dispositivo do aluno; sem dropout
        self.teacher.requires_grad_(False)  # congelado: nenhum gradiente para ele
        self.temperature, self.hidden_loss, self.layer_map = temperature, hidden_loss, layer_map
        self.alpha_soft, self.alpha_hard, self.alpha_hidden = alpha_soft, alpha_hard, alpha_hidden
        self.term_sums, self.term_steps = {"soft": 0.0, "hard": 0.0, "hidden": 0.0}, 0

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        want_hidden = self.alpha_hidden > 0
        outputs = model(**inputs, output_hidden_states=want_hidden)
        with torch.no_grad():  # o professor só responde: sem grafo para ele
            teacher_out = self.teacher(**inputs, output_hidden_states=want_hidden)
        loss, terms = distillation_loss(
            outputs.logits,
            teacher_out.logits,
            labels,
            T=self.temperature,
            alpha_soft=self.alpha_soft,
            alpha_hard=self.alpha_hard,
            alpha_hidden=self.alpha_hidden,
            student_hidden=outputs.hidden_states,
            teacher_hidden=teacher_out.hidden_states,
            layer_map=self.layer_map,
            attention_mask=inputs.get("attention_mask"),
            hidden_loss=self.hidden_loss,
        )
        if model.training:  # para o log: a soma de cada termo, sem o peso
            for name, value in terms.items():
                self.term_sums[name] += value.item()
            self.term_steps += 1
        # na avaliação, só os logits (sem hidden_states, que o Trainer juntaria às previsões)
        return (loss, SequenceClassifierOutput(logits=outputs.logits)) if return_outputs else loss

    def log(self, logs, *args, **kwargs):
        """O log do treino com a média de cada termo desde o log anterior."""
        if "loss" in logs and self.term_steps:
            logs.update({name: total / self.term_steps for name, total in self.term_sums.items()})
            self.term_sums, self.term_steps = dict.fromkeys(self.term_sums, 0.0), 0
        super().log(logs, *args, **kwargs)

# --- seção 7 do notebook 04
import numpy as np


def spread_layers(n_teacher, n_student=None):
    """Camadas do professor (contando do zero) para o aluno: a primeira, a última e as do meio.

    Por padrão, metade: com 12 → 6, ``(0, 2, 4, 7, 9, 11)``, as do ``extract_distilbert.py``.

    Mostrada no notebook 04, seção 7.
    """
    n_student = n_student or n_teacher // 2
    if not 1 <= n_student <= n_teacher:
        raise ValueError(f"O aluno precisa de 1 a {n_teacher} camadas (veio {n_student}).")
    return tuple(int(i) for i in np.round(np.linspace(0, n_teacher - 1, n_student)))


def uniform_layer_map(n_student, n_teacher):
    """Pares ``(aluno, professor)`` de índices em ``hidden_states`` (0: embeddings), por igual.

    Mostrada no notebook 04, seção 7.
    """
    if n_teacher % n_student:
        raise ValueError(
            f"{n_teacher} camadas do professor não se dividem por igual entre {n_student} do aluno."
        )
    step = n_teacher // n_student
    return [(k, k * step) for k in range(1, n_student + 1)]

# --- seção 7 do notebook 04
import copy

import torch


def init_student_from_teacher(teacher, layers):
    """O aluno: cópia do professor (embeddings, *pooler* e cabeça) só com as camadas ``layers``.

    Mostrada no notebook 04, seção 7.
    """
    student = copy.deepcopy(teacher)
    student.bert.encoder.layer = torch.nn.ModuleList(student.bert.encoder.layer[i] for i in layers)
    student.config.num_hidden_layers = len(layers)
    return student

# --- seção 8 do notebook 04
from helpers import memory


def make_distillation_trainer(recipe, teacher, **loss_options):
    """Um :class:`DistillationTrainer` com a receita de ``recipe`` (de ``lesson02.make_trainer``).

    Mesmo aluno, argumentos, dados, lotes e progresso; ``loss_options``: ``temperature``...

    Mostrada no notebook 04, seção 8.
    """
    trainer = DistillationTrainer(
        model=recipe.model,
        args=recipe.args,
        train_dataset=recipe.train_dataset,
        eval_dataset=recipe.eval_dataset,
        data_collator=recipe.data_collator,
        processing_class=recipe.processing_class,
        compute_metrics=recipe.compute_metrics,
        teacher=teacher,
        **loss_options,
    )
    # o progresso da receita (em português), no lugar do que o Trainer põe sozinho
    trainer.callback_handler.callbacks = list(recipe.callback_handler.callbacks)
    return memory.explain_out_of_memory(trainer)  # sem memória: o erro diz o que reduzir (02)
