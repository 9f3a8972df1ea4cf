"""Pipeline do material original × pipeline da série, no mesmo modelo, dados, semente e máquina.

Original: ``padding="max_length"`` até 160 tokens, lotes de 8 (CPU), 3 épocas (regra do material
para >= 1000 exemplos), ordem aleatória. Série, como os notebooks 02 e 05 a usam: padding dinâmico
(``DataCollatorWithPadding``), corte em 128 tokens, lotes de 16 agrupados por tamanho, as mesmas 3
épocas e a mesma taxa de aprendizado. ``--ours-max-length 160`` corta a série no mesmo ponto do
original, e então a diferença vem só do padding e dos lotes.

    HF_HUB_OFFLINE=1 python benchmarks/finetune_speed.py [--epochs 3] [--ours-max-length 160] [--model ...]

Última linha: ``speedup=<x> f1_seed=<a> f1_ours=<b> padding_eff=<e> token_ratio=<t>``.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pandas as pd  # noqa: E402
import torch  # noqa: E402
from transformers import AutoModelForSequenceClassification  # noqa: E402

from helpers import data, hub, lesson02, metrics  # noqa: E402
from commands.cli import Parser  # noqa: E402
from helpers.env import seed_everything  # noqa: E402

MAX_LEN = 160
# o que cada chave de run() mede, como a tabela impressa o mostra
ROW_LABELS = {
    "train_samples_per_second": "amostras/s (treino)",
    "train_seconds": "treino (s)",
    "padding_efficiency": "eficiência do padding",
    "tokens_per_epoch": "tokens processados/época",
    "f1_macro_test": "F1 macro (teste)",
}


def processed_tokens(trainer) -> tuple[int, int]:
    """(tokens reais, tokens processados) numa época do dataloader de treino do Trainer."""
    real = total = 0
    for batch in trainer.get_train_dataloader():
        real += int(batch["attention_mask"].sum())
        total += batch["attention_mask"].numel()
    return real, total


def run(name, tokenized, tokenizer, dataset, args, lr, **train_kwargs):
    seed_everything(args.seed)
    model = hub.load_model(
        args.model,
        AutoModelForSequenceClassification,
        num_labels=dataset.num_labels,
        id2label=dataset.id2label,
        label2id=dataset.label2id,
        verbose=False,
    )
    trainer = lesson02.make_trainer(
        model,
        tokenizer,
        tokenized["train"],
        None,
        output_dir=f"build/bench/{name}",
        learning_rate=lr,
        num_train_epochs=args.epochs,
        seed=args.seed,
        disable_tqdm=True,
        **train_kwargs,
    )
    real, total = processed_tokens(trainer)
    out = trainer.train()
    pred = trainer.predict(tokenized["test"])
    f1 = metrics.classification_metrics(
        pred.predictions.argmax(-1), pred.label_ids, dataset.labels
    )["f1_macro"]
    return {
        "train_samples_per_second": out.metrics["train_samples_per_second"],
        "train_seconds": out.metrics["train_runtime"],
        "padding_efficiency": real / total,
        "tokens_per_epoch": total,
        "f1_macro_test": f1,
    }


def main():
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="neuralmind/bert-base-portuguese-cased")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument(
        "--lr",
        type=float,
        default=None,
        help="padrão: 1e-4 no substituto offline, 2e-5 no BERTimbau",
    )
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument(
        "--ours-max-length",
        type=int,
        default=128,
        help=f"corte da série (padrão 128, o dos notebooks; {MAX_LEN} iguala o original)",
    )
    args = ap.parse_args()
    lr = args.lr or (1e-4 if hub.resolve_model(args.model).substituted else 2e-5)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; modelo {args.model}; lr {lr}; {args.epochs} épocas"
    )
    dataset = data.load_embedded(verbose=False)
    tokenizer = hub.load_tokenizer(args.model, verbose=False)

    # material original: tudo completado até 160 tokens, lotes de 8, ordem aleatória
    seed_tok = dataset.splits.map(
        lambda b: tokenizer(b["text"], padding="max_length", truncation=True, max_length=MAX_LEN),
        batched=True,
    )
    seed = run(
        "original",
        seed_tok,
        tokenizer,
        dataset,
        args,
        lr,
        per_device_train_batch_size=8,
        train_sampling_strategy="random",
    )
    # esta série: padding dinâmico, lotes de 16 agrupados por tamanho
    ours_tok, _ = lesson02.tokenize_splits(
        dataset.splits, tokenizer, max_length=args.ours_max_length, verbose=False
    )
    ours = run(
        "serie",
        ours_tok,
        tokenizer,
        dataset,
        args,
        lr,
        per_device_train_batch_size=16,
        train_sampling_strategy="group_by_length",
    )

    table = pd.DataFrame({"original": seed, "ours": ours})
    shown = table.rename(
        index=ROW_LABELS,
        columns={
            "original": f"original (max_length={MAX_LEN})",
            "ours": f"série (dinâmico + por tamanho, corte {args.ours_max_length})",
        },
    )
    with pd.option_context("display.width", 160):
        print(shown.round(3).to_string())
    speedup = ours["train_samples_per_second"] / seed["train_samples_per_second"]
    token_ratio = seed["tokens_per_epoch"] / ours["tokens_per_epoch"]
    print(
        f"\nSpeed-up de treino: {speedup:.2f}× (limite que só o padding permitiria: {token_ratio:.2f}×)"
    )
    print(
        f"speedup={speedup:.2f} f1_seed={seed['f1_macro_test']:.3f} f1_ours={ours['f1_macro_test']:.3f} "
        f"padding_eff={ours['padding_efficiency']:.3f} token_ratio={token_ratio:.2f}"
    )
    from record import (
        save_result,
    )  # data/resultados/finetuning_velocidade.json, que docs/benchmarks.md aponta

    save_result(
        "finetuning_velocidade",
        {
            "speedup": speedup,
            "f1_seed": seed["f1_macro_test"],
            "f1_ours": ours["f1_macro_test"],
            "padding_eff": ours["padding_efficiency"],
            "token_ratio": token_ratio,
        },
        model=args.model,
        substituted=bool(hub.resolve_model(args.model, verbose=False).substituted),
        epochs=args.epochs,
        lr=lr,
        seed=args.seed,
        ours_max_length=args.ours_max_length,
        table=table.round(4).to_dict(),
    )


if __name__ == "__main__":
    main()
