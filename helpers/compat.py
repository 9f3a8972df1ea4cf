"""O que muda entre transformers 4.46+ e 5.x, num lugar só.

Os notebooks escrevem a API atual (5.x); este módulo traduz nomes antigos para a
versão instalada (e vice-versa) e **nunca descarta nada em silêncio**: cada
tradução é anunciada, e um argumento desconhecido vira erro em português.
"""
from __future__ import annotations

import difflib
import inspect

# nome antigo → nome atual, mesmo significado
RENAMES = {
    "evaluation_strategy": "eval_strategy",
    "no_cuda": "use_cpu",
    "fp16_backend": "half_precision_backend",
    "push_to_hub_token": "hub_token",
    "per_gpu_train_batch_size": "per_device_train_batch_size",
    "per_gpu_eval_batch_size": "per_device_eval_batch_size",
}

# argumentos que o transformers 5 removeu sem substituto; o motivo é impresso
REMOVED = {
    "overwrite_output_dir": "o Trainer 5.x já grava por cima da pasta de saída",
    "logging_dir": "no 5.x a pasta de logs vem da integração (ex.: TENSORBOARD_LOGGING_DIR)",
    "save_safetensors": "o 5.x sempre salva em safetensors",
    "use_mps_device": "o dispositivo MPS é detectado sozinho",
    "jit_mode_eval": "removido no 5.x",
    "use_ipex": "removido no 5.x",
    "tpu_num_cores": "removido no 5.x",
    "tpu_metrics_debug": "removido no 5.x",
    "past_index": "removido no 5.x",
    "torchdynamo": "use torch_compile_backend",
    "ray_scope": "removido no 5.x",
    "dispatch_batches": "use accelerator_config",
    "split_batches": "use accelerator_config",
    "include_tokens_per_second": "removido no 5.x",
    "use_legacy_prediction_loop": "removido no 5.x",
    "fp16_opt_level": "apex foi removido no 5.x",
    "half_precision_backend": "o 5.x usa sempre o AMP nativo do PyTorch",
    "mp_parameters": "removido no 5.x",
    "fsdp_min_num_params": "use fsdp_config",
    "fsdp_transformer_layer_cls_to_wrap": "use fsdp_config",
    "push_to_hub_model_id": "use hub_model_id",
    "push_to_hub_organization": "use hub_model_id",
}


def accepted_training_args() -> set[str]:
    """Nomes aceitos por ``TrainingArguments`` na versão instalada."""
    from transformers import TrainingArguments

    return {k for k in inspect.signature(TrainingArguments.__init__).parameters if k != "self"}


def _unknown(name: str, accepted: set[str]) -> ValueError:
    close = difflib.get_close_matches(name, sorted(accepted | set(RENAMES)), n=3)
    hint = f" Você quis dizer: {', '.join(close)}?" if close else ""
    return ValueError(
        f"Argumento de treino desconhecido: '{name}'. Ele não existe em TrainingArguments "
        f"desta versão do transformers nem na tabela de nomes antigos de helpers.compat.{hint}"
    )


