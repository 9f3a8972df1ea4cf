"""Produção leve (notebook 06): dependências, int8 à mão e a tabela das versões lado a lado.

A exportação para ONNX, as quantizações (torchao e ONNX Runtime) e o ``OnnxClassifier`` estão escritos nas
células do notebook 06 (``helpers/lesson06.py``, gerado delas). A seção 5 monta as versões com essas
células e as mede com :func:`production_table` (o benchmark de inferência monta as mesmas versões com as
cópias de ``lesson06``). Dependências: ``onnx``,
``onnxscript``, ``onnxruntime`` e ``torchao``, o extra ``producao`` do ``pyproject.toml``; no Colab,
:func:`ensure_installed` instala o que faltar (com :mod:`helpers.optional_packages`). As colunas da tabela são medidas em :mod:`helpers.version_metrics`.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import warnings

import numpy as np
import torch

from . import optional_packages

INSTALL_HINT = (
    'Instale com: pip install "onnx>=1.17" "onnxscript>=0.3" "onnxruntime>=1.20" "torchao>=0.10" '
    "(no Colab, a célula production.ensure_installed() do notebook 06 faz isso; num clone, make install)."
)


class MissingDependency(ImportError):
    """Falta uma biblioteca opcional da seção de produção (mensagem em português)."""


def require(module: str):
    """Importa ``module`` (sem os avisos do torchao ao carregar) ou levanta :class:`MissingDependency`."""
    try:
        with quiet_logs("torchao", "torch.utils._pytree"):
            return importlib.import_module(module)
    except ImportError as error:
        raise MissingDependency(
            f"A seção de produção precisa do pacote '{module.split('.')[0]}', que não está "
            f"instalado ({error}). {INSTALL_HINT}"
        ) from None


def ensure_installed(colab: bool | None = None) -> list[str]:
    """Confere as dependências da seção; no Colab, instala as que faltam sem trocar nada do que já está lá.

    O pip recebe como restrição (``-c``) a versão de cada pacote instalado: escolhe versões do onnx, do
    onnxscript e do onnxruntime que aceitem o protobuf, o numpy e o resto que o Colab traz. Fora do Colab
    não instala: levanta :class:`MissingDependency` com o comando. Devolve os módulos que faltavam.
    """
    from .env import in_colab

    missing = optional_packages.missing_modules()
    if not missing:
        return []
    if not (in_colab() if colab is None else colab):
        raise MissingDependency(f"Faltam os pacotes {', '.join(missing)}. {INSTALL_HINT}")
    wanted = {
        r.split(">")[0].split("=")[0].strip(): r for r in optional_packages.extra_requirements()
    }
    requirements = [wanted.get(m, m) for m in missing]
    print(
        "Instalando o que o Colab não traz (sem trocar nenhum pacote que ele já tem): "
        + " ".join(requirements)
    )
    optional_packages.pip_install_keeping_installed(requirements)
    importlib.invalidate_caches()
    return missing


@contextlib.contextmanager
def quiet_logs(*names: str, level: int = logging.ERROR):
    """Sobe o nível dos loggers ``names`` durante o bloco (avisos de biblioteca que não pedem ação do aluno)."""
    loggers = {logging.getLogger(n): logging.getLogger(n).level for n in names}
    for logger in loggers:
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, old in loggers.items():
            logger.setLevel(old)


def int8_scale(values, axis: int | None = None):
    """Escala simétrica do int8: ``max(|x|) / 127`` do tensor inteiro (``axis=None``) ou de cada fatia de ``axis``.

    Por canal (``axis=0`` numa matriz de pesos: uma escala por neurônio de saída), uma linha de valores
    pequenos não fica refém do maior valor da matriz.
    """
    x = torch.as_tensor(values, dtype=torch.float32)
    if axis is None:
        biggest = x.abs().max()
    else:
        other = [d for d in range(x.dim()) if d != axis % x.dim()]
        biggest = x.abs().amax(dim=other, keepdim=True) if other else x.abs()
    return torch.clamp(biggest, min=torch.finfo(torch.float32).tiny) / 127


def quantize(values, scale) -> torch.Tensor:
    """``round(x / escala)``, limitado a [-127, 127], em ``torch.int8`` (o que o exercício pede)."""
    x = torch.as_tensor(values, dtype=torch.float32)
    return torch.clamp(torch.round(x / torch.as_tensor(scale, dtype=torch.float32)), -127, 127).to(
        torch.int8
    )


def dequantize(q, scale) -> torch.Tensor:
    """De volta para float: ``q × escala``."""
    return torch.as_tensor(q).to(torch.float32) * torch.as_tensor(scale, dtype=torch.float32)


def layer_kinds(model):
    """Que camadas guardam o peso em int8 e quais ficam em float: uma linha por (tipo de camada, guarda).

    Serve para o modelo em float e para a cópia do ``torch_int8`` do notebook 06 (nela, o peso das
    ``nn.Linear`` vira um tensor int8 do torchao).
    """
    import pandas as pd

    rows = {}
    for module in model.modules():
        weight = getattr(module, "weight", None)
        if not isinstance(weight, torch.Tensor) or any(True for _ in module.children()):
            continue
        storage = (
            "int8 (uma escala por neurônio de saída)"
            if _holds_int8(weight)
            else {torch.float32: "fp32", torch.float16: "fp16", torch.bfloat16: "bf16"}.get(
                weight.dtype, str(weight.dtype).replace("torch.", "")
            )
        )
        key = (type(module).__name__, storage)
        count, params = rows.get(key, (0, 0))
        rows[key] = (count + 1, params + weight.numel())
    table = pd.DataFrame(
        [
            {"camada": k[0], "peso guardado como": k[1], "módulos": c, "pesos (milhões)": n / 1e6}
            for k, (c, n) in rows.items()
        ]
    )
    return table.sort_values("pesos (milhões)", ascending=False).reset_index(drop=True)


def _holds_int8(tensor) -> bool:
    """Se ``tensor`` guarda int8: ele mesmo ou, num tensor do torchao, algum dos tensores que ele embrulha.

    O nome e o embrulho mudam entre versões do torchao (``Int8Tensor`` no 0.18; no 0.10, o do Colab, um
    ``LinearActivationQuantizedTensor`` em volta de um ``AffineQuantizedTensor``); o int8 guardado, não.
    """
    if tensor.dtype == torch.int8:
        return True
    flatten = getattr(tensor, "__tensor_flatten__", None)
    return flatten is not None and any(_holds_int8(getattr(tensor, name)) for name in flatten()[0])


# aviso que o exportador do torch 2.13 levanta sobre o próprio código (não sobre uma chamada nossa)
_EXPORTER_NOISE = r"`isinstance\(treespec, LeafSpec\)` is deprecated"


@contextlib.contextmanager
def quiet_exporter():
    """Cala, durante o bloco, os avisos que o exportador do ``torch.onnx`` dá sobre o próprio código."""
    with (
        warnings.catch_warnings(),
        quiet_logs("torch.onnx", "torch.export", "torch._export", "onnxscript"),
    ):
        warnings.filterwarnings("ignore", message=_EXPORTER_NOISE, category=FutureWarning)
        yield


def max_logit_difference(a, b, tokenizer, texts, max_length: int = 128) -> float:
    """Maior diferença absoluta entre os logits de ``a`` e ``b`` nas mesmas frases (mesmo tokenizador)."""
    from .compat import forward_inputs

    enc = tokenizer(
        list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt"
    )
    with torch.inference_mode():
        la = a(**forward_inputs(a, dict(enc))).logits.float()
        lb = b(**forward_inputs(b, dict(enc))).logits.float()
    return float((la - lb).abs().max())


REFERENCE = "BERT fp32"
FLOAT_OF = {
    "DistilBERT int8 (PyTorch)": "DistilBERT fp32",
    "DistilBERT ONNX fp32": "DistilBERT fp32",
    "DistilBERT ONNX int8": "DistilBERT fp32",
    "BERT ONNX fp32": "BERT fp32",
    "BERT ONNX int8": "BERT fp32",
}


def production_table(
    variants: dict,
    texts,
    y_true,
    labels,
    latency_texts,
    batch_sizes=(1, 32),
    repeats: int = 10,
    max_length: int = 128,
):
    """A tabela da seção 5 do notebook 06, as probabilidades no teste e os tempos: ``(tabela, probs, tempos)``.

    Para cada versão (montada na seção 5 do notebook 06): disco, latência na CPU (mediana de ``repeats``, 1 thread,
    as mesmas frases, as versões intercaladas), F1 macro e acurácia no teste, a retenção do F1 (÷ o do BERT
    fp32) e, para as versões menores, a concordância com o mesmo modelo em float (classes iguais, diferença
    média e maior de probabilidade). ``tempos``: os de :func:`helpers.measure.cpu_latency_times`.
    """
    from .inference import predict_proba
    from .measure import cpu_latency_times, latency_medians
    from .version_metrics import add_float_agreement, add_reference_ratios, version_rows

    if REFERENCE not in variants:
        raise ValueError(f"A tabela compara tudo com '{REFERENCE}': inclua essa versão.")
    y_true = np.asarray(y_true)
    probs = {
        name: predict_proba(list(texts), m, tok, max_length=max_length)
        for name, (m, tok) in variants.items()
    }
    times = cpu_latency_times(
        {n: m for n, (m, _) in variants.items()},
        {n: t for n, (_, t) in variants.items()},
        list(latency_texts)[: max(batch_sizes)],
        batch_sizes=batch_sizes,
        repeats=repeats,
        threads=1,
        max_length=max_length,
    )
    table = version_rows(variants, probs, latency_medians(times), y_true, labels)
    add_reference_ratios(table, REFERENCE, batch_sizes)
    add_float_agreement(table, probs, FLOAT_OF)
    return table.rename_axis("versão"), probs, times


def fastest_distilbert(table, batch: int = 1) -> str:
    """A versão do DistilBERT com a menor latência no lote ``batch``."""
    candidates = [n for n in table.index if n.startswith("DistilBERT")]
    return str(table.loc[candidates, f"lote {batch} (ms)"].astype(float).idxmin())
