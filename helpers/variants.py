"""As variantes do BERT lado a lado (notebook 01), sem baixar nenhum peso.

As arquiteturas vêm das classes de configuração do ``transformers`` com os
hiperparâmetros publicados; os parâmetros são contados num modelo criado no
dispositivo ``meta`` (sem memória), e o tempo de CPU é medido com pesos aleatórios
(o custo de uma arquitetura não depende dos valores dos pesos).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import measure


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
            "Tira o NSP, usa mascaramento dinâmico (máscara nova a cada vez que a sequência é vista), BPE de bytes, "
            "lotes maiores e cerca de 10× mais texto (160 GB contra 16 GB)."),
    Variant("RoBERTa-large", "roberta-large", "RoBERTa",
            dict(model_type="roberta", vocab_size=50265, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                 intermediate_size=4096, max_position_embeddings=514, type_vocab_size=1), 355,
            "Liu et al. 2019, arXiv 1907.11692", "A receita do RoBERTa no tamanho large."),
    Variant("ALBERT-base", "albert-base-v2", "ALBERT",
            dict(model_type="albert", vocab_size=30000, embedding_size=128, hidden_size=768, num_hidden_layers=12,
                 num_attention_heads=12, intermediate_size=3072), 12,
            "Lan et al. 2019, arXiv 1909.11942",
            "Compartilha os pesos entre as 12 camadas e fatoriza as embeddings (30000×128 + 128×768); troca o NSP "
            "pelo SOP (as frases A e B estão na ordem certa ou trocadas?)."),
    Variant("DeBERTa-v3-base", "microsoft/deberta-v3-base", "DeBERTa",
            dict(model_type="deberta-v2", vocab_size=128100, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512, type_vocab_size=0, relative_attention=True,
                 position_buckets=256, norm_rel_ebd="layer_norm", share_att_key=True, pos_att_type=["p2c", "c2p"],
                 position_biased_input=False, max_relative_positions=-1), 184,
            "He et al. 2021, arXiv 2111.09543 (86M no corpo + 98M nas embeddings, cartão do modelo)",
            "Atenção desemaranhada do DeBERTa (conteúdo e posição relativa em vetores separados; He et al. 2020, "
            "arXiv 2006.03654); o v3 troca o MLM pela detecção de tokens substituídos do ELECTRA (RTD), com "
            "compartilhamento de embeddings de gradiente desemaranhado (GDES)."),
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


def build_model(variant: Variant, device: str = "meta"):
    """Cria o modelo-base (sem cabeça) da variante; ``meta`` não aloca memória."""
    import torch
    from transformers import AutoModel

    from .compat import quiet_model_import

    with torch.device(device), quiet_model_import():
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
        n = measure.count_parameters(build_model(v)) / 1e6
        rows.append({"modelo": v.name, "camadas": layers, "dimensão": hidden, "vocabulário": vocab,
                     "parâmetros (M, calculado)": round(n, 1), "publicado (M)": v.published_params_m,
                     "diferença (%)": round(100 * (n - v.published_params_m) / v.published_params_m, 1),
                     "fonte": v.source})
    return pd.DataFrame(rows).set_index("modelo")


def time_forward(variant: Variant, seq_len: int = 128, batch_size: int = 1, repeats: int = 5, seed: int = 0) -> float:
    """Menor tempo, em ms, de ``repeats`` passagens na CPU (pesos aleatórios): :func:`helpers.measure.forward_ms`."""
    import torch

    torch.manual_seed(seed)
    model = build_model(variant, device="cpu").eval()
    return measure.forward_ms(model, measure.random_inputs(seq_len, batch_size, seed), repeats)


def time_forwards(variants=VARIANTS, base: str = "BERT-base", seq_len: int = 128, batch_size: int = 1,
                  repeats: int = 5, seed: int = 0, progress=None, threads: int | None = 1) -> pd.DataFrame:
    """Tempo de cada variante e a proporção ao ``base``, medidos **em alternância**.

    O ``base`` fica carregado o tempo todo; para cada variante, as passagens alternam
    (variante, base, variante, base, ...) e cada tempo é o menor de ``repeats``
    passagens (:func:`helpers.measure.alternating_forward_ms`). A coluna
    ``"<base> ao lado (ms)"`` guarda o tempo do ``base`` medido junto com aquela variante, e a
    proporção divide uma coisa pela outra: compara tempos medidos lado a lado, na mesma janela. Se
    outro programa ocupa a CPU por um tempo, atrapalha os dois lados.

    ``threads``: quantas threads o PyTorch usa durante a medida (o valor anterior volta no fim).
    Com uma só, um programa rodando no outro núcleo não trava a conta (com duas threads em dois
    núcleos, cada passo espera a thread mais atrasada). ``None`` deixa como está.
    ``progress``: um embrulho de iteráveis, como ``tqdm``.
    """
    import torch

    by_name = {v.name: v for v in variants}
    if base not in by_name:
        raise ValueError(f"O modelo de referência '{base}' não está na lista de variantes.")
    beside = f"{base} ao lado (ms)"
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        inputs = measure.random_inputs(seq_len, batch_size, seed)
        torch.manual_seed(seed)
        reference = build_model(by_name[base], device="cpu").eval()
        rows, base_times = {}, []
        todo = [v for v in variants if v.name != base]
        for v in (progress(todo) if progress else todo):
            torch.manual_seed(seed)
            own, ref = measure.alternating_forward_ms(build_model(v, device="cpu").eval(), reference, inputs, repeats)
            base_times.append(ref)
            rows[v.name] = {"tempo (ms)": own, beside: ref, "tempo × " + base: own / ref}
        base_ms = min(base_times) if base_times else measure.forward_ms(reference, inputs, repeats)
        rows[base] = {"tempo (ms)": base_ms, beside: base_ms, "tempo × " + base: 1.0}
    finally:
        torch.set_num_threads(previous)
    return pd.DataFrame(rows).T.loc[[v.name for v in variants]]


def forward_macs(variant: Variant, seq_len: int = 128) -> float:
    """Multiplicações-e-somas das multiplicações de matrizes do encoder, por sequência (teoria).

    Por camada: as projeções Q, K, V e de saída da atenção (``4·d²`` por token), as duas
    matrizes da rede *feed-forward* (``2·d·d_ff`` por token; ``d_ff = 4d`` no BERT) e a
    autoatenção (``Q·Kᵀ`` e ``pesos·V``: ``2·n²·d`` por sequência). Total:
    ``L·(n·(4d² + 2·d·d_ff) + 2·n²·d)``, ou seja ``≈ 12·L·d²`` por token mais ``2·L·n·d``
    da atenção. Não conta embeddings (só consultas), LayerNorm, softmax, o *pooler*, a
    projeção 128→768 do ALBERT nem as contas extras da atenção desemaranhada do DeBERTa.
    """
    cfg = make_config(variant)
    layers, hidden, _ = _shape(cfg)
    ff = getattr(cfg, "intermediate_size", None) or getattr(cfg, "hidden_dim")
    n = seq_len
    return float(layers * (n * (4 * hidden * hidden + 2 * hidden * ff) + 2 * n * n * hidden))


def cost_table(table: pd.DataFrame, timing: pd.DataFrame, seq_len: int, variants=VARIANTS,
               base: str = "BERT-base") -> pd.DataFrame:
    """Tempo medido (de :func:`time_forwards`) e contas da teoria, os dois também em proporção ao ``base``.

    A proporção de tempo de cada linha divide o tempo do modelo pelo do ``base`` medido ao lado dele
    (coluna ``"<base> ao lado (ms)"``), não pelo menor tempo do ``base`` na tabela inteira.
    """
    by_name = {v.name: v for v in variants}
    out = table[["camadas", "dimensão", "parâmetros (M, calculado)"]].copy()
    beside = f"{base} ao lado (ms)"
    own = timing["tempo (ms)"].astype(float)
    ref = timing[beside].astype(float) if beside in timing else pd.Series(own[base], index=own.index)
    out["tempo (ms)"] = own.round(1)
    out[beside] = ref.round(1)
    out["tempo × " + base] = (own / ref).round(2)  # as duas colunas ao lado: medidas na mesma janela
    macs = pd.Series({name: forward_macs(by_name[name], seq_len) for name in out.index})
    out["contas (G)"] = (macs / 1e9).round(2)
    out["contas × " + base] = (macs / macs[base]).round(2)
    return out


def count_summary(table: pd.DataFrame) -> str:
    """Frase sobre a distância entre as contagens calculadas e as publicadas (tabela de :func:`variants_table`)."""
    from .prose import num

    dev = table["diferença (%)"].abs()
    worst = dev.idxmax()
    return (f"Todas as contagens ficam a até {num(dev.max(), 1)}% dos números publicados; a maior diferença é a do "
            f"{worst} ({num(table.loc[worst, 'parâmetros (M, calculado)'], 1)}M calculados contra "
            f"{num(table.loc[worst, 'publicado (M)'], 0)}M publicados).")


def parameter_findings(parts: pd.DataFrame) -> str:
    """Frases sobre onde moram os parâmetros (``parts``: colunas ``embeddings`` e resto, em milhões)."""
    from .prose import num, pct

    emb = parts["embeddings"]
    rest = parts.drop(columns="embeddings").sum(axis=1)
    share = emb / (emb + rest)
    lines = []
    if "BERT-base" in parts.index and "DeBERTa-v3-base" in parts.index:
        lines.append(
            f"- No BERT-base, {pct(share['BERT-base'])} dos parâmetros estão nas embeddings; no DeBERTa-v3-base, "
            f"{pct(share['DeBERTa-v3-base'])} ({num(emb['DeBERTa-v3-base'], 1)}M de "
            f"{num(emb['DeBERTa-v3-base'] + rest['DeBERTa-v3-base'], 1)}M). O resto do DeBERTa-v3-base "
            f"({num(rest['DeBERTa-v3-base'], 1)}M) é " + _near(rest["DeBERTa-v3-base"], rest["BERT-base"])
            + f" do BERT-base ({num(rest['BERT-base'], 1)}M)"
            + (": é o vocabulário que faz a diferença." if _near(rest["DeBERTa-v3-base"], rest["BERT-base"]).startswith("pratica")
               else "."))
    if "BERT-base" in parts.index and "ALBERT-base" in parts.index:
        lines.append(
            f"- O ALBERT-base encolhe nas duas partes: as embeddings fatorizadas têm {num(emb['ALBERT-base'], 1)}M "
            f"(contra {num(emb['BERT-base'], 1)}M no BERT-base), e as camadas compartilhadas guardam "
            f"{num(rest['ALBERT-base'], 1)}M (contra {num(rest['BERT-base'], 1)}M).")
    return "\n".join(lines)


def _near(a: float, b: float, tol: float = 0.05) -> str:
    return "praticamente igual ao" if abs(a - b) <= tol * b else ("maior que o" if a > b else "menor que o")


def cost_findings(cost: pd.DataFrame, base: str = "BERT-base", twin: str = "BERTimbau-base") -> str:
    """O que a medição de tempo mostrou, em frases escritas a partir dos valores (tabela de :func:`cost_table`).

    As proporções são as de :func:`time_forwards` (cada variante medida em alternância
    com o ``base``). ``twin`` é um modelo com a mesma arquitetura do ``base`` (só o
    vocabulário muda): a distância da proporção dele até 1 mostra o tamanho do ruído.
    Cada veredito é decidido pelos números, então a mesma função serve para qualquer CPU.
    """
    from .prose import times

    t = cost["tempo × " + base].astype(float)
    macs = cost["contas (G)"] / cost.loc[base, "contas (G)"]
    params = cost["parâmetros (M, calculado)"]
    lines = []
    if twin in cost.index:
        noise = abs(t[twin] - 1)
        if noise <= 0.1:
            lines.append(f"- **Ruído da medida**: o {twin}, com a mesma arquitetura do {base} (só o vocabulário muda), "
                         f"levou {times(t[twin], 2)} o tempo dele: diferenças desse tamanho entre os outros modelos são "
                         "ruído, não custo.")
        else:
            lines.append(f"- **Ruído da medida**: o {twin}, com a mesma arquitetura do {base} (só o vocabulário muda), "
                         f"levou {times(t[twin], 2)} o tempo dele: esta medição está **ruidosa** (outros programas "
                         "ocupando a CPU?). Leia as proporções abaixo com desconfiança e rode de novo com mais "
                         "`REPEATS`.")
    if "ALBERT-base" in cost.index:
        r = t["ALBERT-base"]
        if r >= 0.8:
            verdict = "um tempo parecido" if r <= 1.25 else "até mais tempo"
            tail = "Ele economiza **disco e memória**, não tempo."
        else:
            verdict = "menos tempo, mas bem menos do que os parâmetros sugeririam"
            tail = "Ele economiza sobretudo **disco e memória**."
        lines.append(
            f"- **ALBERT-base** tem {times(params[base] / params['ALBERT-base'], 1)} menos parâmetros que o {base}, "
            f"mas levou {times(r, 2)} o tempo dele ({verdict}): as 12 camadas continuam lá, só que usando os mesmos "
            f"pesos, e as contas são as mesmas (teoria: {times(macs['ALBERT-base'], 2)}). {tail}")
    if "DistilBERT" in cost.index:
        r = t["DistilBERT"]
        verdict = ("o tempo cai junto com as camadas" if r < 0.75
                   else "o tempo caiu menos do que as contas: nesta máquina, o que não depende das camadas pesou mais")
        lines.append(f"- **DistilBERT** tem metade das camadas do {base} (pela teoria, {times(macs['DistilBERT'], 2)} as "
                     f"contas dele) e levou {times(r, 2)} o tempo dele: {verdict}.")
    if "DeBERTa-v3-base" in cost.index:
        r = t["DeBERTa-v3-base"]
        if r > 1.15:
            verdict = ("custa mais que um BERT do mesmo tamanho. A diferença vem das contas extras da atenção "
                       "desemaranhada (conteúdo × posição e posição × conteúdo), que a nossa conta teórica não inclui")
        elif r >= 0.87:
            verdict = ("quase o mesmo que um BERT do mesmo tamanho. Nesta máquina, as contas extras da atenção "
                       "desemaranhada pesaram pouco")
        else:
            verdict = "menos que o BERT-base, o que a teoria não explica (rode de novo com mais repetições)"
        lines.append(f"- **DeBERTa-v3-base** tem as mesmas camadas do {base} e levou {times(r, 2)} o tempo dele: {verdict}.")
    pairs = [(f"{f}-large", f"{f}-base") for f in ("BERT", "RoBERTa", "BERTimbau")
             if f"{f}-large" in cost.index and f"{f}-base" in cost.index]
    if pairs:
        measured = [t[a] / t[b] for a, b in pairs]
        theory = cost.loc[pairs[0][0], "contas (G)"] / cost.loc[pairs[0][1], "contas (G)"]
        each = [f"{times(m, 2)} ({a.split('-')[0]})" for m, (a, _) in zip(measured, pairs)]
        names = each[0] if len(each) == 1 else ", ".join(each[:-1]) + " e " + each[-1]
        low, high = min(measured), max(measured)
        if high < 0.8 * theory:
            where = ("abaixo da teoria: nesta CPU, as matrizes maiores do *large* provavelmente rendem mais contas "
                     "por segundo que as do *base*")
        elif low > 1.2 * theory:
            where = ("acima da teoria: nesta CPU, as matrizes maiores do *large* provavelmente rendem menos contas "
                     "por segundo que as do *base*")
        else:
            where = "perto da teoria" if high <= 1.2 * low else "perto da teoria (a teoria cabe entre as medidas)"
        spread = ""
        if len(measured) > 1 and high > 1.15 * low:
            spread = (" Os pares têm a mesma arquitetura (só o vocabulário muda), então a distância entre as "
                      "proporções medidas é ruído da medida.")
        lines.append(f"- Os modelos *large* levaram {names} o tempo dos *base*; pela contagem de contas, a teoria prevê "
                     f"{times(theory, 2)}. A medida fica {where}.{spread} Essa proporção **depende da máquina**: "
                     "outra CPU (mais núcleos, outras instruções vetoriais, outra memória cache) dá outro número.")
    return "\n".join(lines)


#: Tempo de inferência no STS-B, CPU, lote 1 (Sanh et al. 2019, arXiv 1910.01108, tabela 3), em segundos.
DISTILBERT_PAPER_SECONDS = {"BERT-base": 668, "DistilBERT": 410}


def distilbert_vs_paper(cost: pd.DataFrame, base: str = "BERT-base") -> str:
    """A proporção de tempo DistilBERT/BERT-base medida aqui, ao lado da do artigo."""
    from .prose import pct, times

    speed = 1 / float(cost.loc["DistilBERT", "tempo × " + base])
    paper = DISTILBERT_PAPER_SECONDS[base] / DISTILBERT_PAPER_SECONDS["DistilBERT"]
    return (f"Nesta medida, o DistilBERT foi {times(speed, 2)} mais rápido que o {base} ({pct(1 - 1 / speed)} menos "
            f"tempo); no artigo, {DISTILBERT_PAPER_SECONDS[base]} s ÷ {DISTILBERT_PAPER_SECONDS['DistilBERT']} s = "
            f"{times(paper, 2)} ({pct(1 - 1 / paper)} menos tempo). As duas medidas diferem na máquina, no tamanho "
            "das frases e no que é medido (aqui, só o encoder, sem tokenizador nem cabeça de classificação): "
            "compare as proporções, não os tempos.")

# ------------------------------------------------------------------ escolha prática

CHOICES = {
    # (idioma, recursos, prioridade) → (modelo, por quê)
    "pt": {
        "poucos": ("adalbertojunior/distilbert-portuguese-cased",
                   "Um BERT menor em português: apesar do nome, a configuração é de um BERT (model_type: bert, com "
                   "token-type embeddings) de 6 camadas, metade do BERTimbau-base, com o mesmo vocabulário; "
                   "bom para CPU e GPU pequena."),
        "normais": ("neuralmind/bert-base-portuguese-cased",
                    "BERTimbau-base: pré-treinado em português (brWaC), com caixa e acentos; o ponto de partida da "
                    "série (Souza et al. 2020)."),
        "muitos": ("neuralmind/bert-large-portuguese-cased",
                   "BERTimbau-large: melhor que o base nas tarefas do artigo (Souza et al. 2020), mas com 24 camadas "
                   "de 1024 em vez de 12 de 768, custa várias vezes mais (veja a seção 3)."),
    },
    "en": {
        "poucos": ("distilbert-base-uncased",
                   "DistilBERT: 40% menos parâmetros e 60% mais rápido que o BERT-base (Sanh et al. 2019, "
                   "arXiv 1910.01108)."),
        "normais": ("roberta-base",
                    "RoBERTa-base: a arquitetura do BERT-base (o mesmo custo por token), com um pré-treino melhor "
                    "(Liu et al. 2019, arXiv 1907.11692)."),
        "muitos": ("microsoft/deberta-v3-large",
                   "DeBERTa-v3-large (ou roberta-large): precisão máxima com dados grandes (He et al. 2021, "
                   "arXiv 2111.09543)."),
    },
}
MOBILE = ("albert-base-v2 ou huawei-noah/TinyBERT_General_4L_312D",
          "Celular/deploy leve: o ALBERT ocupa pouco disco (12M de parâmetros; Lan et al. 2019, arXiv 1909.11942), "
          "mas calcula como um BERT-base; o TinyBERT de 4 camadas é pequeno e rápido (Jiao et al. 2019, "
          "arXiv 1909.10351).")


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
