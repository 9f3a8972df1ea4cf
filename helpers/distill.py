"""Destilação de conhecimento (notebook 04): a perda, o ``Trainer`` e o aluno.

Um modelo grande já treinado (o **professor**) ensina um menor (o **aluno**).
O aluno aprende com três sinais, somados com pesos:

* **soft**: imitar a distribuição do professor suavizada pela temperatura ``T``
  (Hinton et al. 2015, arXiv 1503.02531): ``T² · KL(professor_T ‖ aluno_T)``;
* **hard**: a entropia cruzada de sempre com os rótulos verdadeiros (``T = 1``);
* **hidden**: aproximar os estados ocultos do aluno dos do professor, camada a
  camada (cosseno, como no DistilBERT, Sanh et al. 2019, arXiv 1910.01108, ou MSE).

Conteúdo: :func:`softmax_with_temperature`, :func:`soft_target_loss`,
:func:`hidden_state_loss`, :func:`distillation_loss`, :class:`DistillationTrainer`
(um ``Trainer`` com argumentos próprios), :func:`add_teacher_logits` (o professor roda uma
vez só, antes do treino), :func:`init_student_from_teacher` (uma
camada a cada duas do professor), :func:`temperature_table` e :func:`loss_terms_frame`.

O que não é destilação mora com o seu conceito: medir os modelos em :mod:`helpers.measure`,
avaliá-los em :mod:`helpers.metrics`, o gráfico da temperatura em :mod:`helpers.plots`,
o corretor do exercício em :mod:`helpers.checks`. Na CPU tudo roda em float32; numa GPU,
o treino usa a precisão mista de :func:`helpers.training.make_trainer`
(:func:`helpers.training.autocast_for` leva a mesma precisão ao professor).
"""
from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from transformers import Trainer
from transformers.modeling_outputs import SequenceClassifierOutput

from .batching import length_batches, token_lengths
from .compat import forward_inputs
from .training import autocast_for

HIDDEN_LOSSES = ("cosine", "mse")
TEACHER_LOGITS = "teacher_logits"  # coluna opcional com os logits do professor já calculados


# --------------------------------------------------------------------------- temperatura

def softmax_with_temperature(logits, T: float = 1.0, dim: int = -1) -> torch.Tensor:
    """``softmax(logits / T)``: ``T > 1`` espalha a probabilidade, ``T < 1`` concentra.

    Aceita tensor, array ou lista; devolve um tensor ``float32`` da mesma forma.
    """
    if T <= 0:
        raise ValueError(f"A temperatura precisa ser positiva (veio T={T}).")
    logits = torch.as_tensor(logits, dtype=torch.float32)
    return torch.softmax(logits / T, dim=dim)


def temperature_table(logits, temperatures, class_names=None) -> pd.DataFrame:
    """Tabela: uma linha por temperatura, a probabilidade de cada classe e a entropia (em bits)."""
    logits = torch.as_tensor(logits, dtype=torch.float32).reshape(-1)
    names = list(class_names) if class_names is not None else [f"classe {i}" for i in range(len(logits))]
    rows = {}
    for T in temperatures:
        p = softmax_with_temperature(logits, T)
        entropy = float(-(p * torch.log2(p.clamp_min(1e-30))).sum())
        rows[f"T = {T:g}".replace(".", ",")] = {**{n: float(v) for n, v in zip(names, p)}, "entropia (bits)": entropy}
    return pd.DataFrame(rows).T.rename_axis("temperatura")


# --------------------------------------------------------------------------- as três perdas

class DistillationLoss(NamedTuple):
    """Perda total e os três termos, já sem os pesos (``total = Σ α · termo``)."""

    total: torch.Tensor
    soft: torch.Tensor
    hard: torch.Tensor
    hidden: torch.Tensor


def soft_target_loss(student_logits, teacher_logits, T: float = 2.0) -> torch.Tensor:
    """``T² · KL(professor_T ‖ aluno_T)``, somada nas classes e dividida pelo lote (*batchmean*).

    O fator ``T²`` compensa os gradientes, que encolhem como ``1/T²`` (Hinton et al. 2015,
    seção 2): sem ele, trocar a temperatura mudaria também o peso do termo na soma.
    """
    if T <= 0:
        raise ValueError(f"A temperatura precisa ser positiva (veio T={T}).")
    log_q = F.log_softmax(student_logits / T, dim=-1)   # aluno
    log_p = F.log_softmax(teacher_logits / T, dim=-1)   # professor
    return F.kl_div(log_q, log_p, log_target=True, reduction="batchmean") * T**2