def translate_training_kwargs(kwargs: dict, accepted: set[str] | None = None) -> tuple[dict, list[str]]:
    """Traduz argumentos de ``TrainingArguments`` para a versão instalada.

    Devolve ``(argumentos_traduzidos, avisos)``. ``accepted`` (nomes aceitos)
    serve para testar contra outra versão; por padrão, a instalada.
    """
    accepted = accepted_training_args() if accepted is None else set(accepted)
    out: dict = {}
    notes: list[str] = []

    def put(name, value, note=None):
        if name in out and out[name] != value:
            raise ValueError(f"O argumento '{name}' foi dado duas vezes, com valores diferentes.")
        out[name] = value
        if note:
            notes.append(note)

    for name, value in kwargs.items():
        if name in RENAMES and RENAMES[name] in accepted:  # o nome novo vale mesmo onde o velho ainda existe
            put(RENAMES[name], value, f"'{name}' agora se chama '{RENAMES[name]}'.")
        elif name in accepted:
            put(name, value)
        elif name == "eval_strategy" and "evaluation_strategy" in accepted:
            put("evaluation_strategy", value, "'eval_strategy' nesta versão se chama 'evaluation_strategy'.")
        elif name == "group_by_length" and "train_sampling_strategy" in accepted:
            put(
                "train_sampling_strategy",
                "group_by_length" if value else "random",
                "'group_by_length' virou train_sampling_strategy='group_by_length'.",
            )
        elif name == "train_sampling_strategy" and "group_by_length" in accepted:
            if value not in ("random", "group_by_length"):
                raise ValueError(f"train_sampling_strategy='{value}' não existe nesta versão (só 'random' ou 'group_by_length').")
            put("group_by_length", value == "group_by_length", "train_sampling_strategy virou group_by_length (versão 4.x).")
        elif name == "warmup_ratio" and "warmup_ratio" not in accepted:
            put("warmup_steps", float(value), "'warmup_ratio' virou warmup_steps com um número entre 0 e 1.")
        elif name == "include_inputs_for_metrics" and "include_for_metrics" in accepted:
            put("include_for_metrics", ["inputs"] if value else [], "'include_inputs_for_metrics' virou include_for_metrics=['inputs'].")
        elif name == "adafactor" and "optim" in accepted:
            if value:
                put("optim", "adafactor", "'adafactor=True' virou optim='adafactor'.")
            else:
                notes.append("'adafactor=False' não muda nada e foi ignorado.")
        elif name in REMOVED:
            notes.append(f"'{name}' foi ignorado: {REMOVED[name]}.")
        elif name in RENAMES and RENAMES[name] in REMOVED:  # renomeado na 4.x e depois removido
            notes.append(f"'{name}' (depois '{RENAMES[name]}') foi ignorado: {REMOVED[RENAMES[name]]}.")
        else:
            raise _unknown(name, accepted)

    # na 4.x, warmup_steps é inteiro; uma fração vai para warmup_ratio
    if "warmup_steps" in out and isinstance(out["warmup_steps"], float) and "warmup_ratio" in accepted:
        out["warmup_ratio"] = out.pop("warmup_steps")
        notes.append("warmup_steps fracionário virou warmup_ratio (versão 4.x).")
    return out, notes


def for_installed_version(kwargs: dict, verbose: bool = True, accepted: set[str] | None = None) -> dict:
    """Os argumentos de ``TrainingArguments`` (escritos na API 5.x) para a versão instalada.

    No transformers 5.x, com os nomes atuais, o dicionário volta **igual** e nada é impresso.
    Numa 4.46+ (ou com nomes antigos), cada tradução é impressa com ``[compat]``; um nome
    desconhecido levanta ``ValueError``. ``accepted`` serve para testar contra outra versão.
    """
    translated, notes = translate_training_kwargs(kwargs, accepted)
    if verbose:
        for note in notes:
            print(f"[compat] {note}")
    return translated


def build_training_arguments(verbose: bool = True, **kwargs):
    """Cria ``TrainingArguments`` a partir de argumentos de qualquer versão 4.46+/5.x.

    Cada tradução é impressa; um argumento desconhecido levanta ``ValueError``.
    """
    from transformers import TrainingArguments

    return TrainingArguments(**for_installed_version(kwargs, verbose=verbose))


def trainer_kwargs(trainer_cls=None, verbose: bool = True, **kwargs) -> dict:
    """Ajusta argumentos do ``Trainer``: ``tokenizer=`` vira ``processing_class=`` (e a troca é anunciada).

    (``Trainer(tokenizer=...)`` foi removido no transformers 5; ``processing_class`` existe desde o 4.46.)
    """
    if trainer_cls is None:
        from transformers import Trainer as trainer_cls
    params = inspect.signature(trainer_cls.__init__).parameters
    if "tokenizer" in kwargs and "processing_class" in params:
        if "processing_class" in kwargs:
            raise ValueError("Passe só processing_class (tokenizer é o nome antigo).")
        kwargs["processing_class"] = kwargs.pop("tokenizer")
        if verbose:
            print("[compat] Trainer(tokenizer=...) agora se chama Trainer(processing_class=...).")
    return kwargs
