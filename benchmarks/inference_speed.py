"""Produção leve pela linha de comando: a tabela do notebook 06.

    HF_HUB_OFFLINE=1 python benchmarks/inference_speed.py      # perfil offline (substitutos)

Ajusta o BERT e o DistilBERT com a mesma receita do notebook 05 (ou reaproveita os que o
notebook 05 ou o 02 salvaram com o mesmo registro), monta as variantes com as funções que o
notebook 06 escreve (helpers.lesson06: DistilBERT em int8 pelo torchao, exportado para ONNX, ONNX
em int8, e o BERT em ONNX int8) e mede, lado a lado, numa só
execução: tamanho em disco, latência na CPU (mediana, 1 thread, lotes de 1 e 32 frases, as
mesmas entradas), F1 macro e acurácia no teste e a concordância de cada versão int8 com o mesmo
modelo em float. A última linha é:

    speedup=<s1> speedup_b32=<s32> f1_retention=<r> size_ratio=<z> agreement=<a>

para a variante do DistilBERT mais rápida no lote 1, contra o BERT fp32 (agreement: fração de
classes iguais às do DistilBERT fp32 no teste), gravada também em ``data/resultados/inferencia_producao.json``.
As metas são impressas, nunca verificadas com ``assert``: os números dependem da máquina.
"""

from __future__ import annotations

import time
from pathlib import Path

from commands.cli import Parser, RawDescriptionHelpFormatter

TARGETS = {
    "aceleração lote 1 ≥ 6×": lambda r: r["speedup"] >= 6,
    "aceleração lote 32 ≥ 4×": lambda r: r["speedup_b32"] >= 4,
    "retenção do F1 ≥ 0,97": lambda r: r["f1_retention"] >= 0.97,
    "disco ≤ 25% do BERT": lambda r: r["size_ratio"] <= 0.25,
    "concordância ≥ 98%": lambda r: r["agreement"] >= 0.98,
}


def make_variants(
    bert,
    bert_tokenizer,
    distil,
    distil_tokenizer,
    onnx_paths: dict,
    quantization: dict,
    folder,
    progress=None,
) -> dict:
    """``{nome: (modelo, tokenizador)}`` das versões da tabela: os dois modelos em fp32 e as versões menores.

    BERT fp32, DistilBERT fp32, DistilBERT int8 (PyTorch, ``torch_int8``) e, para cada modelo em
    ``onnx_paths`` (``{"DistilBERT": arquivo, "BERT": arquivo}``, o que ``export_onnx`` gravou), ONNX fp32 e
    ONNX int8 (``quantize_onnx`` com a opção ``quantization[modelo]``, uma chave de ``QUANTIZATION_CHOICES``,
    escolhida na validação do modelo), com as cópias de ``helpers/lesson06.py``: o mesmo dicionário que o
    notebook 06 monta na seção 5 com as suas células. Os arquivos int8 ficam em ``folder``; ``progress`` recebe uma frase por etapa (``None``: calado).
    """
    from helpers import production
    from helpers.lesson06 import (
        CHOICE_LABELS,
        QUANTIZATION_CHOICES,
        OnnxClassifier,
        quantize_onnx,
        torch_int8,
    )

    say = progress or (lambda *_: None)
    wrong = {
        n: quantization.get(n)
        for n in onnx_paths
        if quantization.get(n) not in QUANTIZATION_CHOICES
    }
    if wrong:
        raise ValueError(
            f"quantization deve dar, para cada modelo, um de {list(QUANTIZATION_CHOICES)}: {wrong}"
        )
    models = {"BERT": (bert, bert_tokenizer), "DistilBERT": (distil, distil_tokenizer)}
    say("int8 no PyTorch (torchao)...")
    out = {
        production.REFERENCE: models["BERT"],
        "DistilBERT fp32": models["DistilBERT"],
        "DistilBERT int8 (PyTorch)": (torch_int8(distil), distil_tokenizer),
    }
    for name in [n for n in ("DistilBERT", "BERT") if n in onnx_paths]:
        model, tokenizer = models[name]
        say(f"{name} em int8 no ONNX Runtime ({CHOICE_LABELS[quantization[name]]})...")
        int8 = quantize_onnx(
            onnx_paths[name],
            Path(folder) / f"{name.lower()}.int8.onnx",
            *QUANTIZATION_CHOICES[quantization[name]],
        )
        out[f"{name} ONNX fp32"] = (OnnxClassifier(onnx_paths[name], model.config), tokenizer)
        out[f"{name} ONNX int8"] = (OnnxClassifier(int8, model.config), tokenizer)
    return out


def summary_line(table) -> str:
    """A última linha do benchmark: ``speedup=... speedup_b32=... f1_retention=... size_ratio=... agreement=...``."""
    from helpers import production

    best = production.fastest_distilbert(table, 1)
    row = table.loc[best]
    agreement = 1.0 if best == "DistilBERT fp32" else row["mesma classe que o fp32"]
    return (
        f"speedup={row['aceleração lote 1']:.2f} speedup_b32={row['aceleração lote 32']:.2f} "
        f"f1_retention={row[f'retenção do F1 (÷ {production.REFERENCE})']:.3f} "
        f"size_ratio={row[f'disco ÷ {production.REFERENCE}']:.3f} agreement={agreement:.3f}"
    )


