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
camada a cada duas do professor), medidas de tamanho e de tempo na CPU, a avaliação
(:func:`predictions_on`, :func:`scores_on`, :func:`macro_f1`) e o corretor :func:`check_soft_loss`.

Na CPU tudo roda em float32; numa GPU, o treino usa a precisão mista automática de
:func:`helpers.training.make_trainer` (:func:`autocast_for` leva a mesma precisão ao
professor e à avaliação).
"""
from __future__ import annotations

import copy
import statistics
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from transformers import Trainer
from transformers.modeling_outputs import SequenceClassifierOutput

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
        rows[f"T = {T:g}"] = {**{n: float(v) for n, v in zip(names, p)}, "entropia (bits)": entropy}
    return pd.DataFrame(rows).T.rename_axis("temperatura")


def _t_label(T: float) -> str:
    """``2.5`` → ``"2,5"``: a temperatura com vírgula decimal, sem zeros à toa."""
    return f"{T:g}".replace(".", ",")


def plot_softmax_temperature(logits, T: float, class_names=None, ax=None):
    """Barras: ``softmax(logits / T)`` e, em contorno, ``softmax(logits)`` (``T = 1``) para comparar."""
    import matplotlib.pyplot as plt

    from .plots import bar_labels, decimal_comma

    logits = torch.as_tensor(logits, dtype=torch.float32).reshape(-1)
    names = list(class_names) if class_names is not None else [f"classe {i}" for i in range(len(logits))]
    p_T, p_1 = softmax_with_temperature(logits, T), softmax_with_temperature(logits, 1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    x = np.arange(len(names))
    bars = ax.bar(x, p_T.numpy(), color="#2a9d8f", label=f"T = {_t_label(T)}")
    ax.bar(x, p_1.numpy(), fill=False, edgecolor="#264653", linestyle="--", linewidth=1.5, label="T = 1")
    bar_labels(ax, bars, digits=2, padding=2)
    ax.set_xticks(x, names)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("probabilidade")
    ax.set_title(f"softmax(z / T) com T = {_t_label(T)}")
    ax.legend(loc="upper right")
    ax.figure.tight_layout()
    return decimal_comma(ax.figure)


def temperature_slider(logits, class_names=None, T: float = 2.0):
    """Controle deslizante (ipywidgets) para a temperatura; redesenha :func:`plot_softmax_temperature`."""
    import ipywidgets as w
    from matplotlib.figure import Figure

    from .widgets import live

    slider = w.FloatLogSlider(value=T, base=10, min=-0.7, max=1.3, step=0.05, description="T",
                              readout_format=".2f", continuous_update=False)

    def render(T):
        ax = Figure(figsize=(6, 3.2)).subplots()
        return plot_softmax_temperature(logits, T, class_names, ax=ax)

    return live({"T": slider}, render)


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

def autocast_for(args, device):
    """``torch.autocast`` na precisão mista de ``args`` (``bf16``/``fp16``, numa GPU); sem ela (CPU), nada."""
    from contextlib import nullcontext

    dtype = torch.bfloat16 if args.bf16 else torch.float16 if args.fp16 else None
    return torch.autocast(torch.device(device).type, dtype=dtype) if dtype is not None else nullcontext()


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
                              **training_kwargs) -> DistillationTrainer:
    """Um :class:`DistillationTrainer` com os mesmos padrões de :func:`helpers.training.make_trainer`.

    ``training_kwargs`` (``learning_rate``, ``num_train_epochs``...) passam pela camada de
    compatibilidade, como em ``make_trainer``.
    """
    from .compat import trainer_kwargs
    from .training import make_trainer, with_series_callbacks

    base = make_trainer(student, tokenizer, train_dataset, eval_dataset, output_dir=output_dir,
                        compute_metrics=compute_metrics, callbacks=callbacks, **training_kwargs)
    kwargs = dict(model=student, args=base.args, train_dataset=train_dataset, eval_dataset=eval_dataset,
                  data_collator=base.data_collator, processing_class=tokenizer,
                  compute_metrics=compute_metrics, callbacks=with_series_callbacks(callbacks))
    return DistillationTrainer(teacher=teacher, temperature=temperature, alpha_soft=alpha_soft,
                               alpha_hard=alpha_hard, alpha_hidden=alpha_hidden, hidden_loss=hidden_loss,
                               layer_map=layer_map, **trainer_kwargs(DistillationTrainer, **kwargs))


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
    order = np.argsort([len(ids) for ids in dataset["input_ids"]], kind="stable")  # lotes parecidos: menos padding
    by_length = dataset.select_columns(inputs).select(order)
    was_training = teacher.training
    teacher.eval()
    device = next(teacher.parameters()).device
    logits = np.zeros((len(dataset), teacher.config.num_labels), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            batch = tokenizer.pad(by_length[start:start + batch_size], return_tensors="pt")
            out = teacher(**{k: v.to(device) for k, v in batch.items()})
            logits[order[start:start + batch_size]] = out.logits.float().cpu().numpy()
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

def init_student_from_teacher(teacher, layers=(0, 2, 4)):
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
    layers = [int(i) for i in layers]
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


# --------------------------------------------------------------------------- tamanho e tempo

def count_parameters(model) -> int:
    """Número total de parâmetros."""
    return sum(p.numel() for p in model.parameters())


def size_on_disk_mb(model) -> float:
    """Tamanho, em MB, dos arquivos de pesos que ``save_pretrained`` grava (safetensors, float32)."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a barra "Writing model shards" não ensina nada aqui
    try:
        with tempfile.TemporaryDirectory() as folder:
            model.save_pretrained(folder)
            files = [f for f in Path(folder).iterdir() if f.suffix in (".safetensors", ".bin")]
            return sum(f.stat().st_size for f in files) / 1e6
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def _cpu_copy(model):
    on_cpu = all(p.device.type == "cpu" for p in model.parameters())
    return (model if on_cpu else copy.deepcopy(model).to("cpu")).eval()