def spread_layers(n_teacher: int, n_student: int | None = None) -> tuple[int, ...]:
    """Camadas do professor (contando do zero) que o aluno copia: a primeira, a última e as outras espaçadas.

    Por padrão, metade das camadas. Com 12 → 6 dá ``(0, 2, 4, 7, 9, 11)``, as do script de
    extração do DistilBERT (``extract_distilbert.py``); com 6 → 3, ``(0, 2, 5)``.
    """
    n_student = n_student or n_teacher // 2
    if not 1 <= n_student <= n_teacher:
        raise ValueError(f"O aluno precisa de 1 a {n_teacher} camadas (veio {n_student}).")
    return tuple(int(i) for i in np.round(np.linspace(0, n_teacher - 1, n_student)))


def uniform_layer_map(n_student: int, n_teacher: int) -> list[tuple[int, int]]:
    """Pares ``(aluno, professor)`` de índices em ``hidden_states``, espaçados por igual.

    O índice 0 é a saída das embeddings e ``k`` a saída da camada ``k``. Com 3 camadas
    no aluno e 6 no professor: ``[(1, 2), (2, 4), (3, 6)]``, cada camada do aluno faz o
    trabalho de duas do professor.
    """
    if n_teacher % n_student:
        raise ValueError(f"{n_teacher} camadas do professor não se dividem por igual entre {n_student} do aluno.")
    step = n_teacher // n_student
    return [(k, k * step) for k in range(1, n_student + 1)]


def hidden_state_loss(student_hidden, teacher_hidden, layer_map=None, kind: str = "cosine",
                      attention_mask=None) -> torch.Tensor:
    """Distância entre estados ocultos do aluno e do professor, média sobre os pares de ``layer_map``.

    ``student_hidden`` e ``teacher_hidden`` são as tuplas ``hidden_states`` dos modelos
    (índice 0 = embeddings). ``layer_map``: pares ``(aluno, professor)``; ``None`` compara
    só a última camada dos dois, como o script do DistilBERT. ``kind``:

    * ``"cosine"``: ``1 − cos(h_aluno, h_professor)`` por token (a direção do vetor);
    * ``"mse"``: média de ``(h_aluno − h_professor)²`` por token (direção e tamanho).

    Tokens com ``attention_mask == 0`` (*padding*) ficam fora da média.
    """
    if kind not in HIDDEN_LOSSES:
        raise ValueError(f"hidden_loss='{kind}' não existe; use um de {HIDDEN_LOSSES}.")
    if layer_map is None:
        layer_map = [(len(student_hidden) - 1, len(teacher_hidden) - 1)]
    losses = []
    for i_s, i_t in layer_map:
        hs, ht = student_hidden[i_s], teacher_hidden[i_t]
        if hs.shape != ht.shape:
            raise ValueError(f"Par ({i_s}, {i_t}): formas diferentes {tuple(hs.shape)} e {tuple(ht.shape)}.")
        if kind == "cosine":
            per_token = 1 - F.cosine_similarity(hs, ht, dim=-1)       # (lote, tokens)
        else:
            per_token = ((hs - ht) ** 2).mean(dim=-1)                  # (lote, tokens)
        if attention_mask is None:
            losses.append(per_token.mean())
        else:
            mask = torch.as_tensor(attention_mask, device=per_token.device).to(per_token.dtype)
            losses.append((per_token * mask).sum() / mask.sum().clamp_min(1))
    return torch.stack(losses).mean()


