"""Medir um modelo: parâmetros, tamanho em disco e tempo de uma passagem na CPU.

Usado pelos notebooks 01 (custo das arquiteturas), 02 (parâmetros treináveis),
04 e 05 (professor × aluno, BERT × DistilBERT) e pelos ``benchmarks/``.

* :func:`size_on_disk_mb`: o que ``save_pretrained`` grava;
* :func:`alternating_forward_times`: os tempos de passagens alternadas de dois modelos, com entradas
  aleatórias (o custo de uma arquitetura não depende dos valores dos pesos), para ver o ruído;
* :func:`cpu_latency` e :func:`efficiency_table`: a mediana de passagens com frases de verdade;
  :func:`cpu_latency_times`: os tempos de cada passagem, para ver o ruído.
"""

from __future__ import annotations

import copy
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch

from .compat import forward_inputs


def size_on_disk_mb(model) -> float:
    """Tamanho, em MB, dos arquivos de pesos que ``save_pretrained`` grava (safetensors, float32)."""
    from .hub import quiet_loading

    with (
        quiet_loading(),
        tempfile.TemporaryDirectory() as folder,
    ):  # sem a barra "Writing model shards"
        model.save_pretrained(folder)
        files = [f for f in Path(folder).iterdir() if f.suffix in (".safetensors", ".bin")]
        return sum(f.stat().st_size for f in files) / 1e6


