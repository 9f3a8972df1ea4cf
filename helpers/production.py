"""Produção leve: int8 à mão, int8 no PyTorch (torchao), exportação para ONNX e ONNX Runtime (notebook 06).

Tudo na CPU. As funções devolvem modelos com a mesma cara dos modelos do transformers
(``model(input_ids=..., attention_mask=...).logits`` e ``model.config``), para que
:func:`helpers.inference.predict`, o widget de previsão e :func:`helpers.measure.cpu_latency`
sirvam para todos eles sem mudança.

Dependências: ``onnx``, ``onnxscript`` (o exportador do ``torch.onnx``), ``onnxruntime`` e
``torchao``, o extra ``producao`` do ``pyproject.toml``, que ``make install`` inclui. No Colab,
:func:`ensure_installed` instala o que faltar. Sem elas, :class:`MissingDependency` diz em
português o que instalar.
"""
from __future__ import annotations

import contextlib
import copy
import logging
import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

EXTRA = "producao"
INSTALL_HINT = ("Instale com: pip install \"onnx>=1.17\" \"onnxscript>=0.3\" \"onnxruntime>=1.20\" \"torchao>=0.10\" "
                "(no Colab, a célula production.ensure_installed() do notebook 06 faz isso; num clone, make install).")


class MissingDependency(ImportError):
    """Falta uma biblioteca opcional da seção de produção (mensagem em português)."""


def require(module: str):
    """Importa ``module`` ou levanta :class:`MissingDependency` dizendo o que instalar."""
    import importlib

    try:
        with _quiet_logs("torchao", "torch.utils._pytree"):
            return importlib.import_module(module)
    except ImportError as error:
        raise MissingDependency(f"A seção de produção precisa do pacote '{module.split('.')[0]}', que não está "
                                f"instalado ({error}). {INSTALL_HINT}") from None


def extra_requirements(extra: str = EXTRA) -> list[str]:
    """As dependências do extra ``extra`` do pacote instalado (lidas dos metadados, a mesma lista do pyproject)."""
    import importlib.metadata as md
    import re

    try:
        requires = md.requires("variantes-bert") or []
    except md.PackageNotFoundError:
        return []
    marker = re.compile(r";\s*extra\s*==\s*[\"']%s[\"']" % re.escape(extra))
    return [marker.split(r)[0].strip() for r in requires if marker.search(r)]


def missing_modules(modules=("onnx", "onnxscript", "onnxruntime", "torchao")) -> list[str]:
    """Os módulos de ``modules`` que não estão instalados (sem importá-los)."""
    import importlib.util

    return [m for m in modules if importlib.util.find_spec(m) is None]


def installed_pins() -> list[str]:
    """``nome==versão`` de cada distribuição instalada (a primeira de cada nome, a que o ``import`` acha)."""
    import importlib.metadata as md

    from packaging.version import InvalidVersion, Version

    pins = {}
    for dist in md.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        try:
            Version(dist.version)
        except (InvalidVersion, TypeError):
            continue
        pins.setdefault(name, f"{name}=={dist.version}")
    return sorted(v for k, v in pins.items() if k)


def ensure_installed(colab: bool | None = None) -> list[str]:
    """Confere as dependências da seção; no Colab, instala as que faltam sem trocar nada do que já está lá.

    O pip recebe como restrição (``-c``) a versão de cada pacote instalado: escolhe versões do onnx, do
    onnxscript e do onnxruntime que aceitem o protobuf, o numpy e o resto que o Colab traz, em vez de
    atualizá-los no meio da sessão. Fora do Colab não instala nada: levanta :class:`MissingDependency`
    com o comando. Devolve os módulos que faltavam (vazio: já estava tudo lá).
    """
    import importlib
    import subprocess
    import sys

    from .env import in_colab

    missing = missing_modules()
    if not missing:
        return []
    if not (in_colab() if colab is None else colab):
        raise MissingDependency(f"Faltam os pacotes {', '.join(missing)}. {INSTALL_HINT}")
    wanted = {r.split(">")[0].split("=")[0].strip(): r for r in extra_requirements()}
    requirements = [wanted.get(m, m) for m in missing]
    print("Instalando o que o Colab não traz (sem trocar nenhum pacote que ele já tem): " + " ".join(requirements))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="instalados-") as constraints:
        constraints.write("\n".join(installed_pins()) + "\n")
        constraints.flush()
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-c", constraints.name, *requirements],
                       check=True)
    importlib.invalidate_caches()
    return missing