def parse_args(argv=None):
    ap = Parser(description=__doc__, formatter_class=RawDescriptionHelpFormatter)
    ap.add_argument("--bert-model", default="neuralmind/bert-base-portuguese-cased")
    ap.add_argument("--distil-model", default="distilbert-base-uncased")
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--epochs", type=float, default=4)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument(
        "--lr",
        type=float,
        default=None,
        help="padrão: a regra do notebook 02 (1e-4 com os substitutos offline, 2e-5 com os modelos reais)",
    )
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument(
        "--class-weights",
        choices=["auto", "sim", "nao"],
        default="auto",
        help="auto: a escolha do notebook 02, lida do registro do modelo salvo por ele (sem registro: não)",
    )
    ap.add_argument(
        "--repeats", type=int, default=15, help="passagens por medida de latência (mediana)"
    )
    ap.add_argument("--no-bert-onnx", action="store_true", help="não exporta o BERT para ONNX int8")
    return ap.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    import pandas as pd

    from helpers import artifacts, data, hub, lesson02, lesson06, metrics, production

    start = time.perf_counter()
    dataset = data.load_embedded(verbose=False)
    bert_resolved, distil_resolved = (
        hub.resolve_model(args.bert_model),
        hub.resolve_model(args.distil_model),
    )
    lr = args.lr or (1e-4 if bert_resolved.substituted or distil_resolved.substituted else 2e-5)
    weights, _ = artifacts.class_weights_from_02(
        dataset, None if args.class_weights == "auto" else args.class_weights == "sim"
    )
    recipe = artifacts.recipe(
        learning_rate=lr,
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        max_length=args.max_length,
        seed=args.seed,
        class_weights=weights,
    )
    print(f"receita (a mesma nos dois): {recipe}", flush=True)
    compute = metrics.make_compute_metrics(dataset.labels)
    out = artifacts.build_dir("05_distilbert")
    models, reused = {}, {}
    for name, model_id, reuse in (
        ("BERT", args.bert_model, [artifacts.build_dir("02_bertimbau") / "modelo"]),
        ("DistilBERT", args.distil_model, []),
    ):
        tokenizer = hub.load_tokenizer(model_id, verbose=False)
        tokenized, _ = lesson02.tokenize_splits(
            dataset.splits, tokenizer, max_length=args.max_length, verbose=False
        )
        model, info = artifacts.classifier_for(
            model_id,
            dataset,
            tokenizer,
            tokenized,
            recipe,
            save_to=out / name.lower(),
            reuse_from=reuse,
            compute_metrics=compute,
            verbose=False,
        )
        how = f"reaproveitado de {info['folder']}" if info["reused"] else "ajustado aqui"
        print(f"▶ {name} ({model_id}): {how}", flush=True)
        models[name] = (model.eval(), tokenizer)
        reused[name] = bool(info["reused"])

    print(
        "▶ escolha da quantização do ONNX Runtime, por modelo, na validação (o teste fica de fora):",
        flush=True,
    )
    onnx_paths, chosen = {}, {}
    names = ("BERT", "DistilBERT") if not args.no_bert_onnx else ("DistilBERT",)
    for name in names:
        model, tok = models[name]
        onnx_paths[name] = lesson06.export_onnx(
            model, tok, out / "onnx" / f"{name.lower()}.onnx", max_length=args.max_length
        )
        choice, _ = lesson06.compare_quantization(
            model,
            tok,
            onnx_paths[name],
            dataset["validation"]["text"],
            out / "onnx",
            max_length=args.max_length,
        )
        shown = choice.rename(
            index=lesson06.CHOICE_LABELS,
            columns={
                "same_class": "mesma classe que o fp32",
                "mean_gap": "diferença média de prob.",
                "max_gap": "maior diferença de prob.",
            },
        )
        print(f"{name}:\n" + shown.round(4).to_string(), flush=True)
        chosen[name] = choice["mean_gap"].idxmin()
        print(
            f"▶ {name}, escolhida (menor diferença média na validação): {lesson06.CHOICE_LABELS[chosen[name]]}",
            flush=True,
        )
    variants = make_variants(
        *models["BERT"],
        *models["DistilBERT"],
        onnx_paths,
        chosen,
        out / "onnx",
        progress=lambda s: print("▶", s, flush=True),
    )
    print("▶ medindo (previsões no teste e latência)...", flush=True)
    table, _, _ = production.production_table(
        variants,
        dataset["test"]["text"],
        dataset["test"]["label"],
        dataset.labels,
        dataset["test"]["text"],
        repeats=args.repeats,
        max_length=args.max_length,
    )
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(table.round(3).to_string())
    line = summary_line(table)
    result = {k: float(v) for k, v in (part.split("=") for part in line.split())}
    print(f"\nvariante mais rápida (lote 1): {production.fastest_distilbert(table, 1)}")
    for target, ok in TARGETS.items():
        print(f"  {'✓' if ok(result) else '✗'} {target}")
    print(f"total: {time.perf_counter() - start:.0f} s")
    print(line)
    # grava data/resultados/inferencia_producao.json, que docs/benchmarks.md aponta
    from record import save_result

    save_result(
        "inferencia_producao",
        result,
        seconds=time.perf_counter() - start,
        argv=None if argv is None else [__file__, *argv],
        models={"BERT": args.bert_model, "DistilBERT": args.distil_model},
        substituted={
            "BERT": bool(bert_resolved.substituted),
            "DistilBERT": bool(distil_resolved.substituted),
        },
        reused=reused,
        recipe=recipe,
        quantization=chosen,
        fastest_distilbert=production.fastest_distilbert(table, 1),
    )
    return result


if __name__ == "__main__":
    main()
