"""Os experimentos dos notebooks 02 e 04 como comandos, para rodar em escala (vários processos ou GPUs).

    python -m commands.experiments finetune --help
    python -m commands.experiments distill --help
    accelerate launch --num_processes 2 -m commands.experiments finetune ...   # 2 GPUs
    accelerate launch --cpu --num_processes 2 -m commands.experiments finetune ...   # 2 processos na CPU (gloo)
    torchrun --nproc-per-node 2 -m commands.experiments distill ...

``finetune`` é o notebook 02 (fine-tuning com e sem pesos de classe, escolha na validação, teste
uma vez) e ``distill`` o 04 (professor, aluno destilado e aluno só com rótulos, com a mesma
receita; ``--search N`` busca α e T com o Optuna, só na validação). As funções são as mesmas dos
notebooks (``helpers.training``, ``helpers.distill``, ``helpers.metrics``...), com as mesmas
opções dos parâmetros dos notebooks; por isso, num processo só, o comando e o notebook dão o
mesmo F1 na mesma máquina. Os resultados vão para arquivos numa pasta de saída
(``metricas.json``, ``por_classe.csv``, ``historico.csv``, ``resumo.json`` e a pasta do modelo), e a
tabela de destaque é impressa no fim.

Com vários processos, o ``Trainer`` faz o treino com dados em paralelo (cada processo, uma parte
de cada lote; os gradientes são somados entre eles). ``--batch-size`` é sempre o lote **global**:
com N processos, cada um recebe ``batch-size / N`` frases por passo, e o número de passos é o
de um processo só. Só o processo principal grava arquivos e imprime.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import os
import sys
from contextlib import nullcontext, redirect_stdout
from pathlib import Path

from .cli import DefaultsHelpFormatter, Parser

DATA_SOURCES = ("embutido", "hub", "csv")


# --------------------------------------------------------------------------- opções


class _Parser(Parser):
    """As opções em português (:mod:`commands.cli`), e cada uma diz o seu padrão."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", DefaultsHelpFormatter)
        super().__init__(*args, **kwargs)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"precisa ser um inteiro de pelo menos 1 (veio {text!r})"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"precisa ser um inteiro de pelo menos 1 (veio {text})")
    return value


def _add_data_options(p):
    g = p.add_argument_group("dados (os mesmos parâmetros dos notebooks)")
    g.add_argument(
        "--data-source",
        choices=DATA_SOURCES,
        default="embutido",
        help="DATA_SOURCE: 'embutido' (data/avaliacoes_ptbr), 'hub' ou 'csv'",
    )
    g.add_argument(
        "--hf-dataset",
        help="HF_DATASET, com --data-source hub (ex.: AiresPucrs/google-play-apps-review-pt)",
    )
    g.add_argument("--hf-config", help="HF_CONFIG: a configuração do dataset do Hub, se houver")
    g.add_argument(
        "--hf-max-per-split",
        type=int,
        default=5000,
        help="HF_MAX_PER_SPLIT: corta cada split do Hub (0: o split inteiro)",
    )
    g.add_argument(
        "--csv-train", help="CSV_TRAIN: CSV com as colunas text,label (com --data-source csv)"
    )
    g.add_argument("--csv-validation", help="CSV_VALIDATION (sem ele, a validação sai do treino)")
    g.add_argument(
        "--csv-test", help="CSV_TEST (sem ele, a validação faz as vezes do teste, com aviso)"
    )
    g.add_argument(
        "--train-limit",
        type=_positive_int,
        help="TRAIN_LIMIT: só tantos textos do treino (sorteio estratificado), para uma execução curta",
    )