@contextlib.contextmanager
def _quiet_logs(*names: str, level: int = logging.ERROR):
    """Sobe o nível dos loggers ``names`` durante o bloco (avisos de biblioteca que não pedem ação do aluno)."""
    loggers = [logging.getLogger(n) for n in names]
    before = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(level)
    try:
        yield
    finally:
        for lg, old in zip(loggers, before):
            lg.setLevel(old)


# ---------------------------------------------------------------------------------------------------------------
# int8 à mão

def int8_scale(values, axis: int | None = None):
    """Escala simétrica do int8: ``max(|x|) / 127`` do tensor inteiro (``axis=None``) ou de cada fatia de ``axis``.

    Por canal (``axis=0`` numa matriz de pesos: uma escala por linha, ou seja, por neurônio de
    saída), uma linha de valores pequenos não fica refém do maior valor da matriz.
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
    return torch.clamp(torch.round(x / torch.as_tensor(scale, dtype=torch.float32)), -127, 127).to(torch.int8)


def dequantize(q, scale) -> torch.Tensor:
    """De volta para float: ``q × escala``."""
    return torch.as_tensor(q).to(torch.float32) * torch.as_tensor(scale, dtype=torch.float32)


# ---------------------------------------------------------------------------------------------------------------
# int8 no PyTorch

def torch_int8(model):
    """Cópia de ``model`` com as camadas ``nn.Linear`` em int8 dinâmico, pelo torchao.

    ``torchao.quantization.quantize_`` com ``Int8DynamicActivationInt8WeightConfig`` (padrão do torchao
    0.18: ``granularity=PerRow()``, ``act_mapping_type=SYMMETRIC``): pesos em int8 com uma escala por
    neurônio de saída, guardados uma vez; as ativações são quantizadas **na hora**, a cada passagem, em
    int8 simétrico com uma escala por token (por isso "dinâmica": nenhuma calibração antes). Só as
    ``nn.Linear`` mudam; embeddings, LayerNorm e softmax ficam em float. O ``model`` original não muda.
    (O ``torch.ao.quantization.quantize_dynamic``, que os materiais antigos usam, está descontinuado:
    no PyTorch 2.13 ele avisa que o ``torch.ao.quantization`` vai ser removido e manda migrar para o
    torchao, o ``DEPRECATION_WARNING`` de ``torch/ao/quantization/utils.py``: por isso o torchao.)
    """
    quantization = require("torchao.quantization")
    quantized = copy.deepcopy(model).eval()
    with _quiet_logs("torchao", "torch.utils._pytree"):
        quantization.quantize_(quantized, quantization.Int8DynamicActivationInt8WeightConfig())
    return quantized


def layer_kinds(model):
    """Que camadas guardam o peso em int8 e quais ficam em float: módulos e parâmetros por tipo de camada.

    Uma linha por (tipo de camada, como o peso está guardado). Serve para o modelo em float e para a
    cópia de :func:`torch_int8` (nela, o peso das ``nn.Linear`` vira um tensor int8 do torchao).
    """
    import pandas as pd

    rows = {}
    for module in model.modules():
        weight = getattr(module, "weight", None)
        if not isinstance(weight, torch.Tensor) or any(True for _ in module.children()):
            continue
        storage = ("int8 (uma escala por neurônio de saída)" if _holds_int8(weight)
                   else {torch.float32: "fp32", torch.float16: "fp16", torch.bfloat16: "bf16"}.get(
                       weight.dtype, str(weight.dtype).replace("torch.", "")))
        key = (type(module).__name__, storage)
        count, params = rows.get(key, (0, 0))
        rows[key] = (count + 1, params + weight.numel())
    table = pd.DataFrame([{"camada": k[0], "peso guardado como": k[1], "módulos": c, "pesos (milhões)": n / 1e6}
                          for k, (c, n) in rows.items()])
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


@contextlib.contextmanager
def _no_typed_storage_warning():
    """O torchao 0.18 serializa os tensores int8 por um caminho que o torch marca como antigo (UserWarning)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="TypedStorage is deprecated", category=UserWarning)
        yield


