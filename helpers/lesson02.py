"""Código das aulas do notebook 02 (02_bertimbau), gerado por ``scripts/nbsave.py``: não edite aqui.

Cada bloco é uma célula marcada com ``# @save`` em ``notebooks/02_bertimbau.ipynb``. Para mudar uma função, mude a
célula no notebook e rode ``make save``; um teste confere que este arquivo e as células são iguais.
"""
# ruff: noqa: E402, F811

# --- seção 3 do notebook 02
from helpers import training


def tokenize_splits(splits, tokenizer, max_length=128, verbose=True, model=None):
    """Tokeniza todos os splits com `datasets.map`, sem padding (ele fica para o lote).

    Devolve `(tokenizados, relatório)`: os splits com a coluna `length` (tokens de cada texto, que
    `train_sampling_strategy="group_by_length"` usa) e a tabela dos textos cortados em `max_length`.
    Um `max_length` acima do que o modelo aceita (`model` opcional) é erro, antes de tokenizar.

    Mostrada no notebook 02, seção 3.
    """

    def tokenize(batch):
        out = tokenizer(batch["text"], truncation=True, max_length=max_length)
        out["length"] = [len(ids) for ids in out["input_ids"]]
        full = tokenizer(batch["text"])["input_ids"]  # sem corte: para contar os cortados
        out["full_length"] = [len(ids) for ids in full]
        return out

    # antes, MAX_LENGTH acima do limite do modelo é erro; com poucos textos, sem barra de progresso
    with training.tokenizing(splits, max_length, tokenizer, model):
        tokenized = splits.map(tokenize, batched=True, desc="tokenizando")
    report = training.truncation_report(tokenized, max_length, verbose)
    return tokenized.remove_columns(["full_length"]), report

# --- seção 3 do notebook 02
import numpy as np


def padding_efficiency(lengths, batch_size, pad_to=None, group_by_length=False):
    """Tokens reais / tokens processados, com os lotes na ordem de `lengths`.

    `pad_to`: comprimento fixo (`padding="max_length"`); sem ele, cada lote é completado até a maior
    frase do lote (padding dinâmico). `group_by_length=True` ordena tudo por tamanho antes.

    Mostrada no notebook 02, seção 3.
    """
    lengths = np.sort(lengths) if group_by_length else np.asarray(lengths)
    processed = sum(
        len(chunk) * (pad_to or int(chunk.max()))
        for chunk in np.split(lengths, range(batch_size, len(lengths), batch_size))
    )
    return float(lengths.sum() / processed)

# --- seção 4 do notebook 02
import torch.nn.functional as F
from transformers import Trainer


def weighted_cross_entropy(logits, labels, weights=None, num_items_in_batch=None):
    """Entropia cruzada com pesos por classe.

    Sem `num_items_in_batch`: a média ponderada de `F.cross_entropy(weight=...)`, que divide a
    soma ponderada pela soma dos pesos do lote. Com ele: a soma ponderada dividida pelo número de
    exemplos do passo.

    Mostrada no notebook 02, seção 4.
    """
    weights = None if weights is None else weights.to(logits.device, logits.dtype)
    if num_items_in_batch is None:
        return F.cross_entropy(logits, labels, weight=weights)
    return F.cross_entropy(logits, labels, weight=weights, reduction="sum") / num_items_in_batch


class WeightedLossTrainer(Trainer):
    """Um `Trainer` cuja perda pesa cada exemplo pelo peso da classe dele (`class_weights`).

    Mostrada no notebook 02, seção 4.
    """

    def __init__(self, *args, class_weights=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_weights = class_weights

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")  # sem os rótulos, o modelo não calcula a perda dele
        outputs = model(**inputs)
        loss = weighted_cross_entropy(
            outputs.logits, labels, self.class_weights, num_items_in_batch
        )
        return (loss, outputs) if return_outputs else loss

# --- seção 5 do notebook 02
import torch
from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

from helpers import compat, memory, training

# os padrões do make_trainer (nomes da API 5.x); make_trainer(..., nome=valor) troca qualquer um
SERIES_DEFAULTS = dict(
    save_strategy="no",  # nenhum checkpoint em disco
    logging_strategy="epoch",  # uma linha de log por época
    report_to="none",  # sem W&B, TensorBoard...
    train_sampling_strategy="group_by_length",  # lotes de textos de tamanho parecido
    learning_rate=5e-5,
    num_train_epochs=3,
    per_device_train_batch_size=16,
    per_device_eval_batch_size=64,
    weight_decay=0.01,
    warmup_steps=0.1,  # entre 0 e 1: fração dos passos (4.x: warmup_ratio)
    seed=42,
    dataloader_num_workers=0,  # os lotes montados no processo do notebook
)
OLD_NAMES = {"evaluation_strategy": "eval_strategy", "group_by_length": "train_sampling_strategy"}


def make_trainer(
    model,
    tokenizer,
    train_dataset,
    eval_dataset=None,
    output_dir="build/treino",
    class_weights=None,
    compute_metrics=None,
    callbacks=None,
    **training_kwargs,
):
    """Um `Trainer` com a receita da série; `training_kwargs` trocam os `TrainingArguments`.

    Com `eval_dataset`, avalia a cada época; com `class_weights`, treina com a perda ponderada
    (`WeightedLossTrainer`). Nomes antigos (`evaluation_strategy`...) são traduzidos e anunciados;
    nomes desconhecidos são erro.

    Mostrada no notebook 02, seção 5.
    """
    training.refuse_long_texts(model, train_dataset, eval_dataset)  # maiores que o modelo: erro
    recipe = dict(
        output_dir=output_dir,
        eval_strategy="epoch" if eval_dataset is not None else "no",  # avalia a cada época
        **SERIES_DEFAULTS,
        dataloader_pin_memory=torch.cuda.is_available(),  # cópia mais rápida para a GPU
    )
    for old, new in OLD_NAMES.items():
        if old in training_kwargs:  # quem usa o nome antigo decide: o novo sai da receita
            recipe.pop(new)
    if not {"fp16", "bf16", "use_cpu", "no_cuda"} & set(training_kwargs):  # quem escolhe, decide
        recipe.update(training.precision_kwargs())  # bf16 ou fp16 numa GPU; na CPU, float32
    args = TrainingArguments(**compat.for_installed_version({**recipe, **training_kwargs}))
    # padding dinâmico: cada lote vai até a maior frase dele (na GPU, múltiplo de 8)
    collator = DataCollatorWithPadding(
        tokenizer, pad_to_multiple_of=8 if torch.cuda.is_available() else None
    )
    common = dict(
        model=model,
        args=args,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        data_collator=collator,
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        callbacks=training.with_series_callbacks(callbacks),
    )
    if class_weights is None:
        trainer = Trainer(**common)
    else:
        trainer = WeightedLossTrainer(class_weights=class_weights, **common)
    # no lugar dos dicionários de log em inglês, uma linha por época em português; e a falta de
    # memória vira um erro que diz o que reduzir
    return memory.explain_out_of_memory(training.with_series_progress(trainer))
