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

    Devolve ``(melhores, tabela)``: os valores escolhidos e uma linha por tentativa. O teste não entra.
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
                    "tentativa": t.number,
                    "α_soft": t.params.get("alpha_soft"),
                    "α_hard": 1 - t.params["alpha_soft"] if "alpha_soft" in t.params else None,
                    "T": t.params.get("temperature"),
                    "épocas": t.params.get(
                        "num_train_epochs", opts.student_epochs if not opts.max_steps else None
                    ),
                    "F1 macro (validação)": t.value,
                    "estado": t.state.name.lower(),
                    "duração (s)": t.duration.total_seconds() if t.duration else None,
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
    return chosen, pd.DataFrame(rows).set_index("tentativa") if rows else pd.DataFrame()


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
        info["pasta"] = out / "professor"
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
        validation = metrics.scores_on(trainer, tokenized["validation"], dataset.labels)
        return {
            "acurácia": test["accuracy"],
            "F1 macro": test["f1_macro"],
            "F1 macro (validação)": validation["F1 macro"],
            "_teste": test,
        }

    def evaluation_trainer(model):
        return recipe_trainer(
            model, tokenizer, tokenized["train"], out / "avaliacao", **_runtime_kwargs()
        )

    teacher_scores = scores("professor", evaluation_trainer(teacher))
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
            _say(trials.round(4).to_string())
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
    student_scores = scores("aluno destilado", distil_trainer)

    _say("\nAluno só com rótulos (o mesmo início, a mesma receita):")
    seed_everything(student_seed)
    labels_only = copy.deepcopy(student_init)
    labels_only_trainer = recipe_trainer(
        labels_only, tokenizer, train_data, out / "aluno_rotulos", **student_args
    )
    labels_only_trainer.train()
    labels_only_scores = scores("aluno só com rótulos", labels_only_trainer)

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

    ci_vs_labels = paired("aluno destilado", "aluno só com rótulos")
    efficiency = None
    speedup_32 = None
    if opts.latency_repeats > 0 and distributed.is_main():
        efficiency = measure.efficiency_table(
            {"professor": teacher, "aluno": student},
            tokenizer,
            dataset["test"]["text"][:32],
            batch_sizes=(1, 32),
            repeats=opts.latency_repeats,
            threads=opts.latency_threads,
            max_length=opts.max_length,
        )
        speedup_32 = float(
            efficiency.loc["professor", "lote 32 (ms)"] / efficiency.loc["aluno", "lote 32 (ms)"]
        )
    retention = student_scores["F1 macro"] / teacher_scores["F1 macro"]

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
    extra = {"treino (s)": distil_seconds, "processos": processes}
    if opts.max_steps:
        extra["max_steps"] = opts.max_steps
    if distributed.is_main():
        artifacts.save_classifier(out / "aluno", student, tokenizer, student_record, **extra)
    distributed.barrier()

    headline = {
        "retenção do F1 do professor (teste)": round(float(retention), 3),
        "retenção do F1 do professor (validação)": round(
            student_scores["F1 macro (validação)"] / teacher_scores["F1 macro (validação)"], 3
        ),
        "aceleração na CPU, lote 32 (×)": round(speedup_32, 2) if speedup_32 is not None else None,
        "F1 macro professor": round(teacher_scores["F1 macro"], 3),
        "F1 macro aluno destilado": round(student_scores["F1 macro"], 3),
        "F1 macro aluno só com rótulos": round(labels_only_scores["F1 macro"], 3),
        "destilado − só com rótulos (F1, teste)": round(ci_vs_labels["diff"], 3),
    }
    if distributed.is_main():
        rows = {
            "professor": teacher_scores,
            "aluno destilado": student_scores,
            "aluno só com rótulos": labels_only_scores,
        }
        comparison = pd.DataFrame(
            {k: {m: v for m, v in s.items() if not m.startswith("_")} for k, s in rows.items()}
        ).T
        if efficiency is not None:
            arch = {
                "professor": "professor",
                "aluno destilado": "aluno",
                "aluno só com rótulos": "aluno",
            }
            for column in efficiency.columns:
                comparison[column] = [efficiency.loc[arch[k], column] for k in comparison.index]
        comparison.to_csv(out / "comparacao.csv")
        metrics.per_class_table(student_scores["_teste"], dataset.labels).to_csv(
            out / "por_classe.csv"
        )
        history = training.history_frame(distil_trainer.state.log_history)
        terms.join(history.drop(columns=["perda treino"], errors="ignore"), how="outer").to_csv(
            out / "historico.csv"
        )
        trunc_report.to_csv(out / "tokenizacao.csv")
        if trials is not None:
            trials.to_csv(out / "busca.csv")
        if ablation is not None:
            ablation.to_csv(out / "ablacao.csv")
            sweep.to_csv(out / "varredura.csv")
        write_json(
            out / "metricas.json",
            {
                "comando": "distill",
                "opções": vars(opts),
                "professor pedido": opts.teacher_model,
                "professor usado": resolved.standin or resolved.path,
                "substituto": resolved.substituted,
                "professor reaproveitado": bool(teacher_info["reaproveitado"]),
                "pasta do professor": teacher_info["pasta"],
                "camadas do aluno": list(layers),
                "perda": {
                    **loss,
                    "alpha_hidden": opts.alpha_hidden,
                    "hidden_loss": opts.hidden_loss,
                },
                "épocas do aluno": student_args["num_train_epochs"],
                "taxa do aluno": student_lr,
                "exemplos": {k: len(v) for k, v in dataset.splits.items()},
                "exemplos avaliados no teste": int(len(y_test)),
                "teste": {k: s["_teste"] for k, s in rows.items()},
                "F1 macro (validação)": {k: s["F1 macro (validação)"] for k, s in rows.items()},
                "intervalo destilado − só com rótulos (teste)": ci_vs_labels,
                "busca": None
                if trials is None
                else {
                    "tentativas": len(trials),
                    "escolha": loss,
                    "épocas": student_args["num_train_epochs"],
                },
                "distribuído": report,
                "pasta do aluno": str(out / "aluno"),
            },
        )
        _finish(out, "04_destilacao", headline)
    distributed.barrier()
    return headline


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
        "três termos": full,
        "sem soft": {**full, "alpha_soft": 0.0},
        "sem hard": {**full, "alpha_hard": 0.0},
        "sem hidden": {**full, "alpha_hidden": 0.0},
    }
    _say(f"\nAblação: {len(variants)} treinos de {opts.short_steps} passos, F1 macro na validação.")
    ablation = pd.Series(
        {name: short(opts.temperature, **a) for name, a in variants.items()},
        name="F1 macro (validação)",
    )
    sweep = pd.Series(
        {
            T: (
                ablation["sem hidden"]
                if T == opts.temperature
                else short(T, opts.alpha_soft, opts.alpha_hard, 0.0)
            )
            for T in opts.sweep_temperatures
        },
        name="F1 macro (validação)",
    ).rename_axis("T")
    _say(ablation.round(3).to_string())
    _say(sweep.round(3).to_string())
    return ablation, sweep