def torch_size_mb(model) -> float:
    """Tamanho, em MB, do ``state_dict`` de ``model`` salvo por ``torch.save`` (serve para os tensores do torchao)."""
    with tempfile.TemporaryDirectory() as folder, _no_typed_storage_warning():
        path = Path(folder) / "pesos.pt"
        torch.save(model.state_dict(), path)
        return path.stat().st_size / 1e6


# ---------------------------------------------------------------------------------------------------------------
# ONNX e ONNX Runtime

# aviso que o exportador do torch 2.13 levanta sobre o próprio código (não sobre uma chamada nossa)
_EXPORTER_NOISE = r"`isinstance\(treespec, LeafSpec\)` is deprecated"


def export_onnx(model, tokenizer, path, max_length: int = 128) -> Path:
    """Exporta ``model`` (um classificador do transformers) para um arquivo ONNX só, em ``path``.

    Usa o exportador atual do PyTorch, ``torch.onnx.export(..., dynamo=True)``: ele captura o grafo
    com ``torch.export`` e o traduz com o onnxscript (o antigo ``transformers.convert_graph_to_onnx``
    não existe mais). Entradas ``input_ids`` e ``attention_mask``, com lote e comprimento livres;
    saída ``logits``. Os pesos vão dentro do arquivo (sem ``.data`` ao lado), para o tamanho em disco
    ser o de um arquivo só.
    """
    require("onnxscript")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = copy.deepcopy(model).to("cpu").eval()
    example = tokenizer(["um exemplo curto", "outro exemplo, um pouco mais comprido que o primeiro"],
                        padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    kwargs = {"input_ids": example["input_ids"], "attention_mask": example["attention_mask"]}
    dims = {0: torch.export.Dim.DYNAMIC, 1: torch.export.Dim.DYNAMIC}
    with warnings.catch_warnings(), _quiet_logs("torch.onnx", "torch.export", "torch._export", "onnxscript"):
        warnings.filterwarnings("ignore", message=_EXPORTER_NOISE, category=FutureWarning)
        torch.onnx.export(model, args=(), kwargs=kwargs, f=str(path), dynamo=True, external_data=False,
                          input_names=["input_ids", "attention_mask"], output_names=["logits"],
                          dynamic_shapes={"input_ids": dims, "attention_mask": dims}, verbose=False)
    return path


def quantize_onnx(path, out, per_channel: bool = False, symmetric_embeddings: bool = False) -> Path:
    """Quantização dinâmica int8 do ONNX Runtime (``onnxruntime.quantization.quantize_dynamic``).

    O que ela faz (conferido no ``onnxruntime/quantization/quantize.py`` e ``onnx_quantizer.py`` da
    versão 1.32): os pesos das multiplicações de matrizes (``MatMul`` com matriz constante) vão para
    **int8** simétrico (zero no zero); as ativações são quantizadas na hora por um
    ``DynamicQuantizeLinear``, sempre em **uint8** com deslocamento (``quantize_dynamic`` passa
    ``QuantType.QUInt8`` com o comentário "dynamic activation only supports uint8"), e as tabelas de
    embeddings (o ``Gather``) são guardadas com o tipo das ativações, **uint8**, uma escala por tabela.

    ``per_channel``: uma escala por coluna da matriz de pesos (um neurônio de saída) em vez de uma
    para a matriz inteira; o padrão do ONNX Runtime é ``per_channel=False``, e o desta função também.
    ``symmetric_embeddings``: passa ``ActivationSymmetric=True``. Apesar do nome, na quantização
    dinâmica essa opção **não** muda as ativações (continuam uint8 com deslocamento calculado na hora):
    muda só as tabelas de embeddings, que passam a ter o zero fixo no meio da faixa (128) em vez de um
    deslocamento calculado do menor e do maior valor da tabela. A escolha entre as opções se faz na
    **validação** (:func:`compare_quantization`). Antes, ``quant_pre_process`` faz a inferência de
    formas e simplifica o grafo, como a documentação do ONNX Runtime recomenda.
    """
    quantization = require("onnxruntime.quantization")
    from onnxruntime.quantization.shape_inference import quant_pre_process

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, _quiet_logs("root", "onnxruntime"):
        prepared = Path(folder) / "preparado.onnx"
        quant_pre_process(str(path), str(prepared), skip_symbolic_shape=True)  # as formas vêm do exportador
        quantization.quantize_dynamic(str(prepared), str(out), weight_type=quantization.QuantType.QInt8,
                                      per_channel=per_channel,
                                      extra_options={"ActivationSymmetric": bool(symmetric_embeddings)})
    return out


# nome → (per_channel, symmetric_embeddings) de quantize_onnx; a primeira é o padrão do ONNX Runtime
QUANTIZATION_CHOICES = {"pesos por tensor, embeddings assimétricas": (False, False),
                        "pesos por tensor, embeddings simétricas": (False, True),
                        "pesos por canal, embeddings assimétricas": (True, False),
                        "pesos por canal, embeddings simétricas": (True, True)}
DEFAULT_QUANTIZATION = "pesos por tensor, embeddings assimétricas"


def compare_quantization(model, tokenizer, onnx_path, texts, folder, max_length: int = 128, per_text: bool = False):
    """As quatro combinações de :func:`quantize_onnx` (pesos por tensor ou por canal; embeddings assimétricas ou simétricas).

    Para cada uma, nas frases ``texts`` (use a **validação**: a escolha não pode olhar o teste): a
    fração de classes iguais às de ``model`` em fp32, a diferença média e a maior diferença de
    probabilidade. Os arquivos ficam em ``folder``, com o nome de ``onnx_path`` e o número da
    combinação (``bert.escolha_0.onnx``...), para que dois modelos possam usar a mesma pasta.
    Devolve uma tabela, uma linha por combinação. Escolha **por modelo**: o que vale para um não
    vale, sem medir, para o outro. Com ``per_text=True``, devolve ``(tabela, por_frase)``, em que
    ``por_frase[nome]`` é a diferença média de probabilidade de cada frase (a média dela é a coluna
    "diferença média de prob."), para comparar duas combinações com um intervalo pareado.
    """
    import pandas as pd

    from .inference import predict_proba

    texts = list(texts)
    base = predict_proba(texts, model, tokenizer, max_length=max_length)
    rows, by_text = {}, {}
    for i, (name, (per_channel, symmetric)) in enumerate(QUANTIZATION_CHOICES.items()):
        path = quantize_onnx(onnx_path, choice_path(onnx_path, folder, i), per_channel=per_channel,
                             symmetric_embeddings=symmetric)
        probs = predict_proba(texts, OnnxClassifier(path, model.config), tokenizer, max_length=max_length)
        gap = np.abs(probs - base)
        by_text[name] = gap.mean(axis=1)
        rows[name] = {"mesma classe que o fp32": float((probs.argmax(1) == base.argmax(1)).mean()),
                      "diferença média de prob.": float(gap.mean()), "maior diferença de prob.": float(gap.max())}
    table = pd.DataFrame(rows).T.rename_axis("int8 do ONNX Runtime")
    return (table, by_text) if per_text else table


def choice_path(onnx_path, folder, index: int) -> Path:
    """Onde :func:`compare_quantization` grava a combinação ``index`` de ``onnx_path``."""
    return Path(folder) / f"{Path(onnx_path).stem}.escolha_{index}.onnx"


def best_quantization(choice) -> str:
    """O nome, em :data:`QUANTIZATION_CHOICES`, da linha de :func:`compare_quantization` com a menor diferença média."""
    return str(choice["diferença média de prob."].astype(float).idxmin())


class OnnxClassifier:
    """Um classificador ONNX no ONNX Runtime com a cara de um modelo do transformers.

    ``OnnxClassifier(caminho, config)``: ``config`` é o do modelo exportado (rótulos, limite de
    posições). ``model(input_ids=..., attention_mask=...)`` devolve um objeto com ``.logits`` (tensor
    do PyTorch), como o modelo original; ``threads`` fixa as threads do ONNX Runtime (1 por padrão,
    como nas medidas de latência da série).
    """

    device = torch.device("cpu")

    def __init__(self, path, config, threads: int = 1):
        ort = require("onnxruntime")
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"Não achei o modelo ONNX em {self.path}: rode antes a célula que o exporta "
                                    "(production.export_onnx).")
        self.config = config
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]

    def forward(self, input_ids, attention_mask=None):
        feed = {"input_ids": np.asarray(input_ids.cpu() if hasattr(input_ids, "cpu") else input_ids, dtype=np.int64)}
        if "attention_mask" in self.input_names:
            mask = np.ones_like(feed["input_ids"]) if attention_mask is None else attention_mask
            feed["attention_mask"] = np.asarray(mask.cpu() if hasattr(mask, "cpu") else mask, dtype=np.int64)
        (logits,) = self.session.run(["logits"], feed)
        return SimpleNamespace(logits=torch.from_numpy(logits))

    __call__ = forward

    def eval(self):
        return self

    def size_mb(self) -> float:
        """Tamanho do arquivo ``.onnx`` (e de um ``.data`` ao lado, se houver), em MB."""
        extra = self.path.with_name(self.path.name + ".data")
        return (self.path.stat().st_size + (extra.stat().st_size if extra.is_file() else 0)) / 1e6

    def __repr__(self) -> str:
        return f"OnnxClassifier({str(self.path)!r})"