def random_inputs(seq_len: int, batch_size: int, seed: int = 0) -> dict:
    """Entradas de mentira (ids aleatórios, sem *padding*) para medir tempo de uma arquitetura."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(1000, 2000, (batch_size, seq_len), generator=generator)
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}


def _one_pass_ms(model, inputs) -> float:
    start = time.perf_counter()
    model(**inputs)
    return 1000 * (time.perf_counter() - start)


def alternating_forward_times(
    model, reference, inputs, repeats: int = 5
) -> tuple[list[float], list[float]]:
    """``(tempos do model, tempos da referência)``, em ms: as ``repeats`` passagens **alternadas**, na ordem.

    As passagens se revezam (modelo, referência, modelo, ...), depois de uma de aquecimento de
    cada um. O par ``i`` (a passagem ``i`` de cada lado) foi medido na mesma janela de tempo: a
    dispersão das razões ``model[i] / referência[i]`` mostra o ruído da medida.
    """
    if repeats < 1:
        raise ValueError(f"repeats precisa ser pelo menos 1 (recebi {repeats}).")
    own, ref = [], []
    with torch.inference_mode():
        model(**inputs)
        reference(**inputs)  # aquecimento dos dois
        for _ in range(repeats):
            own.append(_one_pass_ms(model, inputs))
            ref.append(_one_pass_ms(reference, inputs))
    return own, ref


def cpu_copy(model):
    """O próprio ``model`` se já estiver na CPU; senão, uma cópia na CPU. Em modo de avaliação.

    Um modelo que não é do PyTorch (o :class:`helpers.production.OnnxClassifier`, que já roda na CPU)
    volta como está.
    """
    if not isinstance(model, torch.nn.Module):
        return model.eval()
    on_cpu = all(p.device.type == "cpu" for p in model.parameters())
    return (model if on_cpu else copy.deepcopy(model).to("cpu")).eval()


def cpu_latency_times(
    models: dict,
    tokenizer,
    texts,
    batch_sizes=(1, 32),
    repeats: int = 15,
    warmup: int = 2,
    threads: int = 1,
    max_length: int = 128,
) -> dict:
    """Os tempos (ms) de cada passagem na CPU: ``{(modelo, lote): [tempo da repetição 0, 1, ...]}``.

    Mesmas regras de :func:`cpu_latency` (que devolve as medianas destes tempos). As medidas se
    alternam entre os modelos: a repetição ``i`` de um modelo e a ``i`` de outro foram medidas uma
    logo depois da outra, então a razão entre elas, repetição a repetição, mostra o ruído da comparação.
    """
    texts = list(texts)
    if max(batch_sizes) > len(texts):
        raise ValueError(
            f"Preciso de pelo menos {max(batch_sizes)} textos para o lote de {max(batch_sizes)}."
        )
    if repeats < 1:
        raise ValueError(f"repeats precisa ser pelo menos 1 (recebi {repeats}).")
    cpu_models = {name: cpu_copy(m) for name, m in models.items()}
    tokenizers = tokenizer if isinstance(tokenizer, dict) else dict.fromkeys(cpu_models, tokenizer)
    if set(tokenizers) != set(cpu_models):
        raise ValueError(
            f"Um tokenizador por modelo: faltam {sorted(set(cpu_models) - set(tokenizers))}."
        )
    batches = {
        (name, b): forward_inputs(
            cpu_models[name],
            tokenizers[name](
                texts[:b], padding=True, truncation=True, max_length=max_length, return_tensors="pt"
            ),
        )
        for name in cpu_models
        for b in batch_sizes
    }
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
    return times


def latency_medians(times: dict) -> pd.DataFrame:
    """A tabela de :func:`cpu_latency` (mediana, em ms, por modelo e lote) a partir de :func:`cpu_latency_times`."""
    names = list(dict.fromkeys(name for name, _ in times))
    sizes = list(dict.fromkeys(b for _, b in times))
    table = pd.DataFrame(
        {
            f"lote {b} (ms)": {name: statistics.median(times[(name, b)]) for name in names}
            for b in sizes
        }
    )
    return table.rename_axis("modelo")


def cpu_latency(
    models: dict,
    tokenizer,
    texts,
    batch_sizes=(1, 32),
    repeats: int = 15,
    warmup: int = 2,
    threads: int = 1,
    max_length: int = 128,
) -> pd.DataFrame:
    """Tempo de uma passagem na CPU (mediana de ``repeats``, em ms) por modelo e tamanho de lote.

    ``tokenizer``: um só para todos os modelos, ou um dicionário ``{nome: tokenizador}``
    quando os modelos têm vocabulários diferentes (BERT × DistilBERT, no notebook 05).

    * entradas já tokenizadas (o tokenizador fica fora do tempo), com *padding* até a
      maior frase do lote: o lote de ``b`` frases são as ``b`` primeiras de ``texts``;
    * ``torch.inference_mode`` e ``threads`` fixos (o valor anterior volta no fim); um modelo ONNX
      (:class:`helpers.production.OnnxClassifier`) usa as threads com que foi aberto (1 por padrão);
    * as medidas se alternam entre os modelos, para que uma máquina ocupada pese igual em todos.

    Os tempos de cada repetição: :func:`cpu_latency_times`.
    """
    return latency_medians(
        cpu_latency_times(
            models,
            tokenizer,
            texts,
            batch_sizes,
            repeats=repeats,
            warmup=warmup,
            threads=threads,
            max_length=max_length,
        )
    )


def efficiency_table(
    models: dict,
    tokenizer,
    texts,
    batch_sizes=(1, 32),
    repeats: int = 15,
    threads: int = 1,
    max_length: int = 128,
) -> pd.DataFrame:
    """Camadas, parâmetros (milhões), tamanho em disco (MB) e tempo na CPU de cada modelo."""
    from .lesson01 import count_parameters  # a soma que o notebook 01 escreve

    table = pd.DataFrame(
        {
            "camadas": {n: m.config.num_hidden_layers for n, m in models.items()},
            "parâmetros (M)": {n: count_parameters(m) / 1e6 for n, m in models.items()},
            "disco (MB)": {n: size_on_disk_mb(m) for n, m in models.items()},
        }
    )
    latency = cpu_latency(
        models,
        tokenizer,
        texts,
        batch_sizes,
        repeats=repeats,
        threads=threads,
        max_length=max_length,
    )
    return table.join(latency).rename_axis("modelo")
