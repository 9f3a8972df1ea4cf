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
            "arXiv 2006.03654) com o pré-treino do ELECTRA: um gerador treinado com MLM troca tokens e o modelo "
            "aprende a detectar os substituídos (RTD); o gradiente dele não volta para a tabela de embeddings do "
            "gerador: ele aprende só uma correção somada a ela (GDES)."),
    Variant("BERTimbau-base", "neuralmind/bert-base-portuguese-cased", "BERT", _bert(29794, 768, 12, 12, 3072), 110,
            "Souza et al. 2020, BRACIS (cartão neuralmind)",
            "Arquitetura do BERT-base, vocabulário e pré-treino em português (brWaC, partindo do mBERT), com caixa."),
    Variant("BERTimbau-large", "neuralmind/bert-large-portuguese-cased", "BERT", _bert(29794, 1024, 24, 16, 4096), 335,
            "Souza et al. 2020, BRACIS (cartão neuralmind)",
            "BERT-large pré-treinado em português (partindo do BERT-large inglês)."),
]


def make_config(variant: Variant):
    """Configuração do ``transformers`` da variante (nenhum download)."""
    from transformers import AutoConfig

    cfg = dict(variant.config)
    return AutoConfig.for_model(cfg.pop("model_type"), **cfg)


def build_model(variant: Variant, device: str = "meta"):
    """Cria o modelo sem cabeça (embeddings, camadas e, se houver, pooler); ``meta`` não aloca memória."""
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


PART_EMBEDDINGS, PART_LAYERS, PART_POOLER = "embeddings", "camadas (encoder)", "pooler"


def parameter_parts(variants=VARIANTS) -> pd.DataFrame:
    """Milhões de parâmetros de cada variante em três partes: embeddings, camadas do encoder e *pooler*.

    A fronteira das embeddings é a do exercício do ALBERT (:func:`helpers.checks.albert_embedding_parameters`):
    as tabelas, a LayerNorm delas e, no ALBERT, a projeção E → H (``encoder.embedding_hidden_mapping_in``),
    que existe só por causa da fatoração. O que sobra do encoder (no ALBERT, a única camada compartilhada;
    no DeBERTa, também a tabela de posições relativas) fica em ``"camadas (encoder)"``.
    """
    rows = {}
    for v in variants:
        model = build_model(v)
        emb = measure.count_parameters(model.embeddings)
        mapping = getattr(getattr(model, "encoder", None), "embedding_hidden_mapping_in", None)
        if mapping is not None:
            emb += measure.count_parameters(mapping)
        pooler = getattr(model, "pooler", None)
        pool = measure.count_parameters(pooler) if pooler is not None else 0
        rows[v.name] = {PART_EMBEDDINGS: emb / 1e6, PART_LAYERS: (measure.count_parameters(model) - emb - pool) / 1e6,
                        PART_POOLER: pool / 1e6}
    return pd.DataFrame(rows).T.rename_axis("modelo")


RATIO, RATIO_LOW, RATIO_HIGH = "razão", "razão mín.", "razão máx."  # tempo do modelo ÷ tempo do base ao lado
MACS, MACS_RATIO = "conta (bilhões)", "razão da conta"


