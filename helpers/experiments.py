"""Os experimentos dos notebooks 02 e 04 como comandos, para rodar em escala (vários processos ou GPUs).

    python -m helpers.experiments finetune --help
    python -m helpers.experiments distill --help
    accelerate launch --num_processes 2 -m helpers.experiments finetune ...   # 2 GPUs
    accelerate launch --cpu --num_processes 2 -m helpers.experiments finetune ...   # 2 processos na CPU (gloo)
    torchrun --nproc-per-node 2 -m helpers.experiments distill ...

``finetune`` é o notebook 02 (fine-tuning com e sem pesos de classe, escolha na validação, teste
uma vez) e ``distill`` o 04 (professor, aluno destilado e aluno só com rótulos, com a mesma
receita; ``--search N`` busca α e T com o Optuna, só na validação). As funções são as mesmas dos
notebooks (``helpers.training``, ``helpers.distill``, ``helpers.metrics``...), com as mesmas
opções dos parâmetros dos notebooks; por isso, num processo só, o comando e o notebook dão o
mesmo F1 na mesma máquina. Os resultados vão para arquivos numa pasta de saída
(``metricas.json``, ``por_classe.csv``, ``historico.csv``, ``resumo.json`` e a pasta do modelo), e a
tabela de destaque é impressa no fim.

Com vários processos, o ``Trainer`` faz o treino com dados em paralelo (cada processo, uma parte
de cada lote; os gradientes são somados entre eles). ``--batch-size`` é sempre o lote **global**:
com N processos, cada um recebe ``batch-size / N`` frases por passo, e o número de passos é o
de um processo só. Só o processo principal grava arquivos e imprime.
"""
from __future__ import annotations

import argparse
import copy
import json
import subprocess
import os
import sys
import time
from contextlib import nullcontext, redirect_stdout
from pathlib import Path

from .cli import DefaultsHelpFormatter, Parser

DATA_SOURCES = ("embutido", "hub", "csv")


# --------------------------------------------------------------------------- opções

