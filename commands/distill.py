"""O comando ``distill``: o notebook 04 em escala (``python -m commands.experiments distill``).

A perda e o ``Trainer`` são os do notebook 04 (``helpers.lesson04``, gerado das células ``# @save``): o
comando não tem cópia deles. O que só a busca do Optuna precisa fica em :class:`SearchableDistillationTrainer`.
"""

from __future__ import annotations

import copy
import time

from .experiments import (
    _common_kwargs,
    _data_and_tokens,
    _finish,
    _g,
    _prepare,
    _runtime_kwargs,
    _say,
    count_training_inputs,
    counting_metrics,
    distribution_report,
    write_json,
)

# --------------------------------------------------------------------------- distill (notebook 04)

# os nomes mostrados dos três modelos que o comando compara
MODELS = {
    "teacher": "professor",
    "distilled_student": "aluno destilado",
    "labels_only_student": "aluno só com rótulos",
}

# o rótulo impresso de cada chave do resumo (resumo.json), como na tabela de destaque do notebook 04
SUMMARY_LABELS = {
    "test_f1_retention": "retenção do F1 do professor (teste)",
    "validation_f1_retention": "retenção do F1 do professor (validação)",
    "cpu_speedup_batch_32": "aceleração na CPU, lote 32 (×)",
    "teacher_test_f1_macro": "F1 macro professor",
    "distilled_student_test_f1_macro": "F1 macro aluno destilado",
    "labels_only_student_test_f1_macro": "F1 macro aluno só com rótulos",
    "distilled_minus_labels_only_test_f1_macro": "destilado − só com rótulos (F1, teste)",
}

# as colunas de uma tentativa da busca, como são impressas e gravadas em busca.csv (os CSV são tabelas
# para ler, com os rótulos em português; os JSON são os dados, com as chaves em inglês)
TRIAL_LABELS = {
    "alpha_soft": "α_soft",
    "alpha_hard": "α_hard",
    "temperature": "T",
    "epochs": "épocas",
    "validation_f1_macro": "F1 macro (validação)",
    "state": "estado",
    "duration_seconds": "duração (s)",
}

# as medidas de cada modelo, como são gravadas em comparacao.csv
COMPARISON_LABELS = {
    "test_accuracy": "acurácia",
    "test_f1_macro": "F1 macro",
    "validation_f1_macro": "F1 macro (validação)",
}

# as variantes da ablação (seção 11 do notebook 04), como são impressas e gravadas em ablacao.csv
ABLATION_LABELS = {
    "all_terms": "três termos",
    "no_soft": "sem soft",
    "no_hard": "sem hard",
    "no_hidden": "sem hidden",
}


def _searchable_trainer_class():
    """A subclasse do ``DistillationTrainer`` do notebook 04 que a busca do Optuna usa (importa o gerado na hora)."""
    from helpers import lesson04

    class SearchableDistillationTrainer(lesson04.DistillationTrainer):
        """O ``DistillationTrainer`` do notebook 04 em que uma tentativa da busca muda T e os α."""

        SEARCHABLE = ("temperature", "alpha_soft", "alpha_hard", "alpha_hidden")

        def _hp_search_setup(self, trial):
            """Aplica T e os α sorteados; o resto (épocas...) vai para os ``TrainingArguments``."""
            if self.hp_search_backend is None or trial is None:
                return super()._hp_search_setup(trial)
            space = self.hp_space
            params = (
                dict(space(trial))
                if callable(space) and not isinstance(trial, dict)
                else dict(trial)
            )
            own = {k: float(params.pop(k)) for k in self.SEARCHABLE if k in params}
            if (
                own.get("temperature", self.temperature) <= 0
                or min(own.get(k, 0.0) for k in self.SEARCHABLE[1:]) < 0
            ):
                raise ValueError(f"A busca sorteou valores inválidos: {own} (T > 0 e α ≥ 0).")
            self.hp_space = lambda _trial: params  # só os TrainingArguments seguem para o Trainer
            try:
                super()._hp_search_setup(trial)
            finally:
                self.hp_space = space
            for key, value in own.items():
                setattr(self, key, value)

    return SearchableDistillationTrainer


def shown_trials(trials):
    """A tabela das tentativas da busca com os rótulos em português (para imprimir e para ``busca.csv``)."""
    return trials.rename(columns=TRIAL_LABELS).rename_axis("tentativa")


