"""Destilação de conhecimento pela linha de comando: o experimento do notebook 04.

    HF_HUB_OFFLINE=1 python benchmarks/distillation.py            # perfil offline (substituto MiniLM)
    python benchmarks/distillation.py --teacher-epochs 3          # qualquer valor pode mudar

Ajusta o professor nos dados embutidos (ou usa um já ajustado, ``--teacher-from``),
constrói o aluno com uma camada a cada duas, guarda os logits do professor, destila,
treina o mesmo aluno só com os rótulos (o aluno só com rótulos), mede tamanho e tempo na CPU e
imprime a tabela. Os valores padrão são os do notebook 04 (na CPU, sempre em float32). O professor é ajustado uma vez; os dois
alunos são treinados com cada semente de ``--seeds`` (padrão: cinco), porque com 258
avaliações no teste a diferença entre eles numa semente só fica dentro do ruído. A tabela
traz a média dos alunos; outra, cada semente. A última linha é:

    retention=<r> speedup=<s> f1_teacher=<a> f1_student=<b> f1_baseline=<c>

(F1 dos alunos = média das sementes; retenção = F1 macro médio do aluno destilado / F1 macro do
professor, no teste; aceleração =
tempo do professor / tempo do aluno, lote de 32 frases na CPU). As metas são impressas,
nunca verificadas com ``assert``: os números dependem da máquina.
"""

from __future__ import annotations

import copy
import statistics
import time

import pandas as pd

from commands.cli import Parser, RawDescriptionHelpFormatter

# nomes dos modelos e das colunas como a tabela impressa os mostra
LABELS = {
    "teacher": "professor",
    "distilled": "aluno destilado",
    "labels_only": "aluno só com rótulos",
    "accuracy": "acurácia",
    "f1_macro": "F1 macro",
    "f1_share_of_teacher": "% do F1 do professor",
}
SEED_LABELS = {"distilled": "destilado", "labels_only": "só com rótulos", "difference": "diferença"}

TARGETS = {
    "retenção do F1 ≥ 0,97": lambda r: r["retention"] >= 0.97,
    "destilado > só rótulos": lambda r: r["f1_student"] > r["f1_baseline"],
    "aceleração (lote 32) ≥ 1,9×": lambda r: r["speedup"] >= 1.9,
}


def split_scores(trainer, rows, labels) -> dict:
    """``{"accuracy": ..., "f1_macro": ...}`` de ``trainer.model`` em ``rows`` (as métricas do scikit-learn)."""
    from helpers import metrics

    y_true, y_pred = metrics.predictions_on(trainer, rows)
    found = metrics.classification_metrics(y_pred, y_true, labels)
    return {"accuracy": found["accuracy"], "f1_macro": found["f1_macro"]}


