"""Modelos do Hub e seus substitutos no perfil offline.

Online, um id do Hub (``neuralmind/bert-base-portuguese-cased``) é passado como
está para ``from_pretrained``. Offline (``HF_HUB_OFFLINE=1``), o mesmo id vira
uma pasta local: o modelo **real**, se estiver no cache desta máquina ou nas pastas
de ``VARIANTES_MODELOS`` (:mod:`helpers.hub_cache`); senão, um modelo pré-treinado de
verdade instalado pelo PyPI que o substitui (:mod:`helpers.standins`: o MiniLM para a
família BERT, um DistilBERT de 3 camadas construído dele para a família DistilBERT).

Nada é silencioso: :func:`resolve_model` imprime qual modelo roda, ``[modelo real do cache]`` ou
``[substituto offline]``. Sem ``HF_HUB_OFFLINE`` e sem rede, :mod:`helpers.net` percebe em segundos
e passa a sessão para o perfil offline, com um aviso.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import net
from .env import is_offline
from .hub_cache import find_local_model
from .standins import (
    DISTIL_NAME,
    MINILM_NAME,
    OfflineModelError,
    build_distilbert_standin,
    limitation,
    minilm_path,
    offline_ids,
    standin_family,
)

# Os ids que os notebooks nomeiam (parâmetros e exercícios): o kit de aula sem internet
# (scripts/kit.py) baixa estes modelos de verdade para o cache do Hugging Face.
NOTEBOOK_MODELS = (
    "neuralmind/bert-base-portuguese-cased",
    "distilbert-base-uncased",
    "adalbertojunior/distilbert-portuguese-cased",
)


_ANNOUNCED: set[str] = set()


@dataclass(frozen=True)
class ResolvedModel:
    """Resultado de :func:`resolve_model`: o que pedir a ``from_pretrained``."""

    requested: str
    path: str
    standin: str | None = None  # nome do substituto, ``None`` quando não há troca
    # de onde vem: "hub" (o id, online), "path" (pasta dada), "cache" (modelo real local) ou
    # "standin" (o substituto offline)
    origin: str = "hub"

    @property
    def substituted(self) -> bool:
        """``True`` quando roda um substituto no lugar do modelo pedido."""
        return self.standin is not None


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
        return ResolvedModel(model_id, str(Path(model_id).expanduser()), origin="path")
    if not is_offline() and net.ensure_hub(verbose=verbose):
        return ResolvedModel(model_id, model_id)
    local = find_local_model(model_id)
    family = standin_family(model_id)
    if local is not None:
        resolved = ResolvedModel(model_id, str(local), origin="cache")
        message = f"[modelo real do cache] '{model_id}' → {local}"
    elif family == "bert":
        resolved = ResolvedModel(model_id, str(minilm_path()), MINILM_NAME, origin="standin")
    elif family == "distilbert":
        resolved = ResolvedModel(
            model_id, str(build_distilbert_standin()), DISTIL_NAME, origin="standin"
        )
    else:
        ids = "\n  - ".join(offline_ids())
        raise OfflineModelError(
            f"{offline_reason()}: o modelo '{model_id}' não está no cache local e não tem substituto.\n"
            f"Ids que funcionam offline (com substituto):\n  - {ids}\n"
            "O que fazer: use um deles; ou aponte MODEL_NAME para uma pasta com o modelo (save_pretrained); ou "
            'traga o modelo real para o cache (kit da página "Aula sem internet", docs/aula-sem-internet.md, '
            "ou a variável "
            "VARIANTES_MODELOS com a pasta onde ele está); ou rode com internet (sem HF_HUB_OFFLINE=1)."
        )
    if resolved.substituted:
        message = (
            f"[substituto offline] '{model_id}' → {resolved.standin}\n  {limitation(model_id)}"
        )
    if verbose and model_id not in _ANNOUNCED:
        _ANNOUNCED.add(model_id)
        print(message)
    _REQUESTED[resolved.path] = model_id
    return resolved


_REQUESTED: dict[str, str] = {}  # pasta local → id pedido, para as mensagens de erro falarem do id


def standin_of(model_id: str) -> str | None:
    """O substituto offline que roda no lugar de ``model_id`` nesta sessão, ou ``None`` (roda o próprio
    modelo, ou ``model_id`` não é um id do Hub, como o nome descritivo de um aluno destilado)."""
    try:
        return resolve_model(model_id, verbose=False).standin
    except OfflineModelError:
        return None


def display_name(path_or_id: str) -> str:
    """O nome para uma mensagem: o id do Hub pedido, com a pasta que o atende quando é outra."""
    requested = _REQUESTED.get(str(path_or_id))
    if requested and requested != str(path_or_id):
        return f"'{requested}' (carregado de {path_or_id})"
    return f"'{path_or_id}'"


def offline_reason() -> str:
    """Por que esta sessão está offline, para começar uma mensagem de erro."""
    switched = net.switch_reason()
    if switched:
        return f"Sem internet (o Hub não respondeu: {switched})"
    return "Perfil offline (HF_HUB_OFFLINE=1)"


class ModelLoadError(OSError):
    """Um modelo do Hub que não carregou (id errado, privado, rede caiu no meio), explicado em português."""


def _from_pretrained(cls, resolved: ResolvedModel, **kwargs):
    """``cls.from_pretrained`` da pasta ou do id resolvido; id do Hub que não carrega: :class:`ModelLoadError`."""
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