def shown_ablation(series):
    """A ablação (ou a varredura de T) com os rótulos em português (para imprimir e para os CSV)."""
    axis = {"variant": "variante", "temperature": "T"}[series.index.name]
    return (
        series.rename(index=ABLATION_LABELS)
        .rename(TRIAL_LABELS["validation_f1_macro"])
        .rename_axis(axis)
    )


def recipe_trainer(model, tokenizer, train_dataset, output_dir, **training_kwargs):
    """``lesson02.make_trainer`` (a receita do notebook 02) com o que vários processos pedem a mais."""
    from helpers import lesson02

    from . import distributed

    return distributed.adapt_trainer(
        lesson02.make_trainer(
            model,
            tokenizer,
            train_dataset,
            output_dir=str(output_dir),
            **training_kwargs,
            **distributed.training_kwargs(),
        )
    )


def distillation_trainer(
    student, teacher, tokenizer, train_dataset, output_dir, loss_options, **training_kwargs
):
    """O ``DistillationTrainer`` do notebook 04 com a receita do 02 (``lesson04.make_distillation_trainer``)."""
    from helpers import lesson04

    from . import distributed

    recipe = recipe_trainer(student, tokenizer, train_dataset, output_dir, **training_kwargs)
    return distributed.adapt_trainer(
        lesson04.make_distillation_trainer(recipe, teacher, **loss_options)
    )


def batch_loss(trainer, batch) -> float:
    """A perda que ``trainer`` (um ``DistillationTrainer``) calcula num lote, sem treinar: o que um passo otimiza."""
    import torch

    with torch.no_grad():
        return float(trainer.compute_loss(trainer.model, dict(batch)))


def require_optuna():
    """Importa o Optuna ou para com a instalação em português (ele é opcional: extra ``busca``)."""
    try:
        import optuna
    except ImportError:
        raise SystemExit(
            "erro: --search usa o Optuna, que não está instalado. Instale com\n"
            '    pip install -e ".[busca]"      (na pasta do repositório; ou: pip install optuna)\n'
            "e rode de novo."
        ) from None
    return optuna


def search_space(max_epochs: int | None):
    """O espaço da busca: α_soft em [0,1; 0,9] (α_hard = 1 − α_soft), T em [1; 8] (escala log) e as épocas."""

    def space(trial):
        alpha = trial.suggest_float("alpha_soft", 0.1, 0.9)
        params = {
            "alpha_soft": alpha,
            "alpha_hard": 1.0 - alpha,
            "temperature": trial.suggest_float("temperature", 1.0, 8.0, log=True),
        }
        if max_epochs:
            params["num_train_epochs"] = trial.suggest_int("num_train_epochs", 1, max_epochs)
        return params

    return space


