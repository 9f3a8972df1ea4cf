"""O que muda entre transformers 4.46+ e 5.x, num lugar só.

Os notebooks escrevem a API atual (5.x); este módulo traduz nomes antigos para a
versão instalada (e vice-versa) e **nunca descarta nada em silêncio**: cada
tradução é anunciada, e um argumento desconhecido vira erro em português.
"""

from __future__ import annotations

import difflib
import inspect
import warnings
from contextlib import contextmanager

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


def _changed_form(name: str, value, accepted: set[str]):
    """Os argumentos que mudaram de forma (não só de nome) entre o 4.x e o 5.x.

    Devolve ``(nome, valor, aviso)`` na versão instalada, ``(None, None, aviso)`` quando o argumento
    não muda nada e é ignorado, ou ``None`` quando ``name`` não é um desses casos.
    """
    if name == "eval_strategy" and "evaluation_strategy" in accepted:
        note = "'eval_strategy' nesta versão se chama 'evaluation_strategy'."
        return "evaluation_strategy", value, note
    if name == "group_by_length" and "train_sampling_strategy" in accepted:
        note = "'group_by_length' virou train_sampling_strategy='group_by_length'."
        return "train_sampling_strategy", "group_by_length" if value else "random", note
    if name == "train_sampling_strategy" and "group_by_length" in accepted:
        if value not in ("random", "group_by_length"):
            raise ValueError(
                f"train_sampling_strategy='{value}' não existe nesta versão (só 'random' ou 'group_by_length')."
            )
        note = "train_sampling_strategy virou group_by_length (versão 4.x)."
        return "group_by_length", value == "group_by_length", note
    if name == "warmup_ratio" and "warmup_ratio" not in accepted:
        note = "'warmup_ratio' virou warmup_steps com um número entre 0 e 1."
        return "warmup_steps", float(value), note
    if name == "include_inputs_for_metrics" and "include_for_metrics" in accepted:
        note = "'include_inputs_for_metrics' virou include_for_metrics=['inputs']."
        return "include_for_metrics", ["inputs"] if value else [], note
    if name == "adafactor" and "optim" in accepted:
        if value:
            return "optim", "adafactor", "'adafactor=True' virou optim='adafactor'."
        return None, None, "'adafactor=False' não muda nada e foi ignorado."
    return None


def _translate(name: str, value, accepted: set[str]):
    """Um argumento na versão instalada: ``(nome, valor, aviso ou None)``; ``nome`` é ``None`` se ignorado.

    Um nome que não existe nesta versão nem na tabela de nomes antigos levanta ``ValueError``.
    """
    # o nome novo vale mesmo onde o velho ainda existe
    if name in RENAMES and RENAMES[name] in accepted:
        return RENAMES[name], value, f"'{name}' agora se chama '{RENAMES[name]}'."
    if name in accepted:
        return name, value, None
    changed = _changed_form(name, value, accepted)
    if changed is not None:
        return changed
    if name in REMOVED:
        return None, None, f"'{name}' foi ignorado: {REMOVED[name]}."
    if name in RENAMES and RENAMES[name] in REMOVED:  # renomeado na 4.x e depois removido
        new = RENAMES[name]
        return None, None, f"'{name}' (depois '{new}') foi ignorado: {REMOVED[new]}."
    raise _unknown(name, accepted)


def translate_training_kwargs(
    kwargs: dict, accepted: set[str] | None = None
) -> tuple[dict, list[str]]:
    """Traduz argumentos de ``TrainingArguments`` para a versão instalada.

    Devolve ``(argumentos_traduzidos, avisos)``. ``accepted`` (nomes aceitos)
    serve para testar contra outra versão; por padrão, a instalada.
    """
    accepted = accepted_training_args() if accepted is None else set(accepted)
    out: dict = {}
    notes: list[str] = []
    for name, value in kwargs.items():
        new_name, new_value, note = _translate(name, value, accepted)
        if new_name is not None:
            if new_name in out and out[new_name] != new_value:
                raise ValueError(
                    f"O argumento '{new_name}' foi dado duas vezes, com valores diferentes."
                )
            out[new_name] = new_value
        if note:
            notes.append(note)
    # na 4.x, warmup_steps é inteiro; uma fração vai para warmup_ratio
    fraction = isinstance(out.get("warmup_steps"), float)
    if fraction and "warmup_ratio" in accepted:
        out["warmup_ratio"] = out.pop("warmup_steps")
        notes.append("warmup_steps fracionário virou warmup_ratio (versão 4.x).")
    return out, notes


def for_installed_version(
    kwargs: dict, verbose: bool = True, accepted: set[str] | None = None
) -> dict:
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


def forward_inputs(model, batch) -> dict:
    """``batch`` sem as chaves que o ``forward`` de ``model`` não aceita e que o tokenizador põe sozinho.

    O tokenizador do BERT devolve ``token_type_ids``, mas o DistilBERT não tem *token-type
    embeddings*: no transformers 4.x, ``DistilBertModel.forward(token_type_ids=...)`` dá
    ``TypeError: forward() got an unexpected keyword argument 'token_type_ids'`` (o 5.x aceita e
    ignora, pelo ``**kwargs``). Só ``token_type_ids`` sai, e só quando o ``forward`` não tem um
    parâmetro com esse nome; as demais chaves passam como estão (um erro de digitação continua
    sendo erro). Serve para qualquer modelo, ``base_model`` ou com cabeça de classificação.
    """
    if "token_type_ids" not in batch:
        return batch
    parameters = inspect.signature(model.forward).parameters
    if "token_type_ids" in parameters:
        return batch
    return {key: value for key, value in batch.items() if key != "token_type_ids"}


# avisos que uma biblioteca levanta sobre o próprio código (não sobre uma chamada nossa) ao importar um modelo
_THIRD_PARTY_NOISE = (
    # transformers 4.x (DeBERTa-v2 e outros) usa torch.jit.script ao importar o módulo do modelo; o torch 2.13
    # marca torch.jit.script como descontinuado. No transformers 5.x não aparece.
    r"`torch\.jit\.script` is deprecated",
)


@contextmanager
def quiet_model_import():
    """Silencia só os avisos de descontinuação que o transformers 4.x causa ao importar um modelo.

    Quem lê o notebook não tem o que fazer com eles (o código é da biblioteca); com os testes
    transformando descontinuações em erro, eles derrubariam a construção de um DeBERTa no 4.x.
    Qualquer outro aviso passa como antes.
    """
    with warnings.catch_warnings():
        for message in _THIRD_PARTY_NOISE:
            warnings.filterwarnings("ignore", message=message, category=DeprecationWarning)
        yield
