"""A "escolha prática" do notebook 01 como dados: o modelo sugerido e o porquê.

:data:`CHOICES` vai de idioma e recursos ao modelo para servidor; :data:`MOBILE`, do idioma ao modelo para
celular. :func:`helpers.variants.choose_variant` e o seletor do notebook 01 escolhem por elas.
"""

CHOICES = {
    # (idioma, recursos, prioridade) → (modelo, por quê)
    "pt": {
        "poucos": (
            "adalbertojunior/distilbert-portuguese-cased",
            "Um BERT menor em português: apesar do nome, a configuração é de um BERT (model_type: bert, com "
            "token-type embeddings) de 6 camadas, metade do BERTimbau-base, com o mesmo vocabulário; "
            "bom para CPU e GPU pequena.",
        ),
        "normais": (
            "neuralmind/bert-base-portuguese-cased",
            "BERTimbau-base: pré-treinado em português (brWaC), com caixa e acentos; o ponto de partida da "
            "série (Souza et al. 2020).",
        ),
        "muitos": (
            "neuralmind/bert-large-portuguese-cased",
            "BERTimbau-large: melhor que o base nas tarefas do artigo (Souza et al. 2020), mas com 24 camadas "
            "de 1024 em vez de 12 de 768, custa várias vezes mais (veja a seção 3).",
        ),
    },
    "en": {
        "poucos": (
            "distilbert-base-uncased",
            "DistilBERT: 40% menos parâmetros e 60% mais rápido que o BERT-base (Sanh et al. 2019, "
            "arXiv 1910.01108).",
        ),
        "normais": (
            "roberta-base",
            "RoBERTa-base: a arquitetura do BERT-base (o mesmo custo por token), com um pré-treino melhor "
            "(Liu et al. 2019, arXiv 1907.11692).",
        ),
        "muitos": (
            "microsoft/deberta-v3-large",
            "DeBERTa-v3-large (ou roberta-large): precisão máxima com dados grandes (He et al. 2021, "
            "arXiv 2111.09543).",
        ),
    },
}
MOBILE = {  # celular, por idioma
    "en": (
        "albert-base-v2 ou huawei-noah/TinyBERT_General_4L_312D",
        "Celular: o ALBERT ocupa pouco disco (12M de parâmetros; Lan et al. 2019, arXiv 1909.11942), mas faz a "
        "conta de um BERT-base (latência e bateria de um BERT-base); o TinyBERT de 4 camadas faz bem menos (Jiao et "
        "al. 2019, arXiv 1909.10351), mas este é o checkpoint da destilação geral: os resultados do artigo vêm "
        "também de uma destilação na tarefa.",
    ),
    "pt": (
        "adalbertojunior/distilbert-portuguese-cased em int8",
        "Celular, em português: não há ALBERT nem TinyBERT português oficial; o BERT de 6 camadas com o "
        "vocabulário do BERTimbau (exercício 2 do notebook 05), em int8 como no notebook 06.",
    ),
}