def size_mb(model) -> float:
    """Tamanho em disco, em MB, de qualquer modelo desta seção (PyTorch float, torchao ou ONNX)."""
    from .measure import size_on_disk_mb

    if isinstance(model, OnnxClassifier):
        return model.size_mb()
    try:
        with _no_typed_storage_warning():
            return size_on_disk_mb(model)
    except Exception:  # tensores do torchao não vão para safetensors: o tamanho do torch.save
        return torch_size_mb(model)


def max_logit_difference(a, b, tokenizer, texts, max_length: int = 128) -> float:
    """Maior diferença absoluta entre os logits de ``a`` e ``b`` nas mesmas frases (mesmo tokenizador)."""
    from .compat import forward_inputs

    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    with torch.inference_mode():
        la = a(**forward_inputs(a, dict(enc))).logits.float()
        lb = b(**forward_inputs(b, dict(enc))).logits.float()
    return float((la - lb).abs().max())


# ---------------------------------------------------------------------------------------------------------------
# as versões lado a lado

REFERENCE = "BERT fp32"
FLOAT_OF = {"DistilBERT int8 (PyTorch)": "DistilBERT fp32", "DistilBERT ONNX fp32": "DistilBERT fp32",
            "DistilBERT ONNX int8": "DistilBERT fp32", "BERT ONNX fp32": "BERT fp32", "BERT ONNX int8": "BERT fp32"}


