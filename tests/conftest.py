"""Configuração comum dos testes: perfil offline sempre."""
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

# o teste no navegador (JupyterLab + Chromium) roda só pelo make browser-test, que define VARIANTES_BROWSER=1
collect_ignore = [] if os.environ.get("VARIANTES_BROWSER") == "1" else ["browser"]


@pytest.fixture(scope="session")
def bert_standin():
    """Tokenizador e BertModel do substituto offline (MiniLM)."""
    from helpers import hub

    return hub.load_tokenizer("bert-base-uncased", verbose=False), hub.load_model("bert-base-uncased", verbose=False)