def _add_run_options(p, default_dir):
    g = p.add_argument_group("execução")
    g.add_argument(
        "--max-length",
        type=int,
        default=128,
        help="MAX_LENGTH: tokens por texto; os mais longos são cortados",
    )
    g.add_argument(
        "--batch-size",
        type=_positive_int,
        default=16,
        help="BATCH_SIZE: o lote GLOBAL; com N processos, cada um recebe batch-size/N frases por passo",
    )
    g.add_argument("--seed", type=int, default=42, help="SEED")
    g.add_argument(
        "--max-steps",
        type=_positive_int,
        help="para depois de tantos passos (lotes globais), em vez das épocas: uma execução curta",
    )
    g.add_argument(
        "--output-dir", default=None, help=f"pasta dos resultados (padrão: build/{default_dir})"
    )
    g.add_argument(
        "--no-progress",
        action="store_true",
        help="sem barra de progresso (ela só aparece no processo principal)",
    )


def build_parser() -> argparse.ArgumentParser:
    """As opções dos dois comandos, com a ajuda em português."""
    root = _Parser(
        prog="python -m commands.experiments",
        description=__doc__.split("\n\n")[0],
        epilog=(
            "Em vários processos, o mesmo comando (--batch-size é o lote global):\n"
            "  accelerate launch --num_processes N -m commands.experiments ...        N GPUs\n"
            "  accelerate launch --cpu --num_processes N -m commands.experiments ...  N processos na CPU (gloo)\n"
            "  torchrun --nproc-per-node N -m commands.experiments ...\n"
            'Veja a página "Em escala" (docs/em-escala.md).'
        ),
    )
    sub = root.add_subparsers(
        dest="command", required=True, title="comandos", metavar="{finetune,distill}"
    )

    ft = sub.add_parser(
        "finetune",
        help="o fine-tuning do notebook 02",
        description="O fine-tuning do notebook 02: treina com e sem pesos de classe, escolhe na "
        "validação (intervalo pareado), avalia a escolha no teste uma vez e salva o modelo.",
    )
    g = ft.add_argument_group("modelo e receita")
    g.add_argument(
        "--model-name",
        default="neuralmind/bert-base-portuguese-cased",
        help="MODEL_NAME: id do Hub ou pasta local (offline: o substituto, anunciado)",
    )
    g.add_argument(
        "--learning-rate",
        type=float,
        help="LEARNING_RATE; sem ela: 2e-5, ou 1e-4 no substituto offline",
    )
    g.add_argument("--num-epochs", type=_positive_int, default=4, help="NUM_EPOCHS")
    g.add_argument(
        "--freeze-n-layers",
        type=int,
        default=0,
        help="FREEZE_N_LAYERS: congela embeddings + N camadas",
    )
    g.add_argument(
        "--class-weights",
        choices=("auto", "sim", "nao"),
        default="auto",
        help="'auto': treina sem e com pesos e escolhe na validação, como o notebook 02; "
        "'sim' ou 'nao': treina só um",
    )
    _add_data_options(ft)
    _add_run_options(ft, "experimentos/finetune")

    ds = sub.add_parser(
        "distill",
        help="a destilação do notebook 04",
        description="A destilação do notebook 04: o professor (a receita do 02, sem pesos), o aluno "
        "com uma camada a cada duas, destilado e só com rótulos (mesmo início, mesma "
        "receita), as medidas de tempo e os intervalos pareados no teste.",
        epilog="A ablação (--run-ablation) e a busca (--search) olham só a validação; o teste é "
        "usado uma vez, no fim, pelos alunos finais.",
    )
    g = ds.add_argument_group("professor e aluno")
    g.add_argument(
        "--teacher-model",
        default="neuralmind/bert-base-portuguese-cased",
        help="TEACHER_MODEL: id do Hub ou pasta do modelo base do professor",
    )
    g.add_argument(
        "--teacher-from",
        action="append",
        default=[],
        metavar="PASTA",
        help="pasta de um professor já ajustado (ex.: o modelo/ do finetune ou build/02_bertimbau/modelo); "
        "reaproveitado só se o registro (modelo, dados, receita) for o mesmo. Pode repetir",
    )
    g.add_argument(
        "--student-layers",
        type=int,
        nargs="+",
        help="STUDENT_LAYERS: camadas do professor copiadas para o aluno (padrão: metade, com a primeira e a última: 0, 2, 5 de 6)",
    )
    g.add_argument("--teacher-epochs", type=_positive_int, default=4, help="TEACHER_EPOCHS")
    g.add_argument(
        "--teacher-lr", type=float, help="TEACHER_LR; sem ela: 2e-5, ou 1e-4 no substituto offline"
    )
    g.add_argument(
        "--student-epochs", type=_positive_int, default=3, help="STUDENT_EPOCHS (os dois alunos)"
    )
    g.add_argument(
        "--student-seed",
        type=int,
        default=None,
        help="STUDENT_SEED: semente dos dois alunos; sem ela, a de --seed (o professor não muda)",
    )
    g.add_argument(
        "--student-lr", type=float, help="STUDENT_LR; sem ela: o dobro da taxa do professor"
    )
    g = ds.add_argument_group("perda de destilação")
    g.add_argument("--temperature", type=float, default=2.0, help="TEMPERATURE (T da perda soft)")
    g.add_argument("--alpha-soft", type=float, default=0.5, help="ALPHA_SOFT (imitar o professor)")
    g.add_argument("--alpha-hard", type=float, default=0.5, help="ALPHA_HARD (rótulos verdadeiros)")
    g.add_argument(
        "--alpha-hidden", type=float, default=1.0, help="ALPHA_HIDDEN (estados ocultos; 0 desliga)"
    )
    g.add_argument("--hidden-loss", choices=("cosine", "mse"), default="cosine", help="HIDDEN_LOSS")
    g = ds.add_argument_group("ablação, busca e medidas")
    g.add_argument(
        "--run-ablation",
        action="store_true",
        help="a ablação dos três termos e a varredura de T em treinos curtos, na validação",
    )
    g.add_argument(
        "--short-steps",
        type=_positive_int,
        default=20,
        help="SHORT_STEPS: passos de cada treino da ablação",
    )
    g.add_argument("--ablation-alpha-hidden", type=float, default=1.0, help="ABLATION_ALPHA_HIDDEN")
    g.add_argument(
        "--sweep-temperatures",
        type=float,
        nargs="+",
        default=[1.0, 2.0, 4.0],
        help="SWEEP_TEMPERATURES",
    )
    g.add_argument(
        "--search",
        type=_positive_int,
        metavar="N",
        help="busca N configurações de α_soft (α_hard = 1 − α_soft), T e épocas do aluno com o Optuna "
        "(Trainer.hyperparameter_search), pelo F1 macro na VALIDAÇÃO; o aluno final usa a melhor",
    )
    g.add_argument(
        "--latency-repeats", type=int, default=6, help="LATENCY_REPEATS (0: não mede o tempo)"
    )
    g.add_argument("--latency-threads", type=_positive_int, default=1, help="LATENCY_THREADS")
    g.add_argument(
        "--bootstrap-samples", type=_positive_int, default=1000, help="BOOTSTRAP_SAMPLES"
    )
    _add_data_options(ds)
    _add_run_options(ds, "experimentos/destilacao")
    return root


