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
            "arXiv 2006.03654); o v3 troca o MLM pela detecção de tokens substituídos do ELECTRA (RTD): o gerador e "
            "o discriminador compartilham a tabela de embeddings, mas o gradiente do discriminador não volta para "
            "ela (GDES)."),
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


def time_forward(variant: Variant, seq_len: int = 128, batch_size: int = 1, repeats: int = 5, seed: int = 0) -> float:
    """Menor tempo, em ms, de ``repeats`` passagens na CPU (pesos aleatórios): :func:`helpers.measure.forward_ms`."""
    import torch

    torch.manual_seed(seed)
    model = build_model(variant, device="cpu").eval()
    return measure.forward_ms(model, measure.random_inputs(seq_len, batch_size, seed), repeats)


RATIO_LOW, RATIO_HIGH = "razão mín.", "razão máx."


def time_forwards(variants=VARIANTS, base: str = "BERT-base", seq_len: int = 128, batch_size: int = 1,
                  repeats: int = 5, seed: int = 0, progress=None, threads: int | None = 1) -> pd.DataFrame:
    """Tempo de cada variante e a proporção ao ``base``, medidos **em alternância**.

    O ``base`` fica carregado o tempo todo; para cada variante, as passagens alternam
    (variante, base, variante, base, ...) e cada tempo é o menor de ``repeats``
    passagens (:func:`helpers.measure.alternating_forward_times`). A coluna
    ``"<base> ao lado (ms)"`` guarda o tempo do ``base`` medido junto com aquela variante, e a
    proporção divide uma coisa pela outra: compara tempos medidos lado a lado, na mesma janela. Se
    outro programa ocupa a CPU por um tempo, atrapalha os dois lados.

    **O ruído.** A linha do próprio ``base`` é medida do mesmo jeito, contra uma **cópia** dele
    (mesma arquitetura, mesmos pesos): a proporção dela só se afasta de 1 pelo ruído da medida.
    ``"razão mín."`` e ``"razão máx."`` são a menor e a maior das razões passagem a passagem
    (``tempo[i] / base[i]``) de cada linha: a dispersão das repetições.

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
        rows = {}
        todo = [by_name[base]] + [v for v in variants if v.name != base]  # o base primeiro, contra a cópia
        for v in (progress(todo) if progress else todo):
            torch.manual_seed(seed)
            own, ref = measure.alternating_forward_times(build_model(v, device="cpu").eval(), reference, inputs,
                                                         repeats)
            pairs = [o / r for o, r in zip(own, ref)]
            rows[v.name] = {"tempo (ms)": min(own), beside: min(ref), "tempo × " + base: min(own) / min(ref),
                            RATIO_LOW: min(pairs), RATIO_HIGH: max(pairs)}
    finally:
        torch.set_num_threads(previous)
    return pd.DataFrame(rows).T.loc[[v.name for v in variants]]


def noise_band(cost: pd.DataFrame, base: str = "BERT-base") -> float:
    """O ruído da medida de tempo: a maior distância até 1 na linha do ``base`` medido contra a cópia dele.

    Conta a proporção dos menores tempos e as razões de cada repetição (``"razão mín."`` e
    ``"razão máx."``, quando a tabela as tem). Uma diferença menor que isso é ruído, não custo.
    """
    row = cost.loc[base]
    values = [row["tempo × " + base]] + [row[c] for c in (RATIO_LOW, RATIO_HIGH) if c in cost.columns]
    return float(max(abs(float(v) - 1) for v in values))


def ratio_within_noise(cost: pd.DataFrame, name: str, base: str = "BERT-base") -> bool:
    """``True`` quando a proporção de ``name`` não se distingue de 1 nesta medida.

    Vale quando ela fica a até :func:`noise_band` de 1, ou quando as razões das repetições do
    próprio modelo caem dos dois lados de 1 (uma repetição mais rápida, outra mais lenta que o ``base``).
    """
    row = cost.loc[name]
    if abs(float(row["tempo × " + base]) - 1) <= noise_band(cost, base):
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
    """Multiplicações-e-somas de **uma camada** do encoder numa passagem, parte por parte (teoria).

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
    """Multiplicações-e-somas das multiplicações de matrizes do encoder, por passagem (teoria).

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
    return table.round(1).rename_axis("milhões de multiplicações-e-somas")


def cost_table(table: pd.DataFrame, timing: pd.DataFrame, seq_len: int, variants=VARIANTS,
               base: str = "BERT-base", batch_size: int = 1) -> pd.DataFrame:
    """Tempo medido (de :func:`time_forwards`) e contas da teoria, os dois também em proporção ao ``base``.

    A proporção de tempo de cada linha divide o tempo do modelo pelo do ``base`` medido ao lado dele
    (coluna ``"<base> ao lado (ms)"``), não pelo menor tempo do ``base`` na tabela inteira; as
    colunas ``"razão mín."`` e ``"razão máx."`` (a dispersão das repetições) passam como vieram.
    """
    by_name = {v.name: v for v in variants}
    out = table[["camadas", "dimensão", "parâmetros (M, calculado)"]].copy()
    beside = f"{base} ao lado (ms)"
    own = timing["tempo (ms)"].astype(float)
    ref = timing[beside].astype(float) if beside in timing else pd.Series(own[base], index=own.index)
    out["tempo (ms)"] = own.round(1)
    out[beside] = ref.round(1)
    out["tempo × " + base] = (own / ref).round(2)  # as duas colunas ao lado: medidas na mesma janela
    for column in (RATIO_LOW, RATIO_HIGH):
        if column in timing:
            out[column] = timing[column].astype(float).round(3)
    macs = pd.Series({name: forward_macs(by_name[name], seq_len, batch_size) for name in out.index})
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
            f"{num(emb['DeBERTa-v3-base'] + rest['DeBERTa-v3-base'], 1)}M). O resto do DeBERTa-v3-base, fora das "
            f"embeddings ({num(rest['DeBERTa-v3-base'], 1)}M), é " + _near(rest["DeBERTa-v3-base"], rest["BERT-base"])
            + f" do BERT-base ({num(rest['BERT-base'], 1)}M, camadas e pooler)"
            + (": é o vocabulário que faz a diferença." if _near(rest["DeBERTa-v3-base"], rest["BERT-base"]).startswith("pratica")
               else "."))
    if "BERT-base" in parts.index and "ALBERT-base" in parts.index:
        layers = parts[PART_LAYERS] if PART_LAYERS in parts.columns else rest
        what = ("a única camada, usada pelas 12, guarda" if PART_LAYERS in parts.columns
                else "as camadas compartilhadas (com o pooler) guardam")
        lines.append(
            f"- O ALBERT-base encolhe nas duas partes: as embeddings fatorizadas, já com a projeção 128 → 768, têm "
            f"{num(emb['ALBERT-base'], 1)}M (contra {num(emb['BERT-base'], 1)}M no BERT-base), e {what} "
            f"{num(layers['ALBERT-base'], 1)}M (contra {num(layers['BERT-base'], 1)}M das 12 camadas do BERT-base, "
            + ("sem o pooler)." if PART_LAYERS in parts.columns else "com o pooler)."))
    return "\n".join(lines)


def _near(a: float, b: float, tol: float = 0.05) -> str:
    return "praticamente igual ao" if abs(a - b) <= tol * b else ("maior que o" if a > b else "menor que o")


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " e " + items[-1]


def cost_findings(cost: pd.DataFrame, base: str = "BERT-base", seq_len: int = 128, batch_size: int = 1,
                  variants=VARIANTS, repeats: int | None = None) -> str:
    """O que a medição de tempo mostrou, em frases escritas a partir dos valores (tabela de :func:`cost_table`).

    As proporções são as de :func:`time_forwards` (cada variante medida em alternância
    com o ``base``; o ``base``, contra uma cópia dele, dá o tamanho do ruído: :func:`noise_band`).
    ``seq_len`` e ``batch_size`` são os da medida (para as contas da atenção do DeBERTa);
    ``repeats``, quantos pares cada linha teve (para dizer de quantos pares vem o ruído).
    Cada veredito é decidido pelos números, então a mesma função serve para qualquer CPU.
    """
    from .prose import num, pct, times

    by_name = {v.name: v for v in variants}
    t = cost["tempo × " + base].astype(float)
    macs = cost["contas (G)"] / cost.loc[base, "contas (G)"]
    params = cost["parâmetros (M, calculado)"]
    band = noise_band(cost, base)
    lines = []
    spread = (f", com as repetições de {times(cost.loc[base, RATIO_LOW], 2)} a {times(cost.loc[base, RATIO_HIGH], 2)}"
              if RATIO_LOW in cost.columns else "")
    twins = [n for n in cost.index if n != base and abs(macs[n] - 1) < 0.005]  # as mesmas contas do base
    same = [n for n in twins if ratio_within_noise(cost, n, base)]
    apart = [n for n in twins if n not in same]
    line = (f"- **Ruído da medida**: o {base} medido contra uma cópia dele mesmo (mesma arquitetura, mesmos pesos) "
            f"levou {times(t[base], 2)} o tempo da cópia{spread}. É uma estimativa grosseira do ruído: "
            + (f"{repeats} pares" if repeats else "poucos pares") + " de um modelo só, sempre na mesma ordem (o "
            f"modelo, depois a referência). Nesta execução, proporções que se afastam da igualdade em até "
            f"{pct(band, 1)} não se distinguem do ruído por esta medida")
    if band > 0.1:
        line += (": a medição está **ruidosa** (outros programas ocupando a CPU?). Leia as proporções abaixo com "
                 "desconfiança e rode de novo com mais `REPEATS`")
    line += "."
    if same:
        def shown(n):
            if abs(t[n] - 1) <= band:
                return f"{n} ({times(t[n], 2)})"
            return (f"{n} ({times(t[n], 2)}, mas com repetições de {times(cost.loc[n, RATIO_LOW], 2)} a "
                    f"{times(cost.loc[n, RATIO_HIGH], 2)}: ora mais rápido, ora mais lento que o {base})")
        line += (" Dos modelos com as mesmas contas do " + base + ", empatam com ele, dentro do ruído: "
                 + _names([shown(n) for n in same]) + ".")
    if apart:
        line += (" Com as mesmas contas, mas fora desse ruído: " + _names([f"{n} ({times(t[n], 2)})" for n in apart])
                 + "; a contagem de contas não explica essa diferença (ou ela vem do que a conta não inclui, como "
                 "as embeddings e o acesso à memória, ou o ruído foi maior do que a linha do " + base + " mostrou).")
    lines.append(line)
    if "ALBERT-base" in cost.index:
        r = t["ALBERT-base"]
        if ratio_within_noise(cost, "ALBERT-base", base):
            verdict, tail = "empate: a diferença é do tamanho do ruído", "Ele economiza **disco e memória**, não tempo."
        elif r > 1:
            verdict, tail = "até mais tempo", "Ele economiza **disco e memória**, não tempo."
        elif r >= 0.8:
            verdict, tail = "um pouco menos tempo", "Ele economiza **disco e memória**, quase nada de tempo."
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
    deberta = "DeBERTa-v3-base"
    if deberta in cost.index and deberta in by_name and relative_positions(by_name[deberta]):
        r, theory = t[deberta], float(macs[deberta])
        own = layer_macs(by_name[deberta], seq_len, batch_size)
        bert = sum(layer_macs(by_name[base], seq_len, batch_size).values())
        proj, products = own[PART_REL_PROJ], own[PART_REL_PRODUCTS]
        span = relative_positions(by_name[deberta])
        share = proj / (proj + products)
        line = (f"- **DeBERTa-v3-base** tem as mesmas camadas e a mesma largura do {base} e levou {times(r, 2)} o tempo "
                f"dele. Por camada, além dos {num(bert / 1e6, 0)} milhões de multiplicações-e-somas de um BERT, a "
                f"atenção desemaranhada projeta a tabela de {span} posições relativas por W_q e W_k "
                f"({num(proj / 1e6, 0)} milhões, 2·2k·d², o mesmo para qualquer frase) e multiplica Q e K pelas "
                f"posições projetadas, conteúdo→posição e posição→conteúdo ({num(products / 1e6, 0)} milhões, "
                f"2·n·2k·d com n = {seq_len} tokens): a projeção da tabela é {pct(share)} das contas extras"
                + (", a maior parte." if share > 0.5 else ".")
                + f" Somando as duas, a conta prevê {times(theory, 2)} as contas do {base}")
        low = float(cost.loc[deberta, RATIO_LOW]) if RATIO_LOW in cost.columns else r
        high = float(cost.loc[deberta, RATIO_HIGH]) if RATIO_HIGH in cost.columns else r
        gap = abs(r / theory - 1)
        unsplit = ("a conta acerta o tamanho do custo extra; a divisão entre as partes não foi medida (nem o que "
                   "fica fora da conta, como a escolha das posições de cada token com `gather` e as cópias de memória).")
        if gap <= band or low <= theory <= high:
            where = "dentro do ruído" if gap <= band else "e a conta cabe entre as repetições"
            line += f"; a medida fica a {pct(gap, 1)} da conta, {where}: " + unsplit
        elif gap <= 2 * band:
            side = "abaixo da" if r < theory else "acima da"
            line += f"; a medida fica ~{pct(gap, 0)} {side} conta, no limite do ruído: " + unsplit
        elif r > theory:
            line += (f"; a medida passa da conta em {pct(r / theory - 1, 1)}: nesta máquina pesa também o que a conta não "
                     "vê (a escolha das posições de cada token com `gather`, cópias de memória, a LayerNorm da tabela).")
        else:
            line += (f"; a medida fica {pct(1 - r / theory, 1)} abaixo da conta, mais longe do que o ruído: a conta não "
                     "explica essa diferença (o que ela não vê, como o `gather` e as cópias de memória, só somaria "
                     "tempo), e o rendimento de cada parte não foi medido.")
        lines.append(line)
    pairs = [(f"{f}-large", f"{f}-base") for f in ("BERT", "RoBERTa", "BERTimbau")
             if f"{f}-large" in cost.index and f"{f}-base" in cost.index]
    if pairs:
        # a linha do base é ele contra a cópia: o tempo dele já é o denominador de todas as outras
        measured = [t[a] / (1.0 if b == base else t[b]) for a, b in pairs]
        theory = cost.loc[pairs[0][0], "contas (G)"] / cost.loc[pairs[0][1], "contas (G)"]
        each = [f"{times(m, 2)} ({a.split('-')[0]})" for m, (a, _) in zip(measured, pairs)]
        low, high = min(measured), max(measured)
        beyond = ("mais longe do que o ruído" if all(abs(m / theory - 1) > band for m in measured)
                  else "algumas proporções dentro do ruído")
        if all(abs(m / theory - 1) <= band for m in measured):
            where = f"dentro do ruído da teoria (a até {pct(max(abs(m / theory - 1) for m in measured), 1)} dela)"
        elif high < theory:
            where = (f"abaixo da teoria ({pct(1 - high / theory, 1)} a {pct(1 - low / theory, 1)}), {beyond} "
                     f"de {pct(band, 1)}: nesta CPU, as matrizes maiores do *large* provavelmente rendem mais "
                     "contas por segundo que as do *base*")
        elif low > theory:
            where = (f"acima da teoria ({pct(low / theory - 1, 1)} a {pct(high / theory - 1, 1)}), {beyond} "
                     f"de {pct(band, 1)}: nesta CPU, as matrizes maiores do *large* provavelmente rendem menos "
                     "contas por segundo que as do *base*")
        else:
            where = "espalhada dos dois lados da teoria (a teoria cabe entre as medidas)"
        spread = ""
        if len(measured) > 1 and high > 1.15 * low:
            spread = (" Os pares têm a mesma arquitetura (só o vocabulário muda), então a distância entre as "
                      "proporções medidas é ruído da medida.")
        lines.append(f"- Os modelos *large* levaram {_names(each)} o tempo dos *base*; pela contagem de contas, a "
                     f"teoria prevê {times(theory, 2)}. A medida fica {where}.{spread} Essa proporção **depende da "
                     "máquina**: outra CPU (mais núcleos, outras instruções vetoriais, outra memória cache) dá outro "
                     "número.")
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
          "Celular: o ALBERT ocupa pouco disco (12M de parâmetros; Lan et al. 2019, arXiv 1909.11942), "
          "mas calcula como um BERT-base; o TinyBERT de 4 camadas é pequeno e rápido (Jiao et al. 2019, "
          "arXiv 1909.10351). Para uma produção leve num servidor ou numa CPU, o notebook 06 leva o DistilBERT "
          "a int8 e ao ONNX Runtime.")


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
    model, why = MOBILE if deploy == "mobile" else CHOICES[language][resources]
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