def cpu_latency(models: dict, tokenizer, texts, batch_sizes=(1, 32), repeats: int = 15, warmup: int = 2,
                threads: int = 1, max_length: int = 128) -> pd.DataFrame:
    """Tempo de uma passagem na CPU (mediana de ``repeats``, em ms) por modelo e tamanho de lote.

    ``tokenizer``: um só para todos os modelos, ou um dicionário ``{nome: tokenizador}``
    quando os modelos têm vocabulários diferentes (BERT × DistilBERT, no notebook 05).

    * entradas já tokenizadas (o tokenizador fica fora do tempo), com *padding* até a
      maior frase do lote: o lote de ``b`` frases são as ``b`` primeiras de ``texts``;
    * ``torch.inference_mode`` e ``threads`` fixos (o valor anterior volta no fim);
    * as medidas se alternam entre os modelos, para que uma máquina ocupada pese igual em todos.
    """
    texts = list(texts)
    if max(batch_sizes) > len(texts):
        raise ValueError(f"Preciso de pelo menos {max(batch_sizes)} textos para o lote de {max(batch_sizes)}.")
    cpu_models = {name: _cpu_copy(m) for name, m in models.items()}
    tokenizers = tokenizer if isinstance(tokenizer, dict) else dict.fromkeys(cpu_models, tokenizer)
    if set(tokenizers) != set(cpu_models):
        raise ValueError(f"Um tokenizador por modelo: faltam {sorted(set(cpu_models) - set(tokenizers))}.")
    batches = {(name, b): tokenizers[name](texts[:b], padding=True, truncation=True, max_length=max_length,
                                           return_tensors="pt")
               for name in cpu_models for b in batch_sizes}
    times = {(name, b): [] for name in cpu_models for b in batch_sizes}
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.inference_mode():
            for b in batch_sizes:
                for i in range(warmup + repeats):
                    for name, model in cpu_models.items():
                        enc = batches[(name, b)]
                        start = time.perf_counter()
                        model(**enc)
                        if i >= warmup:
                            times[(name, b)].append(1000 * (time.perf_counter() - start))
    finally:
        torch.set_num_threads(previous)
    table = pd.DataFrame({f"lote {b} (ms)": {name: statistics.median(times[(name, b)]) for name in cpu_models}
                          for b in batch_sizes})
    return table.rename_axis("modelo")


