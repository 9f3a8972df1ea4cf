"""O suporte do fine-tuning que o notebook 02 escreve (``lesson02.tokenize_splits``, ``lesson02.make_trainer``):
o limite de tokens do modelo, o relatório do corte, congelar camadas, os pesos de classe, a precisão mista, o
progresso do treino em português (de ``trainer_callbacks``) e o histórico por época."""

from __future__ import annotations

from contextlib import contextmanager, nullcontext

import numpy as np
import pandas as pd
import torch

from .trainer_callbacks import PlainForwardAfterTraining, SeriesProgress


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
    biased = getattr(config, "position_biased_input", True)
    if isinstance(positions, int) and positions > 0 and biased:
        if getattr(config, "model_type", "") in ("roberta", "xlm-roberta", "camembert"):
            # posições começam depois do padding
            positions -= (getattr(config, "pad_token_id", 1) or 1) + 1
        limits.append((positions, "max_position_embeddings do config.json"))
    return min(limits) if limits else (None, "")


def check_max_length(max_length, tokenizer=None, model=None) -> None:
    """Erro em português, antes de tokenizar, quando ``max_length`` passa do que o modelo aceita."""
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 2:
        raise ValueError(
            f"MAX_LENGTH precisa ser um inteiro de pelo menos 2 (tokens por texto, ex.: 128); "
            f"veio {max_length!r}."
        )
    limit, source = position_limit(tokenizer, model)
    if limit is not None and max_length > limit:
        from .hub import display_name

        name = getattr(getattr(model, "config", None), "_name_or_path", "") or getattr(
            tokenizer, "name_or_path", ""
        )
        raise ValueError(
            f"MAX_LENGTH = {max_length} passa do limite do modelo {display_name(name) if name else '(sem nome)'}: ele aceita no máximo "
            f"{limit} tokens por texto ({source}). Use MAX_LENGTH = {limit} ou menos (a série usa 128); "
            "textos mais longos são cortados, e a tabela de tokenização diz quantos."
        )


@contextmanager
def tokenizing(splits, max_length, tokenizer=None, model=None, limit: int = 20_000):
    """Prepara o ``splits.map(...)`` da tokenização: ``with training.tokenizing(...):``.

    Antes, um ``max_length`` acima do que o modelo aceita é erro em português (:func:`check_max_length`).
    Com menos de ``limit`` textos, sem a barra de progresso do ``datasets`` (só atrapalharia a leitura).
    """
    from datasets.utils import (
        are_progress_bars_disabled,
        disable_progress_bars,
        enable_progress_bars,
    )

    check_max_length(max_length, tokenizer, model)
    small = sum(len(ds) for ds in splits.values()) < limit
    was_disabled = are_progress_bars_disabled()
    if small:
        disable_progress_bars()
    try:
        yield
    finally:
        if small and not was_disabled:
            enable_progress_bars()


def truncation_report(tokenized, max_length: int, verbose: bool = True) -> pd.DataFrame:
    """Por split, quantos textos passaram de ``max_length`` (coluna ``full_length``) e foram cortados.

    Com ``verbose``, imprime também o total numa frase.
    """
    rows = []
    for name, ds in tokenized.items():
        full = np.asarray(ds["full_length"])
        rows.append(
            {
                "split": name,
                "textos": len(full),
                "cortados": int((full > max_length).sum()),
                "% cortados": round(100 * float((full > max_length).mean()), 1),
                "tokens (mediana)": int(np.median(full)),
                "tokens (máx.)": int(full.max()),
            }
        )
    report = pd.DataFrame(rows).set_index("split")
    if verbose:
        from .data import SPLIT_NAMES
        from .prose import pct

        total_cut, total = int(report["cortados"].sum()), int(report["textos"].sum())
        where = ", ".join(SPLIT_NAMES.get(n, n) for n in report.index)
        print(
            f"Com no máximo {max_length} tokens, {total_cut} dos {f'{total:,}'.replace(',', '.')} textos "
            f"({where}; {pct(total_cut / max(total, 1))}) foram cortados."
        )
    return report


