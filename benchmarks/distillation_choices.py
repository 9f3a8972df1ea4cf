"""Como o notebook 04 escolhe T, os pesos α e o termo hidden: treinos completos, só na validação.

    HF_HUB_OFFLINE=1 python benchmarks/distillation_choices.py          # perfil offline (substituto all-MiniLM-L6-v2)

Ajusta o professor com a receita do notebook 02 sem pesos de classe (ou reaproveita o do 02 ou do 04, se a
receita for a mesma), constrói o aluno com metade das camadas (a primeira, a última e as do meio espaçadas) e
treina, para cada semente de ``--seeds``, o aluno destilado com cada combinação de ``CONFIGS`` (uma coisa muda de
cada vez em torno do ponto de partida) e o aluno só com rótulos. Mede **só na validação** (o teste não é lido).
Escolha: a combinação com o maior F1 macro médio entre as sementes (empate: a primeira da lista).
Grava as linhas (uma por treino) e a escolha em ``data/resultados/destilacao_validacao.json``, que o notebook 04
carrega e mostra.
"""

from __future__ import annotations

import copy
import json
import statistics
import time
from datetime import date
from pathlib import Path

# nome → (T, α_soft, α_hard, α_hidden); a primeira é o ponto de partida (o T padrão do script da Hugging Face e pesos
# iguais, sem o termo hidden). A grade é centrada nele: só «com hidden (peso 1)» liga o termo hidden, e
# nenhuma combinação muda T ou α junto com ele (se ela vencer, T e α ficam no ponto de partida por construção)
CONFIGS = {
    "T = 2, α 0,5/0,5": (2.0, 0.5, 0.5, 0.0),
    "T = 1": (1.0, 0.5, 0.5, 0.0),
    "T = 4": (4.0, 0.5, 0.5, 0.0),
    "α soft 0,8, hard 0,2": (2.0, 0.8, 0.2, 0.0),
    "α soft 0,2, hard 0,8": (2.0, 0.2, 0.8, 0.0),
    "com hidden (peso 1)": (2.0, 0.5, 0.5, 1.0),
}
LABELS_ONLY = "só com rótulos"
OUT = Path(__file__).resolve().parents[1] / "data" / "resultados" / "destilacao_validacao.json"