def distillation_loss(student_logits, teacher_logits, labels, T: float = 2.0, alpha_soft: float = 0.5,
                      alpha_hard: float = 0.5, alpha_hidden: float = 0.0, student_hidden=None,
                      teacher_hidden=None, hidden_loss: str = "cosine", layer_map=None,
                      attention_mask=None) -> DistillationLoss:
    """``α_soft · soft + α_hard · hard + α_hidden · hidden``; devolve a total e os três termos.

    * soft: :func:`soft_target_loss` (``T² · KL``, *batchmean*);
    * hard: entropia cruzada com ``labels`` na temperatura 1;
    * hidden: :func:`hidden_state_loss` (precisa dos ``hidden_states`` quando ``alpha_hidden > 0``;
      sem eles o termo vale 0).
    """
    soft = soft_target_loss(student_logits, teacher_logits, T)
    hard = F.cross_entropy(student_logits, labels)
    if student_hidden is not None and teacher_hidden is not None:
        hidden = hidden_state_loss(student_hidden, teacher_hidden, layer_map, hidden_loss, attention_mask)
    elif alpha_hidden > 0:
        raise ValueError("alpha_hidden > 0 precisa de student_hidden e teacher_hidden (output_hidden_states=True).")
    else:
        hidden = student_logits.new_zeros(())
    total = alpha_soft * soft + alpha_hard * hard + alpha_hidden * hidden
    return DistillationLoss(total, soft, hard, hidden)


# --------------------------------------------------------------------------- o Trainer

class DistillationTrainer(Trainer):
    """``Trainer`` que treina o aluno (``model``) com a perda de :func:`distillation_loss`.

    Argumentos próprios: ``teacher`` (o professor já treinado), ``temperature``,
    ``alpha_soft``, ``alpha_hard``, ``alpha_hidden``, ``hidden_loss`` e ``layer_map``.
    O professor fica congelado (``requires_grad=False``), em modo de avaliação (sem
    dropout), no mesmo dispositivo do aluno, e roda sob ``torch.no_grad``.
    O log de treino ganha a média de cada termo (``soft``, ``hard``, ``hidden``).
    """

    # Perdas são médias do lote; o Trainer divide pelo acúmulo de gradiente (4.x e 5.x).
    loss_is_scaled_for_ga = False

    def __init__(self, *args, teacher=None, temperature: float = 2.0, alpha_soft: float = 0.5,
                 alpha_hard: float = 0.5, alpha_hidden: float = 0.0, hidden_loss: str = "cosine",
                 layer_map=None, **kwargs):
        if teacher is None:
            raise ValueError("DistillationTrainer precisa de teacher=... (o modelo professor já treinado).")
        if hidden_loss not in HIDDEN_LOSSES:
            raise ValueError(f"hidden_loss='{hidden_loss}' não existe; use um de {HIDDEN_LOSSES}.")
        if temperature <= 0 or min(alpha_soft, alpha_hard, alpha_hidden) < 0:
            raise ValueError("A temperatura precisa ser positiva e os pesos α, maiores ou iguais a zero.")
        super().__init__(*args, **kwargs)
        self.model_accepts_loss_kwargs = False  # nada de num_items_in_batch: a perda já é média
        self.temperature = temperature
        self.alpha_soft, self.alpha_hard, self.alpha_hidden = alpha_soft, alpha_hard, alpha_hidden
        self.hidden_loss, self.layer_map = hidden_loss, layer_map
        device = next(self.model.parameters()).device
        self.teacher = teacher.to(device).eval()
        self.teacher.requires_grad_(False)
        self._term_sums = {"soft": 0.0, "hard": 0.0, "hidden": 0.0}
        self._term_count = 0

    # o que a busca de hiperparâmetros (Trainer.hyperparameter_search) pode mudar aqui, além dos TrainingArguments
    SEARCHABLE = ("temperature", "alpha_soft", "alpha_hard", "alpha_hidden")

    def _hp_search_setup(self, trial):
        """Numa tentativa da busca, aplica T e os α sorteados; o resto (épocas...) vai para os ``TrainingArguments``."""
        if self.hp_search_backend is None or trial is None:
            return super()._hp_search_setup(trial)
        space = self.hp_space
        params = dict(space(trial)) if callable(space) and not isinstance(trial, dict) else dict(trial)
        own = {k: float(params.pop(k)) for k in self.SEARCHABLE if k in params}
        if own.get("temperature", self.temperature) <= 0 or min(own.get(k, 0.0) for k in self.SEARCHABLE[1:]) < 0:
            raise ValueError(f"A busca sorteou valores inválidos: {own} (T > 0 e α ≥ 0).")
        self.hp_space = lambda _trial: params  # só os TrainingArguments seguem para o Trainer
        try:
            super()._hp_search_setup(trial)
        finally:
            self.hp_space = space
        for key, value in own.items():
            setattr(self, key, value)

    def _set_signature_columns_if_needed(self):
        # a coluna opcional com os logits do professor não é argumento do modelo, mas precisa chegar aqui
        super()._set_signature_columns_if_needed()
        if TEACHER_LOGITS not in self._signature_columns:
            self._signature_columns.append(TEACHER_LOGITS)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        cached = inputs.pop(TEACHER_LOGITS, None)
        want_hidden = self.alpha_hidden > 0
        outputs = model(**inputs, output_hidden_states=want_hidden)
        teacher_hidden = None
        if cached is not None and not want_hidden:
            # logits guardados por add_teacher_logits: o professor (em modo eval) daria exatamente estes
            teacher_logits = cached.to(outputs.logits.device, torch.float32)
        else:
            if self.teacher.training:  # alguém chamou .train() no professor: volta para avaliação
                self.teacher.eval()
            # numa GPU, o professor roda na precisão mista do treino (bf16/fp16), e devolve float32
            with torch.no_grad(), autocast_for(self.args, outputs.logits.device):
                teacher_out = self.teacher(**inputs, output_hidden_states=want_hidden)
            teacher_logits = teacher_out.logits.float()
            teacher_hidden = tuple(h.float() for h in teacher_out.hidden_states) if want_hidden else None
        terms = distillation_loss(
            outputs.logits, teacher_logits, labels, T=self.temperature,
            alpha_soft=self.alpha_soft, alpha_hard=self.alpha_hard, alpha_hidden=self.alpha_hidden,
            student_hidden=outputs.hidden_states if want_hidden else None,
            teacher_hidden=teacher_hidden,
            hidden_loss=self.hidden_loss, layer_map=self.layer_map,
            attention_mask=inputs.get("attention_mask"))
        if model.training:
            for name in self._term_sums:
                self._term_sums[name] += float(getattr(terms, name).detach())
            self._term_count += 1
        if return_outputs:
            return terms.total, SequenceClassifierOutput(logits=outputs.logits)
        return terms.total

    def log(self, logs, *args, **kwargs):
        if "loss" in logs and self._term_count:
            for name, total in self._term_sums.items():
                logs[name] = round(total / self._term_count, 4)
            self._term_sums = dict.fromkeys(self._term_sums, 0.0)
            self._term_count = 0
        return super().log(logs, *args, **kwargs)