def refuse_long_texts(model, *parts) -> None:
    """Erro em português quando algum texto tokenizado (coluna ``length``) passa do que ``model`` aceita."""
    limit, source = position_limit(model=model)
    for part in parts:
        has_lengths = part is not None and "length" in getattr(part, "column_names", ())
        if limit and has_lengths and len(part):
            longest = max(part["length"])
            if longest > limit:
                raise ValueError(
                    f"Há textos tokenizados com {longest} tokens, mas o modelo "
                    f"{model.config._name_or_path or type(model).__name__} aceita no máximo {limit} "
                    f"({source}). Tokenize de novo com MAX_LENGTH = {limit} ou menos."
                )


# ------------------------------------------------------------------ congelamento


def _base_and_layers(model):
    base = getattr(model, "base_model", model)
    if hasattr(base, "encoder") and hasattr(base.encoder, "layer"):
        return base, base.encoder.layer
    if hasattr(base, "transformer") and hasattr(base.transformer, "layer"):
        return base, base.transformer.layer
    raise ValueError(
        f"Não sei congelar camadas de {type(model).__name__}: esperava encoder.layer ou transformer.layer."
    )


def trainable_parameters(model) -> tuple[int, int]:
    """``(treináveis, total)`` de parâmetros."""
    from .lesson01 import count_parameters  # a soma que o notebook 01 escreve

    return count_parameters(model, trainable_only=True), count_parameters(model)


def freeze_layers(
    model, n_layers: int, freeze_embeddings: bool = True, verbose: bool = True
) -> tuple[int, int]:
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
        from .prose import pct

        what = (
            "embeddings + " if freeze_embeddings else ""
        ) + f"{n_layers} de {len(layers)} camadas"
        counts = f"Treináveis: {trainable:,} de {total:,} parâmetros".replace(",", ".")
        print(f"Congelados: {what}. {counts} ({pct(trainable / total, 1)}).")
    return trainable, total


# ------------------------------------------------------------------ classes desbalanceadas


def class_weights(labels, num_labels: int) -> torch.Tensor:
    """Pesos "balanceados": ``n / (k · n_c)``; classes raras pesam mais."""
    counts = np.bincount(np.asarray(labels), minlength=num_labels).astype(float)
    if (counts == 0).any():
        raise ValueError(
            f"As classes {[i for i, c in enumerate(counts) if c == 0]} não aparecem no treino; "
            "não dá para calcular pesos."
        )
    return torch.tensor(counts.sum() / (num_labels * counts), dtype=torch.float32)


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
    dtype = torch.bfloat16 if args.bf16 else torch.float16 if args.fp16 else None
    return (
        torch.autocast(torch.device(device).type, dtype=dtype)
        if dtype is not None
        else nullcontext()
    )


def with_series_progress(trainer):
    """Troca o progresso do ``trainer`` (os dicionários de log em inglês) por :class:`SeriesProgress`."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    for callback in list(trainer.callback_handler.callbacks):
        if (
            isinstance(callback, (PrinterCallback, ProgressCallback, SeriesProgress))
            or type(callback).__name__ == "NotebookProgressCallback"
        ):
            trainer.remove_callback(callback)
    trainer.add_callback(SeriesProgress())
    return trainer


def with_series_callbacks(callbacks=None) -> list:
    """Os ``callbacks`` de quem chama mais os da série (:class:`PlainForwardAfterTraining`)."""
    callbacks = list(callbacks or [])
    if not any(isinstance(c, PlainForwardAfterTraining) for c in callbacks):
        callbacks.append(PlainForwardAfterTraining())
    return callbacks


def history_frame(log_history) -> pd.DataFrame:
    """Histórico do ``Trainer`` como tabela por época (perda de treino e métricas de validação)."""
    train = {round(r["epoch"], 2): r["loss"] for r in log_history if "loss" in r and "epoch" in r}
    evals = {
        round(r["epoch"], 2): {
            k.removeprefix("eval_"): v
            for k, v in r.items()
            if k.startswith("eval_") and isinstance(v, (int, float))
        }
        for r in log_history
        if "eval_loss" in r
    }
    epochs = sorted(set(train) | set(evals))
    rows = [
        {
            "época": e,
            "perda treino": train.get(e),
            **{
                ("perda validação" if k == "loss" else k): v
                for k, v in evals.get(e, {}).items()
                if k not in ("runtime", "samples_per_second", "steps_per_second")
            },
        }
        for e in epochs
    ]
    return pd.DataFrame(rows).set_index("época")