def efficiency_table(models: dict, tokenizer, texts, batch_sizes=(1, 32), repeats: int = 15,
                     threads: int = 1, max_length: int = 128) -> pd.DataFrame:
    """Parâmetros (milhões), tamanho em disco (MB) e tempo na CPU de cada modelo."""
    table = pd.DataFrame({
        "camadas": {n: m.config.num_hidden_layers for n, m in models.items()},
        "parâmetros (M)": {n: count_parameters(m) / 1e6 for n, m in models.items()},
        "disco (MB)": {n: size_on_disk_mb(m) for n, m in models.items()},
    })
    latency = cpu_latency(models, tokenizer, texts, batch_sizes, repeats=repeats, threads=threads,
                          max_length=max_length)
    return table.join(latency).rename_axis("modelo")


# --------------------------------------------------------------------------- avaliação

def predictions_on(trainer, dataset) -> tuple[np.ndarray, np.ndarray]:
    """``(rótulos, previsões)`` de ``trainer.model`` em ``dataset``, na ordem das linhas de ``dataset``.

    Só o modelo do ``trainer`` roda (num ``DistillationTrainer``, o professor fica de fora),
    em lotes de frases de tamanho parecido (menos *padding*, mesma resposta), na mesma
    precisão do treino: com ``bf16``/``fp16`` nos argumentos (numa GPU), sob ``torch.autocast``;
    na CPU, em float32. A ordem original volta no fim, para que as previsões de dois
    modelos no mesmo split possam ser comparadas frase a frase (:func:`helpers.prose.paired_bootstrap`).
    """
    inputs = [c for c in ("input_ids", "attention_mask", "token_type_ids", "label") if c in dataset.column_names]
    if "input_ids" not in inputs or "label" not in inputs:
        raise ValueError("predictions_on espera um dataset tokenizado e com rótulos (colunas input_ids e label).")
    # lotes em ordem de tamanho, montados aqui: o dataloader de avaliação do Trainer pode embaralhar a ordem
    lengths = dataset["length"] if "length" in dataset.column_names else [len(ids) for ids in dataset["input_ids"]]
    order = np.argsort(lengths, kind="stable")
    rows = dataset.select_columns(inputs).select(order)
    size = trainer.args.per_device_eval_batch_size
    model = trainer.model
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    y_true, y_pred = np.empty(len(order), dtype=np.int64), np.empty(len(order), dtype=np.int64)
    with torch.inference_mode(), autocast_for(trainer.args, device):
        for start in range(0, len(order), size):
            batch = trainer.data_collator([rows[i] for i in range(start, min(start + size, len(order)))])
            labels = batch.pop("labels")
            logits = model(**{k: v.to(device) for k, v in batch.items()}).logits
            y_true[order[start:start + size]] = labels.numpy()
            y_pred[order[start:start + size]] = logits.argmax(dim=-1).cpu().numpy()
    model.train(was_training)
    return y_true, y_pred


def macro_f1(y_true, y_pred, num_labels: int = 3) -> float:
    """F1 macro com NumPy (o mesmo do scikit-learn com ``zero_division=0``), rápido para o *bootstrap*.

    O intervalo de :func:`helpers.prose.paired_bootstrap` recalcula a métrica milhares de vezes;
    o ``f1_score`` do scikit-learn leva milissegundos por chamada, esta conta, microssegundos.
    """
    y_true, y_pred = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    cm = np.bincount(num_labels * y_true + y_pred, minlength=num_labels**2).reshape(num_labels, num_labels)
    tp = np.diag(cm).astype(float)
    denominator = cm.sum(axis=0) + cm.sum(axis=1)           # previstos + verdadeiros de cada classe
    f1 = np.divide(2 * tp, denominator, out=np.zeros(num_labels), where=denominator > 0)
    return float(f1.mean())


def scores_on(trainer, dataset, labels) -> dict:
    """Acurácia e F1 macro de ``trainer.model`` em ``dataset`` (normalmente o teste).

    As previsões são as de :func:`predictions_on`; as métricas, as de
    :func:`helpers.metrics.classification_metrics` (scikit-learn).
    """
    from .metrics import classification_metrics

    y_true, y_pred = predictions_on(trainer, dataset)
    result = classification_metrics(y_pred, y_true, labels)
    return {"acurácia": result["accuracy"], "F1 macro": result["f1_macro"]}


# --------------------------------------------------------------------------- exercício

def check_soft_loss(function) -> bool:
    """Corrige o exercício "escreva a perda soft".

    ``function(student_logits, teacher_logits, T)`` deve devolver
    ``T² · KL(softmax(professor/T) ‖ softmax(aluno/T))``, somada nas classes e
    dividida pelo número de exemplos do lote.
    """
    from .checks import run_checks

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
