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


def run_finetune(opts) -> dict:
    """O notebook 02 de ponta a ponta; devolve o resumo (o mesmo de ``results.headline`` no notebook)."""
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

    names = {"auto": ["sem pesos", "com pesos"], "sim": ["com pesos"], "nao": ["sem pesos"]}[
        opts.class_weights
    ]
    runs = {}
    for name in names:
        _say(f"\nTreino {name}:")
        model = new_model()
        # a receita do notebook 02 (lesson02.make_trainer), com o que vários processos pedem a mais
        trainer = distributed.adapt_trainer(
            lesson02.make_trainer(
                model,
                tokenizer,
                tokenized["train"],
                tokenized["validation"],
                output_dir=str(out / "treino"),
                class_weights=weights if name == "com pesos" else None,
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
        _say(f"Treino {name}: {seconds:.0f} s")
        runs[name] = {
            "model": model,
            "trainer": trainer,
            "seconds": seconds,
            "distribuído": distribution_report(trainer, seen, opts.batch_size),
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
        intervals["F1 macro"] = prose.paired_bootstrap(
            y_val, val_pred["com pesos"], val_pred["sem pesos"], f1_macro
        )
        intervals[f"revocação ({rare})"] = prose.paired_bootstrap(
            y_val, val_pred["com pesos"], val_pred["sem pesos"], recall_rare
        )
        use_weights = intervals["F1 macro"]["low"] > 0
    else:
        use_weights = names == ["com pesos"]
    choice = "com pesos" if use_weights else "sem pesos"
    model, trainer = runs[choice]["model"], runs[choice]["trainer"]
    why = (
        "escolhida na validação (intervalo pareado do F1 macro, com pesos − sem pesos, "
        f"{prose.interval(intervals['F1 macro'])})"
        if intervals
        else "pedida em --class-weights"
    )
    _say(f"\nReceita: {choice}, {why}.")

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
    extra = {"treino (s)": runs[choice]["seconds"], "processos": processes}
    if opts.max_steps:
        extra["max_steps"] = opts.max_steps
    if opts.freeze_n_layers:
        extra["camadas congeladas"] = opts.freeze_n_layers
    folder = out / (
        "modelo" if not opts.freeze_n_layers else f"modelo_congelado_{opts.freeze_n_layers}"
    )
    if distributed.is_main():  # só o principal grava; os outros esperam a pasta ficar pronta
        artifacts.save_classifier(folder, model, tokenizer, record, **extra)
    distributed.barrier()

    headline = {
        "F1 macro validação (sem pesos)": round(val_metrics["sem pesos"]["f1_macro"], 3)
        if "sem pesos" in runs
        else None,
        "F1 macro validação (com pesos)": round(val_metrics["com pesos"]["f1_macro"], 3)
        if "com pesos" in runs
        else None,
        "receita escolhida": choice,
        "F1 macro (teste)": round(test_metrics["f1_macro"], 3),
        "acurácia (teste)": round(test_metrics["accuracy"], 3),
        "F1 macro do chute majoritário": round(baseline["f1_macro"], 3),
        "treino (s)": round(runs[choice]["seconds"], 1),
    }
    if distributed.is_main():
        write_json(
            out / "metricas.json",
            {
                "comando": "finetune",
                "opções": vars(opts),
                "modelo pedido": opts.model_name,
                "modelo usado": resolved.standin or resolved.path,
                "substituto": resolved.substituted,
                "receita": record["receita"],
                "dados": record["dados"],
                "exemplos": {k: len(v) for k, v in dataset.splits.items()},
                "receita escolhida": choice,
                "intervalos na validação (com − sem pesos)": intervals,
                "validação": val_metrics,
                "teste": test_metrics,
                "exemplos avaliados no teste": int(len(y_test)),
                "chute majoritário (teste)": baseline,
                "distribuído": runs[choice]["distribuído"],
                "treino (s)": {k: r["seconds"] for k, r in runs.items()},
                "pasta do modelo": str(folder),
            },
        )
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