def make_distillation_trainer(student, teacher, tokenizer, train_dataset, eval_dataset=None, *,
                              temperature: float = 2.0, alpha_soft: float = 0.5, alpha_hard: float = 0.5,
                              alpha_hidden: float = 0.0, hidden_loss: str = "cosine", layer_map=None,
                              compute_metrics=None, callbacks=None, output_dir: str = "build/destilacao",
                              model_init=None, **training_kwargs) -> DistillationTrainer:
    """Um :class:`DistillationTrainer` com os mesmos padrões de :func:`helpers.training.make_trainer`.

    ``training_kwargs`` (``learning_rate``, ``num_train_epochs``...) passam pela camada de
    compatibilidade, como em ``make_trainer``. Com ``model_init`` (uma função sem argumentos que
    devolve um aluno novo), o ``Trainer`` cria o aluno a cada treino: é o que
    ``Trainer.hyperparameter_search`` pede; ``student`` serve então só de modelo de referência.
    """
    from .compat import trainer_kwargs
    from .training import explain_out_of_memory, make_trainer, with_series_callbacks, with_series_progress

    base = make_trainer(student, tokenizer, train_dataset, eval_dataset, output_dir=output_dir,
                        compute_metrics=compute_metrics, callbacks=callbacks, **training_kwargs)
    kwargs = dict(model=None if model_init else student, args=base.args, train_dataset=train_dataset,
                  eval_dataset=eval_dataset, data_collator=base.data_collator, processing_class=tokenizer,
                  compute_metrics=compute_metrics, callbacks=with_series_callbacks(callbacks),
                  **({"model_init": model_init} if model_init else {}))
    trainer = DistillationTrainer(teacher=teacher, temperature=temperature, alpha_soft=alpha_soft,
                                  alpha_hard=alpha_hard, alpha_hidden=alpha_hidden, hidden_loss=hidden_loss,
                                  layer_map=layer_map, **trainer_kwargs(DistillationTrainer, **kwargs))
    return explain_out_of_memory(with_series_progress(trainer))  # sem memória na GPU: mensagem em português (BATCH_SIZE pela metade)