def make_variants(bert, bert_tokenizer, distil, distil_tokenizer, folder, max_length: int = 128,
                  bert_onnx: bool = True, quantization=DEFAULT_QUANTIZATION, distil_onnx=None, bert_onnx_path=None,
                  progress=print) -> dict:
    """``{nome: (modelo, tokenizador)}`` das versões da tabela: os dois modelos em fp32 e as versões menores.

    BERT fp32, DistilBERT fp32, DistilBERT int8 (PyTorch, :func:`torch_int8`), DistilBERT ONNX fp32
    (:func:`export_onnx`), DistilBERT ONNX int8 (:func:`quantize_onnx`) e, com ``bert_onnx``, BERT ONNX
    fp32 e BERT ONNX int8 (a linha em fp32 separa o ganho da troca de runtime do ganho do int8).
    ``quantization``: um nome de :data:`QUANTIZATION_CHOICES` (de :func:`best_quantization`) para as
    duas versões ONNX int8, ou um dicionário ``{"BERT": nome, "DistilBERT": nome}`` com a escolha de
    cada modelo, feita na validação de cada um. ``distil_onnx`` e ``bert_onnx_path``: os arquivos que
    :func:`export_onnx` já gravou (por exemplo, os usados em :func:`compare_quantization`), para não
    exportar de novo. Os arquivos ONNX ficam em ``folder``. ``progress``: recebe uma frase por etapa
    (``None``: calado). O que já existe em ``folder`` é sobrescrito.
    """
    say = progress or (lambda *_: None)
    folder = Path(folder)
    chosen = dict(quantization) if isinstance(quantization, dict) else {"BERT": quantization, "DistilBERT": quantization}
    for name in ("BERT", "DistilBERT") if bert_onnx else ("DistilBERT",):
        if chosen.get(name) not in QUANTIZATION_CHOICES:
            raise ValueError(f"quantization deve ser um de {list(QUANTIZATION_CHOICES)} (ou um dicionário "
                             f"com 'BERT' e 'DistilBERT'), veio {chosen.get(name)!r} para {name}.")
    out = {REFERENCE: (bert, bert_tokenizer), "DistilBERT fp32": (distil, distil_tokenizer)}
    try:
        require("torchao.quantization")
    except MissingDependency as missing:
        say(f"sem a linha 'DistilBERT int8 (PyTorch)': {missing}")
    else:
        say("int8 no PyTorch (torchao)...")
        out["DistilBERT int8 (PyTorch)"] = (torch_int8(distil), distil_tokenizer)
    if distil_onnx is None:
        say("exportando o DistilBERT para ONNX...")
        distil_onnx = export_onnx(distil, distil_tokenizer, folder / "distilbert.onnx", max_length=max_length)
    onnx_distil = Path(distil_onnx)
    out["DistilBERT ONNX fp32"] = (OnnxClassifier(onnx_distil, distil.config), distil_tokenizer)
    say(f"int8 no ONNX Runtime ({chosen['DistilBERT']})...")
    int8_distil = quantize_onnx(onnx_distil, folder / "distilbert.int8.onnx", *QUANTIZATION_CHOICES[chosen["DistilBERT"]])
    out["DistilBERT ONNX int8"] = (OnnxClassifier(int8_distil, distil.config), distil_tokenizer)
    if bert_onnx:
        if bert_onnx_path is None:
            say("exportando o BERT para ONNX...")
            bert_onnx_path = export_onnx(bert, bert_tokenizer, folder / "bert.onnx", max_length=max_length)
        say(f"o BERT em ONNX int8 ({chosen['BERT']})...")
        int8_bert = quantize_onnx(bert_onnx_path, folder / "bert.int8.onnx", *QUANTIZATION_CHOICES[chosen["BERT"]])
        out["BERT ONNX fp32"] = (OnnxClassifier(bert_onnx_path, bert.config), bert_tokenizer)
        out["BERT ONNX int8"] = (OnnxClassifier(int8_bert, bert.config), bert_tokenizer)
    return out


