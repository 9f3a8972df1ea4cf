"""Pastas de saída da série e modelos que um notebook treina e outro reaproveita.

Todo notebook grava em ``build/`` na raiz do repositório (:func:`build_dir`). Um modelo
ajustado é salvo com um **registro de compatibilidade** (:func:`make_record`): o id pedido, o
substituto offline que rodou no lugar dele (se houve), os dados, os rótulos e a receita. Outro notebook só o reaproveita (:func:`load_classifier`) se o
registro for igual ao que ele pediria; senão, diz o que difere (em português) e treina de novo.
Assim uma comparação nunca mistura receitas sem avisar.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

RECORD_FILE = "registro.json"


def repo_root() -> Path | None:
    """Raiz do repositório clonado (a pasta com ``pyproject.toml`` da série), ou ``None``."""
    from .project import COLAB_DIR

    here = Path(__file__).resolve().parents[1]
    cwd = Path.cwd().resolve()
    # instalado sem -e (como no Colab), o pacote não mora no repositório: a pasta mãe de VARIANTES_DATA
    # (a data/ de um clone) também vale
    data = (
        [Path(os.environ["VARIANTES_DATA"]).resolve().parent]
        if os.environ.get("VARIANTES_DATA")
        else []
    )
    for candidate in (here, *data, cwd, *cwd.parents, Path(COLAB_DIR)):
        toml = candidate / "pyproject.toml"
        if toml.is_file() and 'name = "variantes-bert"' in toml.read_text(encoding="utf-8"):
            return candidate
    return None


def _build_base() -> Path:
    if os.environ.get("VARIANTES_BUILD"):
        return Path(os.environ["VARIANTES_BUILD"])
    root = repo_root()
    return (root if root is not None else Path.cwd()) / "build"


def build_dir(*parts: str) -> Path:
    """``build/<parts>`` na raiz do repositório (ou em ``VARIANTES_BUILD``), criada se faltar."""
    path = _build_base().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def shown(path) -> str:
    """``path`` como o aluno o lê: ``build/...``, ou relativo à raiz do repositório ou à pasta atual.

    O caminho absoluto desta máquina (``/home/...``, ``/work/...``) não diz nada a quem lê e muda de
    máquina para máquina; fora dessas pastas, fica só o nome.
    """
    path = Path(path).resolve()
    root = repo_root()
    bases = ((_build_base().resolve(), "build"), (root, ""), (Path.cwd().resolve(), ""))
    for base, prefix in bases:
        if base is not None and path.is_relative_to(base):
            return str(Path(prefix, path.relative_to(base))) or "."
    return path.name


def recipe_value(value) -> str:
    """Um valor da receita como o aluno o lê: ``True`` → ``"sim"``, ``0.0001`` → ``"0,0001"``."""
    from .prose import table_number

    if isinstance(value, bool):
        return "sim" if value else "não"
    return table_number(value) if isinstance(value, float) else str(value)


RECIPE_NAMES = {
    "learning_rate": "taxa de aprendizado",
    "num_train_epochs": "épocas",
    "per_device_train_batch_size": "lote",
    "max_length": "tokens no máximo",
    "seed": "semente",
    "class_weights": "pesos de classe",
}


def describe_recipe(recipe: dict) -> str:
    """``{'learning_rate': 0.0001, ...}`` → ``"taxa de aprendizado: 0,0001; ..."``, na ordem de RECIPE_NAMES."""
    keys = [k for k in RECIPE_NAMES if k in recipe] + [k for k in recipe if k not in RECIPE_NAMES]
    return "; ".join(f"{RECIPE_NAMES.get(k, k)}: {recipe_value(recipe[k])}" for k in keys)


def data_fingerprint(dataset) -> str:
    """Impressão digital (SHA-256, 12 dígitos) dos textos e rótulos de todos os splits."""
    digest = hashlib.sha256()
    for name in sorted(dataset.splits):
        split = dataset.splits[name]
        digest.update(name.encode())
        for text, label in zip(split["text"], split["label"]):
            digest.update(f"{label}\t{text}\n".encode())
    return digest.hexdigest()[:12]


def make_record(model_id: str, dataset, **recipe) -> dict:
    """Registro de compatibilidade: ``model`` (o id pedido), ``standin`` (o substituto offline que roda no
    lugar dele, ou ``None``), ``data`` (impressão digital), ``label2id`` e ``recipe``."""
    from .hub import standin_of

    return {
        "model": model_id,
        "standin": standin_of(model_id),
        "data": data_fingerprint(dataset),
        "label2id": {str(k): int(v) for k, v in dataset.label2id.items()},
        "recipe": {k: recipe[k] for k in sorted(recipe)},
    }


def save_classifier(folder, model, tokenizer, record: dict, **extra) -> Path:
    """Salva modelo, tokenizador e o registro em ``folder``; ``extra`` (ex.: ``train_seconds=...``) vai junto.

    ``extra`` fica na chave ``"extra"`` do registro e não entra na comparação de :func:`differences`.
    """
    from transformers.utils import logging as hf_logging

    folder = Path(folder)
    hf_logging.disable_progress_bar()  # a barra "Writing model shards", em inglês, de um arquivo só
    try:
        model.save_pretrained(folder)
    finally:
        hf_logging.enable_progress_bar()
    tokenizer.save_pretrained(folder)
    (folder / RECORD_FILE).write_text(
        json.dumps({**record, "extra": extra}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return folder


def read_record(folder) -> dict | None:
    """O registro salvo em ``folder``, ou ``None`` se não houver."""
    path = Path(folder) / RECORD_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def differences(saved: dict | None, wanted: dict) -> list[str]:
    """O que difere entre o registro salvo e o pedido, em frases curtas em português (vazio = compatível).

    Um registro sem a chave ``model`` é de uma versão anterior da série (chaves em português): não confere.
    """
    if saved is None:
        return ["não há modelo salvo"]
    if "model" not in saved:
        return ["registro de uma versão anterior da série"]
    out = []
    names = {"model": "modelo", "standin": "substituto", "data": "dados", "label2id": "rótulos"}
    for key, name in names.items():
        was, asked = saved.get(key) or "nenhum", wanted.get(key) or "nenhum"
        if was != asked:
            out.append(f"{name}: salvo {was}, pedido {asked}")
    saved_recipe, wanted_recipe = saved.get("recipe", {}), wanted.get("recipe", {})
    for key in sorted(set(saved_recipe) | set(wanted_recipe)):
        was, asked = saved_recipe.get(key), wanted_recipe.get(key)
        if was != asked:
            name = RECIPE_NAMES.get(key, key)
            out.append(f"{name}: salvo {recipe_value(was)}, pedido {recipe_value(asked)}")
    return out


def load_classifier(folder, record: dict, verbose: bool = True):
    """Carrega o classificador salvo em ``folder`` **só** se o registro for igual a ``record``.

    Devolve ``(modelo, registro_salvo)``, ou ``(None, None)`` dizendo por que não reaproveitou.
    """
    from transformers import AutoModelForSequenceClassification

    from .hub import quiet_loading

    folder = Path(folder)
    saved = read_record(folder)
    diff = differences(saved, record)
    if diff:
        if verbose:
            reasons = "; ".join(diff)
            print(
                f"Não reaproveito {shown(folder)}: {reasons}. Vou treinar aqui, com a receita pedida."
            )
        return None, None
    if verbose:
        print(
            f"Reaproveitando o modelo salvo em {shown(folder)} (mesmo modelo, dados, rótulos e receita)."
        )
    with quiet_loading():
        return AutoModelForSequenceClassification.from_pretrained(folder), saved


def class_weights_from_02(dataset, override=None) -> tuple[bool, str]:
    """Pesos de classe da receita e o porquê: ``override`` se não for ``None``; senão a escolha do notebook 02.

    O notebook 02 compara as duas opções na validação e grava a escolha no registro do modelo que
    salva em ``build/02_bertimbau/modelo``. Só vale com os mesmos dados; sem registro, sem pesos.
    """
    if override is not None:
        return bool(override), "escolhidos no parâmetro USE_CLASS_WEIGHTS"
    saved = read_record(build_dir("02_bertimbau") / "modelo")
    if saved is None:
        return False, "o notebook 02 ainda não salvou um modelo com registro: sem pesos"
    if "model" not in saved:
        return False, "o registro do notebook 02 é de uma versão anterior da série: sem pesos"
    if saved.get("data") != data_fingerprint(dataset):
        return False, "o notebook 02 salvou um modelo, mas com outros dados: sem pesos"
    return (
        bool(saved["recipe"].get("class_weights", False)),
        "a escolha do notebook 02 na validação, lida do registro do modelo salvo por ele",
    )


RECIPE_KEYS = tuple(RECIPE_NAMES)  # as chaves de recipe(...), na ordem dela


def recipe(
    learning_rate: float,
    num_train_epochs: int,
    per_device_train_batch_size: int,
    max_length: int,
    seed: int,
    class_weights: bool,
) -> dict:
    """A receita de fine-tuning da série, como vai para o registro (sempre as mesmas chaves)."""
    return {
        "learning_rate": float(learning_rate),
        "num_train_epochs": int(num_train_epochs),
        "per_device_train_batch_size": int(per_device_train_batch_size),
        "max_length": int(max_length),
        "seed": int(seed),
        "class_weights": bool(class_weights),
    }


def _reuse_saved(folders, record: dict, verbose: bool):
    """O primeiro modelo salvo em ``folders`` com o registro ``record``: ``(modelo, info)``, ou ``None``."""
    for folder in folders:
        if read_record(folder) is None:
            continue
        model, saved = load_classifier(folder, record, verbose=verbose)
        if model is not None:
            seconds = saved.get("extra", {}).get("train_seconds")
            return model, {"reused": True, "folder": folder, "train_seconds": seconds}
    return None


def classifier_for(
    model_id: str,
    dataset,
    tokenizer,
    tokenized,
    recipe: dict,
    save_to,
    reuse_from=(),
    compute_metrics=None,
    verbose: bool = True,
    training_kwargs: dict | None = None,
    trainer_hook=None,
):
    """Um classificador ``model_id`` ajustado com ``recipe``: reaproveitado se possível, senão treinado aqui.

    Procura, em ``reuse_from`` e depois em ``save_to``, um modelo salvo com o **mesmo** registro
    (modelo, substituto, dados, rótulos, receita). Sem nenhum, treina com ``lesson02.make_trainer``
    (a receita do notebook 02) e salva em ``save_to`` com o registro. ``tokenized`` precisa ter sido
    tokenizado com ``recipe["max_length"]``. Devolve ``(modelo, info)``; ``info`` traz ``reused``
    (bool), ``folder`` (a pasta do modelo), ``train_seconds`` (o tempo de treino gravado no
    registro, ou ``None``) e, quando treinou aqui, o ``trainer``.
    ``training_kwargs`` vão para ``make_trainer`` por cima da receita, sem entrar no registro: só
    o que não muda o resultado (o lote de cada processo quando há vários, a barra de progresso).
    ``trainer_hook(trainer)``, se dado, ajusta o ``Trainer`` antes do treino e o devolve.
    """
    from .recipe_training import train_with_recipe

    if set(recipe) != set(RECIPE_KEYS):
        raise ValueError(
            f"A receita precisa das chaves {RECIPE_KEYS} (veio {tuple(recipe)}); use artifacts.recipe(...)."
        )
    record = make_record(model_id, dataset, **recipe)
    reused = _reuse_saved((*map(Path, reuse_from), Path(save_to)), record, verbose)
    if reused is not None:
        return reused
    model, trainer, seconds = train_with_recipe(
        model_id,
        dataset,
        tokenizer,
        tokenized,
        recipe,
        save_to,
        compute_metrics=compute_metrics,
        verbose=verbose,
        training_kwargs=training_kwargs,
        trainer_hook=trainer_hook,
    )
    save_classifier(save_to, model, tokenizer, record, train_seconds=seconds)
    info = {"reused": False, "folder": Path(save_to), "train_seconds": seconds}
    return model, {**info, "trainer": trainer}
