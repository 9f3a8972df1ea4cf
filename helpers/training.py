"""Fine-tuning para classificação de texto: tokenização, congelamento, perda ponderada e Trainer.

O caminho é o mesmo no BERTimbau, no DistilBERT e nos substitutos offline.
"""
from __future__ import annotations

import os

import functools
import types

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from transformers import DataCollatorWithPadding, Trainer, TrainerCallback

from .compat import build_training_arguments, trainer_kwargs
from .measure import count_parameters


# ------------------------------------------------------------------ tokenização

def position_limit(tokenizer=None, model=None) -> tuple[int | None, str]:
    """Quantos tokens por texto o modelo aceita e de onde veio o número: ``(limite, fonte)``.

    O menor entre ``tokenizer.model_max_length`` (quando o tokenizador o define) e as posições do
    modelo (``max_position_embeddings`` do ``config.json``; o do ``model`` ou, sem ele, o da pasta ou
    id do Hub do tokenizador). ``(None, "")`` quando nenhum dos dois diz.
    """
    limits = []
    tok_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_limit, int) and 0 < tok_limit < 1_000_000:  # sem limite definido: 1e30
        limits.append((tok_limit, "model_max_length do tokenizador"))
    config = getattr(model, "config", None)
    if config is None and getattr(tokenizer, "name_or_path", None):
        try:
            from transformers import AutoConfig

            config = AutoConfig.from_pretrained(tokenizer.name_or_path)
        except Exception:  # sem config.json por perto (tokenizador avulso, offline sem cache): fica o do tokenizador
            config = None
    positions = getattr(config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0 and getattr(config, "position_biased_input", True):
        if getattr(config, "model_type", "") in ("roberta", "xlm-roberta", "camembert"):
            positions -= (getattr(config, "pad_token_id", 1) or 1) + 1  # posições começam depois do padding
        limits.append((positions, "max_position_embeddings do config.json"))
    return min(limits) if limits else (None, "")


def check_max_length(max_length, tokenizer=None, model=None) -> None:
    """Erro em português, antes de tokenizar, quando ``max_length`` passa do que o modelo aceita."""
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 2:
        raise ValueError(f"MAX_LENGTH precisa ser um inteiro de pelo menos 2 (tokens por texto, ex.: 128); "
                         f"veio {max_length!r}.")
    limit, source = position_limit(tokenizer, model)
    if limit is not None and max_length > limit:
        from .hub import display_name

        name = getattr(getattr(model, "config", None), "_name_or_path", "") or getattr(tokenizer, "name_or_path", "")
        raise ValueError(
            f"MAX_LENGTH = {max_length} passa do limite do modelo {display_name(name) if name else '(sem nome)'}: ele aceita no máximo "
            f"{limit} tokens por texto ({source}). Use MAX_LENGTH = {limit} ou menos (a série usa 128); "
            "textos mais longos são cortados, e a tabela de tokenização diz quantos."
        )


def tokenize_splits(splits, tokenizer, max_length: int = 128, verbose: bool = True, model=None):
    """Tokeniza todos os splits com ``datasets.map``, **sem** padding (ele fica para o lote).

    Acrescenta a coluna ``length`` (usada para agrupar frases de tamanho parecido)
    e informa quantos textos passaram de ``max_length`` e foram cortados. Um ``max_length``
    acima do limite do modelo (:func:`check_max_length`; ``model`` opcional) é erro, antes de tokenizar.
    """
    check_max_length(max_length, tokenizer, model)
    def tok(batch):
        enc = tokenizer(batch["text"], truncation=False)
        lengths = [len(ids) for ids in enc["input_ids"]]
        out = tokenizer(batch["text"], truncation=True, max_length=max_length)
        out["length"] = [len(ids) for ids in out["input_ids"]]
        out["full_length"] = lengths
        return out

    from datasets.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars

    small = sum(len(ds) for ds in splits.values()) < 20_000  # rápido: barra de progresso só atrapalha
    was_disabled = are_progress_bars_disabled()
    if small:
        disable_progress_bars()
    try:
        tokenized = splits.map(tok, batched=True, desc="tokenizando")
    finally:
        if small and not was_disabled:
            enable_progress_bars()
    rows = []
    for name, ds in tokenized.items():
        full = np.asarray(ds["full_length"])
        rows.append({"split": name, "textos": len(full), "cortados": int((full > max_length).sum()),
                     "% cortados": round(100 * float((full > max_length).mean()), 1),
                     "tokens (mediana)": int(np.median(full)), "tokens (máx.)": int(full.max())})
    report = pd.DataFrame(rows).set_index("split")
    tokenized = tokenized.remove_columns(["full_length"])
    if verbose:
        from .data import SPLIT_NAMES
        from .prose import pct

        total_cut, total = int(report["cortados"].sum()), int(report["textos"].sum())
        where = ", ".join(SPLIT_NAMES.get(n, n) for n in report.index)
        print(f"Com no máximo {max_length} tokens, {total_cut} dos {f'{total:,}'.replace(',', '.')} textos "
              f"({where}; {pct(total_cut / max(total, 1))}) foram cortados.")
    return tokenized, report


def padding_efficiency(lengths, batch_size: int, pad_to: int | None = None, group_by_length: bool = False) -> float:
    """Tokens reais / tokens processados para uma ordem de lotes.

    ``pad_to``: comprimento fixo (``padding="max_length"``); sem ele, cada lote é
    completado até a maior frase do lote (padding dinâmico).
    """
    lengths = np.asarray(lengths)
    if group_by_length:
        lengths = np.sort(lengths)
    processed = 0
    for i in range(0, len(lengths), batch_size):
        chunk = lengths[i:i + batch_size]
        processed += len(chunk) * (pad_to or int(chunk.max()))
    return float(lengths.sum() / processed)


# ------------------------------------------------------------------ congelamento

def _base_and_layers(model):
    base = getattr(model, "base_model", model)
    if hasattr(base, "encoder") and hasattr(base.encoder, "layer"):
        return base, base.encoder.layer
    if hasattr(base, "transformer") and hasattr(base.transformer, "layer"):
        return base, base.transformer.layer
    raise ValueError(f"Não sei congelar camadas de {type(model).__name__}: esperava encoder.layer ou transformer.layer.")


def trainable_parameters(model) -> tuple[int, int]:
    """``(treináveis, total)`` de parâmetros."""
    return count_parameters(model, trainable_only=True), count_parameters(model)


def freeze_layers(model, n_layers: int, freeze_embeddings: bool = True, verbose: bool = True) -> tuple[int, int]:
    """Congela as embeddings e as ``n_layers`` primeiras camadas do encoder.

    Devolve ``(treináveis, total)`` e imprime o resumo.
    """
    base, layers = _base_and_layers(model)
    if not 0 <= n_layers <= len(layers):
        raise ValueError(f"n_layers={n_layers}, mas o modelo tem {len(layers)} camadas no encoder.")
    if freeze_embeddings:
        for p in base.embeddings.parameters():
            p.requires_grad = False
    for layer in layers[:n_layers]:
        for p in layer.parameters():
            p.requires_grad = False
    trainable, total = trainable_parameters(model)
    if verbose:
        what = ("embeddings + " if freeze_embeddings else "") + f"{n_layers} de {len(layers)} camadas"
        from .prose import pct

        print(f"Congelados: {what}. Treináveis: {trainable:,} de {total:,} parâmetros".replace(",", ".")
              + f" ({pct(trainable / total, 1)}).")
    return trainable, total


# ------------------------------------------------------------------ classes desbalanceadas

def class_weights(labels, num_labels: int) -> torch.Tensor:
    """Pesos "balanceados": ``n / (k · n_c)``; classes raras pesam mais."""
    counts = np.bincount(np.asarray(labels), minlength=num_labels).astype(float)
    if (counts == 0).any():
        missing = [i for i, c in enumerate(counts) if c == 0]
        raise ValueError(f"As classes {missing} não aparecem no treino; não dá para calcular pesos.")
    return torch.tensor(counts.sum() / (num_labels * counts), dtype=torch.float32)


def weighted_cross_entropy(logits, labels, weights=None, num_items_in_batch=None):
    """Entropia cruzada com pesos por classe.

    Sem ``num_items_in_batch``: média ponderada (igual a ``F.cross_entropy(weight=...)``,
    que divide a soma ponderada pela soma dos pesos do lote).
    Com ele (o ``Trainer`` o passa desde o transformers 4.46, quando o ``forward`` do modelo
    aceita os argumentos da perda): soma ponderada dividida pelo número de exemplos do passo
    inteiro. Dentro de um lote, a proporção entre os exemplos é a mesma nos dois casos; entre
    lotes, não: um lote com mais exemplos de classes de peso alto pesa mais aqui.
    """
    weights = None if weights is None else weights.to(logits.device, logits.dtype)
    if num_items_in_batch is None:
        return F.cross_entropy(logits, labels, weight=weights)
    per_item = F.cross_entropy(logits, labels, weight=weights, reduction="sum")
    return per_item / num_items_in_batch


class WeightedLossTrainer(Trainer):
    """``Trainer`` cuja perda usa pesos por classe (``class_weights``)."""

    def __init__(self, *args, class_weights=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_weights = class_weights
        if self.args.world_size > 1 and getattr(self.args, "average_tokens_across_devices", False):
            # Com N processos, o Trainer passa a compute_loss a contagem do lote GLOBAL (num_items_in_batch) e só
            # compensa (×N) na perda dele; esta dividiria a soma de cada processo pela contagem global, e a média
            # do DDP a deixaria N vezes menor. Com a contagem do lote de cada processo, a escala é a de um processo
            # só. Num processo só, nada muda.
            self.args.average_tokens_across_devices = False

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        loss = weighted_cross_entropy(outputs.logits, labels, self.class_weights, num_items_in_batch)
        return (loss, outputs) if return_outputs else loss


# ------------------------------------------------------------------ precisão e Trainer

def precision_kwargs(device: str | None = None) -> dict:
    """bf16 numa GPU que o suporta de verdade (Ampere+), fp16 nas outras GPUs, nada na CPU.

    Na CPU a série treina sempre em float32: o bf16 na CPU só acelera em processadores com
    instruções próprias (AVX512-BF16, AMX), e os resultados mudariam de uma máquina para outra.
    """
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        major, _ = torch.cuda.get_device_capability()
        if major >= 8 and torch.cuda.is_bf16_supported():
            return {"bf16": True}
        return {"fp16": True}
    return {}


def autocast_for(args, device):
    """``torch.autocast`` na precisão mista de ``args`` (``bf16``/``fp16``, numa GPU); sem ela (CPU), nada."""
    from contextlib import nullcontext

    dtype = torch.bfloat16 if args.bf16 else torch.float16 if args.fp16 else None
    return torch.autocast(torch.device(device).type, dtype=dtype) if dtype is not None else nullcontext()


def restore_plain_forward(model):
    """Tira do ``model.forward`` o ``autocast`` que o ``accelerate`` pendura nele no treino em bf16/fp16 (GPU).

    Sem isso, depois de um treino com precisão mista o modelo continua rodando em bf16 ou fp16 em
    qualquer chamada (inferência, medidas de tempo, logits do professor); com isso, volta a ser o
    modelo de sempre, em float32, como se tivesse sido salvo e carregado de novo.
    """
    original = model.__dict__.pop("_original_forward", None) if model is not None else None
    if original is not None:
        if getattr(original, "__func__", None) is type(model).forward:
            model.__dict__.pop("forward", None)  # volta o forward da classe
        else:
            model.forward = original
    return model


class PlainForwardAfterTraining(TrainerCallback):
    """No fim do treino, chama :func:`restore_plain_forward` no modelo do ``Trainer``."""

    def on_train_end(self, args, state, control, model=None, **kwargs):
        restore_plain_forward(model)


class SeriesProgress(TrainerCallback):
    """Progresso do treino em português: uma barra de passos e, a cada época, uma linha de tabela.

    Substitui os dicionários de log em inglês que o ``Trainer`` imprime (``{'loss': '0.95', ...}``). As
    linhas saem quando a época fecha: depois da avaliação, ou depois do log de treino quando não há
    avaliação. Um treino curto, contado em passos (``max_steps``), mostra só a barra; fora do treino (um
    ``trainer.evaluate()`` avulso) nada é impresso: quem chamou mostra o resultado.
    """

    COLUMNS = {"loss": "perda treino", "soft": "soft", "hard": "hard", "hidden": "hidden",
               "eval_loss": "perda validação", "eval_accuracy": "acurácia", "eval_f1_macro": "F1 macro",
               "eval_f1_weighted": "F1 ponderado"}

    def __init__(self):
        self.bar, self.row, self.header = None, {}, None

    def on_train_begin(self, args, state, control, **kwargs):
        from tqdm.auto import tqdm

        self.row, self.header = {}, None
        self.bar = tqdm(total=state.max_steps, desc="treino", leave=False,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} passos [{elapsed}<{remaining}]",
                        disable=args.disable_tqdm or not state.is_world_process_zero)

    def on_step_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.update(state.global_step - self.bar.n)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.bar is None or not state.is_world_process_zero or not logs or args.max_steps > 0:
            return
        self.row.update({name: logs[key] for key, name in self.COLUMNS.items() if key in logs})
        evaluates = getattr(args, "eval_strategy", "no") != "no"   # IntervalStrategy é um str
        if "eval_loss" in logs or ("loss" in logs and not evaluates):
            self.write(logs.get("epoch", state.epoch))

    def write(self, epoch) -> None:
        from .prose import num

        epoch = f"{epoch:.0f}" if abs(epoch - round(epoch)) < 1e-6 else num(epoch, 2)
        if self.header is None:
            self.header = [name for name in self.COLUMNS.values() if name in self.row]
            self.bar.write("época  " + "  ".join(self.header))
        cells = [num(self.row[name]).rjust(len(name)) if name in self.row else "—".rjust(len(name))
                 for name in self.header]
        self.bar.write(epoch.rjust(5) + "  " + "  ".join(cells))
        self.row = {}

    def on_train_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.close()
        self.bar = None


def with_series_progress(trainer):
    """Troca o progresso do ``trainer`` (os dicionários de log em inglês) por :class:`SeriesProgress`."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    for callback in list(trainer.callback_handler.callbacks):
        if isinstance(callback, (PrinterCallback, ProgressCallback, SeriesProgress)) or \
                type(callback).__name__ == "NotebookProgressCallback":
            trainer.remove_callback(callback)
    trainer.add_callback(SeriesProgress())
    return trainer


def with_series_callbacks(callbacks=None) -> list:
    """Os ``callbacks`` de quem chama mais os da série (:class:`PlainForwardAfterTraining`)."""
    callbacks = list(callbacks or [])
    if not any(isinstance(c, PlainForwardAfterTraining) for c in callbacks):
        callbacks.append(PlainForwardAfterTraining())
    return callbacks


# ------------------------------------------------------------------ falta de memória

class OutOfMemory(RuntimeError):
    """A memória (da GPU, quase sempre) acabou no treino ou na avaliação; a mensagem diz o que reduzir.

    O erro original do PyTorch fica em ``__cause__``.
    """


_OOM_MARKERS = ("out of memory", "can't allocate memory", "cannot allocate memory")


def is_out_of_memory(exc: BaseException) -> bool:
    """``torch.OutOfMemoryError`` ou um ``RuntimeError`` de falta de memória (CUDA, MPS, CPU)."""
    oom = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
    return isinstance(exc, oom) or (isinstance(exc, RuntimeError) and not isinstance(exc, OutOfMemory)
                                    and any(m in str(exc).lower() for m in _OOM_MARKERS))


def out_of_memory_message(exc: BaseException, args=None, during: str = "o treino", longest: int | None = None) -> str:
    """O que dizer quando ``exc`` é falta de memória: onde acabou e qual parâmetro reduzir pela metade."""
    text = str(exc).lower()
    where = ("a memória da GPU do Mac (MPS)" if "mps" in text else
             "a memória da GPU" if "cuda" in text or "gpu" in text else
             "a memória RAM" if "cpu" in text or "allocate memory" in text else "a memória da GPU")
    length = (f"; o texto mais longo do treino tem {longest} tokens" if longest else "")
    if during == "o treino":
        batch = getattr(args, "per_device_train_batch_size", None)
        half = f", {batch} → {max(1, batch // 2)}," if isinstance(batch, int) else ""
        first = (f"reduza BATCH_SIZE (per_device_train_batch_size) pela metade{half} e rode de novo; para manter "
                 "o lote efetivo, use também gradient_accumulation_steps=2")
    else:
        batch = getattr(args, "per_device_eval_batch_size", None)
        half = f", {batch} → {max(1, batch // 2)}" if isinstance(batch, int) else ""
        first = (f"reduza o lote da avaliação pela metade{half}: make_trainer(..., per_device_eval_batch_size="
                 f"{max(1, batch // 2) if isinstance(batch, int) else 32})")
    return (f"Acabou {where} durante {during}. O que fazer: 1) {first}; 2) se ainda faltar memória, reduza "
            f"MAX_LENGTH pela metade (ex.: 128 → 64{length}): textos mais curtos ocupam menos memória. Antes de "
            "tentar de novo, reinicie o ambiente (no Colab: Ambiente de execução → Reiniciar sessão), porque o "
            "modelo da tentativa anterior continua ocupando a memória.")


def explain_out_of_memory(trainer):
    """Faz ``trainer.train()``, ``evaluate()`` e ``predict()`` trocarem falta de memória por :class:`OutOfMemory`.

    A mensagem, em português, diz qual parâmetro reduzir pela metade (``BATCH_SIZE`` primeiro,
    ``MAX_LENGTH`` depois); o erro original fica em ``__cause__``. Devolve o próprio ``trainer``.
    """
    if getattr(trainer, "_explains_out_of_memory", False):
        return trainer
    for name, during in (("train", "o treino"), ("evaluate", "a avaliação"), ("predict", "a previsão")):
        method = getattr(type(trainer), name)

        @functools.wraps(method)
        def guarded(self, *args, _method=method, _during=during, **kwargs):
            try:
                return _method(self, *args, **kwargs)
            except RuntimeError as exc:
                if not is_out_of_memory(exc):
                    raise
                data = self.train_dataset
                longest = (max(data["length"]) if _during == "o treino" and data is not None
                           and "length" in getattr(data, "column_names", ()) and len(data) else None)
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
                raise OutOfMemory(out_of_memory_message(exc, self.args, _during, longest)) from exc

        setattr(trainer, name, types.MethodType(guarded, trainer))
    trainer._explains_out_of_memory = True
    return trainer


# os padrões de make_trainer, na API 5.x (compat traduz para a 4.46+)
SERIES_DEFAULTS = dict(save_strategy="no", logging_strategy="epoch", report_to="none",
                       train_sampling_strategy="group_by_length", learning_rate=5e-5, num_train_epochs=3,
                       per_device_train_batch_size=16, per_device_eval_batch_size=64, weight_decay=0.01,
                       warmup_steps=0.1, seed=42, dataloader_num_workers=0)


def make_trainer(model, tokenizer, train_dataset, eval_dataset=None, output_dir: str = "build/treino",
                 class_weights=None, compute_metrics=None, callbacks=None, **training_kwargs):
    """Monta um ``Trainer`` com os padrões da série; ``training_kwargs`` vão para ``TrainingArguments``.

    Padrões: avaliação e log a cada época, nada salvo em disco, lotes agrupados por
    tamanho, padding dinâmico, precisão mista em GPU. Nomes antigos (``evaluation_strategy``,
    ``group_by_length``...) são traduzidos e anunciados; nomes desconhecidos viram erro.
    Depois de um treino com precisão mista, o modelo volta a rodar em float32
    (:class:`PlainForwardAfterTraining`). Textos tokenizados mais longos que o modelo aceita são
    erro aqui, antes do treino; falta de memória no treino vira :class:`OutOfMemory`, que diz o que
    reduzir (:func:`explain_out_of_memory`).
    """
    limit, source = position_limit(model=model)
    for part in (train_dataset, eval_dataset):
        if limit and part is not None and "length" in getattr(part, "column_names", ()) and len(part):
            longest = max(part["length"])
            if longest > limit:
                raise ValueError(f"Há textos tokenizados com {longest} tokens, mas o modelo "
                                 f"{model.config._name_or_path or type(model).__name__} aceita no máximo {limit} "
                                 f"({source}). Tokenize de novo com MAX_LENGTH = {limit} ou menos.")
    defaults = dict(output_dir=output_dir, eval_strategy="epoch" if eval_dataset is not None else "no",
                    **SERIES_DEFAULTS, dataloader_pin_memory=torch.cuda.is_available())
    aliases = {"evaluation_strategy": "eval_strategy", "group_by_length": "train_sampling_strategy"}
    for old, new in aliases.items():
        if old in training_kwargs:
            defaults.pop(new, None)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        # todo peso das cabeças de classificação entra na perda: o DDP não precisa procurar pesos sem gradiente
        # (com True, o padrão do Trainer, ele percorre o grafo a mais a cada passo e avisa que não achou nenhum)
        defaults["ddp_find_unused_parameters"] = False
        # os outros processos, como o principal, só mostram erros (o padrão do Trainer, "warning", repetia neles os
        # avisos que o principal cala, como o "Trainer.tokenizer is now deprecated" do 4.46)
        defaults["log_level_replica"] = "error"
    # quem escolhe fp16/bf16 (ou use_cpu) à mão decide a precisão; senão, a automática
    manual = {"fp16", "bf16", "use_cpu", "no_cuda"} & set(training_kwargs)
    precision = {} if manual else precision_kwargs()
    args = build_training_arguments(**{**defaults, **precision, **training_kwargs})
    collator = DataCollatorWithPadding(tokenizer, pad_to_multiple_of=8 if torch.cuda.is_available() else None)
    kwargs = dict(model=model, args=args, train_dataset=train_dataset, eval_dataset=eval_dataset,
                  data_collator=collator, processing_class=tokenizer, compute_metrics=compute_metrics,
                  callbacks=with_series_callbacks(callbacks))
    if class_weights is not None:
        return explain_out_of_memory(with_series_progress(WeightedLossTrainer(
            class_weights=class_weights, **trainer_kwargs(WeightedLossTrainer, **kwargs))))
    trainer = with_series_progress(Trainer(**trainer_kwargs(Trainer, **kwargs)))
    if args.world_size > 1:
        # A cabeça de classificação do BERT e do DistilBERT aceita **kwargs, mas calcula a entropia cruzada média do
        # lote e ignora num_items_in_batch; o Trainer (4.46+ e 5.x) acha que ela dividiu pela contagem global e
        # multiplica a perda pelo número de processos. Sem num_items_in_batch, a perda é a média do lote de cada
        # processo, e o DDP tira a média entre eles: a mesma escala de um processo só. Num processo só, nada muda.
        trainer.model_accepts_loss_kwargs = False
    return explain_out_of_memory(trainer)


def arguments_diff(a, b, ignore=("output_dir", "logging_dir", "run_name")) -> dict:
    """O que difere entre dois ``TrainingArguments`` (ou os dicionários de ``to_dict()``).

    Devolve ``{nome: (valor em a, valor em b)}``; vazio quando as duas receitas são iguais.
    ``ignore``: nomes que podem diferir (por padrão, a pasta de saída, a de logs, que no
    transformers 4.x é ``<output_dir>/runs/<data e hora>`` e muda a cada execução, e o nome da
    execução, que no 4.46 é a própria pasta de saída quando não é dado).
    """
    da = a if isinstance(a, dict) else a.to_dict()
    db = b if isinstance(b, dict) else b.to_dict()
    missing = object()
    out = {}
    for key in sorted(set(da) | set(db)):
        if key in ignore:
            continue
        va, vb = da.get(key, missing), db.get(key, missing)
        if va != vb:
            out[key] = (None if va is missing else va, None if vb is missing else vb)
    return out


def history_frame(log_history) -> pd.DataFrame:
    """Histórico do ``Trainer`` como tabela por época (perda de treino e métricas de validação)."""
    train = {round(r["epoch"], 2): r["loss"] for r in log_history if "loss" in r and "epoch" in r}
    evals = {round(r["epoch"], 2): {k.removeprefix("eval_"): v for k, v in r.items()
                                     if k.startswith("eval_") and isinstance(v, (int, float))}
             for r in log_history if "eval_loss" in r}
    epochs = sorted(set(train) | set(evals))
    rows = [{"época": e, "perda treino": train.get(e), **{("perda validação" if k == "loss" else k): v
             for k, v in evals.get(e, {}).items() if k not in ("runtime", "samples_per_second", "steps_per_second")}}
            for e in epochs]
    return pd.DataFrame(rows).set_index("época")
