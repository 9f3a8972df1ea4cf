"""Verificação numa GPU: os caminhos que a CPU da CI não exercita.

Precisão automática (bf16 onde há suporte de verdade, fp16 nas outras GPUs), fp16 pedido à mão,
perda ponderada, destilação com o termo hidden em precisão mista, ``predict`` e salvar/recarregar,
e o tempo de um fine-tuning com a receita dos notebooks 02 e 05 (perfil offline).

    HF_HUB_OFFLINE=1 python benchmarks/gpu_check.py [--epochs 4]
    HF_HUB_OFFLINE=1 python benchmarks/gpu_check.py --multi-gpu [--epochs 4]   # numa máquina com 2 GPUs ou mais

Última linha: ``gpu=<nome> precision=<bf16|fp16> f1_bert=<a> f1_distil=<b> f1_fp32=<c> train_s_bert=<t> ok=<True|False>``.

Com ``--multi-gpu``, roda o comando ``finetune`` (``commands.experiments``) numa GPU e depois em todas as
visíveis, com ``accelerate launch --multi_gpu --num_processes N`` e o mesmo lote global; confere que o resultado
diz N processos, que o teste inteiro foi avaliado, que só um conjunto de arquivos foi gravado, e imprime os dois
F1 e os dois tempos. Última linha: ``gpus=<N> f1_one=<a> f1_all=<b> train_s_one=<t1> train_s_all=<tN> ok=<...>``.
"""

from __future__ import annotations

import math
import os
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import AutoModelForSequenceClassification  # noqa: E402

from helpers import data, distill, hub, inference, lesson02, lesson04, metrics, training  # noqa: E402
from commands.cli import Parser  # noqa: E402
from helpers.env import seed_everything  # noqa: E402

BERT, DISTIL = "neuralmind/bert-base-portuguese-cased", "distilbert-base-uncased"


def fine_tune(model_id, dataset, tokenized, tokenizer, epochs, lr, **kwargs):
    seed_everything(42)
    model = hub.load_model(
        model_id,
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
        tokenized["validation"],
        compute_metrics=metrics.make_compute_metrics(dataset.labels),
        learning_rate=lr,
        num_train_epochs=epochs,
        disable_tqdm=True,
        output_dir="build/gpu",
        **kwargs,
    )
    start = time.perf_counter()
    out = trainer.train()
    seconds = time.perf_counter() - start
    pred = trainer.predict(tokenized["test"])
    f1 = metrics.classification_metrics(
        pred.predictions.argmax(-1), pred.label_ids, dataset.labels
    )["f1_macro"]
    flags = "bf16" if trainer.args.bf16 else "fp16" if trainer.args.fp16 else "fp32"
    print(
        f"  {model_id} [{flags}] {epochs} épocas: treino {seconds:.1f} s, perda {out.training_loss:.3f}, F1 macro {f1:.3f}"
    )
    return model, trainer, f1, seconds, flags, out.training_loss


def multi_gpu(epochs: int) -> None:
    """O comando finetune numa GPU e em todas as visíveis (accelerate launch), com o mesmo lote global."""
    import json
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    n = torch.cuda.device_count()
    if n < 2:
        raise SystemExit(
            f"--multi-gpu precisa de pelo menos 2 GPUs visíveis; esta máquina tem {n}."
        )
    out = Path("build/gpu/multi")
    shutil.rmtree(out, ignore_errors=True)
    options = [
        "finetune",
        "--num-epochs",
        str(epochs),
        "--class-weights",
        "nao",
        "--batch-size",
        str(16 if 16 % n == 0 else 8 * n),
        "--no-progress",
    ]
    accelerate = shutil.which("accelerate") or str(Path(sys.executable).with_name("accelerate"))
    runs = {
        "one": [
            sys.executable,
            "-m",
            "commands.experiments",
            *options,
            "--output-dir",
            str(out / "uma"),
        ],
        "all": [
            accelerate,
            "launch",
            "--multi_gpu",
            "--num_processes",
            str(n),
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            "-m",
            "commands.experiments",
            *options,
            "--output-dir",
            str(out / "todas"),
        ],
    }
    results, ok = {}, True
    for key, cmd in runs.items():
        env = dict(os.environ, **({"CUDA_VISIBLE_DEVICES": "0"} if key == "one" else {}))
        start = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode:
            print(done.stdout[-4000:], done.stderr[-4000:])
            raise SystemExit(f"{' '.join(cmd)} falhou ({done.returncode}).")
        folder = out / ("uma" if key == "one" else "todas")
        result = json.loads((folder / "metricas.json").read_text(encoding="utf-8"))
        results[key] = (result, seconds)
        spread = result["distributed"]
        print(
            f"  {key}: {spread['processes']} processo(s), lote global {spread['global_batch_size']}"
            f" ({spread['per_process_batch_size']} por processo), F1 macro {result['test']['f1_macro']:.3f}, "
            f"{seconds:.0f} s no total ({result['train_seconds']['plain']:.0f} s de treino)"
        )
    (one, _), (every, _) = results["one"], results["all"]
    ok &= one["distributed"]["processes"] == 1 and every["distributed"]["processes"] == n
    ok &= every["test_examples_evaluated"] == one["test_examples_evaluated"]
    ok &= sum(every["distributed"]["examples_seen_per_process"]) == sum(
        one["distributed"]["examples_seen_per_process"]
    )
    print(
        f"gpus={n} f1_one={one['test']['f1_macro']:.3f} f1_all={every['test']['f1_macro']:.3f} "
        f"train_s_one={one['train_seconds']['plain']:.1f} train_s_all={every['train_seconds']['plain']:.1f} ok={ok}"
    )