def cpu_name() -> str:
    """O modelo da CPU, como a execução completa dos notebooks o grava (``scripts/provenance.py``)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from provenance import cpu_name as read_cpu

    return read_cpu()


def parse_args(argv=None):
    from commands.cli import Parser, RawDescriptionHelpFormatter

    ap = Parser(description=__doc__, formatter_class=RawDescriptionHelpFormatter)
    ap.add_argument("--teacher-model", default="neuralmind/bert-base-portuguese-cased")
    ap.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 2])
    ap.add_argument("--student-epochs", type=int, default=3)
    ap.add_argument("--teacher-epochs", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument(
        "--train-limit", type=int, default=None, help="só para testar: tantos textos de treino"
    )
    ap.add_argument(
        "--only", nargs="*", default=None, help="só estas combinações (nomes de CONFIGS)"
    )
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument(
        "--resume",
        action="store_true",
        help="reaproveita os treinos já gravados em <out>.parcial.json (mesmas sementes e combinações)",
    )
    ap.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="pasta dos modelos (padrão: build/; o professor é o do 02 ou do 04, se a receita bater)",
    )
    return ap.parse_args(argv)


def choose(rows: list[dict]) -> str:
    """A combinação destilada com o maior F1 macro médio na validação; empate: a primeira de CONFIGS."""
    means = {}
    for name in CONFIGS:
        values = [r["f1_macro_validation"] for r in rows if r["config"] == name]
        if values:
            means[name] = statistics.mean(values)
    if not means:
        raise ValueError("Nenhum treino destilado nas linhas.")
    return max(means, key=lambda name: (round(means[name], 6), -list(CONFIGS).index(name)))


def main(argv=None) -> dict:
    args = parse_args(argv)
    from helpers import artifacts, data, hub, lesson02, lesson04, metrics
    from helpers.env import seed_everything

    start = time.perf_counter()
    resolved = hub.resolve_model(args.teacher_model, verbose=False)
    teacher_lr = 1e-4 if resolved.substituted else 2e-5
    dataset = data.limit_train(
        data.load_embedded(verbose=False), args.train_limit, 42, verbose=False
    )
    tokenizer = hub.load_tokenizer(args.teacher_model)
    tokenized, _ = lesson02.tokenize_splits(
        dataset.splits, tokenizer, max_length=args.max_length, verbose=False
    )
    recipe = artifacts.recipe(
        learning_rate=teacher_lr,
        num_train_epochs=args.teacher_epochs,
        per_device_train_batch_size=args.batch_size,
        max_length=args.max_length,
        seed=42,
        class_weights=False,
    )
    if args.workdir is None:
        save_to, reuse_from = (
            artifacts.build_dir("04_destilacao") / "professor",
            [artifacts.build_dir("02_bertimbau") / "modelo"],
        )
    else:
        save_to, reuse_from = args.workdir / "professor", []
    teacher, _ = artifacts.classifier_for(
        args.teacher_model,
        dataset,
        tokenizer,
        tokenized,
        recipe,
        save_to=save_to,
        reuse_from=reuse_from,
        verbose=False,
    )
    n_teacher = teacher.config.num_hidden_layers
    layers = lesson04.spread_layers(n_teacher)
    layer_map = lesson04.uniform_layer_map(len(layers), n_teacher)
    student_init = lesson04.init_student_from_teacher(teacher, layers)
    student_args = dict(
        learning_rate=2 * teacher_lr,
        num_train_epochs=args.student_epochs,
        per_device_train_batch_size=args.batch_size,
        disable_tqdm=True,
    )
    configs = {k: v for k, v in CONFIGS.items() if args.only is None or k in args.only}
    print(
        f"professor: {n_teacher} camadas; aluno: camadas {layers}; {len(configs) + 1} combinações × "
        f"{len(args.seeds)} sementes, {args.student_epochs} épocas cada; medido só na validação",
        flush=True,
    )

    partial = args.out.with_suffix(".parcial.json")
    rows = (
        json.loads(partial.read_text(encoding="utf-8")) if args.resume and partial.exists() else []
    )
    for seed in args.seeds:
        for name in [*configs, LABELS_ONLY]:
            if any(r["config"] == name and r["seed"] == seed for r in rows):
                continue
            seed_everything(seed)
            out_dir = str((args.workdir or artifacts.build_dir("escolhas_04")) / "aluno")
            if name == LABELS_ONLY:
                trainer = lesson02.make_trainer(
                    copy.deepcopy(student_init),
                    tokenizer,
                    tokenized["train"],
                    output_dir=out_dir,
                    seed=seed,
                    **student_args,
                )
                T = a_soft = a_hidden = None
                a_hard = 1.0
            else:
                T, a_soft, a_hard, a_hidden = configs[name]
                recipe = lesson02.make_trainer(
                    copy.deepcopy(student_init),
                    tokenizer,
                    tokenized["train"],
                    output_dir=out_dir,
                    seed=seed,
                    **student_args,
                )
                trainer = lesson04.make_distillation_trainer(
                    recipe,
                    teacher,
                    temperature=T,
                    alpha_soft=a_soft,
                    alpha_hard=a_hard,
                    alpha_hidden=a_hidden,
                    layer_map=layer_map,
                )
            began = time.perf_counter()
            trainer.train()
            y_true, y_pred = metrics.predictions_on(trainer, tokenized["validation"])
            score = metrics.classification_metrics(y_pred, y_true, dataset.labels)
            rows.append(
                {
                    "config": name,
                    "seed": seed,
                    "temperature": T,
                    "alpha_soft": a_soft,
                    "alpha_hard": a_hard,
                    "alpha_hidden": a_hidden,
                    "f1_macro_validation": round(score["f1_macro"], 4),
                    "accuracy_validation": round(score["accuracy"], 4),
                }
            )
            print(
                f"  semente {seed:>2} | {name:<22} | F1 macro na validação {score['f1_macro']:.3f}".replace(
                    ".", ","
                )
                + f" | {time.perf_counter() - began:.0f} s",
                flush=True,
            )
            partial.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")

    chosen = choose(rows)
    T, a_soft, a_hard, a_hidden = CONFIGS[chosen]
    result = {
        "meta": {
            "date": date.today().isoformat(),
            "cpu": cpu_name(),
            "teacher": resolved.standin if resolved.substituted else args.teacher_model,
            "substituted": bool(resolved.substituted),
            "teacher_layers": n_teacher,
            "student_layers": list(layers),
            "student_epochs": args.student_epochs,
            "student_lr": 2 * teacher_lr,
            "seeds": args.seeds,
            "train_texts": len(tokenized["train"]),
            "validation_texts": len(tokenized["validation"]),
            "split": "validation",
            "seconds": round(time.perf_counter() - start),
        },
        "configs": {
            k: dict(zip(("temperature", "alpha_soft", "alpha_hard", "alpha_hidden"), v))
            for k, v in configs.items()
        },
        "chosen": {
            "config": chosen,
            "temperature": T,
            "alpha_soft": a_soft,
            "alpha_hard": a_hard,
            "alpha_hidden": a_hidden,
        },
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    partial.unlink(missing_ok=True)
    print(f"escolhida: {chosen} | gravado em {args.out.name} | {result['meta']['seconds']} s")
    return result


if __name__ == "__main__":
    main()
