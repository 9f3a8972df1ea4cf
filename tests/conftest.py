"""Configuração comum dos testes: perfil offline sempre."""
import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def bert_standin():
    """Tokenizador e BertModel do substituto offline (MiniLM)."""
    from helpers import hub

    return hub.load_tokenizer("bert-base-uncased", verbose=False), hub.load_model("bert-base-uncased", verbose=False)
