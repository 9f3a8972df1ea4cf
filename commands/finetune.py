"""O comando ``finetune``: o notebook 02 em escala (``python -m commands.experiments finetune``)."""

from __future__ import annotations

import time

from .experiments import (
    _common_kwargs,
    _data_and_tokens,
    _finish,
    _g,
    _prepare,
    _say,
    count_training_inputs,
    counting_metrics,
    distribution_report,
    write_json,
)

# --------------------------------------------------------------------------- finetune (notebook 02)

RECIPES = {"plain": "sem pesos", "weighted": "com pesos"}  # os nomes mostrados, como no notebook 02

# o rótulo impresso de cada chave do resumo (resumo.json), como na tabela de destaque do notebook 02
SUMMARY_LABELS = {
    "plain_validation_f1_macro": "F1 macro validação (sem pesos)",
    "weighted_validation_f1_macro": "F1 macro validação (com pesos)",
    "chosen_recipe": "receita escolhida",
    "test_f1_macro": "F1 macro (teste)",
    "test_accuracy": "acurácia (teste)",
    "majority_test_f1_macro": "F1 macro do chute majoritário",
    "train_seconds": "treino (s)",
}


def run_finetune(opts) -> dict:
    """O notebook 02 de ponta a ponta; devolve o resumo (``resumo.json``: os números da tabela de destaque
    do notebook, com chaves em inglês; :data:`SUMMARY_LABELS` dá o rótulo de cada uma)."""
    import numpy as np
    import pandas as pd
    from sklearn.metrics import f1_score, recall_score
    from transformers import AutoModelForSequenceClassification

    from helpers import artifacts, hub, inference, lesson02, metrics, prose, training
    from . import distributed
    from helpers.env import seed_everything

    processes, per_device, out = _prepare(opts, "finetune")
    seed_everything(opts.seed)
    resolved = hub.resolve_model(opts.model_name)
    lr = opts.learning_rate or (1e-4 if resolved.substituted else 2e-5)
    _say(
        f"Processos: {processes} | lote global {opts.batch_size} ({per_device} por processo) | taxa {_g(lr)} | "
        f"saídas em {out}"
    )
    dataset, tokenizer, tokenized, trunc_report = _data_and_tokens(opts, opts.model_name)
    weights = training.class_weights(dataset["train"]["label"], dataset.num_labels)
    compute_metrics = counting_metrics(metrics.make_compute_metrics(dataset.labels))

    def new_model():
        seed_everything(opts.seed)
        model = hub.load_model(
            opts.model_name,
            AutoModelForSequenceClassification,
            num_labels=dataset.num_labels,
            id2label=dataset.id2label,
            label2id=dataset.label2id,
        )
        if opts.freeze_n_layers:
            training.freeze_layers(model, opts.freeze_n_layers)
        return model

    names = {"auto": ["plain", "weighted"], "sim": ["weighted"], "nao": ["plain"]}[
        opts.class_weights
    ]
    runs = {}
    for name in names:
        _say(f"\nTreino {RECIPES[name]}:")
        model = new_model()
        # a receita do notebook 02 (lesson02.make_trainer), com o que vários processos pedem a mais
        trainer = distributed.adapt_trainer(
            lesson02.make_trainer(
                model,
                tokenizer,
                tokenized["train"],
                tokenized["validation"],
                output_dir=str(out / "treino"),
                class_weights=weights if name == "weighted" else None,
                compute_metrics=compute_metrics,
                learning_rate=lr,
                num_train_epochs=opts.num_epochs,
                **_common_kwargs(opts, per_device),
                **distributed.training_kwargs(),
            )
        )
        seen = count_training_inputs(trainer)
        start = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - start
        _say(f"Treino {RECIPES[name]}: {seconds:.0f} s")
        runs[name] = {
            "model": model,
            "trainer": trainer,
            "seconds": seconds,
            "distributed": distribution_report(trainer, seen, opts.batch_size),
        }

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
        val_pred[name] = distributed.sharded(
            inference.predict_proba,
            list(dataset["validation"]["text"]),
            run["model"],
            tokenizer,
            max_length=opts.max_length,
        ).argmax(axis=1)
        val_metrics[name] = metrics.classification_metrics(val_pred[name], y_val, dataset.labels)
    intervals = {}
    if len(runs) == 2:
        intervals["f1_macro"] = prose.paired_bootstrap(
            y_val, val_pred["weighted"], val_pred["plain"], f1_macro
        )
        intervals["rare_class_recall"] = prose.paired_bootstrap(
            y_val, val_pred["weighted"], val_pred["plain"], recall_rare
        )
        use_weights = intervals["f1_macro"]["low"] > 0
    else:
        use_weights = names == ["weighted"]
    choice = "weighted" if use_weights else "plain"
    model, trainer = runs[choice]["model"], runs[choice]["trainer"]
    why = (
        "escolhida na validação (intervalo pareado do F1 macro, com pesos − sem pesos, "
        f"{prose.interval(intervals['f1_macro'])})"
        if intervals
        else "pedida em --class-weights"
    )
    _say(f"\nReceita: {RECIPES[choice]}, {why}.")

    # o teste, uma vez, com o modelo escolhido
    y_test = np.asarray(dataset["test"]["label"])
    test_probs = distributed.sharded(
        inference.predict_proba,
        list(dataset["test"]["text"]),
        model,
        tokenizer,
        max_length=opts.max_length,
    )
    test_metrics = metrics.classification_metrics(test_probs.argmax(axis=1), y_test, dataset.labels)
    baseline = metrics.majority_baseline(
        dataset["train"]["label"], dataset["test"]["label"], dataset.labels
    )

    record = artifacts.make_record(
        opts.model_name,
        dataset,
        **artifacts.recipe(
            learning_rate=lr,
            num_train_epochs=opts.num_epochs,
            per_device_train_batch_size=opts.batch_size,
            max_length=opts.max_length,
            seed=opts.seed,
            class_weights=use_weights,
        ),
    )
    extra = {"train_seconds": runs[choice]["seconds"], "processes": processes}
    if opts.max_steps:
        extra["max_steps"] = opts.max_steps
    if opts.freeze_n_layers:
        extra["frozen_layers"] = opts.freeze_n_layers
    folder = out / (
        "modelo" if not opts.freeze_n_layers else f"modelo_congelado_{opts.freeze_n_layers}"
    )
    if distributed.is_main():  # só o principal grava; os outros esperam a pasta ficar pronta
        artifacts.save_classifier(folder, model, tokenizer, record, **extra)
    distributed.barrier()

    summary = {
        f"{name}_validation_f1_macro": round(val_metrics[name]["f1_macro"], 3)
        if name in runs
        else None
        for name in RECIPES
    }
    summary.update(
        chosen_recipe=choice,
        test_f1_macro=round(test_metrics["f1_macro"], 3),
        test_accuracy=round(test_metrics["accuracy"], 3),
        majority_test_f1_macro=round(baseline["f1_macro"], 3),
        train_seconds=round(runs[choice]["seconds"], 1),
    )
    if distributed.is_main():
        write_json(
            out / "metricas.json",
            {
                "command": "finetune",
                "options": vars(opts),
                "requested_model": opts.model_name,
                "used_model": resolved.standin or resolved.path,
                "substituted": resolved.substituted,
                "recipe": record["recipe"],
                "data": record["data"],
                "examples": {k: len(v) for k, v in dataset.splits.items()},
                "chosen_recipe": choice,
                "rare_class": rare,
                "validation_intervals_weighted_minus_plain": intervals,
                "validation": val_metrics,
                "test": test_metrics,
                "test_examples_evaluated": int(len(y_test)),
                "majority_test": baseline,
                "distributed": runs[choice]["distributed"],
                "train_seconds": {k: r["seconds"] for k, r in runs.items()},
                "model_folder": str(folder),
            },
        )
        metrics.per_class_table(test_metrics, dataset.labels).to_csv(out / "por_classe.csv")
        trunc_report.to_csv(out / "tokenizacao.csv")
        for name, run in runs.items():
            history = training.history_frame(run["trainer"].state.log_history)
            history.to_csv(out / f"historico_{RECIPES[name].replace(' ', '_')}.csv")
            if name == choice:
                history.to_csv(out / "historico.csv")
        _finish(out, summary, SUMMARY_LABELS, shown={"chosen_recipe": RECIPES[choice]})
    distributed.barrier()
    return summary