# --------------------------------------------------------------------------- peças comuns


def _say(*args, **kwargs):
    print(*args, **kwargs, flush=True)


def _g(value, digits: int = 3) -> str:
    """Um número para o texto impresso: ``digits`` algarismos significativos e vírgula decimal (``7,22``)."""
    return f"{float(value):.{digits}g}".replace(".", ",")


def _load_dataset(opts):
    from helpers import data

    kwargs = {}
    if opts.data_source == "hub":
        kwargs["max_per_split"] = opts.hf_max_per_split or None
    dataset = data.load_data(
        opts.data_source,
        hf_dataset=opts.hf_dataset,
        hf_config=opts.hf_config,
        csv_train=opts.csv_train,
        csv_validation=opts.csv_validation,
        csv_test=opts.csv_test,
        **kwargs,
    )
    dataset = data.limit_train(dataset, opts.train_limit, opts.seed)
    if "test" not in dataset.splits:
        dataset.splits["test"] = dataset.splits["validation"]
        _say(
            "Aviso: sem teste separado, a validação faz as vezes dele; o número do teste fica otimista."
        )
    return dataset


def _data_and_tokens(opts, model_id: str):
    """Os dados e o tokenizador de ``model_id``, tokenizados como no notebook (o principal primeiro, enchendo o cache)."""
    from helpers import hub, lesson02
    from . import distributed

    with distributed.main_first():
        dataset = _load_dataset(opts)
    tokenizer = hub.load_tokenizer(model_id)
    with distributed.main_first():
        tokenized, report = lesson02.tokenize_splits(
            dataset.splits, tokenizer, max_length=opts.max_length
        )
    return dataset, tokenizer, tokenized, report