class _Parser(Parser):
    """As opções em português (:mod:`helpers.cli`), e cada uma diz o seu padrão."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", DefaultsHelpFormatter)
        super().__init__(*args, **kwargs)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"precisa ser um inteiro de pelo menos 1 (veio {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"precisa ser um inteiro de pelo menos 1 (veio {text})")
    return value


def _add_data_options(p):
    g = p.add_argument_group("dados (os mesmos parâmetros dos notebooks)")
    g.add_argument("--data-source", choices=DATA_SOURCES, default="embutido",
                   help="DATA_SOURCE: 'embutido' (data/avaliacoes_ptbr), 'hub' ou 'csv'")
    g.add_argument("--hf-dataset", help="HF_DATASET, com --data-source hub (ex.: AiresPucrs/google-play-apps-review-pt)")
    g.add_argument("--hf-config", help="HF_CONFIG: a configuração do dataset do Hub, se houver")
    g.add_argument("--hf-max-per-split", type=int, default=5000,
                   help="HF_MAX_PER_SPLIT: corta cada split do Hub (0: o split inteiro)")
    g.add_argument("--csv-train", help="CSV_TRAIN: CSV com as colunas text,label (com --data-source csv)")
    g.add_argument("--csv-validation", help="CSV_VALIDATION (sem ele, a validação sai do treino)")
    g.add_argument("--csv-test", help="CSV_TEST (sem ele, a validação faz as vezes do teste, com aviso)")
    g.add_argument("--train-limit", type=_positive_int,
                   help="TRAIN_LIMIT: só tantos textos do treino (sorteio estratificado), para uma execução curta")


def _add_run_options(p, default_dir):
    g = p.add_argument_group("execução")
    g.add_argument("--max-length", type=int, default=128, help="MAX_LENGTH: tokens por texto; os mais longos são cortados")
    g.add_argument("--batch-size", type=_positive_int, default=16,
                   help="BATCH_SIZE: o lote GLOBAL; com N processos, cada um recebe batch-size/N frases por passo")
    g.add_argument("--seed", type=int, default=42, help="SEED")
    g.add_argument("--max-steps", type=_positive_int,
                   help="para depois de tantos passos (lotes globais), em vez das épocas: uma execução curta")
    g.add_argument("--output-dir", default=None, help=f"pasta dos resultados (padrão: build/{default_dir})")
    g.add_argument("--no-progress", action="store_true", help="sem barra de progresso (ela só aparece no processo principal)")


def build_parser() -> argparse.ArgumentParser:
    """As opções dos dois comandos, com a ajuda em português."""
    root = _Parser(prog="python -m helpers.experiments", description=__doc__.split("\n\n")[0], epilog=(
        "Em vários processos, o mesmo comando (--batch-size é o lote global):\n"
        "  accelerate launch --num_processes N -m helpers.experiments ...        N GPUs\n"
        "  accelerate launch --cpu --num_processes N -m helpers.experiments ...  N processos na CPU (gloo)\n"
        "  torchrun --nproc-per-node N -m helpers.experiments ...\n"
        "Veja a página \"Em escala\" (docs/em-escala.md)."))
    sub = root.add_subparsers(dest="command", required=True, title="comandos", metavar="{finetune,distill}")

    ft = sub.add_parser("finetune", help="o fine-tuning do notebook 02",
                        description="O fine-tuning do notebook 02: treina com e sem pesos de classe, escolhe na "
                                    "validação (intervalo pareado), avalia a escolha no teste uma vez e salva o modelo.")
    g = ft.add_argument_group("modelo e receita")
    g.add_argument("--model-name", default="neuralmind/bert-base-portuguese-cased",
                   help="MODEL_NAME: id do Hub ou pasta local (offline: o substituto, anunciado)")
    g.add_argument("--learning-rate", type=float, help="LEARNING_RATE; sem ela: 2e-5, ou 1e-4 no substituto offline")
    g.add_argument("--num-epochs", type=_positive_int, default=4, help="NUM_EPOCHS")
    g.add_argument("--freeze-n-layers", type=int, default=0, help="FREEZE_N_LAYERS: congela embeddings + N camadas")
    g.add_argument("--class-weights", choices=("auto", "sim", "nao"), default="auto",
                   help="'auto': treina sem e com pesos e escolhe na validação, como o notebook 02; "
                        "'sim' ou 'nao': treina só um")
    _add_data_options(ft)
    _add_run_options(ft, "experimentos/finetune")

    ds = sub.add_parser("distill", help="a destilação do notebook 04",
                        description="A destilação do notebook 04: o professor (a receita do 02, sem pesos), o aluno "
                                    "com uma camada a cada duas, destilado e só com rótulos (mesmo início, mesma "
                                    "receita), as medidas de tempo e os intervalos pareados no teste.",
                        epilog="A ablação (--run-ablation) e a busca (--search) olham só a validação; o teste é "
                               "usado uma vez, no fim, pelos alunos finais.")
    g = ds.add_argument_group("professor e aluno")
    g.add_argument("--teacher-model", default="neuralmind/bert-base-portuguese-cased",
                   help="TEACHER_MODEL: id do Hub ou pasta do modelo base do professor")
    g.add_argument("--teacher-from", action="append", default=[], metavar="PASTA",
                   help="pasta de um professor já ajustado (ex.: o modelo/ do finetune ou build/02_bertimbau/modelo); "
                        "reaproveitado só se o registro (modelo, dados, receita) for o mesmo. Pode repetir")
    g.add_argument("--student-layers", type=int, nargs="+",
                   help="STUDENT_LAYERS: camadas do professor copiadas para o aluno (padrão: metade, com a primeira e a última: 0, 2, 5 de 6)")
    g.add_argument("--teacher-epochs", type=_positive_int, default=4, help="TEACHER_EPOCHS")
    g.add_argument("--teacher-lr", type=float, help="TEACHER_LR; sem ela: 2e-5, ou 1e-4 no substituto offline")
    g.add_argument("--student-epochs", type=_positive_int, default=3, help="STUDENT_EPOCHS (os dois alunos)")
    g.add_argument("--student-seed", type=int, default=None,
                   help="STUDENT_SEED: semente dos dois alunos; sem ela, a de --seed (o professor não muda)")
    g.add_argument("--student-lr", type=float, help="STUDENT_LR; sem ela: o dobro da taxa do professor")
    g = ds.add_argument_group("perda de destilação")
    g.add_argument("--temperature", type=float, default=2.0, help="TEMPERATURE (T da perda soft)")
    g.add_argument("--alpha-soft", type=float, default=0.5, help="ALPHA_SOFT (imitar o professor)")
    g.add_argument("--alpha-hard", type=float, default=0.5, help="ALPHA_HARD (rótulos verdadeiros)")
    g.add_argument("--alpha-hidden", type=float, default=1.0, help="ALPHA_HIDDEN (estados ocultos; 0 desliga)")
    g.add_argument("--hidden-loss", choices=("cosine", "mse"), default="cosine", help="HIDDEN_LOSS")
    g = ds.add_argument_group("ablação, busca e medidas")
    g.add_argument("--run-ablation", action="store_true",
                   help="a ablação dos três termos e a varredura de T em treinos curtos, na validação")
    g.add_argument("--short-steps", type=_positive_int, default=20, help="SHORT_STEPS: passos de cada treino da ablação")
    g.add_argument("--ablation-alpha-hidden", type=float, default=1.0, help="ABLATION_ALPHA_HIDDEN")
    g.add_argument("--sweep-temperatures", type=float, nargs="+", default=[1.0, 2.0, 4.0], help="SWEEP_TEMPERATURES")
    g.add_argument("--search", type=_positive_int, metavar="N",
                   help="busca N configurações de α_soft (α_hard = 1 − α_soft), T e épocas do aluno com o Optuna "
                        "(Trainer.hyperparameter_search), pelo F1 macro na VALIDAÇÃO; o aluno final usa a melhor")
    g.add_argument("--latency-repeats", type=int, default=6, help="LATENCY_REPEATS (0: não mede o tempo)")
    g.add_argument("--latency-threads", type=_positive_int, default=1, help="LATENCY_THREADS")
    g.add_argument("--bootstrap-samples", type=_positive_int, default=1000, help="BOOTSTRAP_SAMPLES")
    _add_data_options(ds)
    _add_run_options(ds, "experimentos/destilacao")
    return root


# --------------------------------------------------------------------------- peças comuns

def _say(*args, **kwargs):
    print(*args, **kwargs, flush=True)


def _g(value, digits: int = 3) -> str:
    """Um número para o texto impresso: ``digits`` algarismos significativos e vírgula decimal (``7,22``)."""
    return f"{float(value):.{digits}g}".replace(".", ",")


def _load_dataset(opts):
    from . import data

    kwargs = {}
    if opts.data_source == "hub":
        kwargs["max_per_split"] = opts.hf_max_per_split or None
    dataset = data.load_data(opts.data_source, hf_dataset=opts.hf_dataset, hf_config=opts.hf_config,
                             csv_train=opts.csv_train, csv_validation=opts.csv_validation, csv_test=opts.csv_test,
                             **kwargs)
    dataset = data.limit_train(dataset, opts.train_limit, opts.seed)
    if "test" not in dataset.splits:
        dataset.splits["test"] = dataset.splits["validation"]
        _say("Aviso: sem teste separado, a validação faz as vezes dele; o número do teste fica otimista.")
    return dataset


def _data_and_tokens(opts, model_id: str):
    """Os dados e o tokenizador de ``model_id``, tokenizados como no notebook (o principal primeiro, enchendo o cache)."""
    from . import distributed, hub, training

    with distributed.main_first():
        dataset = _load_dataset(opts)
    tokenizer = hub.load_tokenizer(model_id)
    with distributed.main_first():
        tokenized, report = training.tokenize_splits(dataset.splits, tokenizer, max_length=opts.max_length)
    return dataset, tokenizer, tokenized, report


def per_device_batch(batch_size: int, processes: int) -> int:
    """O lote de cada processo para um lote global ``batch_size``; erro em português se não dividir."""
    if batch_size % processes:
        options = [b for b in range(processes, 4 * batch_size + 1, processes)][:3]
        raise SystemExit(f"erro: o lote global (--batch-size {batch_size}) precisa ser divisível pelo número de "
                         f"processos ({processes}), para que cada um receba o mesmo número de frases por passo. "
                         f"Use, por exemplo, --batch-size {' ou '.join(map(str, options))}.")
    return batch_size // processes


def counting_metrics(compute_metrics):
    """``compute_metrics`` que também informa quantas frases a avaliação viu (``exemplos``).

    Com vários processos, o ``Trainer`` junta as previsões de todos (``gather_for_metrics``, sem as
    repetidas do último lote): ``exemplos`` é o tamanho do split inteiro, e o histórico o mostra.
    """
    def wrapped(eval_pred):
        out = dict(compute_metrics(eval_pred))
        out["exemplos"] = int(len(eval_pred.label_ids))
        return out

    return wrapped


def count_training_inputs(trainer) -> dict:
    """Conta as frases e os tokens de verdade que **este** processo treinou (o ``compute_loss`` no treino)."""
    seen = {"exemplos": 0, "tokens": 0}
    original = trainer.compute_loss

    def compute_loss(model, inputs, *args, **kwargs):
        if model.training:
            seen["exemplos"] += int(inputs["labels"].shape[0])
            seen["tokens"] += int(inputs["attention_mask"].sum())
        return original(model, inputs, *args, **kwargs)

    trainer.compute_loss = compute_loss
    return seen


def distribution_report(trainer, seen: dict, batch_size: int) -> dict:
    """Quantos processos, o lote global e por processo, e o que cada processo viu no treino."""
    from . import distributed

    parts = distributed.gather(dict(seen))
    return {"processos": distributed.world_size(), "lote global": batch_size,
            "lote por processo": trainer.args.per_device_train_batch_size, "passos": trainer.state.global_step,
            "exemplos vistos por processo": [p["exemplos"] for p in parts],
            "tokens vistos por processo": [p["tokens"] for p in parts]}


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "__float__"):
        return float(value)
    return str(value)


def write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1, default=_json_default), encoding="utf-8")


def _runtime_kwargs() -> dict:
    """O que o ``Trainer`` precisa saber do lançamento: com vários processos e sem GPU, ``use_cpu`` (gloo)."""
    from . import distributed

    return {"use_cpu": True} if distributed.on_cpu_cluster() else {}


def _common_kwargs(opts, per_device):
    extra = {"per_device_train_batch_size": per_device, "seed": opts.seed, "disable_tqdm": opts.no_progress,
             **_runtime_kwargs()}
    if opts.max_steps:
        extra["max_steps"] = opts.max_steps
    return extra


def _prepare(opts, default_dir: str):
    """Processos, lote de cada um e a pasta de saída (criada pelo principal)."""
    from . import artifacts, distributed

    processes = distributed.world_size()
    per_device = per_device_batch(opts.batch_size, processes)
    out = Path(opts.output_dir) if opts.output_dir else artifacts.build_dir("experimentos", default_dir)
    if distributed.is_main():
        out.mkdir(parents=True, exist_ok=True)
    return processes, per_device, out


def _finish(out: Path, name: str, headline: dict) -> None:
    from . import results

    write_json(out / "resumo.json", headline)
    table = results.table(**headline)
    _say("\n" + table.to_string())
    _say(f"\nResultados em {out}")


# --------------------------------------------------------------------------- finetune (notebook 02)

def run_finetune(opts) -> dict:
    """O notebook 02 de ponta a ponta; devolve o resumo (o mesmo de ``results.headline`` no notebook)."""
    import numpy as np
    import pandas as pd
    from sklearn.metrics import f1_score, recall_score
    from transformers import AutoModelForSequenceClassification

    from . import artifacts, distributed, hub, inference, metrics, prose, training
    from .env import seed_everything

    processes, per_device, out = _prepare(opts, "finetune")
    seed_everything(opts.seed)
    resolved = hub.resolve_model(opts.model_name)
    lr = opts.learning_rate or (1e-4 if resolved.substituted else 2e-5)
    _say(f"Processos: {processes} | lote global {opts.batch_size} ({per_device} por processo) | taxa {_g(lr)} | "
         f"saídas em {out}")
    dataset, tokenizer, tokenized, trunc_report = _data_and_tokens(opts, opts.model_name)
    weights = training.class_weights(dataset["train"]["label"], dataset.num_labels)
    compute_metrics = counting_metrics(metrics.make_compute_metrics(dataset.labels))

    def new_model():
        seed_everything(opts.seed)
        model = hub.load_model(opts.model_name, AutoModelForSequenceClassification, num_labels=dataset.num_labels,
                               id2label=dataset.id2label, label2id=dataset.label2id)
        if opts.freeze_n_layers:
            training.freeze_layers(model, opts.freeze_n_layers)
        return model

    names = {"auto": ["sem pesos", "com pesos"], "sim": ["com pesos"], "nao": ["sem pesos"]}[opts.class_weights]
    runs = {}
    for name in names:
        _say(f"\nTreino {name}:")
        model = new_model()
        trainer = training.make_trainer(
            model, tokenizer, tokenized["train"], tokenized["validation"], output_dir=str(out / "treino"),
            class_weights=weights if name == "com pesos" else None, compute_metrics=compute_metrics,
            learning_rate=lr, num_train_epochs=opts.num_epochs, **_common_kwargs(opts, per_device))
        seen = count_training_inputs(trainer)
        start = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - start
        _say(f"Treino {name}: {seconds:.0f} s")
        runs[name] = {"model": model, "trainer": trainer, "segundos": seconds,
                      "distribuído": distribution_report(trainer, seen, opts.batch_size)}

    labels = list(range(dataset.num_labels))
    counts = pd.Series(dataset["train"]["label"]).value_counts().reindex(labels, fill_value=0)
    rare = dataset.id2label[int(counts.idxmin())]
    rare_id = dataset.label2id[rare]

    def f1_macro(y, p):
        return f1_score(y, p, labels=labels, average="macro", zero_division=0)

    def recall_rare(y, p):
        return recall_score(y, p, labels=[rare_id], average="macro", zero_division=0)

    # as previsões e a regra do notebook 02 (seção 6): com pesos só se o intervalo pareado do F1 ficar acima de zero
    y_val = np.asarray(dataset["validation"]["label"])
    val_pred, val_metrics = {}, {}
    for name, run in runs.items():
        val_pred[name] = inference.predict_proba(dataset["validation"]["text"], run["model"], tokenizer,
                                                 max_length=opts.max_length).argmax(axis=1)
        val_metrics[name] = metrics.classification_metrics(val_pred[name], y_val, dataset.labels)
    intervals = {}
    if len(runs) == 2:
        intervals["F1 macro"] = prose.paired_bootstrap(y_val, val_pred["com pesos"], val_pred["sem pesos"], f1_macro)
        intervals[f"revocação ({rare})"] = prose.paired_bootstrap(y_val, val_pred["com pesos"], val_pred["sem pesos"],
                                                                  recall_rare)
        use_weights = intervals["F1 macro"]["low"] > 0
    else:
        use_weights = names == ["com pesos"]
    choice = "com pesos" if use_weights else "sem pesos"
    model, trainer = runs[choice]["model"], runs[choice]["trainer"]
    why = ("escolhida na validação (intervalo pareado do F1 macro, com pesos − sem pesos, "
           f"{prose.interval(intervals['F1 macro'])})" if intervals else "pedida em --class-weights")
    _say(f"\nReceita: {choice}, {why}.")

    # o teste, uma vez, com o modelo escolhido
    y_test = np.asarray(dataset["test"]["label"])
    test_probs = inference.predict_proba(dataset["test"]["text"], model, tokenizer, max_length=opts.max_length)
    test_metrics = metrics.classification_metrics(test_probs.argmax(axis=1), y_test, dataset.labels)
    baseline = metrics.majority_baseline(dataset["train"]["label"], dataset["test"]["label"], dataset.labels)

    record = artifacts.make_record(opts.model_name, dataset, **artifacts.recipe(
        learning_rate=lr, num_train_epochs=opts.num_epochs, per_device_train_batch_size=opts.batch_size,
        max_length=opts.max_length, seed=opts.seed, class_weights=use_weights))
    extra = {"treino (s)": runs[choice]["segundos"], "processos": processes}
    if opts.max_steps:
        extra["max_steps"] = opts.max_steps
    if opts.freeze_n_layers:
        extra["camadas congeladas"] = opts.freeze_n_layers
    folder = out / ("modelo" if not opts.freeze_n_layers else f"modelo_congelado_{opts.freeze_n_layers}")
    artifacts.save_classifier(folder, model, tokenizer, record, **extra)

    headline = {
        "F1 macro validação (sem pesos)": round(val_metrics["sem pesos"]["f1_macro"], 3) if "sem pesos" in runs else None,
        "F1 macro validação (com pesos)": round(val_metrics["com pesos"]["f1_macro"], 3) if "com pesos" in runs else None,
        "receita escolhida": choice,
        "F1 macro (teste)": round(test_metrics["f1_macro"], 3),
        "acurácia (teste)": round(test_metrics["accuracy"], 3),
        "F1 macro do chute majoritário": round(baseline["f1_macro"], 3),
        "treino (s)": round(runs[choice]["segundos"], 1),
    }
    if distributed.is_main():
        write_json(out / "metricas.json", {
            "comando": "finetune", "opções": vars(opts), "modelo pedido": opts.model_name,
            "modelo usado": resolved.standin or resolved.path, "substituto": resolved.substituted,
            "receita": record["receita"], "dados": record["dados"], "exemplos": {k: len(v) for k, v in dataset.splits.items()},
            "receita escolhida": choice, "intervalos na validação (com − sem pesos)": intervals,
            "validação": val_metrics, "teste": test_metrics, "exemplos avaliados no teste": int(len(y_test)),
            "chute majoritário (teste)": baseline, "distribuído": runs[choice]["distribuído"],
            "treino (s)": {k: r["segundos"] for k, r in runs.items()}, "pasta do modelo": str(folder)})
        metrics.per_class_table(test_metrics, dataset.labels).to_csv(out / "por_classe.csv")
        trunc_report.to_csv(out / "tokenizacao.csv")
        for name, run in runs.items():
            history = training.history_frame(run["trainer"].state.log_history)
            history.to_csv(out / f"historico_{name.replace(' ', '_')}.csv")
            if name == choice:
                history.to_csv(out / "historico.csv")
        _finish(out, "02_bertimbau", headline)
    distributed.barrier()
    return headline


# --------------------------------------------------------------------------- distill (notebook 04)

def require_optuna():
    """Importa o Optuna ou para com a instalação em português (ele é opcional: extra ``busca``)."""
    try:
        import optuna
    except ImportError:
        raise SystemExit("erro: --search usa o Optuna, que não está instalado. Instale com\n"
                         "    pip install -e \".[busca]\"      (na pasta do repositório; ou: pip install optuna)\n"
                         "e rode de novo.") from None
    return optuna


def search_space(max_epochs: int | None):
    """O espaço da busca: α_soft em [0,1; 0,9] (α_hard = 1 − α_soft), T em [1; 8] (escala log) e as épocas."""
    def space(trial):
        alpha = trial.suggest_float("alpha_soft", 0.1, 0.9)
        params = {"alpha_soft": alpha, "alpha_hard": 1.0 - alpha,
                  "temperature": trial.suggest_float("temperature", 1.0, 8.0, log=True)}
        if max_epochs:
            params["num_train_epochs"] = trial.suggest_int("num_train_epochs", 1, max_epochs)
        return params

    return space


def run_search(n_trials, opts, student_init, teacher, tokenizer, train_data, validation, compute_metrics, layer_map,
               student_args, out):
    """``Trainer.hyperparameter_search`` (Optuna, amostrador TPE com a semente) pelo F1 macro da validação.

    Devolve ``(melhores, tabela)``: os valores escolhidos e uma linha por tentativa. O teste não entra.
    """
    import pandas as pd

    from . import distill, distributed

    optuna = require_optuna()
    storage = optuna.storages.InMemoryStorage()
    trainer = distill.make_distillation_trainer(
        student_init, teacher, tokenizer, train_data, validation, output_dir=str(out / "busca"),
        hidden_loss=opts.hidden_loss, alpha_hidden=opts.alpha_hidden, layer_map=layer_map,
        compute_metrics=compute_metrics, model_init=lambda: copy.deepcopy(student_init), eval_strategy="no",
        **student_args)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    best = trainer.hyperparameter_search(
        hp_space=search_space(None if opts.max_steps else opts.student_epochs),
        compute_objective=lambda m: m["eval_f1_macro"], n_trials=n_trials, direction="maximize", backend="optuna",
        study_name="destilacao", storage=storage, sampler=optuna.samplers.TPESampler(seed=opts.seed))
    rows = []
    if distributed.is_main():
        for t in optuna.load_study(study_name="destilacao", storage=storage).trials:
            rows.append({"tentativa": t.number, "α_soft": t.params.get("alpha_soft"),
                         "α_hard": 1 - t.params["alpha_soft"] if "alpha_soft" in t.params else None,
                         "T": t.params.get("temperature"),
                         "épocas": t.params.get("num_train_epochs", opts.student_epochs if not opts.max_steps else None),
                         "F1 macro (validação)": t.value, "estado": t.state.name.lower(),
                         "duração (s)": t.duration.total_seconds() if t.duration else None})
    params = distributed.gather(dict(best.hyperparameters) if best is not None else None)[0]
    chosen = {"temperature": params["temperature"], "alpha_soft": params["alpha_soft"],
              "alpha_hard": 1.0 - params["alpha_soft"]}
    if "num_train_epochs" in params:
        chosen["num_train_epochs"] = int(params["num_train_epochs"])
    return chosen, pd.DataFrame(rows).set_index("tentativa") if rows else pd.DataFrame()


def run_distill(opts) -> dict:
    """O notebook 04 (sem as células de conferência); devolve o resumo do notebook."""
    import numpy as np
    import pandas as pd

    from . import artifacts, distill, distributed, hub, measure, metrics, prose, training
    from .env import seed_everything

    processes, per_device, out = _prepare(opts, "destilacao")
    for name in ("alpha_soft", "alpha_hard", "alpha_hidden"):
        if getattr(opts, name) < 0:
            raise SystemExit(f"erro: --{name.replace('_', '-')} precisa ser maior ou igual a zero.")
    if opts.temperature <= 0:
        raise SystemExit("erro: --temperature precisa ser positiva (o notebook 04 usa 2,0).")

    resolved = hub.resolve_model(opts.teacher_model)
    teacher_lr = opts.teacher_lr if opts.teacher_lr is not None else (1e-4 if resolved.substituted else 2e-5)
    student_lr = opts.student_lr if opts.student_lr is not None else 2 * teacher_lr
    teacher_recipe = artifacts.recipe(learning_rate=teacher_lr, num_train_epochs=opts.teacher_epochs,
                                      per_device_train_batch_size=opts.batch_size, max_length=opts.max_length,
                                      seed=opts.seed, class_weights=False)
    _say(f"Processos: {processes} | lote global {opts.batch_size} ({per_device} por processo) | professor: "
         f"{opts.teacher_epochs} épocas, taxa {_g(teacher_lr)} | aluno: {opts.student_epochs} épocas, taxa "
         f"{_g(student_lr)} | saídas em {out}")
    dataset, tokenizer, tokenized, trunc_report = _data_and_tokens(opts, opts.teacher_model)
    plain_metrics = metrics.make_compute_metrics(dataset.labels)
    compute_metrics = counting_metrics(plain_metrics)

    teacher, teacher_info = artifacts.classifier_for(
        opts.teacher_model, dataset, tokenizer, tokenized, teacher_recipe, save_to=out / "professor",
        reuse_from=opts.teacher_from, compute_metrics=compute_metrics,
        training_kwargs={"per_device_train_batch_size": per_device, "disable_tqdm": opts.no_progress,
                         **_runtime_kwargs()})

    y_test = np.asarray(tokenized["test"]["label"])
    test_predictions = {}

    def scores(name, trainer):
        y_true, y_pred = metrics.predictions_on(trainer, tokenized["test"])
        test_predictions[name] = y_pred
        test = metrics.classification_metrics(y_pred, y_true, dataset.labels)
        validation = metrics.scores_on(trainer, tokenized["validation"], dataset.labels)
        return {"acurácia": test["accuracy"], "F1 macro": test["f1_macro"],
                "F1 macro (validação)": validation["F1 macro"], "_teste": test}

    def evaluation_trainer(model):
        return training.make_trainer(model, tokenizer, tokenized["train"], output_dir=str(out / "avaliacao"),
                                     **_runtime_kwargs())

    teacher_scores = scores("professor", evaluation_trainer(teacher))
    n_teacher_layers = teacher.config.num_hidden_layers
    layers = tuple(opts.student_layers) if opts.student_layers else distill.spread_layers(n_teacher_layers)
    layer_map = distill.uniform_layer_map(len(layers), n_teacher_layers)
    student_init = distill.init_student_from_teacher(teacher, layers)
    _say(f"Aluno: camadas {layers} do professor ({len(layers)} de {n_teacher_layers}).")
    train_with_logits = distill.add_teacher_logits(teacher, tokenized["train"], tokenizer)
    student_seed = opts.student_seed if opts.student_seed is not None else opts.seed
    student_args = dict(learning_rate=student_lr, num_train_epochs=opts.student_epochs,
                        **{**_common_kwargs(opts, per_device), "seed": student_seed})
    loss = dict(temperature=opts.temperature, alpha_soft=opts.alpha_soft, alpha_hard=opts.alpha_hard)

    trials = None
    if opts.search:
        _say(f"\nBusca: {opts.search} tentativas, pelo F1 macro da validação (o teste fica de fora).")
        chosen, trials = run_search(opts.search, opts, student_init, teacher, tokenizer, train_with_logits,
                                    tokenized["validation"], plain_metrics, layer_map, student_args, out)
        if distributed.is_main():
            _say(trials.round(4).to_string())
        loss = {k: chosen[k] for k in ("temperature", "alpha_soft", "alpha_hard")}
        if "num_train_epochs" in chosen:
            student_args["num_train_epochs"] = chosen["num_train_epochs"]
        _say(f"Escolhida na validação: T = {_g(loss['temperature'])}, α_soft = {_g(loss['alpha_soft'])}, "
             f"α_hard = {_g(loss['alpha_hard'])}, {student_args['num_train_epochs']} épocas.")

    _say("\nAluno destilado:")
    seed_everything(student_seed)
    student = copy.deepcopy(student_init)
    distil_trainer = distill.make_distillation_trainer(
        student, teacher, tokenizer, train_with_logits, output_dir=str(out / "aluno_destilado"),
        alpha_hidden=opts.alpha_hidden, hidden_loss=opts.hidden_loss, layer_map=layer_map, **loss, **student_args)
    seen = count_training_inputs(distil_trainer)
    start = time.perf_counter()
    distil_trainer.train()
    distil_seconds = time.perf_counter() - start
    report = distribution_report(distil_trainer, seen, opts.batch_size)
    terms = distill.loss_terms_frame(distil_trainer.state.log_history)
    student_scores = scores("aluno destilado", distil_trainer)

    _say("\nAluno só com rótulos (o mesmo início, a mesma receita):")
    seed_everything(student_seed)
    labels_only = copy.deepcopy(student_init)
    labels_only_trainer = training.make_trainer(labels_only, tokenizer, tokenized["train"],
                                                output_dir=str(out / "aluno_rotulos"), **student_args)
    labels_only_trainer.train()
    labels_only_scores = scores("aluno só com rótulos", labels_only_trainer)

    ablation = sweep = None
    if opts.run_ablation:
        ablation, sweep = run_ablation(opts, student_init, teacher, tokenizer, train_with_logits, tokenized,
                                       layer_map, student_args, out, dataset.num_labels)

    def f1_macro(y_true, y_pred):
        return metrics.macro_f1(y_true, y_pred, dataset.num_labels)

    def paired(a, b):
        return prose.paired_bootstrap(y_test, test_predictions[a], test_predictions[b], f1_macro,
                                      n=opts.bootstrap_samples, seed=opts.seed)

    ci_vs_labels = paired("aluno destilado", "aluno só com rótulos")
    efficiency = None
    speedup_32 = None
    if opts.latency_repeats > 0 and distributed.is_main():
        efficiency = measure.efficiency_table({"professor": teacher, "aluno": student}, tokenizer,
                                              dataset["test"]["text"][:32], batch_sizes=(1, 32),
                                              repeats=opts.latency_repeats, threads=opts.latency_threads,
                                              max_length=opts.max_length)
        speedup_32 = float(efficiency.loc["professor", "lote 32 (ms)"] / efficiency.loc["aluno", "lote 32 (ms)"])
    retention = student_scores["F1 macro"] / teacher_scores["F1 macro"]

    student_record = artifacts.make_record(f"aluno de {opts.teacher_model}, camadas {list(layers)}", dataset,
                                           **teacher_recipe, student_epochs=student_args["num_train_epochs"],
                                           student_lr=student_lr, **loss, alpha_hidden=opts.alpha_hidden,
                                           hidden_loss=opts.hidden_loss)
    extra = {"treino (s)": distil_seconds, "processos": processes}
    if opts.max_steps:
        extra["max_steps"] = opts.max_steps
    artifacts.save_classifier(out / "aluno", student, tokenizer, student_record, **extra)

    headline = {
        "retenção do F1 do professor (teste)": round(float(retention), 3),
        "retenção do F1 do professor (validação, usada na escolha)": round(student_scores["F1 macro (validação)"]
                                                         / teacher_scores["F1 macro (validação)"], 3),
        "aceleração na CPU, lote 32 (×)": round(speedup_32, 2) if speedup_32 is not None else None,
        "F1 macro professor": round(teacher_scores["F1 macro"], 3),
        "F1 macro aluno destilado": round(student_scores["F1 macro"], 3),
        "F1 macro aluno só com rótulos": round(labels_only_scores["F1 macro"], 3),
        "destilado − só com rótulos (F1, teste)": round(ci_vs_labels["diff"], 3),
    }
    if distributed.is_main():
        rows = {"professor": teacher_scores, "aluno destilado": student_scores,
                "aluno só com rótulos": labels_only_scores}
        comparison = pd.DataFrame({k: {m: v for m, v in s.items() if not m.startswith("_")} for k, s in rows.items()}).T
        if efficiency is not None:
            arch = {"professor": "professor", "aluno destilado": "aluno", "aluno só com rótulos": "aluno"}
            for column in efficiency.columns:
                comparison[column] = [efficiency.loc[arch[k], column] for k in comparison.index]
        comparison.to_csv(out / "comparacao.csv")
        metrics.per_class_table(student_scores["_teste"], dataset.labels).to_csv(out / "por_classe.csv")
        history = training.history_frame(distil_trainer.state.log_history)
        terms.join(history.drop(columns=["perda treino"], errors="ignore"), how="outer").to_csv(out / "historico.csv")
        trunc_report.to_csv(out / "tokenizacao.csv")
        if trials is not None:
            trials.to_csv(out / "busca.csv")
        if ablation is not None:
            ablation.to_csv(out / "ablacao.csv")
            sweep.to_csv(out / "varredura.csv")
        write_json(out / "metricas.json", {
            "comando": "distill", "opções": vars(opts), "professor pedido": opts.teacher_model,
            "professor usado": resolved.standin or resolved.path, "substituto": resolved.substituted,
            "professor reaproveitado": bool(teacher_info["reaproveitado"]), "pasta do professor": teacher_info["pasta"],
            "camadas do aluno": list(layers), "perda": {**loss, "alpha_hidden": opts.alpha_hidden,
                                                        "hidden_loss": opts.hidden_loss},
            "épocas do aluno": student_args["num_train_epochs"], "taxa do aluno": student_lr,
            "exemplos": {k: len(v) for k, v in dataset.splits.items()}, "exemplos avaliados no teste": int(len(y_test)),
            "teste": {k: s["_teste"] for k, s in rows.items()},
            "F1 macro (validação)": {k: s["F1 macro (validação)"] for k, s in rows.items()},
            "intervalo destilado − só com rótulos (teste)": ci_vs_labels,
            "busca": None if trials is None else {"tentativas": len(trials), "escolha": loss,
                                                  "épocas": student_args["num_train_epochs"]},
            "distribuído": report, "pasta do aluno": str(out / "aluno")})
        _finish(out, "04_destilacao", headline)
    distributed.barrier()
    return headline


def run_ablation(opts, student_init, teacher, tokenizer, train_data, tokenized, layer_map, student_args, out,
                 num_labels):
    """A seção 11 do notebook 04: ablação dos três termos e varredura de T, treinos curtos, F1 na validação."""
    import numpy as np
    import pandas as pd

    from . import distill, metrics
    from .env import seed_everything

    y_val = np.asarray(tokenized["validation"]["label"])

    def short(temperature, alpha_soft, alpha_hard, alpha_hidden):
        seed_everything(opts.seed)
        trainer = distill.make_distillation_trainer(
            copy.deepcopy(student_init), teacher, tokenizer, train_data, output_dir=str(out / "curto"),
            temperature=temperature, alpha_soft=alpha_soft, alpha_hard=alpha_hard, alpha_hidden=alpha_hidden,
            hidden_loss=opts.hidden_loss, layer_map=layer_map,
            **{**student_args, "max_steps": opts.short_steps, "lr_scheduler_type": "constant", "disable_tqdm": True})
        trainer.train()
        return metrics.macro_f1(y_val, metrics.predictions_on(trainer, tokenized["validation"])[1], num_labels)

    full = dict(alpha_soft=opts.alpha_soft, alpha_hard=opts.alpha_hard, alpha_hidden=opts.ablation_alpha_hidden)
    variants = {"três termos": full, "sem soft": {**full, "alpha_soft": 0.0}, "sem hard": {**full, "alpha_hard": 0.0},
                "sem hidden": {**full, "alpha_hidden": 0.0}}
    _say(f"\nAblação: {len(variants)} treinos de {opts.short_steps} passos, F1 macro na validação.")
    ablation = pd.Series({name: short(opts.temperature, **a) for name, a in variants.items()},
                         name="F1 macro (validação)")
    sweep = pd.Series({T: (ablation["sem hidden"] if T == opts.temperature else
                           short(T, opts.alpha_soft, opts.alpha_hard, 0.0)) for T in opts.sweep_temperatures},
                      name="F1 macro (validação)").rename_axis("T")
    _say(ablation.round(3).to_string())
    _say(sweep.round(3).to_string())
    return ablation, sweep


# --------------------------------------------------------------------------- entrada

def _threads_per_process():
    """Na CPU com vários processos, divide os núcleos entre eles (sem isso, cada um usaria todos)."""
    import torch

    local = int(os.environ.get("LOCAL_WORLD_SIZE", os.environ.get("WORLD_SIZE", "1")))
    if local > 1 and not torch.cuda.is_available() and "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // local))


def main(argv=None) -> int:
    """``python -m helpers.experiments {finetune,distill} ...`` (e o comando ``variantes-bert``)."""
    opts = build_parser().parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from . import distributed
    from .env import library_versions

    if distributed.lone_cpu_launch():
        n = distributed.requested_processes()
        if not n or n < 2:
            raise SystemExit(
                "erro: o accelerate iniciou UM processo só, e não deu para saber quantos você pediu. Na CPU, o "
                "`accelerate launch --cpu --num_processes N` só inicia vários processos pelo mpirun "
                "(--mpirun_hostfile); sem ele, roda o comando uma vez. Numa máquina só, sem GPU, use um destes "
                "(os dois usam o gloo):\n"
                "    accelerate launch --multi_gpu --num_processes 2 -m helpers.experiments ...\n"
                "    torchrun --nproc-per-node 2 -m helpers.experiments ...\n"
                "Para um processo só, rode sem o accelerate: python -m helpers.experiments ...")
        args = list(sys.argv[1:] if argv is None else argv)
        print(f"O accelerate iniciou um processo só na CPU (sem mpirun, é o que ele faz com --cpu); este comando "
              f"inicia os {n} processos pedidos com o torch.distributed.run (o torchrun), com o gloo.", flush=True)
        return subprocess.call(distributed.relaunch_command(n, "helpers.experiments", args))
    distributed.start()
    _threads_per_process()
    quiet = open(os.devnull, "w") if not distributed.is_main() else None  # só o principal imprime
    try:
        with redirect_stdout(quiet) if quiet else nullcontext():
            from transformers.utils import logging as hf_logging

            from .env import decimal_comma_tables

            hf_logging.set_verbosity_error()
            decimal_comma_tables()  # as tabelas impressas com vírgula decimal, como nos notebooks; os CSV ficam com ponto
            _say("Versões: " + " | ".join(f"{k} {v}" for k, v in library_versions().items()))
            run = run_finetune if opts.command == "finetune" else run_distill
            run(opts)
    finally:
        if quiet:
            quiet.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
