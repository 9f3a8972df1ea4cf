"""A rede até o Hugging Face Hub: descobrir em segundos que ela não existe.

Sem ``HF_HUB_OFFLINE=1`` e sem conexão, as bibliotecas tentam de novo por conta
própria: numa rede que recusa a conexão, ~25 s de avisos em inglês e um
``OSError``; numa rede que descarta os pacotes em silêncio, minutos. Antes do
primeiro acesso ao Hub, :func:`ensure_hub` faz **uma** pergunta curta ao endereço do
Hub (``HF_ENDPOINT``, padrão ``https://huggingface.co``), com prazo total de
:data:`PROBE_TIMEOUT` segundos (``VARIANTES_HUB_TIMEOUT`` muda). Qualquer resposta
HTTP, mesmo um erro, quer dizer que há rede. Sem resposta no prazo, a sessão passa
para o perfil offline (:func:`go_offline`), com um aviso em português: dali em diante
os modelos vêm do cache local ou dos substitutos, e os dados de ``data/``.

A resposta vale para o processo todo (uma pergunta por endereço).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import urllib.error
import urllib.request

from .env import is_offline

DEFAULT_ENDPOINT = "https://huggingface.co"
PROBE_TIMEOUT = 4.0
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
# as bibliotecas leem HF_HUB_OFFLINE uma vez, ao serem importadas: estes são os valores guardados delas
LIBRARY_FLAGS = (
    ("huggingface_hub.constants", ("HF_HUB_OFFLINE",)),
    ("datasets.config", ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")),
    ("transformers.utils.hub", ("_is_offline_mode",)),
)

_RESULTS: dict[str, str | None] = {}
_LOCK = threading.Lock()
_SWITCHED: list[str] = []  # o motivo, quando esta sessão passou sozinha para o perfil offline


def hub_endpoint() -> str:
    """O endereço do Hub que as bibliotecas usam: o que o ``huggingface_hub`` leu ao ser importado
    (``HF_ENDPOINT`` naquele momento) ou, antes disso, ``HF_ENDPOINT`` ou o padrão."""
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None and getattr(constants, "ENDPOINT", None):
        return str(constants.ENDPOINT).rstrip("/")
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def probe_timeout() -> float:
    """Prazo da pergunta ao Hub, em segundos (``VARIANTES_HUB_TIMEOUT``; padrão 4)."""
    try:
        return max(0.1, float(os.environ.get("VARIANTES_HUB_TIMEOUT", PROBE_TIMEOUT)))
    except ValueError:
        return PROBE_TIMEOUT


def probe(endpoint: str | None = None, timeout: float | None = None) -> str | None:
    """Pergunta ao Hub se ele responde. Devolve ``None`` se respondeu, ou o motivo da falha (em português).

    O prazo vale para tudo: resolver o nome, conectar e receber a primeira linha da resposta.
    A pergunta roda numa *thread* à parte, então nem um DNS que não responde passa do prazo.
    """
    endpoint = (endpoint or hub_endpoint()).rstrip("/")
    timeout = probe_timeout() if timeout is None else timeout
    outcome: list[str | None] = []

    def ask():
        request = urllib.request.Request(
            endpoint + "/api/models?limit=1",
            method="HEAD",
            headers={"User-Agent": "variantes-bert"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                outcome.append(None)
        except urllib.error.HTTPError:
            outcome.append(None)  # o servidor respondeu (404, 401...): a rede existe
        except urllib.error.URLError as exc:
            outcome.append(_reason(exc.reason))
        except (
            Exception
        ) as exc:  # timeout de leitura, conexão derrubada, resposta que não é HTTP...
            outcome.append(_reason(exc))

    worker = threading.Thread(target=ask, daemon=True, name="variantes-probe-hub")
    worker.start()
    worker.join(timeout + 0.5)
    if not outcome:
        return f"nenhuma resposta em {timeout:g} s"
    return outcome[0]


def _reason(exc) -> str:
    import socket

    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "nenhuma resposta no prazo (a rede descarta os pacotes?)"
    if isinstance(exc, ConnectionRefusedError):
        return "conexão recusada"
    if isinstance(exc, socket.gaierror):
        return "o nome do servidor não foi encontrado (sem DNS ou sem rede)"
    if isinstance(exc, OSError) and "timed out" in str(exc):
        return "nenhuma resposta no prazo (a rede descarta os pacotes?)"
    return f"{type(exc).__name__}: {exc}"


def go_offline(reason: str, verbose: bool = True) -> None:
    """Passa esta sessão para o perfil offline: variáveis de ambiente e as bibliotecas já importadas."""
    for name in OFFLINE_VARIABLES:
        os.environ[name] = "1"
    _SWITCHED[:] = [reason]
    for module, attrs in LIBRARY_FLAGS:
        mod = sys.modules.get(module)
        for attr in attrs:
            if mod is not None and hasattr(mod, attr):
                setattr(mod, attr, True)
    if verbose:
        print(
            f"[sem internet] O Hugging Face Hub ({hub_endpoint()}) não respondeu: {reason}.\n"
            "  Esta sessão passa para o perfil offline: cada modelo vem do cache local, se estiver lá, ou de um "
            "substituto local (anunciado); os dados vêm de data/.\n"
            "  Para não esperar nem esta pergunta, defina HF_HUB_OFFLINE=1 antes de começar; para os modelos reais "
            'sem internet, veja a página "Aula sem internet" (docs/aula-sem-internet.md).'
        )


def ensure_hub(verbose: bool = True) -> bool:
    """Antes de um acesso ao Hub: ``True`` se o Hub responde; ``False`` se a sessão está (ou ficou) offline.

    No perfil offline não pergunta nada. A resposta de cada endereço é guardada: só a primeira
    chamada espera (no máximo :func:`probe_timeout` segundos).
    """
    if is_offline():
        return False
    endpoint = hub_endpoint()
    with _LOCK:
        if endpoint not in _RESULTS:
            started = time.monotonic()
            reason = probe(endpoint)
            if reason is not None:
                reason += f"; testado em {time.monotonic() - started:.1f} s".replace(".", ",")
            _RESULTS[endpoint] = reason
        reason = _RESULTS[endpoint]
    if reason is None:
        return True
    go_offline(reason, verbose=verbose)
    return False


def switch_reason() -> str | None:
    """Por que esta sessão passou sozinha para o perfil offline (``None`` se não passou)."""
    return _SWITCHED[0] if _SWITCHED and is_offline() else None