def parse_args(argv=None):
    ap = Parser(description=__doc__, formatter_class=RawDescriptionHelpFormatter)
    ap.add_argument("--teacher-model", default="neuralmind/bert-base-portuguese-cased")
    ap.add_argument(
        "--student-layers",
        type=int,
        nargs="*",
        default=None,
        help="camadas do professor copiadas para o aluno (padrão: metade, com a primeira e a última, como o DistilBERT)",
    )
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument(
        "--lr",
        type=float,
        default=None,
        help="do professor; padrão: 1e-4 com o substituto offline, 2e-5 com o BERTimbau (a regra do notebook 02)",
    )
    ap.add_argument(
        "--student-lr", type=float, default=None, help="padrão: o dobro da taxa do professor"
    )
    ap.add_argument(
        "--teacher-from",
        default=None,
        help="pasta de um professor já ajustado (ex.: build/02_bertimbau/modelo); sem ela, ajusta aqui",
    )
    ap.add_argument("--teacher-epochs", type=float, default=4)
    ap.add_argument("--student-epochs", type=float, default=3)
    ap.add_argument("--temperature", type=float, default=2.0)
    ap.add_argument("--alpha-soft", type=float, default=0.5)
    ap.add_argument("--alpha-hard", type=float, default=0.5)
    ap.add_argument("--alpha-hidden", type=float, default=1.0)
    ap.add_argument("--hidden-loss", choices=["cosine", "mse"], default="cosine")
    ap.add_argument("--latency-repeats", type=int, default=10)
    ap.add_argument("--latency-threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=42, help="semente do professor")
    ap.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[42, 1, 2, 3, 4],
        help="sementes dos alunos (destilado e só com rótulos, treinados com cada uma)",
    )
    return ap.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from transformers import AutoModelForSequenceClassification

    from helpers import artifacts, data, hub, lesson02, lesson04, measure
    from helpers.env import is_offline, seed_everything

    start = time.perf_counter()
    lr = (
        args.lr
        if args.lr is not None
        else (1e-4 if hub.resolve_model(args.teacher_model, verbose=False).substituted else 2e-5)
    )
    train_args = dict(
        learning_rate=lr,
        per_device_train_batch_size=args.batch_size,
        seed=args.seed,
        disable_tqdm=True,
    )
    print("treino: precisão automática (float32 na CPU, bf16/fp16 na GPU)", flush=True)
    student_args = {
        **train_args,
        "learning_rate": args.student_lr if args.student_lr is not None else 2 * lr,
    }

    dataset = data.load_embedded(verbose=False)
    tokenizer = hub.load_tokenizer(args.teacher_model)
    tokenized, _ = lesson02.tokenize_splits(
        dataset.splits, tokenizer, max_length=args.max_length, verbose=False
    )

    if args.teacher_from:
        print(f"▶ professor: {args.teacher_from}", flush=True)
        teacher = AutoModelForSequenceClassification.from_pretrained(args.teacher_from)
        teacher_trainer = lesson02.make_trainer(
            teacher,
            tokenizer,
            tokenized["train"],
            output_dir=str(artifacts.build_dir("bench", "professor")),
        )
    else:
        print(f"▶ professor: {args.teacher_epochs:g} épocas, lr {lr:g}", flush=True)
        seed_everything(args.seed)
        teacher = hub.load_model(
            args.teacher_model,
            AutoModelForSequenceClassification,
            num_labels=dataset.num_labels,
            id2label=dataset.id2label,
            label2id=dataset.label2id,
            verbose=False,
        )
        teacher_trainer = lesson02.make_trainer(
            teacher,
            tokenizer,
            tokenized["train"],
            output_dir=str(artifacts.build_dir("bench", "professor")),
            num_train_epochs=args.teacher_epochs,
            **train_args,
        )
        teacher_trainer.train()
    scores = {"teacher": split_scores(teacher_trainer, tokenized["test"], dataset.labels)}

    n_layers = teacher.config.num_hidden_layers
    layers = tuple(args.student_layers) if args.student_layers else lesson04.spread_layers(n_layers)
    student_init = lesson04.init_student_from_teacher(teacher, layers)
    layer_map = (
        lesson04.uniform_layer_map(len(layers), n_layers)
        if n_layers % len(layers) == 0
        else [(len(layers), n_layers)]
    )

    print(
        f"▶ alunos: camadas {layers}, T={args.temperature:g}, α soft/hard/hidden = "
        f"{args.alpha_soft:g}/{args.alpha_hard:g}/{args.alpha_hidden:g} ({args.hidden_loss}), "
        f"sementes {args.seeds}",
        flush=True,
    )
    per_seed, student = [], None
    for seed in args.seeds:
        seed_args = {**student_args, "seed": seed, "num_train_epochs": args.student_epochs}
        seed_everything(seed)
        distilled = copy.deepcopy(student_init)
        distil_trainer = lesson04.make_distillation_trainer(
            lesson02.make_trainer(
                distilled,
                tokenizer,
                tokenized["train"],
                output_dir=str(artifacts.build_dir("bench", "aluno_destilado")),
                **seed_args,
            ),
            teacher,
            temperature=args.temperature,
            alpha_soft=args.alpha_soft,
            alpha_hard=args.alpha_hard,
            alpha_hidden=args.alpha_hidden,
            hidden_loss=args.hidden_loss,
            layer_map=layer_map,
        )
        distil_trainer.train()
        seed_everything(seed)
        baseline_trainer = lesson02.make_trainer(
            copy.deepcopy(student_init),
            tokenizer,
            tokenized["train"],
            output_dir=str(artifacts.build_dir("bench", "aluno_rotulos")),
            **seed_args,
        )
        baseline_trainer.train()
        row = {
            "seed": seed,
            "distilled": split_scores(distil_trainer, tokenized["test"], dataset.labels),
            "labels_only": split_scores(baseline_trainer, tokenized["test"], dataset.labels),
        }
        per_seed.append(row)
        student = (
            student if student is not None else distilled
        )  # para medir tamanho e tempo (mesma arquitetura)
        print(
            f"  semente {seed}: F1 macro destilado {row['distilled']['f1_macro']:.3f} | só com rótulos "
            f"{row['labels_only']['f1_macro']:.3f}",
            flush=True,
        )
    for name in ("distilled", "labels_only"):
        scores[name] = {
            metric: statistics.mean(r[name][metric] for r in per_seed)
            for metric in scores["teacher"]
        }
    seeds_table = pd.DataFrame(
        {
            r["seed"]: {
                "distilled": r["distilled"]["f1_macro"],
                "labels_only": r["labels_only"]["f1_macro"],
            }
            for r in per_seed
        }
    ).T
    seeds_table["difference"] = seeds_table["distilled"] - seeds_table["labels_only"]

    print("▶ tamanho e tempo na CPU", flush=True)
    efficiency = measure.efficiency_table(
        {"teacher": teacher, "student": student},
        tokenizer,
        dataset["test"]["text"][:32],
        batch_sizes=(1, 32),
        repeats=args.latency_repeats,
        threads=args.latency_threads,
        max_length=args.max_length,
    )
    arch = {"teacher": "teacher", "distilled": "student", "labels_only": "student"}
    table = pd.DataFrame(
        {name: {**efficiency.loc[arch[name]].to_dict(), **s} for name, s in scores.items()}
    ).T
    table["f1_share_of_teacher"] = 100 * table["f1_macro"] / scores["teacher"]["f1_macro"]
    # as colunas de tempo são as de measure.efficiency_table, com os rótulos que ela mostra
    result = {
        "retention": scores["distilled"]["f1_macro"] / scores["teacher"]["f1_macro"],
        "speedup": efficiency.loc["teacher", "lote 32 (ms)"]
        / efficiency.loc["student", "lote 32 (ms)"],
        "f1_teacher": scores["teacher"]["f1_macro"],
        "f1_student": scores["distilled"]["f1_macro"],
        "f1_baseline": scores["labels_only"]["f1_macro"],
    }
    print(
        f"\nDestilação ({'offline' if is_offline() else 'online'}; teste com {len(tokenized['test'])} avaliações; "
        f"tempo na CPU com {args.latency_threads} thread):"
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        shown = table.rename(index=LABELS, columns=LABELS)
        print(shown.to_string(float_format=lambda v: f"{v:.3f}"))
        print(
            f"\n(alunos: média de {len(per_seed)} sementes) F1 macro no teste, semente a semente:"
        )
        print(
            seeds_table.rename(columns=SEED_LABELS)
            .rename_axis("semente")
            .to_string(
                float_format=lambda v: f"{v:.3f}", formatters={"diferença": "{:+.3f}".format}
            )
        )
    wins = int((seeds_table["difference"] > 0).sum())
    spread = statistics.stdev(seeds_table["difference"]) if len(per_seed) > 1 else float("nan")
    print(
        f"destilado − só com rótulos: média {seeds_table['difference'].mean():+.3f} (desvio padrão {spread:.3f}); "
        f"o destilado vence em {wins} de {len(per_seed)} sementes"
    )
    print(
        f"\naceleração na CPU: {efficiency.loc['teacher', 'lote 1 (ms)'] / efficiency.loc['student', 'lote 1 (ms)']:.2f}× "
        f"(lote 1), {result['speedup']:.2f}× (lote 32) | tempo total: {time.perf_counter() - start:.0f} s"
    )
    print(
        "metas: "
        + " | ".join(f"{name}: {'sim' if ok(result) else 'NÃO'}" for name, ok in TARGETS.items())
    )
    print(
        f"retention={result['retention']:.3f} speedup={result['speedup']:.2f} f1_teacher={result['f1_teacher']:.3f} "
        f"f1_student={result['f1_student']:.3f} f1_baseline={result['f1_baseline']:.3f}"
    )
    # grava data/resultados/destilacao_sementes.json, que docs/benchmarks.md aponta
    from record import save_result

    save_result(
        "destilacao_sementes",
        result,
        seconds=time.perf_counter() - start,
        argv=None if argv is None else [__file__, *argv],
        teacher=args.teacher_model,
        layers=list(layers),
        arguments=vars(args),
        seeds=[
            {
                "seed": r["seed"],
                "f1_student": r["distilled"]["f1_macro"],
                "f1_baseline": r["labels_only"]["f1_macro"],
            }
            for r in per_seed
        ],
    )
    return result


if __name__ == "__main__":
    main()