def per_device_batch(batch_size: int, processes: int) -> int:
    """O lote de cada processo para um lote global ``batch_size``; erro em português se não dividir."""
    if batch_size % processes:
        options = [b for b in range(processes, 4 * batch_size + 1, processes)][:3]
        raise SystemExit(
            f"erro: o lote global (--batch-size {batch_size}) precisa ser divisível pelo número de "
            f"processos ({processes}), para que cada um receba o mesmo número de frases por passo. "
            f"Use, por exemplo, --batch-size {' ou '.join(map(str, options))}."
        )
    return batch_size // processes


def counting_metrics(compute_metrics):
    """``compute_metrics`` que também informa quantas frases a avaliação viu (``examples``).

    Com vários processos, o ``Trainer`` junta as previsões de todos (``gather_for_metrics``, sem as
    repetidas do último lote): ``examples`` é o tamanho do split inteiro, e o histórico o mostra.
    """

    def wrapped(eval_pred):
        out = dict(compute_metrics(eval_pred))
        out["examples"] = int(len(eval_pred.label_ids))
        return out

    return wrapped


def count_training_inputs(trainer) -> dict:
    """Conta as frases e os tokens de verdade que **este** processo treinou (o ``compute_loss`` no treino)."""
    seen = {"examples": 0, "tokens": 0}
    original = trainer.compute_loss

    def compute_loss(model, inputs, *args, **kwargs):
        if model.training:
            seen["examples"] += int(inputs["labels"].shape[0])
            seen["tokens"] += int(inputs["attention_mask"].sum())
        return original(model, inputs, *args, **kwargs)

    trainer.compute_loss = compute_loss
    return seen


def distribution_report(trainer, seen: dict, batch_size: int) -> dict:
    """Quantos processos, o lote global e por processo, e o que cada processo viu no treino."""
    from . import distributed

    parts = distributed.gather(dict(seen))
    return {
        "processes": distributed.world_size(),
        "global_batch_size": batch_size,
        "per_process_batch_size": trainer.args.per_device_train_batch_size,
        "steps": trainer.state.global_step,
        "examples_seen_per_process": [p["examples"] for p in parts],
        "tokens_seen_per_process": [p["tokens"] for p in parts],
    }


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "__float__"):
        return float(value)
    return str(value)


def write_json(path: Path, value) -> None:
    path.write_text(
        json.dumps(value, ensure_ascii=False, indent=1, default=_json_default), encoding="utf-8"
    )


def _runtime_kwargs() -> dict:
    """O que o ``Trainer`` precisa saber do lançamento: com vários processos e sem GPU, ``use_cpu`` (gloo)."""
    from . import distributed

    return {"use_cpu": True} if distributed.on_cpu_cluster() else {}


def _common_kwargs(opts, per_device):
    extra = {
        "per_device_train_batch_size": per_device,
        "seed": opts.seed,
        "disable_tqdm": opts.no_progress,
        **_runtime_kwargs(),
    }
    if opts.max_steps:
        extra["max_steps"] = opts.max_steps
    return extra