def run_search(
    n_trials,
    opts,
    student_init,
    teacher,
    tokenizer,
    train_data,
    validation,
    compute_metrics,
    layer_map,
    student_args,
    out,
):
    """``Trainer.hyperparameter_search`` (Optuna, amostrador TPE com a semente) pelo F1 macro da validação.

    Devolve ``(melhores, tabela)``: os valores escolhidos e uma linha por tentativa (colunas em inglês,
    :data:`TRIAL_LABELS` dá os rótulos impressos). O teste não entra.
    """
    import pandas as pd

    from . import distributed

    optuna = require_optuna()
    storage = optuna.storages.InMemoryStorage()
    recipe = recipe_trainer(
        copy.deepcopy(student_init),
        tokenizer,
        train_data,
        out / "busca",
        eval_strategy="no",
        **student_args,
    )
    searchable = _searchable_trainer_class()
    trainer = distributed.adapt_trainer(
        searchable(
            model_init=lambda: copy.deepcopy(student_init),
            args=recipe.args,
            train_dataset=train_data,
            eval_dataset=validation,
            data_collator=recipe.data_collator,
            processing_class=tokenizer,
            compute_metrics=compute_metrics,
            teacher=teacher,
            hidden_loss=opts.hidden_loss,
            alpha_hidden=opts.alpha_hidden,
            layer_map=layer_map,
        )
    )
    trainer.callback_handler.callbacks = (
        recipe.callback_handler.callbacks
    )  # o progresso em português
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    best = trainer.hyperparameter_search(
        hp_space=search_space(None if opts.max_steps else opts.student_epochs),
        compute_objective=lambda m: m["eval_f1_macro"],
        n_trials=n_trials,
        direction="maximize",
        backend="optuna",
        study_name="destilacao",
        storage=storage,
        sampler=optuna.samplers.TPESampler(seed=opts.seed),
    )
    rows = []
    if distributed.is_main():
        for t in optuna.load_study(study_name="destilacao", storage=storage).trials:
            rows.append(
                {
                    "trial": t.number,
                    "alpha_soft": t.params.get("alpha_soft"),
                    "alpha_hard": 1 - t.params["alpha_soft"] if "alpha_soft" in t.params else None,
                    "temperature": t.params.get("temperature"),
                    "epochs": t.params.get(
                        "num_train_epochs", opts.student_epochs if not opts.max_steps else None
                    ),
                    "validation_f1_macro": t.value,
                    "state": t.state.name.lower(),
                    "duration_seconds": t.duration.total_seconds() if t.duration else None,
                }
            )
    params = distributed.gather(dict(best.hyperparameters) if best is not None else None)[0]
    chosen = {
        "temperature": params["temperature"],
        "alpha_soft": params["alpha_soft"],
        "alpha_hard": 1.0 - params["alpha_soft"],
    }
    if "num_train_epochs" in params:
        chosen["num_train_epochs"] = int(params["num_train_epochs"])
    return chosen, pd.DataFrame(rows).set_index("trial") if rows else pd.DataFrame()


def teacher_for(
    opts, dataset, tokenizer, tokenized, teacher_recipe, out, compute_metrics, per_device
):
    """O professor (``artifacts.classifier_for``, a receita do 02), gravado só pelo processo principal.

    Com vários processos, os outros procuram o mesmo professor (também na pasta do principal) e gravam o
    seu numa pasta temporária, descartada: a pasta ``professor`` é escrita uma vez só.
    """
    import tempfile

    from helpers import artifacts

    from . import distributed

    main = distributed.is_main()
    scratch = None if main else tempfile.TemporaryDirectory(prefix="professor_")
    try:
        teacher, info = artifacts.classifier_for(
            opts.teacher_model,
            dataset,
            tokenizer,
            tokenized,
            teacher_recipe,
            save_to=out / "professor" if main else scratch.name,
            reuse_from=list(opts.teacher_from) + ([] if main else [out / "professor"]),
            compute_metrics=compute_metrics,
            trainer_hook=distributed.adapt_trainer,
            training_kwargs={
                "per_device_train_batch_size": per_device,
                "disable_tqdm": opts.no_progress,
                **_runtime_kwargs(),
                **distributed.training_kwargs(),
            },
        )
    finally:
        if scratch is not None:
            scratch.cleanup()
    distributed.barrier()
    if not main:
        info["folder"] = out / "professor"
    return teacher, info


