"""Código das aulas do notebook 06 (06_producao), gerado por ``scripts/nbsave.py``: não edite aqui.

Cada bloco é uma célula marcada com ``# @save`` em ``notebooks/06_producao.ipynb``. Para mudar uma função, mude a
célula no notebook e rode ``make save``; um teste confere que este arquivo e as células são iguais.
"""
# ruff: noqa: E402, F811

# --- seção 3 do notebook 06
import copy

from helpers import production


def torch_int8(model):
    """Cópia de ``model`` com as ``nn.Linear`` em int8 dinâmico, pelo ``quantize_`` do torchao.

    ``Int8DynamicActivationInt8WeightConfig`` (padrão do torchao 0.18, ``PerRow``): pesos em int8
    com uma escala por neurônio de saída; ativações quantizadas na hora, uma escala por token.
    O ``model`` original não muda.

    Mostrada no notebook 06, seção 3.
    """
    torchao = production.require("torchao.quantization")  # sem o pacote, diz o que instalar
    quantized = copy.deepcopy(model).eval()
    torchao.quantize_(quantized, torchao.Int8DynamicActivationInt8WeightConfig())
    return quantized

# --- seção 4 do notebook 06
import copy
from pathlib import Path

import torch

from helpers import production


def export_onnx(model, tokenizer, path, max_length=128):
    """Exporta ``model`` (um classificador do transformers) para um arquivo ONNX só, em ``path``.

    Entradas ``input_ids`` e ``attention_mask``, com lote e comprimento livres; saída ``logits``.

    Mostrada no notebook 06, seção 4.
    """
    production.require("onnxscript")  # o tradutor do exportador; sem ele, diz o que instalar
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = copy.deepcopy(model).to("cpu").eval()
    example = tokenizer(
        ["um exemplo curto", "outro exemplo, um pouco mais longo que o primeiro"],
        padding=True,
        truncation=True,
        max_length=max_length,
        return_tensors="pt",
    )
    inputs = {"input_ids": example["input_ids"], "attention_mask": example["attention_mask"]}
    free = {0: torch.export.Dim.DYNAMIC, 1: torch.export.Dim.DYNAMIC}  # lote e comprimento
    with production.quiet_exporter():  # avisos do exportador sobre o próprio código
        torch.onnx.export(
            model,
            args=(),
            kwargs=inputs,
            f=str(path),
            dynamo=True,
            external_data=False,
            input_names=list(inputs),
            output_names=["logits"],
            dynamic_shapes={name: free for name in inputs},
            verbose=False,
        )
    return path

# --- seção 4 do notebook 06
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from helpers import production


class OnnxClassifier:
    """Um classificador ONNX numa ``InferenceSession``, com a cara de um do transformers.

    ``config`` é o do modelo exportado (rótulos, limite de posições); ``threads``, as do ONNX
    Runtime (1, como nas medidas de latência da série).

    Mostrada no notebook 06, seção 4.
    """

    device = torch.device("cpu")

    def __init__(self, path, config, threads=1):
        ort = production.require("onnxruntime")
        self.path, self.config = Path(path), config
        if not self.path.is_file():
            raise FileNotFoundError(
                f"Não achei o modelo ONNX em {self.path}: rode antes a célula que o exporta."
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        self.session = ort.InferenceSession(
            str(self.path), options, providers=["CPUExecutionProvider"]
        )

    def forward(self, input_ids, attention_mask):
        feed = {
            "input_ids": np.asarray(input_ids, dtype=np.int64),
            "attention_mask": np.asarray(attention_mask, dtype=np.int64),
        }
        (logits,) = self.session.run(["logits"], feed)
        return SimpleNamespace(logits=torch.from_numpy(logits))

    __call__ = forward

    def eval(self):
        return self

# --- seção 4 do notebook 06
import tempfile
from pathlib import Path

from helpers import production

# as quatro opções: (per_channel, symmetric_embeddings); a primeira é o padrão do ONNX Runtime
QUANTIZATION_CHOICES = {
    "tensor_asym": (False, False),
    "tensor_sym": (False, True),
    "channel_asym": (True, False),
    "channel_sym": (True, True),
}
CHOICE_LABELS = {
    "tensor_asym": "pesos por tensor, embeddings assimétricas",
    "tensor_sym": "pesos por tensor, embeddings simétricas",
    "channel_asym": "pesos por canal, embeddings assimétricas",
    "channel_sym": "pesos por canal, embeddings simétricas",
}


def quantize_onnx(path, out, per_channel=False, symmetric_embeddings=False):
    """int8 dinâmico do ONNX Runtime, de ``path`` para ``out``: pré-processo e ``quantize_dynamic``.

    ``per_channel``: uma escala por canal nos pesos (senão, uma por tensor);
    ``symmetric_embeddings``: a opção ``ActivationSymmetric``, que no ``quantize_dynamic`` só
    muda as tabelas de embeddings (zero fixo em 128).

    Mostrada no notebook 06, seção 4.
    """
    quantization = production.require("onnxruntime.quantization")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, production.quiet_logs("root", "onnxruntime"):
        prepared = Path(folder) / "preparado.onnx"  # formas inferidas, grafo simplificado
        quantization.quant_pre_process(str(path), str(prepared), skip_symbolic_shape=True)
        quantization.quantize_dynamic(
            str(prepared),
            str(out),
            per_channel=per_channel,
            weight_type=quantization.QuantType.QInt8,
            extra_options={"ActivationSymmetric": symmetric_embeddings},
        )
    return out

# --- seção 4 do notebook 06
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import inference


def compare_quantization(model, tokenizer, onnx_path, texts, folder, max_length=128):
    """Cada opção de ``QUANTIZATION_CHOICES`` contra ``model`` em fp32, nas frases ``texts``.

    Devolve ``(table, gaps)``. ``table``: uma linha por opção, com ``same_class`` (fração de
    classes iguais), ``mean_gap`` e ``max_gap`` (diferença média e maior de probabilidade);
    ``gaps[opção]``: a diferença média de cada frase.

    Mostrada no notebook 06, seção 4.
    """
    texts = list(texts)
    base = inference.predict_proba(texts, model, tokenizer, max_length=max_length)
    rows, gaps = {}, {}
    for name, (per_channel, symmetric) in QUANTIZATION_CHOICES.items():
        out = Path(folder) / f"{Path(onnx_path).stem}.{name}.onnx"
        quantized = quantize_onnx(onnx_path, out, per_channel, symmetric)
        quantized = OnnxClassifier(quantized, model.config)
        probs = inference.predict_proba(texts, quantized, tokenizer, max_length=max_length)
        gap = np.abs(probs - base)
        gaps[name] = gap.mean(axis=1)
        rows[name] = {
            "same_class": float((probs.argmax(1) == base.argmax(1)).mean()),
            "mean_gap": float(gap.mean()),
            "max_gap": float(gap.max()),
        }
    return pd.DataFrame(rows).T, gaps
