"""Treinar aqui, com a receita do notebook 02, o classificador que ``artifacts.classifier_for`` não achou
salvo: o modelo do Hub, os pesos de classe, o ``lesson02.make_trainer`` e o tempo de treino."""

from __future__ import annotations

import time
from pathlib import Path


def fresh_classifier(model_id: str, dataset, verbose: bool = True):
    """O classificador ``model_id`` recém-carregado do Hub, com os rótulos de ``dataset``."""
    from transformers import AutoModelForSequenceClassification

    from . import hub

    return hub.load_model(
        model_id,
        AutoModelForSequenceClassification,
        num_labels=dataset.num_labels,
        id2label=dataset.id2label,
        label2id=dataset.label2id,
        verbose=verbose,
    )


def recipe_trainer(
    model, dataset, tokenizer, tokenized, recipe: dict, save_to, compute_metrics, training_kwargs
):
    """O ``Trainer`` de ``lesson02.make_trainer`` com ``recipe`` (pesos de classe se ela pede).

    ``training_kwargs`` vão por cima da receita (só o que não muda o resultado).
    """
    from . import training
    from .lesson02 import make_trainer

    weights = (
        training.class_weights(dataset["train"]["label"], dataset.num_labels)
        if recipe["class_weights"]
        else None
    )
    return make_trainer(
        model,
        tokenizer,
        tokenized["train"],
        tokenized["validation"],
        output_dir=str(Path(save_to) / "treino"),
        class_weights=weights,
        compute_metrics=compute_metrics,
        learning_rate=recipe["learning_rate"],
        num_train_epochs=recipe["num_train_epochs"],
        **{
            "per_device_train_batch_size": recipe["per_device_train_batch_size"],
            "seed": recipe["seed"],
            **(training_kwargs or {}),
        },
    )


def train_with_recipe(
    model_id: str,
    dataset,
    tokenizer,
    tokenized,
    recipe: dict,
    save_to,
    compute_metrics=None,
    verbose: bool = True,
    training_kwargs: dict | None = None,
    trainer_hook=None,
):
    """Treina ``model_id`` com ``recipe``, a partir da semente dela: ``(modelo, trainer, segundos)``.

    Os argumentos são os de ``artifacts.classifier_for``; ``trainer_hook(trainer)``, se dado,
    ajusta o ``Trainer`` antes do treino e o devolve.
    """
    from .artifacts import describe_recipe
    from .env import seed_everything

    if verbose:
        print(f"Treinando {model_id} aqui: {describe_recipe(recipe)}.")
    seed_everything(recipe["seed"])
    model = fresh_classifier(model_id, dataset, verbose=verbose)
    trainer = recipe_trainer(
        model, dataset, tokenizer, tokenized, recipe, save_to, compute_metrics, training_kwargs
    )
    if trainer_hook is not None:
        trainer = trainer_hook(trainer)
    start = time.perf_counter()
    trainer.train()
    return model, trainer, time.perf_counter() - start