def _prepare(opts, default_dir: str):
    """Processos, lote de cada um e a pasta de saída (criada pelo principal)."""
    from helpers import artifacts
    from . import distributed

    processes = distributed.world_size()
    per_device = per_device_batch(opts.batch_size, processes)
    out = (
        Path(opts.output_dir)
        if opts.output_dir
        else artifacts.build_dir("experimentos", default_dir)
    )
    if distributed.is_main():
        out.mkdir(parents=True, exist_ok=True)
    return processes, per_device, out


def _finish(out: Path, summary: dict, labels: dict, shown: dict | None = None) -> None:
    """Grava ``resumo.json`` (chaves em inglês) e imprime a tabela de destaque em português.

    ``labels`` dá o rótulo impresso de cada chave; ``shown``, o valor impresso no lugar do gravado
    (ex.: ``"plain"`` aparece como ``"sem pesos"``).
    """
    from helpers import results

    write_json(out / "resumo.json", summary)
    values = {**summary, **(shown or {})}
    # o que não foi medido nesta execução (ex.: a receita que não treinou) aparece como "—", não "None"
    shown_values = {labels[k]: "—" if v is None else v for k, v in values.items()}
    table = results.table(**shown_values)
    _say("\n" + table.to_string())
    _say(f"\nResultados em {out}")


# --------------------------------------------------------------------------- entrada


def _threads_per_process():
    """Na CPU com vários processos, divide os núcleos entre eles (sem isso, cada um usaria todos)."""
    import torch

    local = int(os.environ.get("LOCAL_WORLD_SIZE", os.environ.get("WORLD_SIZE", "1")))
    if local > 1 and not torch.cuda.is_available() and "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // local))


def main(argv=None) -> int:
    """``python -m commands.experiments {finetune,distill} ...`` (e o comando ``variantes-bert``)."""
    opts = build_parser().parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from . import distributed
    from helpers.env import library_versions

    if distributed.lone_cpu_launch():
        n = distributed.requested_processes()
        if not n or n < 2:
            raise SystemExit(
                "erro: o accelerate iniciou UM processo só, e não deu para saber quantos você pediu. Na CPU, o "
                "`accelerate launch --cpu --num_processes N` só inicia vários processos pelo mpirun "
                "(--mpirun_hostfile); sem ele, roda o comando uma vez. Numa máquina só, sem GPU, use um destes "
                "(os dois usam o gloo):\n"
                "    accelerate launch --multi_gpu --num_processes 2 -m commands.experiments ...\n"
                "    torchrun --nproc-per-node 2 -m commands.experiments ...\n"
                "Para um processo só, rode sem o accelerate: python -m commands.experiments ..."
            )
        args = list(sys.argv[1:] if argv is None else argv)
        print(
            f"O accelerate iniciou um processo só na CPU (sem mpirun, é o que ele faz com --cpu); este comando "
            f"inicia os {n} processos pedidos com o torch.distributed.run (o torchrun), com o gloo.",
            flush=True,
        )
        return subprocess.call(distributed.relaunch_command(n, "commands.experiments", args))
    distributed.start()
    _threads_per_process()
    quiet = open(os.devnull, "w") if not distributed.is_main() else None  # só o principal imprime
    try:
        with redirect_stdout(quiet) if quiet else nullcontext():
            from transformers.utils import logging as hf_logging

            from helpers.env import decimal_comma_tables

            hf_logging.set_verbosity_error()
            decimal_comma_tables()  # as tabelas impressas com vírgula decimal, como nos notebooks; os CSV ficam com ponto
            _say("Versões: " + " | ".join(f"{k} {v}" for k, v in library_versions().items()))
            if opts.command == "finetune":
                from .finetune import run_finetune as run
            else:
                from .distill import run_distill as run
            run(opts)
    finally:
        if quiet:
            quiet.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
