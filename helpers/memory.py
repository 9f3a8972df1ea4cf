"""Falta de memória no treino: em vez do erro do PyTorch, uma mensagem em português que diz o que reduzir.

``make_trainer`` (notebook 02) passa cada ``Trainer`` por :func:`explain_out_of_memory`.
"""

from __future__ import annotations

import functools
import types

import torch


class OutOfMemory(RuntimeError):
    """A memória (da GPU, quase sempre) acabou no treino ou na avaliação; a mensagem diz o que reduzir.

    O erro original do PyTorch fica em ``__cause__``.
    """


_OOM_MARKERS = ("out of memory", "can't allocate memory", "cannot allocate memory")


def is_out_of_memory(exc: BaseException) -> bool:
    """``torch.OutOfMemoryError`` ou um ``RuntimeError`` de falta de memória (CUDA, MPS, CPU)."""
    oom = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
    return isinstance(exc, oom) or (
        isinstance(exc, RuntimeError)
        and not isinstance(exc, OutOfMemory)
        and any(m in str(exc).lower() for m in _OOM_MARKERS)
    )


def out_of_memory_message(
    exc: BaseException, args=None, during: str = "o treino", longest: int | None = None
) -> str:
    """O que dizer quando ``exc`` é falta de memória: onde acabou e qual parâmetro reduzir pela metade."""
    text = str(exc).lower()
    where = (
        "a memória da GPU do Mac (MPS)"
        if "mps" in text
        else "a memória da GPU"
        if "cuda" in text or "gpu" in text
        else "a memória RAM"
        if "cpu" in text or "allocate memory" in text
        else "a memória da GPU"
    )
    length = f"; o texto mais longo do treino tem {longest} tokens" if longest else ""
    if during == "o treino":
        batch = getattr(args, "per_device_train_batch_size", None)
        half = f", {batch} → {max(1, batch // 2)}," if isinstance(batch, int) else ""
        first = (
            f"reduza BATCH_SIZE (per_device_train_batch_size) pela metade{half} e rode de novo; para manter "
            "o lote efetivo, use também gradient_accumulation_steps=2"
        )
    else:
        batch = getattr(args, "per_device_eval_batch_size", None)
        half = f", {batch} → {max(1, batch // 2)}" if isinstance(batch, int) else ""
        first = (
            f"reduza o lote da avaliação pela metade{half}: make_trainer(..., per_device_eval_batch_size="
            f"{max(1, batch // 2) if isinstance(batch, int) else 32})"
        )
    return (
        f"Acabou {where} durante {during}. O que fazer: 1) {first}; 2) se ainda faltar memória, reduza "
        f"MAX_LENGTH pela metade (ex.: 128 → 64{length}): textos mais curtos ocupam menos memória. Antes de "
        "tentar de novo, reinicie o ambiente (no Colab: Ambiente de execução → Reiniciar sessão), porque o "
        "modelo da tentativa anterior continua ocupando a memória."
    )


def explain_out_of_memory(trainer):
    """Faz ``trainer.train()``, ``evaluate()`` e ``predict()`` trocarem falta de memória por :class:`OutOfMemory`.

    A mensagem, em português, diz qual parâmetro reduzir pela metade (``BATCH_SIZE`` primeiro,
    ``MAX_LENGTH`` depois); o erro original fica em ``__cause__``. Devolve o próprio ``trainer``.
    """
    if getattr(trainer, "_explains_out_of_memory", False):
        return trainer
    for name, during in (
        ("train", "o treino"),
        ("evaluate", "a avaliação"),
        ("predict", "a previsão"),
    ):
        method = getattr(type(trainer), name)

        @functools.wraps(method)
        def guarded(self, *args, _method=method, _during=during, **kwargs):
            try:
                return _method(self, *args, **kwargs)
            except RuntimeError as exc:
                if not is_out_of_memory(exc):
                    raise
                data = self.train_dataset
                longest = (
                    max(data["length"])
                    if _during == "o treino"
                    and data is not None
                    and "length" in getattr(data, "column_names", ())
                    and len(data)
                    else None
                )
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
                raise OutOfMemory(out_of_memory_message(exc, self.args, _during, longest)) from exc

        setattr(trainer, name, types.MethodType(guarded, trainer))
    trainer._explains_out_of_memory = True
    return trainer