def add_teacher_logits(teacher, dataset, tokenizer, batch_size: int = 64):
    """Roda o professor **uma vez** sobre ``dataset`` e guarda os logits na coluna ``teacher_logits``.

    O professor congelado, em modo de avaliação, devolve sempre os mesmos logits para a
    mesma frase; calcular de novo a cada época é desperdício. Com a coluna, o
    :class:`DistillationTrainer` usa os logits guardados (quando ``alpha_hidden == 0``; o
    termo hidden precisa do professor rodando) e cada passo de treino custa só o aluno.
    """
    inputs = [c for c in ("input_ids", "attention_mask", "token_type_ids") if c in dataset.column_names]
    if "input_ids" not in inputs:
        raise ValueError("add_teacher_logits espera um dataset já tokenizado (coluna input_ids).")
    rows = dataset.select_columns(inputs)
    was_training = teacher.training
    teacher.eval()
    device = next(teacher.parameters()).device
    logits = np.zeros((len(dataset), teacher.config.num_labels), dtype=np.float32)
    with torch.inference_mode():  # lotes de frases parecidas: menos padding
        for idx in length_batches(token_lengths(dataset), batch_size):
            batch = tokenizer.pad(rows[idx.tolist()], return_tensors="pt")
            out = teacher(**forward_inputs(teacher, {k: v.to(device) for k, v in batch.items()}))
            logits[idx] = out.logits.float().cpu().numpy()
    teacher.train(was_training)
    if TEACHER_LOGITS in dataset.column_names:
        dataset = dataset.remove_columns(TEACHER_LOGITS)
    return dataset.add_column(TEACHER_LOGITS, logits.tolist())


def loss_terms_frame(log_history) -> pd.DataFrame:
    """Do histórico do :class:`DistillationTrainer`: perda total e cada termo, por época."""
    rows = [{"época": round(r["epoch"], 2), "total": r["loss"], "soft": r["soft"], "hard": r["hard"],
             "hidden": r["hidden"]} for r in log_history if "soft" in r and "loss" in r]
    return pd.DataFrame(rows).set_index("época")


# --------------------------------------------------------------------------- o aluno

def init_student_from_teacher(teacher, layers=None):
    """Aluno com as camadas ``layers`` do professor (um ``BertForSequenceClassification``).

    Copia as embeddings, as camadas escolhidas (na ordem), o *pooler* e o classificador;
    é a inicialização do DistilBERT, "uma camada a cada duas" (Sanh et al. 2019). Diferente
    do DistilBERT, o aluno guarda o *pooler* e os *token-type embeddings*: a cabeça de
    ``BertForSequenceClassification`` classifica a partir do *pooler*.
    """
    from transformers import BertForSequenceClassification

    if not isinstance(teacher, BertForSequenceClassification):
        raise TypeError(f"init_student_from_teacher espera um BertForSequenceClassification, veio {type(teacher).__name__}.")
    n = teacher.config.num_hidden_layers
    layers = [int(i) for i in (spread_layers(n) if layers is None else layers)]
    if not layers or sorted(set(layers)) != layers or layers[0] < 0 or layers[-1] >= n:
        raise ValueError(f"layers={layers}: use índices crescentes, sem repetição, entre 0 e {n - 1}.")
    config = copy.deepcopy(teacher.config)
    config.num_hidden_layers = len(layers)
    config.teacher_layers = layers  # fica salvo no config.json do aluno
    student = BertForSequenceClassification(config)
    prefix = "bert.encoder.layer."
    state = {}
    for key, value in teacher.state_dict().items():
        if key.startswith(prefix):
            index, rest = key[len(prefix):].split(".", 1)
            if int(index) not in layers:
                continue
            key = f"{prefix}{layers.index(int(index))}.{rest}"
        state[key] = value.detach().clone()
    student.load_state_dict(state, strict=True)
    return student.to(next(teacher.parameters()).device).train(teacher.training)