def run_distill(opts) -> dict:
    """O notebook 04 (sem as células de conferência); devolve o resumo do notebook."""
    import numpy as np
    import pandas as pd

    from helpers import artifacts, distill, hub, lesson04, measure, metrics, prose, training
    from . import distributed
    from helpers.env import seed_everything

    processes, per_device, out = _prepare(opts, "destilacao")
    for name in ("alpha_soft", "alpha_hard", "alpha_hidden"):
        if getattr(opts, name) < 0:
            raise SystemExit(f"erro: --{name.replace('_', '-')} precisa ser maior ou igual a zero.")
    if opts.temperature <= 0:
        raise SystemExit("erro: --temperature precisa ser positiva (o notebook 04 usa 2,0).")

    resolved = hub.resolve_model(opts.teacher_model)
    teacher_lr = (
        opts.teacher_lr if opts.teacher_lr is not None else (1e-4 if resolved.substituted else 2e-5)
    )
    student_lr = opts.student_lr if opts.student_lr is not None else 2 * teacher_lr
    teacher_recipe = artifacts.recipe(
        learning_rate=teacher_lr,
        num_train_epochs=opts.teacher_epochs,
        per_device_train_batch_size=opts.batch_size,
        max_length=opts.max_length,
        seed=opts.seed,
        class_weights=False,
    )
    _say(
        f"Processos: {processes} | lote global {opts.batch_size} ({per_device} por processo) | professor: "
        f"{opts.teacher_epochs} épocas, taxa {_g(teacher_lr)} | aluno: {opts.student_epochs} épocas, taxa "
        f"{_g(student_lr)} | saídas em {out}"
    )
    dataset, tokenizer, tokenized, trunc_report = _data_and_tokens(opts, opts.teacher_model)
    plain_metrics = metrics.make_compute_metrics(dataset.labels)
    compute_metrics = counting_metrics(plain_metrics)

    teacher, teacher_info = teacher_for(
        opts, dataset, tokenizer, tokenized, teacher_recipe, out, compute_metrics, per_device
    )

    y_test = np.asarray(tokenized["test"]["label"])
    test_predictions = {}

    def scores(name, trainer):
        y_true, y_pred = distributed.sharded(
            lambda rows: metrics.predictions_on(trainer, rows), tokenized["test"]
        )
        test_predictions[name] = y_pred
        test = metrics.classification_metrics(y_pred, y_true, dataset.labels)
        y_val, val_pred = metrics.predictions_on(trainer, tokenized["validation"])
        validation = metrics.classification_metrics(val_pred, y_val, dataset.labels)
        return {
            "test_accuracy": test["accuracy"],
            "test_f1_macro": test["f1_macro"],
            "validation_f1_macro": validation["f1_macro"],
            "test": test,
        }

    def evaluation_trainer(model):
        return recipe_trainer(
            model, tokenizer, tokenized["train"], out / "avaliacao", **_runtime_kwargs()
        )

    teacher_scores = scores("teacher", evaluation_trainer(teacher))
    n_teacher_layers = teacher.config.num_hidden_layers
    layers = (
        tuple(opts.student_layers)
        if opts.student_layers
        else lesson04.spread_layers(n_teacher_layers)
    )
    layer_map = lesson04.uniform_layer_map(len(layers), n_teacher_layers)
    student_init = lesson04.init_student_from_teacher(teacher, layers)
    student_init.config.teacher_layers = list(layers)  # fica salvo no config.json do aluno
    _say(f"Aluno: camadas {layers} do professor ({len(layers)} de {n_teacher_layers}).")
    train_data = tokenized["train"]
    student_seed = opts.student_seed if opts.student_seed is not None else opts.seed
    student_args = dict(
        learning_rate=student_lr,
        num_train_epochs=opts.student_epochs,
        **{**_common_kwargs(opts, per_device), "seed": student_seed},
    )
    loss = dict(
        temperature=opts.temperature, alpha_soft=opts.alpha_soft, alpha_hard=opts.alpha_hard
    )

    trials = None
    if opts.search:
        _say(
            f"\nBusca: {opts.search} tentativas, pelo F1 macro da validação (o teste fica de fora)."
        )
        chosen, trials = run_search(
            opts.search,
            opts,
            student_init,
            teacher,
            tokenizer,
            train_data,
            tokenized["validation"],
            plain_metrics,
            layer_map,
            student_args,
            out,
        )
        if distributed.is_main():
            _say(shown_trials(trials).round(4).to_string())
        loss = {k: chosen[k] for k in ("temperature", "alpha_soft", "alpha_hard")}
        if "num_train_epochs" in chosen:
            student_args["num_train_epochs"] = chosen["num_train_epochs"]
        _say(
            f"Escolhida na validação: T = {_g(loss['temperature'])}, α_soft = {_g(loss['alpha_soft'])}, "
            f"α_hard = {_g(loss['alpha_hard'])}, {student_args['num_train_epochs']} épocas."
        )

    _say("\nAluno destilado:")
    seed_everything(student_seed)
    student = copy.deepcopy(student_init)
    distil_trainer = distillation_trainer(
        student,
        teacher,
        tokenizer,
        train_data,
        out / "aluno_destilado",
        dict(
            alpha_hidden=opts.alpha_hidden,
            hidden_loss=opts.hidden_loss,
            layer_map=layer_map,
            **loss,
        ),
        **student_args,
    )
    seen = count_training_inputs(distil_trainer)
    start = time.perf_counter()
    distil_trainer.train()
    distil_seconds = time.perf_counter() - start
    report = distribution_report(distil_trainer, seen, opts.batch_size)
    terms = distill.loss_terms_frame(distil_trainer.state.log_history)
    student_scores = scores("distilled_student", distil_trainer)

    _say("\nAluno só com rótulos (o mesmo início, a mesma receita):")
    seed_everything(student_seed)
    labels_only = copy.deepcopy(student_init)
    labels_only_trainer = recipe_trainer(
        labels_only, tokenizer, train_data, out / "aluno_rotulos", **student_args
    )
    labels_only_trainer.train()
    labels_only_scores = scores("labels_only_student", labels_only_trainer)

    ablation = sweep = None
    if opts.run_ablation:
        ablation, sweep = run_ablation(
            opts,
            student_init,
            teacher,
            tokenizer,
            train_data,
            tokenized,
            layer_map,
            student_args,
            out,
            dataset.num_labels,
        )

    def f1_macro(y_true, y_pred):
        return metrics.macro_f1(y_true, y_pred, dataset.num_labels)

    def paired(a, b):
        return prose.paired_bootstrap(
            y_test,
            test_predictions[a],
            test_predictions[b],
            f1_macro,
            n=opts.bootstrap_samples,
            seed=opts.seed,
        )

    ci_vs_labels = paired("distilled_student", "labels_only_student")
    efficiency = None
    speedup_32 = None
    if opts.latency_repeats > 0 and distributed.is_main():
        efficiency = measure.efficiency_table(
            {"teacher": teacher, "student": student},
            tokenizer,
            dataset["test"]["text"][:32],
            batch_sizes=(1, 32),
            repeats=opts.latency_repeats,
            threads=opts.latency_threads,
            max_length=opts.max_length,
        )
        speedup_32 = float(
            efficiency.loc["teacher", "lote 32 (ms)"] / efficiency.loc["student", "lote 32 (ms)"]
        )
    retention = student_scores["test_f1_macro"] / teacher_scores["test_f1_macro"]

    student_record = artifacts.make_record(
        f"aluno de {opts.teacher_model}, camadas {list(layers)}",
        dataset,
        **teacher_recipe,
        student_epochs=student_args["num_train_epochs"],
        student_lr=student_lr,
        **loss,
        alpha_hidden=opts.alpha_hidden,
        hidden_loss=opts.hidden_loss,
    )
    extra = {"train_seconds": distil_seconds, "processes": processes}
    if opts.max_steps:
        extra["max_steps"] = opts.max_steps
    if distributed.is_main():
        artifacts.save_classifier(out / "aluno", student, tokenizer, student_record, **extra)
    distributed.barrier()

    summary = {
        "test_f1_retention": round(float(retention), 3),
        "validation_f1_retention": round(
            student_scores["validation_f1_macro"] / teacher_scores["validation_f1_macro"], 3
        ),
        "cpu_speedup_batch_32": round(speedup_32, 2) if speedup_32 is not None else None,
        "teacher_test_f1_macro": round(teacher_scores["test_f1_macro"], 3),
        "distilled_student_test_f1_macro": round(student_scores["test_f1_macro"], 3),
        "labels_only_student_test_f1_macro": round(labels_only_scores["test_f1_macro"], 3),
        "distilled_minus_labels_only_test_f1_macro": round(ci_vs_labels["diff"], 3),
    }
    if distributed.is_main():
        rows = {
            "teacher": teacher_scores,
            "distilled_student": student_scores,
            "labels_only_student": labels_only_scores,
        }
        comparison = pd.DataFrame(
            {k: {m: v for m, v in s.items() if m != "test"} for k, s in rows.items()}
        ).T
        if efficiency is not None:
            arch = {
                "teacher": "teacher",
                "distilled_student": "student",
                "labels_only_student": "student",
            }
            for column in efficiency.columns:
                comparison[column] = [efficiency.loc[arch[k], column] for k in comparison.index]
        comparison.rename(index=MODELS, columns=COMPARISON_LABELS).rename_axis("modelo").to_csv(
            out / "comparacao.csv"
        )
        metrics.per_class_table(student_scores["test"], dataset.labels).to_csv(
            out / "por_classe.csv"
        )
        history = training.history_frame(distil_trainer.state.log_history)
        terms.join(history.drop(columns=["perda treino"], errors="ignore"), how="outer").to_csv(
            out / "historico.csv"
        )
        trunc_report.to_csv(out / "tokenizacao.csv")
        if trials is not None:
            shown_trials(trials).to_csv(out / "busca.csv")
        if ablation is not None:
            for table, name in ((ablation, "ablacao.csv"), (sweep, "varredura.csv")):
                shown_ablation(table).to_csv(out / name)
        write_json(
            out / "metricas.json",
            {
                "command": "distill",
                "options": vars(opts),
                "requested_teacher": opts.teacher_model,
                "used_teacher": resolved.standin or resolved.path,
                "substituted": resolved.substituted,
                "teacher_reused": bool(teacher_info["reused"]),
                "teacher_folder": teacher_info["folder"],
                "student_layers": list(layers),
                "loss": {
                    **loss,
                    "alpha_hidden": opts.alpha_hidden,
                    "hidden_loss": opts.hidden_loss,
                },
                "student_epochs": student_args["num_train_epochs"],
                "student_learning_rate": student_lr,
                "examples": {k: len(v) for k, v in dataset.splits.items()},
                "test_examples_evaluated": int(len(y_test)),
                "test": {k: s["test"] for k, s in rows.items()},
                "validation_f1_macro": {k: s["validation_f1_macro"] for k, s in rows.items()},
                "test_interval_distilled_minus_labels_only": ci_vs_labels,
                "search": None
                if trials is None
                else {
                    "trials": len(trials),
                    "chosen": loss,
                    "epochs": student_args["num_train_epochs"],
                },
                "distributed": report,
                "student_folder": str(out / "aluno"),
            },
        )
        _finish(out, summary, SUMMARY_LABELS)
    distributed.barrier()
    return summary


