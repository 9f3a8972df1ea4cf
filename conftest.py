"""Configuração comum dos testes (tests/ e as cópias dos notebooks que o nbval executa): perfil offline
sempre, e cada teste numa camada.

Camadas (marcadores registrados no ``pyproject.toml``; ``make test`` roda as quatro primeiras):
``static`` (só leitura de arquivos), ``unit`` (modelos minúsculos e o substituto), ``notebooks`` (kernels),
``browser`` (JupyterLab + Chromium) e ``slow`` (só no ``make test-all``). O marcador vem do módulo
(``pytestmark``) ou do teste; ``slow`` num teste tira o teste da camada do módulo.
"""

import os
import tempfile

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Cache do Hugging Face vazio: os testes (e os notebooks que o nbval executa) usam os substitutos,
# mesmo numa máquina que já baixou o BERTimbau; quem testa o cache aponta HF_HUB_CACHE para outra pasta.
_EMPTY_HF_CACHE = tempfile.mkdtemp(prefix="variantes-hf-vazio-")
os.environ["HF_HUB_CACHE"] = _EMPTY_HF_CACHE
os.environ.pop("VARIANTES_MODELOS", None)

import pytest  # noqa: E402

TIERS = ("static", "unit", "notebooks", "browser", "slow")


def pytest_addoption(parser):
    parser.addoption(
        "--lab-python",
        default=None,
        help="Python do ambiente do JupyterLab no teste no navegador (padrão: o deste pytest)",
    )


def tier_of(item) -> str:
    """A camada de um teste: ``slow`` se marcado assim; senão o único outro marcador de camada que ele tem."""
    names = {m.name for m in item.iter_markers()} & set(TIERS)
    if "slow" in names:
        return "slow"
    if len(names) != 1:
        raise pytest.UsageError(
            f"{item.nodeid}: cada teste pertence a uma camada só ({', '.join(TIERS)}); "
            f"achei {sorted(names) or 'nenhuma'}. Marque o módulo (pytestmark) ou o teste."
        )
    return names.pop()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.__class__.__name__ in ("IPyNbCell", "IPyNbFile"):  # células que o nbval executa
            item.add_marker(pytest.mark.notebooks)
        tier_of(item)


@pytest.fixture(scope="session")
def bert_standin():
    """Tokenizador e BertModel do substituto offline (MiniLM)."""
    from helpers import hub

    return hub.load_tokenizer("bert-base-uncased", verbose=False), hub.load_model(
        "bert-base-uncased", verbose=False
    )