def production_table(variants: dict, texts, y_true, labels, latency_texts, batch_sizes=(1, 32), repeats: int = 10,
                     max_length: int = 128, with_times: bool = False):
    """Tabela da seção de produção e as probabilidades de cada versão no teste: ``(tabela, probs)``.

    Para cada versão (de :func:`make_variants`): tamanho em disco, latência na CPU (mediana de
    ``repeats``, 1 thread, as mesmas frases, as versões intercaladas: :func:`helpers.measure.cpu_latency`),
    F1 macro e acurácia no teste, a retenção do F1 (a fração do F1 do BERT fp32 que ela mantém) e, para
    as versões menores, a concordância com o mesmo modelo em float (fração de classes iguais, diferença
    média e maior diferença de probabilidade, frase a frase). Com ``with_times=True``, devolve ``(tabela, probs,
    tempos)``, em que ``tempos`` são os de :func:`helpers.measure.cpu_latency_times` (cada repetição, em
    ms), para a faixa das razões de latência repetição a repetição.
    """
    import pandas as pd

    from .inference import predict_proba
    from .measure import cpu_latency_times, latency_medians
    from .metrics import classification_metrics

    if REFERENCE not in variants:
        raise ValueError(f"A tabela compara tudo com '{REFERENCE}': inclua essa versão.")
    y_true = np.asarray(y_true)
    probs = {name: predict_proba(list(texts), m, tok, max_length=max_length) for name, (m, tok) in variants.items()}
    times = cpu_latency_times({n: m for n, (m, _) in variants.items()}, {n: t for n, (_, t) in variants.items()},
                              list(latency_texts)[:max(batch_sizes)], batch_sizes=batch_sizes, repeats=repeats,
                              threads=1, max_length=max_length)
    latency = latency_medians(times)
    rows = {}
    for name, (model, _) in variants.items():
        scores = classification_metrics(probs[name].argmax(axis=1), y_true, labels)
        row = {"disco (MB)": size_mb(model)}
        row.update({col: latency.loc[name, col] for col in latency.columns})
        row.update({"F1 macro (teste)": scores["f1_macro"], "acurácia (teste)": scores["accuracy"]})
        rows[name] = row
    table = pd.DataFrame(rows).T
    ref = table.loc[REFERENCE]
    table[f"retenção do F1 (÷ {REFERENCE})"] = table["F1 macro (teste)"] / ref["F1 macro (teste)"]
    table[f"disco ÷ {REFERENCE}"] = table["disco (MB)"] / ref["disco (MB)"]
    for b in batch_sizes:
        table[f"aceleração lote {b}"] = ref[f"lote {b} (ms)"] / table[f"lote {b} (ms)"]
    same, mean_gap, gap = {}, {}, {}
    for name, base in FLOAT_OF.items():
        if name in probs and base in probs:
            same[name] = float((probs[name].argmax(axis=1) == probs[base].argmax(axis=1)).mean())
            mean_gap[name] = float(np.abs(probs[name] - probs[base]).mean())
            gap[name] = float(np.abs(probs[name] - probs[base]).max())
    table["mesma classe que o fp32"] = pd.Series(same, dtype=float)
    table["diferença média de prob."] = pd.Series(mean_gap, dtype=float)
    table["maior diferença de prob."] = pd.Series(gap, dtype=float)
    table = table.rename_axis("versão")
    return (table, probs, times) if with_times else (table, probs)


def fastest_distilbert(table, batch: int = 1) -> str:
    """A versão do DistilBERT com a menor latência no lote ``batch``."""
    candidates = [n for n in table.index if n.startswith("DistilBERT")]
    return str(table.loc[candidates, f"lote {batch} (ms)"].astype(float).idxmin())


def summary_line(table) -> str:
    """A última linha do benchmark: ``speedup=... speedup_b32=... f1_retention=... size_ratio=... agreement=...``."""
    best = fastest_distilbert(table, 1)
    row = table.loc[best]
    agreement = 1.0 if best == "DistilBERT fp32" else row["mesma classe que o fp32"]
    return (f"speedup={row['aceleração lote 1']:.2f} speedup_b32={row['aceleração lote 32']:.2f} "
            f"f1_retention={row[f'retenção do F1 (÷ {REFERENCE})']:.3f} "
            f"size_ratio={row[f'disco ÷ {REFERENCE}']:.3f} agreement={agreement:.3f}")