def run_ablation(
    opts,
    student_init,
    teacher,
    tokenizer,
    train_data,
    tokenized,
    layer_map,
    student_args,
    out,
    num_labels,
):
    """A seção 11 do notebook 04: ablação dos três termos e varredura de T, treinos curtos, F1 na validação."""
    import numpy as np
    import pandas as pd

    from helpers import metrics
    from helpers.env import seed_everything

    from . import distributed

    y_val = np.asarray(tokenized["validation"]["label"])

    def short(temperature, alpha_soft, alpha_hard, alpha_hidden):
        seed_everything(opts.seed)
        trainer = distillation_trainer(
            copy.deepcopy(student_init),
            teacher,
            tokenizer,
            train_data,
            out / "curto",
            dict(
                temperature=temperature,
                alpha_soft=alpha_soft,
                alpha_hard=alpha_hard,
                alpha_hidden=alpha_hidden,
                hidden_loss=opts.hidden_loss,
                layer_map=layer_map,
            ),
            **{
                **student_args,
                "max_steps": opts.short_steps,
                "lr_scheduler_type": "constant",
                "disable_tqdm": True,
            },
        )
        trainer.train()
        return metrics.macro_f1(
            y_val,
            distributed.sharded(
                lambda rows: metrics.predictions_on(trainer, rows), tokenized["validation"]
            )[1],
            num_labels,
        )

    full = dict(
        alpha_soft=opts.alpha_soft,
        alpha_hard=opts.alpha_hard,
        alpha_hidden=opts.ablation_alpha_hidden,
    )
    variants = {
        "all_terms": full,
        "no_soft": {**full, "alpha_soft": 0.0},
        "no_hard": {**full, "alpha_hard": 0.0},
        "no_hidden": {**full, "alpha_hidden": 0.0},
    }
    _say(f"\nAblação: {len(variants)} treinos de {opts.short_steps} passos, F1 macro na validação.")
    ablation = pd.Series(
        {name: short(opts.temperature, **a) for name, a in variants.items()},
        name="validation_f1_macro",
    ).rename_axis("variant")
    sweep = pd.Series(
        {
            T: (
                ablation["no_hidden"]
                if T == opts.temperature
                else short(T, opts.alpha_soft, opts.alpha_hard, 0.0)
            )
            for T in opts.sweep_temperatures
        },
        name="validation_f1_macro",
    ).rename_axis("temperature")
    _say(shown_ablation(ablation).round(3).to_string())
    _say(shown_ablation(sweep).round(3).to_string())
    return ablation, sweep