def main():
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument(
        "--multi-gpu",
        action="store_true",
        help="o comando finetune numa GPU e em todas as visíveis (accelerate launch)",
    )
    args = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("Sem GPU: este script só faz sentido numa máquina com CUDA.")
    if args.multi_gpu:
        multi_gpu(args.epochs)
        return
    name = torch.cuda.get_device_name(0)
    print(
        f"torch {torch.__version__}, GPU {name}, capacidade {torch.cuda.get_device_capability()}, "
        f"precisão automática {training.precision_kwargs()}"
    )
    ok = True
    dataset = data.load_embedded(verbose=False)
    tok_bert = hub.load_tokenizer(BERT)
    tok_distil = hub.load_tokenizer(DISTIL)
    tokenized, _ = lesson02.tokenize_splits(dataset.splits, tok_bert, max_length=128, verbose=False)
    tokenized_d, _ = lesson02.tokenize_splits(
        dataset.splits, tok_distil, max_length=128, verbose=False
    )

    print("1. fine-tuning com a precisão automática (receita dos notebooks 02 e 05)")
    bert, bert_trainer, f1_bert, s_bert, precision, _ = fine_tune(
        BERT, dataset, tokenized, tok_bert, args.epochs, 1e-4
    )
    _, _, f1_distil, s_distil, _, _ = fine_tune(
        DISTIL, dataset, tokenized_d, tok_distil, args.epochs, 1e-4
    )
    print("2. mesma receita em fp32 (para comparar o F1) e fp16 pedido à mão com pesos de classe")
    _, _, f1_fp32, s_fp32, _, _ = fine_tune(
        BERT, dataset, tokenized, tok_bert, args.epochs, 1e-4, bf16=False, fp16=False
    )
    weights = training.class_weights(list(dataset.splits["train"]["label"]), dataset.num_labels)
    _, _, f1_fp16, _, flags, loss = fine_tune(
        BERT, dataset, tokenized, tok_bert, 1, 1e-4, fp16=True, class_weights=weights
    )
    ok &= flags == "fp16" and math.isfinite(loss)

    print("3. destilação na GPU: soft + hard + hidden (automática e fp16) e soft + hard")
    for alpha_hidden, extra in ((1.0, {}), (1.0, {"fp16": True}), (0.0, {})):
        seed_everything(42)
        student = lesson04.init_student_from_teacher(
            bert, lesson04.spread_layers(bert.config.num_hidden_layers)
        )
        recipe = lesson02.make_trainer(
            student,
            tok_bert,
            tokenized["train"],
            output_dir="build/gpu",
            learning_rate=2e-4,
            num_train_epochs=2,
            disable_tqdm=True,
            **extra,
        )
        trainer = lesson04.make_distillation_trainer(
            recipe,
            bert,
            temperature=2.0,
            alpha_soft=0.9,
            alpha_hard=0.1,
            alpha_hidden=alpha_hidden,
            hidden_loss="cosine",
            layer_map=[(1, 2), (2, 4), (3, 6)],
        )
        start = time.perf_counter()
        trainer.train()
        terms = distill.loss_terms_frame(trainer.state.log_history)
        y_true, y_pred = metrics.predictions_on(trainer, tokenized["test"])
        score = metrics.classification_metrics(y_pred, y_true, dataset.labels)
        finite = bool(np.isfinite(terms.to_numpy()).all())
        teacher_frozen = not bert.training and not any(p.requires_grad for p in bert.parameters())
        print(
            f"  α_hidden={alpha_hidden:g} {extra or 'automática'}: {time.perf_counter() - start:.1f} s, termos finitos {finite}, "
            f"professor congelado {teacher_frozen}, F1 macro do aluno {score['f1_macro']:.3f}"
        )
        print(terms.round(4).to_string())
        ok &= finite and teacher_frozen

    print("4. predict na GPU, salvar e recarregar")
    sentences = [
        "O produto chegou quebrado e ninguém responde.",
        "Gostei muito, recomendo!",
        "É ok, nada demais.",
    ]
    before = inference.predict(sentences, bert, tok_bert)
    twice = inference.predict(sentences, bert, tok_bert)
    with tempfile.TemporaryDirectory() as folder:
        bert.save_pretrained(folder)
        tok_bert.save_pretrained(folder)
        again = AutoModelForSequenceClassification.from_pretrained(folder).to(bert.device)
        after = inference.predict(sentences, again, tok_bert)
    probs = [t.filter(like="p(").to_numpy() for t in (before, twice, after)]
    print(before.to_string())
    print(
        f"  dtype original {next(bert.parameters()).dtype}, recarregado {next(again.parameters()).dtype}; "
        f"attn {bert.config._attn_implementation} / {again.config._attn_implementation}"
    )
    print(
        f"  mesma tabela: 2ª chamada {before.equals(twice)}, recarregado {before.equals(after)}; maior diferença "
        f"de probabilidade: 2ª chamada {abs(probs[0] - probs[1]).max():.1e}, recarregado {abs(probs[0] - probs[2]).max():.1e}"
    )
    same_classes = list(before["classe"]) == list(after["classe"])
    # na GPU, o modelo recarregado pode somar em outra ordem: as probabilidades (com 3 casas) mudam no
    # máximo um passo de arredondamento; as classes não mudam
    ok &= same_classes and abs(probs[0] - probs[2]).max() <= 1.5e-3
    print(
        f"gpu={name.replace(' ', '_')} precision={precision} f1_bert={f1_bert:.3f} f1_distil={f1_distil:.3f} "
        f"f1_fp32={f1_fp32:.3f} train_s_bert={s_bert:.1f} train_s_distil={s_distil:.1f} train_s_fp32={s_fp32:.1f} ok={ok}"
    )


if __name__ == "__main__":
    main()
