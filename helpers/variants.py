"""As variantes do BERT lado a lado (notebook 01), sem baixar nenhum peso.

As arquiteturas vêm das classes de configuração do ``transformers`` com os
hiperparâmetros publicados; os parâmetros são contados num modelo criado no
dispositivo ``meta`` (sem memória), e o tempo de CPU é medido com pesos aleatórios
(o custo de uma arquitetura não depende dos valores dos pesos).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Variant:
    name: str
    hub_id: str
    family: str
    config: dict
    published_params_m: float
    source: str
    changed: str


def _bert(vocab, hidden, layers, heads, inter):
    return dict(model_type="bert", vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers,
                num_attention_heads=heads, intermediate_size=inter, max_position_embeddings=512, type_vocab_size=2)


VARIANTS = [
    Variant("BERT-base", "bert-base-uncased", "BERT", _bert(30522, 768, 12, 12, 3072), 110,
            "Devlin et al. 2018, arXiv 1810.04805",
            "O original: MLM (prever palavras mascaradas) + NSP (a frase B segue a A?)."),
    Variant("BERT-large", "bert-large-uncased", "BERT", _bert(30522, 1024, 24, 16, 4096), 340,
            "Devlin et al. 2018, arXiv 1810.04805", "O mesmo BERT, mais fundo (24 camadas) e mais largo (1024)."),
    Variant("DistilBERT", "distilbert-base-uncased", "DistilBERT",
            dict(model_type="distilbert", vocab_size=30522, dim=768, n_layers=6, n_heads=12, hidden_dim=3072), 66,
            "Sanh et al. 2019, arXiv 1910.01108",
            "Aluno de 6 camadas destilado do BERT-base; sem NSP, sem token-type embeddings, sem pooler."),
    Variant("RoBERTa-base", "roberta-base", "RoBERTa",
            dict(model_type="roberta", vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1), 125,
            "Liu et al. 2019, arXiv 1907.11692 (contagem: README do fairseq)",
            "Tira o NSP, usa mascaramento dinâmico, BPE de bytes, lotes maiores e 10× mais dados."),
    Variant("RoBERTa-large", "roberta-large", "RoBERTa",
            dict(model_type="roberta", vocab_size=50265, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                 intermediate_size=4096, max_position_embeddings=514, type_vocab_size=1), 355,
            "Liu et al. 2019, arXiv 1907.11692", "A receita do RoBERTa no tamanho large."),
    Variant("ALBERT-base", "albert-base-v2", "ALBERT",
            dict(model_type="albert", vocab_size=30000, embedding_size=128, hidden_size=768, num_hidden_layers=12,
                 num_attention_heads=12, intermediate_size=3072), 12,
            "Lan et al. 2019, arXiv 1909.11942",
            "Compartilha os pesos entre as 12 camadas e fatoriza as embeddings (30000×128 + 128×768); troca NSP por SOP."),
    Variant("DeBERTa-v3-base", "microsoft/deberta-v3-base", "DeBERTa",
            dict(model_type="deberta-v2", vocab_size=128100, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512, type_vocab_size=0, relative_attention=True,
                 position_buckets=256, norm_rel_ebd="layer_norm", share_att_key=True, pos_att_type=["p2c", "c2p"],
                 position_biased_input=False, max_relative_positions=-1), 184,
            "He et al. 2021, arXiv 2111.09543 (86M no corpo + 98M nas embeddings, cartão do modelo)",
            "Atenção desemaranhada (conteúdo e posição relativa separados), posição absoluta só no decodificador; v3 treina como o ELECTRA."),
    Variant("BERTimbau-base", "neuralmind/bert-base-portuguese-cased", "BERT", _bert(29794, 768, 12, 12, 3072), 110,
            "Souza et al. 2020, BRACIS (cartão neuralmind)",
            "Arquitetura do BERT-base, vocabulário e pré-treino em português (brWaC), com caixa."),
    Variant("BERTimbau-large", "neuralmind/bert-large-portuguese-cased", "BERT", _bert(29794, 1024, 24, 16, 4096), 335,
            "Souza et al. 2020, BRACIS (cartão neuralmind)", "BERT-large pré-treinado em português."),
]


def make_config(variant: Variant):
    """Configuração do ``transformers`` da variante (nenhum download)."""
    from transformers import AutoConfig

    cfg = dict(variant.config)
    return AutoConfig.for_model(cfg.pop("model_type"), **cfg)


def count_parameters(model) -> int:
    """Número de parâmetros de um modelo (funciona no dispositivo ``meta``)."""
    return sum(p.numel() for p in model.parameters())


def build_model(variant: Variant, device: str = "meta"):
    """Cria o modelo-base (sem cabeça) da variante; ``meta`` não aloca memória."""
    import torch
    from transformers import AutoModel

    with torch.device(device):
        return AutoModel.from_config(make_config(variant))


def _shape(cfg) -> tuple[int, int, int]:
    layers = getattr(cfg, "num_hidden_layers", None) or getattr(cfg, "n_layers")
    hidden = getattr(cfg, "hidden_size", None) or getattr(cfg, "dim")
    return layers, hidden, cfg.vocab_size


def variants_table(variants=VARIANTS) -> pd.DataFrame:
    """Tabela: camadas, dimensão, vocabulário, parâmetros calculados e publicados."""
    rows = []
    for v in variants:
        cfg = make_config(v)
        layers, hidden, vocab = _shape(cfg)
        n = count_parameters(build_model(v)) / 1e6
        rows.append({"modelo": v.name, "camadas": layers, "dimensão": hidden, "vocabulário": vocab,
                     "parâmetros (M, calculado)": round(n, 1), "publicado (M)": v.published_params_m,
                     "diferença (%)": round(100 * (n - v.published_params_m) / v.published_params_m, 1),
                     "fonte": v.source})
    return pd.DataFrame(rows).set_index("modelo")


def time_forward(variant: Variant, seq_len: int = 128, batch_size: int = 1, repeats: int = 5, seed: int = 0) -> float:
    """Mediana, em milissegundos, de ``repeats`` passagens na CPU (pesos aleatórios)."""
    import torch

    torch.manual_seed(seed)
    model = build_model(variant, device="cpu").eval()
    ids = torch.randint(1000, 2000, (batch_size, seq_len))
    mask = torch.ones_like(ids)
    times = []
    with torch.inference_mode():
        model(input_ids=ids, attention_mask=mask)  # aquecimento
        for _ in range(repeats):
            t0 = time.perf_counter()
            model(input_ids=ids, attention_mask=mask)
            times.append(1000 * (time.perf_counter() - t0))
    del model
    return float(np.median(times))


# ------------------------------------------------------------------ escolha prática

CHOICES = {
    # (idioma, recursos, prioridade) → (modelo, por quê)
    "pt": {
        "poucos": ("adalbertojunior/distilbert-portuguese-cased",
                   "DistilBERT em português: metade das camadas do BERTimbau-base, bom para CPU e GPU pequena."),
        "normais": ("neuralmind/bert-base-portuguese-cased",
                    "BERTimbau-base: pré-treinado em português, com caixa e acentos; o ponto de partida da série."),
        "muitos": ("neuralmind/bert-large-portuguese-cased",
                   "BERTimbau-large: o mais preciso em português, 3× o custo do base."),
    },
    "en": {
        "poucos": ("distilbert-base-uncased", "DistilBERT: 40% menos parâmetros e 60% mais rápido que o BERT-base (Sanh et al. 2019)."),
        "normais": ("roberta-base", "RoBERTa-base: mesmo custo do BERT-base, melhor no GLUE."),
        "muitos": ("microsoft/deberta-v3-large", "DeBERTa-v3-large (ou roberta-large): precisão máxima com dados grandes."),
    },
}
MOBILE = ("albert-base-v2 ou huawei-noah/TinyBERT_General_4L_312D",
          "Celular/deploy leve: ALBERT ocupa pouco disco (12M), mas calcula como um BERT-base; TinyBERT é pequeno e rápido.")


def choose_variant(language: str = "pt", resources: str = "normais", deploy: str = "servidor") -> pd.Series:
    """A "escolha prática" do curso como função.

    ``language``: ``"pt"`` ou ``"en"``; ``resources``: ``"poucos"``, ``"normais"`` ou
    ``"muitos"``; ``deploy``: ``"servidor"`` ou ``"mobile"``.
    """
    if language not in CHOICES:
        raise ValueError(f"Idioma '{language}' não previsto: use 'pt' ou 'en'.")
    if resources not in CHOICES[language]:
        raise ValueError(f"Recursos '{resources}' não previstos: use 'poucos', 'normais' ou 'muitos'.")
    if deploy not in ("servidor", "mobile"):
        raise ValueError(f"Deploy '{deploy}' não previsto: use 'servidor' ou 'mobile'.")
    model, why = MOBILE if deploy == "mobile" else CHOICES[language][resources]
    return pd.Series({"modelo sugerido": model, "por quê": why})


def chooser_widget():
    """Caixas de seleção que chamam :func:`choose_variant` (ipywidgets)."""
    import ipywidgets as w

    from .widgets import live

    controls = {
        "language": w.Dropdown(options=[("português", "pt"), ("inglês", "en")], description="idioma"),
        "resources": w.Dropdown(options=["poucos", "normais", "muitos"], value="normais", description="recursos"),
        "deploy": w.Dropdown(options=["servidor", "mobile"], description="deploy"),
    }
    return live(controls, lambda **kw: choose_variant(**kw).to_frame("").to_html(header=False), kind="html")


def embedding_parameters(vocab_size: int, hidden_size: int, max_positions: int = 512, type_vocab_size: int = 2) -> int:
    """Parâmetros da camada de embeddings de um BERT (gabarito do exercício do notebook 01)."""
    return (vocab_size + max_positions + type_vocab_size) * hidden_size + 2 * hidden_size


def check_embedding_parameters(function) -> bool:
    """Corrige o exercício "conte os parâmetros das embeddings"."""
    from .checks import run_checks

    cases = [((30522, 768, 512, 2), embedding_parameters(30522, 768, 512, 2), "BERT-base (30522 × 768)"),
             ((29794, 1024, 512, 2), embedding_parameters(29794, 1024, 512, 2), "BERTimbau-large (29794 × 1024)"),
             ((30522, 384, 512, 2), embedding_parameters(30522, 384, 512, 2), "MiniLM-L6-H384 (o substituto offline)"),
             ((50265, 768, 514, 1), embedding_parameters(50265, 768, 514, 1), "RoBERTa-base (1 tipo de segmento)")]
    return run_checks(function, cases, tol=0, name="embedding_parameters")