def time_forwards(variants=VARIANTS, base: str = "BERT-base", seq_len: int = 128, batch_size: int = 1,
                  repeats: int = 5, seed: int = 0, progress=None, threads: int | None = 1) -> pd.DataFrame:
    """Tempo de cada variante e a razão ao ``base`` (coluna ``"razão"``), medidos **em alternância**.

    As passagens alternam (variante, base, ...) e cada tempo é o menor de ``repeats``
    (:func:`helpers.measure.alternating_forward_times`); ``"<base> ao lado (ms)"`` é o tempo do
    ``base`` medido junto com aquela variante, na mesma janela: outro programa atrapalha os dois lados.

    **O ruído.** A linha do próprio ``base`` é medida do mesmo jeito, contra uma **cópia** dele
    (mesma arquitetura, mesmos pesos): a razão dela só se afasta de 1 pelo ruído da medida.
    ``"razão mín."`` e ``"razão máx."`` são a menor e a maior das razões passagem a passagem
    (``tempo[i] / base[i]``) de cada linha: a dispersão das repetições.

    ``threads``: threads do PyTorch durante a medida (depois, volta o valor anterior; ``None`` não mexe).
    Com uma só, um programa no outro núcleo não trava a passagem (com duas, cada passo espera a mais atrasada).
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
        rows = {}
        todo = [by_name[base]] + [v for v in variants if v.name != base]  # o base primeiro, contra a cópia
        for v in (progress(todo) if progress else todo):
            torch.manual_seed(seed)
            own, ref = measure.alternating_forward_times(build_model(v, device="cpu").eval(), reference, inputs,
                                                         repeats)
            pairs = [o / r for o, r in zip(own, ref)]
            rows[v.name] = {"tempo (ms)": min(own), beside: min(ref), RATIO: min(own) / min(ref),
                            RATIO_LOW: min(pairs), RATIO_HIGH: max(pairs)}
    finally:
        torch.set_num_threads(previous)
    return pd.DataFrame(rows).T.loc[[v.name for v in variants]]


def noise_band(cost: pd.DataFrame, base: str = "BERT-base") -> float:
    """O ruído da medida de tempo: a maior distância até 1 na linha do ``base`` medido contra a cópia dele.

    Conta a razão dos menores tempos e as razões de cada repetição (``"razão mín."`` e
    ``"razão máx."``, quando a tabela as tem). Estimativa grosseira (um par de modelos), usada só para os de mesma conta.
    """
    row = cost.loc[base]
    values = [row[RATIO]] + [row[c] for c in (RATIO_LOW, RATIO_HIGH) if c in cost.columns]
    return float(max(abs(float(v) - 1) for v in values))


def ratio_within_noise(cost: pd.DataFrame, name: str, base: str = "BERT-base") -> bool:
    """``True`` quando a razão de ``name`` não se distingue de 1 nesta medida.

    Vale quando ela fica a até :func:`noise_band` de 1, ou quando as razões das repetições do
    próprio modelo caem dos dois lados de 1 (uma repetição mais rápida, outra mais lenta que o ``base``).
    """
    row = cost.loc[name]
    if abs(float(row[RATIO]) - 1) <= noise_band(cost, base):
        return True
    return RATIO_LOW in cost.columns and float(row[RATIO_LOW]) <= 1 <= float(row[RATIO_HIGH])


def relative_positions(variant: Variant) -> int:
    """Linhas da tabela de posições relativas que cada camada projeta (``2k``); 0 sem atenção relativa.

    Como no ``transformers`` (``models/deberta_v2/modeling_deberta_v2.py``): ``att_span`` é
    ``position_buckets`` quando positivo, senão ``max_relative_positions`` (ou, se este for menor
    que 1, ``max_position_embeddings``), e a atenção usa ``rel_embeddings[0 : 2 * att_span]``.
    """
    cfg = make_config(variant)
    if cfg.model_type not in ("deberta", "deberta-v2") or not getattr(cfg, "relative_attention", False):
        return 0
    span = getattr(cfg, "max_relative_positions", -1)
    if span < 1:
        span = cfg.max_position_embeddings
    if getattr(cfg, "position_buckets", -1) > 0:
        span = cfg.position_buckets
    return 2 * span


PART_PROJECTIONS = "projeções Q, K, V e saída"
PART_FFN = "feed-forward"
PART_ATTENTION = "atenção (Q·Kᵀ e pesos·V)"
PART_REL_PROJ = "tabela de posições × W_q e W_k"
PART_REL_PRODUCTS = "conteúdo→posição e posição→conteúdo"


def layer_macs(variant: Variant, seq_len: int = 128, batch_size: int = 1) -> dict:
    """Multiplicações-e-somas de **uma camada** do encoder numa passagem, parte por parte (a conta).

    Para ``batch_size`` frases de ``n = seq_len`` tokens, largura ``d`` e *feed-forward* ``d_ff``:
    as projeções Q, K, V e de saída (``4·d²`` por token), as duas matrizes da *feed-forward*
    (``2·d·d_ff`` por token) e a autoatenção (``Q·Kᵀ`` e ``pesos·V``: ``2·n²·d`` por frase).

    Com a atenção desemaranhada do DeBERTa (He et al. 2020, arXiv 2006.03654), como o
    ``transformers`` a calcula (``DisentangledSelfAttention.disentangled_attention_bias``), cada
    camada ainda **projeta a tabela de ``2k`` posições relativas** por ``W_k`` (para conteúdo→posição)
    e por ``W_q`` (para posição→conteúdo): ``2·2k·d²`` uma vez por passagem, qualquer que seja o
    tamanho da frase e do lote; e faz os dois produtos com essas posições (``Q`` contra as posições
    projetadas e ``K`` contra elas): ``2·n·2k·d`` por frase (depois, um ``gather`` escolhe as ``n``
    posições de cada token, sem contas).
    """
    cfg = make_config(variant)
    _, d, _ = _shape(cfg)
    ff = getattr(cfg, "intermediate_size", None) or getattr(cfg, "hidden_dim")
    n, b = seq_len, batch_size
    parts = {PART_PROJECTIONS: b * n * 4 * d * d, PART_FFN: b * n * 2 * d * ff, PART_ATTENTION: b * 2 * n * n * d}
    span = relative_positions(variant)
    if span:
        kinds = [k for k in (getattr(cfg, "pos_att_type", None) or []) if k in ("c2p", "p2c")]
        projected = 2 if getattr(cfg, "share_att_key", False) else len(kinds)  # compartilhadas: as duas sempre
        parts[PART_REL_PROJ] = projected * span * d * d
        parts[PART_REL_PRODUCTS] = len(kinds) * b * n * span * d
    return {k: float(v) for k, v in parts.items()}


def forward_macs(variant: Variant, seq_len: int = 128, batch_size: int = 1) -> float:
    """Multiplicações-e-somas das multiplicações de matrizes do encoder, por passagem: a conta.

    ``camadas × soma das partes de`` :func:`layer_macs`: ``L·(n·(4d² + 2·d·d_ff) + 2·n²·d)`` por
    frase, ou seja ``≈ 12·L·d²`` por token mais ``2·L·n·d`` da atenção, e, no DeBERTa, as contas
    da atenção desemaranhada. Não conta embeddings (só consultas), LayerNorm, softmax, o *pooler*
    nem a projeção 128→768 do ALBERT.
    """
    layers, _, _ = _shape(make_config(variant))
    return float(layers * sum(layer_macs(variant, seq_len, batch_size).values()))


def layer_macs_table(names=("BERT-base", "DeBERTa-v3-base"), seq_len: int = 128, batch_size: int = 1,
                     variants=VARIANTS) -> pd.DataFrame:
    """Milhões de multiplicações-e-somas por camada, parte por parte (:func:`layer_macs`), lado a lado."""
    by_name = {v.name: v for v in variants}
    table = pd.DataFrame({name: layer_macs(by_name[name], seq_len, batch_size) for name in names}).fillna(0) / 1e6
    table.loc["total por camada"] = table.sum()
    return table.rename_axis("milhões de multiplicações-e-somas")


def cost_table(table: pd.DataFrame, timing: pd.DataFrame, seq_len: int, variants=VARIANTS,
               base: str = "BERT-base", batch_size: int = 1) -> pd.DataFrame:
    """Tempo medido (de :func:`time_forwards`) e a conta (:func:`forward_macs`), as duas em razão ao ``base``.

    A razão de tempo de cada linha divide o tempo do modelo pelo do ``base`` medido ao lado dele
    (coluna ``"<base> ao lado (ms)"``), não pelo menor tempo do ``base`` na tabela inteira; as
    colunas ``"razão mín."`` e ``"razão máx."`` (a dispersão das repetições) passam como vieram.
    Nada é arredondado (as frases de :func:`cost_findings` usam os valores inteiros): para mostrar,
    ``prose.fixed``.
    """
    by_name = {v.name: v for v in variants}
    out = table[["camadas", "dimensão", "parâmetros (M, calculado)"]].copy()
    beside = f"{base} ao lado (ms)"
    own = timing["tempo (ms)"].astype(float)
    ref = timing[beside].astype(float) if beside in timing else pd.Series(own[base], index=own.index)
    out["tempo (ms)"], out[beside], out[RATIO] = own, ref, own / ref  # as duas medidas na mesma janela
    for column in (RATIO_LOW, RATIO_HIGH):
        if column in timing:
            out[column] = timing[column].astype(float)
    macs = pd.Series({name: forward_macs(by_name[name], seq_len, batch_size) for name in out.index})
    out[MACS], out[MACS_RATIO] = macs / 1e9, macs / macs[base]
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
            f"{num(emb['DeBERTa-v3-base'] + rest['DeBERTa-v3-base'], 1)}M). O resto do DeBERTa-v3-base, fora das "
            f"embeddings ({num(rest['DeBERTa-v3-base'], 1)}M), é " + _near(rest["DeBERTa-v3-base"], rest["BERT-base"])
            + f" do BERT-base ({num(rest['BERT-base'], 1)}M, camadas e pooler)"
            + (": é o vocabulário que faz a diferença." if _near(rest["DeBERTa-v3-base"], rest["BERT-base"]).startswith("pratica")
               else "."))
    if "BERT-base" in parts.index and "ALBERT-base" in parts.index:
        layers = parts[PART_LAYERS]
        lines.append(
            f"- O ALBERT-base encolhe nas duas partes: as embeddings fatorizadas, já com a projeção 128 → 768, têm "
            f"{num(emb['ALBERT-base'], 1)}M (contra {num(emb['BERT-base'], 1)}M no BERT-base), e a única camada, usada "
            f"pelas 12, guarda {num(layers['ALBERT-base'], 1)}M (contra {num(layers['BERT-base'], 1)}M das 12 camadas "
            "do BERT-base, sem o pooler).")
    return "\n".join(lines)


def _near(a: float, b: float, tol: float = 0.05) -> str:
    return "praticamente igual ao" if abs(a - b) <= tol * b else ("maior que o" if a > b else "menor que o")


def _gap(fraction: float) -> str:  # distância até a conta, em % inteiro (as razões não têm mais precisão)
    return "menos de 1%" if abs(fraction) < 0.005 else f"{round(100 * abs(fraction))}%"


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " e " + items[-1]


def cost_findings(cost: pd.DataFrame, base: str = "BERT-base", seq_len: int = 128, batch_size: int = 1,
                  variants=VARIANTS, repeats: int | None = None) -> str:
    """O que a medição de tempo mostrou, em frases escritas a partir dos valores (tabela de :func:`cost_table`).

    As razões são as de :func:`time_forwards` (cada variante medida em alternância com o ``base``; o
    ``base``, contra uma cópia dele, dá o tamanho do ruído: :func:`noise_band`). ``seq_len`` e ``batch_size``
    são os da medida (para a conta da atenção do DeBERTa); ``repeats``, quantos pares cada linha teve.
    Cada veredito é decidido pelos números, então a mesma função serve para qualquer CPU.
    """
    from .prose import num, pct, times

    by_name = {v.name: v for v in variants}
    t, macs, params = cost[RATIO].astype(float), cost[MACS_RATIO].astype(float), cost["parâmetros (M, calculado)"]
    reps = RATIO_LOW in cost.columns
    low, high = (cost[RATIO_LOW].astype(float), cost[RATIO_HIGH].astype(float)) if reps else (t, t)
    band = noise_band(cost, base)
    lines = []
    twins = [n for n in cost.index if n != base and abs(macs[n] - 1) < 0.005]  # a mesma conta do base
    same = [n for n in twins if ratio_within_noise(cost, n, base)]
    apart = [n for n in twins if n not in same]
    line = (f"- **Ruído da medida**: o {base} medido contra uma cópia dele (mesma arquitetura, mesmos pesos) levou "
            f"{times(t[base], 2)} o tempo da cópia" + (f", com as repetições de {times(low[base], 2)} a "
                                                      f"{times(high[base], 2)}" if reps else "")
            + ": um ruído de " + (f"cerca de {pct(band, 0)}" if band >= 0.01 else "menos de 1%") + ", estimado "
            "grosseiramente (" + (f"{repeats} pares" if repeats else "poucos pares")
            + " de um modelo só, sempre na mesma ordem, o modelo e depois a referência).")
    if band > 0.1:
        line += (" A medição está **ruidosa** (outros programas ocupando a CPU?): leia as razões abaixo com "
                 "desconfiança e rode de novo com mais `REPEATS`.")
    wide = (high / low - 1).drop(base).idxmax() if reps else None
    if wide is not None and high[wide] / low[wide] - 1 > band:
        line += (f" As repetições de outras linhas variam mais (as do {wide}, de {times(low[wide], 2)} a "
                 f"{times(high[wide], 2)}): por isso, DeBERTa e *large* são comparados, cada um, com a faixa das "
                 "próprias repetições.")
    if same:
        def shown(n):
            if abs(t[n] - 1) <= band:
                return f"{n} ({times(t[n], 2)})"
            return (f"{n} ({times(t[n], 2)}, mas com repetições de {times(low[n], 2)} a {times(high[n], 2)}: ora "
                    f"mais rápido, ora mais lento que o {base})")
        line += f" Com a mesma conta do {base}, **sem diferença detectável** para ele: " + _names([shown(n) for n in same]) + "."
    if apart:
        line += (" Com a mesma conta, mas fora desse ruído: " + _names([f"{n} ({times(t[n], 2)})" for n in apart])
                 + "; a conta não explica essa diferença (ou ela vem do que a conta não inclui, como as embeddings e "
                 "o acesso à memória, ou o ruído foi maior do que a linha do " + base + " mostrou).")
    lines.append(line)
    if "ALBERT-base" in cost.index:
        r, lo, hi = t["ALBERT-base"], low["ALBERT-base"], high["ALBERT-base"]
        if ratio_within_noise(cost, "ALBERT-base", base):
            verdict, tail = "sem diferença detectável", "Ele economiza **disco e memória**, não tempo."
        elif r > 1:
            verdict, tail = "até mais tempo", "Ele economiza **disco e memória**, não tempo."
        elif r >= 0.8:
            verdict, tail = "um pouco menos tempo", "Ele economiza **disco e memória**, quase nada de tempo."
        else:
            verdict = "menos tempo, mas bem menos do que os parâmetros sugeririam"
            tail = "Ele economiza sobretudo **disco e memória**."
        side = ""
        if reps and (hi < 1 or lo > 1):
            side = (f" As repetições ficaram todas {'abaixo' if hi < 1 else 'acima'} de 1 ({times(lo, 2)} a "
                    f"{times(hi, 2)}): pode ser um efeito que a conta não vê"
                    + (" (com uma camada só, os pesos cabem melhor na memória cache)" if hi < 1 else "")
                    + ", ou um ruído maior que o estimado com um único par de modelos; esta medida não separa os dois.")
        lines.append(
            f"- **ALBERT-base** tem {times(params[base] / params['ALBERT-base'], 1)} menos parâmetros que o {base}, "
            f"mas levou {times(r, 2)} o tempo dele ({verdict}): as 12 camadas continuam lá, só que usando os mesmos "
            f"pesos, e a conta é a mesma ({times(macs['ALBERT-base'], 2)} a do {base}).{side} {tail}")
    if "DistilBERT" in cost.index:
        r = t["DistilBERT"]
        verdict = ("o tempo cai junto com as camadas" if r < 0.75
                   else "o tempo caiu menos do que a conta: nesta máquina, o que não depende das camadas pesou mais")
        lines.append(f"- **DistilBERT** tem metade das camadas do {base} (a conta: {times(macs['DistilBERT'], 2)} a "
                     f"dele) e levou {times(r, 2)} o tempo dele: {verdict}.")
    deberta = "DeBERTa-v3-base"
    if deberta in cost.index and deberta in by_name and relative_positions(by_name[deberta]):
        r, theory = t[deberta], macs[deberta]
        own = layer_macs(by_name[deberta], seq_len, batch_size)
        bert = sum(layer_macs(by_name[base], seq_len, batch_size).values())
        proj, products = own[PART_REL_PROJ], own[PART_REL_PRODUCTS]
        share = proj / (proj + products)
        line = (f"- **DeBERTa-v3-base** tem as mesmas camadas e a mesma largura do {base} e levou {times(r, 2)} o tempo "
                f"dele. Por camada, além dos {num(bert / 1e6, 0)} milhões de multiplicações-e-somas de um BERT, a "
                f"atenção desemaranhada projeta a tabela de {relative_positions(by_name[deberta])} faixas de posição "
                f"relativa por W_q e W_k ({num(proj / 1e6, 0)} milhões, 2·2k·d², o mesmo para qualquer frase) e "
                f"multiplica Q e K pelas posições projetadas, conteúdo→posição e posição→conteúdo "
                f"({num(products / 1e6, 0)} milhões, 2·n·2k·d com n = {seq_len} tokens): a projeção da tabela é "
                f"{pct(share)} das multiplicações-e-somas extras" + (", a maior parte." if share > 0.5 else ".")
                + f" Somando as duas, a conta do DeBERTa é {times(theory, 2)} a do {base}")
        lo, hi = low[deberta], high[deberta]
        line += f"; a medida fica {_gap(r / theory - 1)} {'abaixo' if r < theory else 'acima'} dela"
        if lo <= theory <= hi:
            line += (f", mas a conta cabe na faixa das repetições ({times(lo, 2)} a {times(hi, 2)}). Uma medida só "
                     "não mostra que a conta acerta. ")
        else:
            line += f", e todas as repetições ({times(lo, 2)} a {times(hi, 2)}) também: a conta fica fora da faixa delas. "
        line += ("O que a conta não vê puxa nos dois sentidos (o `gather` e as cópias de memória somam tempo ao DeBERTa; "
                 "softmax, GELU e LayerNorm, parecidos nos dois, aproximam a razão de 1), e uma matriz grande como a "
                 "tabela projetada pode render mais por segundo; esta medida não separa esses efeitos.")
        lines.append(line)
    larges = [f"{f}-large" for f in ("BERT", "RoBERTa", "BERTimbau") if f"{f}-large" in cost.index]
    if larges:  # a mesma razão da tabela: o tempo do large ÷ o do {base} medido ao lado dele
        theory = macs[larges[0]]
        each = [f"{times(t[a], 2)} ({a.split('-')[0]}" + (f"; {'repetições de ' if i == 0 else ''}{times(low[a], 2)} a "
                                                         f"{times(high[a], 2)})" if reps else ")") for i, a in enumerate(larges)]
        also = ", e todas as repetições também: a conta fica fora da faixa de cada linha" if reps else ""
        lo, hi = min(t[a] for a in larges), max(t[a] for a in larges)
        layers, width = cost["camadas"], cost["dimensão"]  # o que não é conta cresce com L ou com L·d
        big = larges[0]
        grow = (times(layers[big] / layers[base], 2), times(layers[big] * width[big] / (layers[base] * width[base]), 2))
        rest = (f"o que ela não inclui (softmax, GELU, LayerNorm e o custo fixo de cada camada) cresce só de {grow[0]} "
                f"(as camadas) a {grow[1]} (camadas × largura)")
        if all(high[a] < theory for a in larges):
            where = (f"abaixo da conta ({_gap(1 - hi / theory)} a {_gap(1 - lo / theory)}){also}. Duas explicações "
                     f"cabem aqui, e esta medida não separa uma da outra. A conta só inclui as multiplicações de "
                     f"matrizes, e {rest}, o que puxa a razão para baixo; ou, nesta CPU, as matrizes maiores do *large* "
                     "podem render mais multiplicações-e-somas por segundo que as do *base*.")
        elif all(low[a] > theory for a in larges):
            where = (f"acima da conta ({_gap(lo / theory - 1)} a {_gap(hi / theory - 1)}){also}. Isso a conta não "
                     f"explica: {rest}, o que puxaria a razão para baixo, não para cima; nesta CPU, as matrizes "
                     "maiores do *large* podem render menos multiplicações-e-somas por segundo.")
        else:  # linha a linha: abaixo, acima, ou a conta dentro da faixa das repetições
            sides = {"abaixo da conta em todas as repetições": [a for a in larges if high[a] < theory],
                     "acima da conta em todas as repetições": [a for a in larges if low[a] > theory],
                     "com a conta dentro da faixa das repetições": [a for a in larges if low[a] <= theory <= high[a]]}
            where = "; ".join(f"{side}: {_names(names)}" for side, names in sides.items() if names) + "."
            if sides["abaixo da conta em todas as repetições"]:
                where += (f" Para os que ficam abaixo, duas explicações cabem, e esta medida não separa uma da outra: a "
                          f"conta só inclui as multiplicações de matrizes, e {rest}; ou, nesta CPU, as matrizes maiores "
                          "do *large* podem render mais multiplicações-e-somas por segundo.")
        spread = ""
        if len(larges) > 1 and hi > 1.15 * lo:
            spread = (" Os *large* têm a mesma conta (só o vocabulário muda), então a distância entre as razões "
                      "medidas é ruído da medida.")
        lines.append(f"- Os modelos *large* levaram {_names(each)} o tempo do {base} medido ao lado (a coluna "
                     f"`razão`); a conta deles é {times(theory, 2)} a do {base}. A medida fica {where}{spread} Essa "
                     "razão **depende da máquina**: outra CPU (outras instruções vetoriais, outra memória cache) dá "
                     "outro número.")
    return "\n".join(lines)


#: Tempo de inferência no STS-B, CPU, lote 1 (Sanh et al. 2019, arXiv 1910.01108, tabela 3), em segundos.
DISTILBERT_PAPER_SECONDS = {"BERT-base": 668, "DistilBERT": 410}


def distilbert_vs_paper(cost: pd.DataFrame, base: str = "BERT-base") -> str:
    """A razão de tempo DistilBERT/BERT-base medida aqui (sem arredondar), ao lado da do artigo."""
    from .prose import pct, times

    speed = 1 / float(cost.loc["DistilBERT", RATIO])
    paper = DISTILBERT_PAPER_SECONDS[base] / DISTILBERT_PAPER_SECONDS["DistilBERT"]
    return (f"Nesta medida, o DistilBERT foi {times(speed, 1)} mais rápido que o {base} ({pct(1 - 1 / speed)} menos "
            f"tempo); no artigo, {DISTILBERT_PAPER_SECONDS[base]} s ÷ {DISTILBERT_PAPER_SECONDS['DistilBERT']} s = "
            f"{times(paper, 1)} ({pct(1 - 1 / paper)} menos tempo). As duas medidas diferem na máquina, no tamanho "
            "das frases e no que é medido (aqui, só o modelo sem cabeça, sem tokenizador nem classificador): "
            "compare as razões, não os tempos.")

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
MOBILE = {  # celular, por idioma
    "en": ("albert-base-v2 ou huawei-noah/TinyBERT_General_4L_312D",
           "Celular: o ALBERT ocupa pouco disco (12M de parâmetros; Lan et al. 2019, arXiv 1909.11942), mas faz a "
           "conta de um BERT-base (latência e bateria de um BERT-base); o TinyBERT de 4 camadas faz bem menos (Jiao et "
           "al. 2019, arXiv 1909.10351), mas este é o checkpoint da destilação geral: os resultados do artigo vêm "
           "também de uma destilação na tarefa."),
    "pt": ("adalbertojunior/distilbert-portuguese-cased em int8",
           "Celular, em português: não há ALBERT nem TinyBERT português oficial; o BERT de 6 camadas com o "
           "vocabulário do BERTimbau (exercício 2 do notebook 05), em int8 como no notebook 06."),
}


def choose_variant(language: str = "pt", resources: str = "normais", deploy: str = "servidor") -> pd.Series:
    """A "escolha prática" do curso como função.

    ``language``: ``"pt"`` ou ``"en"``; ``resources``: ``"poucos"``, ``"normais"`` ou
    ``"muitos"``; ``deploy`` (onde o modelo vai rodar): ``"servidor"`` ou ``"mobile"`` (celular).
    """
    if language not in CHOICES:
        raise ValueError(f"Idioma '{language}' não previsto: use 'pt' ou 'en'.")
    if resources not in CHOICES[language]:
        raise ValueError(f"Recursos '{resources}' não previstos: use 'poucos', 'normais' ou 'muitos'.")
    if deploy not in ("servidor", "mobile"):
        raise ValueError(f"Onde vai rodar: '{deploy}' não previsto; use 'servidor' ou 'mobile' (celular).")
    model, why = MOBILE[language] if deploy == "mobile" else CHOICES[language][resources]
    return pd.Series({"modelo sugerido": model, "por quê": why})


def chooser_widget():
    """Caixas de seleção que chamam :func:`choose_variant` (ipywidgets)."""
    import ipywidgets as w

    from .widgets import live

    style = {"description_width": "initial"}  # "onde vai rodar" não cabe na largura padrão
    controls = {
        "language": w.Dropdown(options=[("português", "pt"), ("inglês", "en")], description="idioma", style=style),
        "resources": w.Dropdown(options=["poucos", "normais", "muitos"], value="normais", description="recursos",
                                style=style),
        "deploy": w.Dropdown(options=[("servidor", "servidor"), ("celular", "mobile")], description="onde vai rodar",
                             style=style),
    }
    return live(controls, lambda **kw: choose_variant(**kw).to_frame("").to_html(header=False), kind="html")
