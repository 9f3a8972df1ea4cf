"""Vários processos (``accelerate launch``, ``torchrun``): quem é o principal, e as previsões juntadas.

Num notebook há um processo só, e tudo aqui é neutro: :func:`world_size` é 1, :func:`shard`
devolve a lista inteira e :func:`assemble` não troca nada com ninguém. Sob ``accelerate launch
--num_processes N`` (ou ``torchrun --nproc-per-node N``), cada processo treina com a sua parte
dos dados (o ``Trainer`` cuida disso), e as previsões no teste são divididas por lotes inteiros
entre os processos e juntadas no fim, na ordem das frases: cada frase é prevista uma vez, pelo
mesmo lote que um processo só usaria, e a métrica sai do teste inteiro.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import numpy as np


# o número de processos e o deste processo, como o accelerate os lê: torchrun/accelerate (WORLD_SIZE, RANK) ou
# mpirun (Intel MPI/MPICH, Open MPI, MVAPICH), que o `accelerate launch --cpu --mpirun_hostfile` usa
SIZE_VARIABLES = ("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
RANK_VARIABLES = ("RANK", "PMI_RANK", "OMPI_COMM_WORLD_RANK", "MV2_COMM_WORLD_RANK")


def _from_env(names, default: int) -> int:
    return next((int(os.environ[k]) for k in names if k in os.environ), default)


def _dist():
    import torch.distributed as dist

    return dist if dist.is_available() and dist.is_initialized() else None


def start() -> int:
    """Inicia o grupo de processos quando o comando foi lançado por ``accelerate launch``/``torchrun``.

    Usa o ``PartialState`` do ``accelerate`` (o mesmo que o ``Trainer`` usa): na CPU, o gloo; numa
    GPU, o NCCL. Num processo só, não faz nada. Devolve o número de processos.
    """
    if _from_env(SIZE_VARIABLES, 1) > 1 and _dist() is None:
        import torch
        from accelerate import PartialState

        PartialState(cpu=not torch.cuda.is_available())  # sem GPU: vários processos na CPU (gloo)
    return world_size()


def on_cpu_cluster() -> bool:
    """Vários processos e nenhuma GPU: o ``Trainer`` precisa de ``use_cpu=True`` para usar o gloo."""
    import torch

    return world_size() > 1 and not torch.cuda.is_available()


def lone_cpu_launch() -> bool:
    """``accelerate launch --cpu --num_processes N`` numa máquina só, sem ``mpirun``: o accelerate iniciou UM processo.

    O accelerate (1.x) só inicia vários processos na CPU pelo ``mpirun`` (``--mpirun_hostfile``); sem ele,
    roda o comando uma vez, com ``ACCELERATE_USE_CPU`` e ``MASTER_ADDR`` definidos e nenhum ``WORLD_SIZE``.
    """
    return (
        os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true")
        and "MASTER_ADDR" in os.environ
        and not any(k in os.environ for k in SIZE_VARIABLES)
    )


def _parent_command() -> list:
    """A linha de comando do processo pai (no Linux, por ``/proc``; vazia onde não der para ler)."""
    try:
        with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
            return [a.decode() for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def requested_processes(parent: list | None = None) -> int | None:
    """Quantos processos o ``accelerate launch`` que iniciou este pediu (``None`` se não der para saber).

    Lê a linha de comando do processo pai (``parent``; por padrão, a do pai deste processo, o
    ``accelerate``) com o próprio parser do accelerate, que também completa o que faltar pelo
    arquivo do ``accelerate config``.
    """
    import logging

    parent = _parent_command() if parent is None else list(parent)
    if "launch" not in parent or not any(
        "accelerate" in a for a in parent[: parent.index("launch")]
    ):
        return None
    logging.disable(
        logging.WARNING
    )  # o parser do accelerate repete os avisos que o launcher já mostrou
    try:
        from accelerate.commands.launch import _validate_launch_command, launch_command_parser

        args = launch_command_parser().parse_args(parent[parent.index("launch") + 1 :])
        n = _validate_launch_command(args)[0].num_processes
    except (Exception, SystemExit):
        return None
    finally:
        logging.disable(logging.NOTSET)
    return int(n) if n else None


def relaunch_command(n: int, module: str, argv: list) -> list:
    """A linha que inicia ``n`` processos de ``python -m module argv`` nesta máquina, como o ``torchrun``.

    Usa o ``MASTER_ADDR``/``MASTER_PORT`` que o ``accelerate launch`` definiu (no padrão, 127.0.0.1:29500).
    """
    import sys

    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        f"--nproc-per-node={n}",
        "--nnodes=1",
        f"--master-addr={os.environ.get('MASTER_ADDR', '127.0.0.1')}",
        f"--master-port={os.environ.get('MASTER_PORT', '29500')}",
        "-m",
        module,
        *argv,
    ]


def world_size() -> int:
    """Quantos processos treinam juntos (1 num notebook)."""
    dist = _dist()
    return dist.get_world_size() if dist else _from_env(SIZE_VARIABLES, 1)


def rank() -> int:
    """O número deste processo (0 é o principal)."""
    dist = _dist()
    return dist.get_rank() if dist else _from_env(RANK_VARIABLES, 0)


def is_main() -> bool:
    """Este é o processo principal (o único que grava arquivos e imprime)?"""
    return rank() == 0


def barrier() -> None:
    """Espera todos os processos chegarem aqui (num processo só, volta na hora)."""
    dist = _dist()
    if dist and dist.get_world_size() > 1:
        dist.barrier()


@contextmanager
def main_first():
    """O principal faz o bloco primeiro (ex.: baixar e tokenizar, enchendo o cache); os outros, depois."""
    if not is_main():
        barrier()
    try:
        yield
    finally:
        if is_main():
            barrier()


def gather(value) -> list:
    """O ``value`` de cada processo, na ordem dos processos (``[value]`` num processo só)."""
    dist = _dist()
    if not dist or dist.get_world_size() == 1:
        return [value]
    out = [None] * dist.get_world_size()
    dist.all_gather_object(out, value)
    return out


def shard(batches: list) -> list:
    """Os lotes deste processo: o 1º, o (N+1)º... para o processo 0; o 2º, o (N+2)º... para o 1; etc."""
    n = world_size()
    return list(batches) if n == 1 else list(batches)[rank() :: n]


def assemble(done: list, *arrays):
    """Junta, em todos os processos, as linhas que cada um calculou, na ordem original.

    ``done``: os vetores de índices que este processo preencheu em ``arrays`` (as outras linhas
    ficam como estão). Num processo só, devolve ``arrays`` como vieram. Erro se alguma linha
    ficou sem ninguém ou foi calculada duas vezes.
    """
    if world_size() == 1:
        return arrays if len(arrays) != 1 else arrays[0]
    mine = np.concatenate(done) if done else np.zeros(0, dtype=np.int64)
    parts = gather((mine, [a[mine] for a in arrays]))
    seen = np.zeros(len(arrays[0]), dtype=np.int64)
    for idx, values in parts:
        seen[idx] += 1
        for target, v in zip(arrays, values):
            target[idx] = v
    if not (seen == 1).all():
        raise RuntimeError(
            f"As previsões juntadas dos {len(parts)} processos não cobrem cada linha uma vez "
            f"({int((seen == 0).sum())} sem previsão, {int((seen > 1).sum())} repetidas)."
        )
    return arrays if len(arrays) != 1 else arrays[0]


def sharded(fn, rows, *args, **kwargs):
    """``fn(rows, ...)`` com as linhas divididas entre os processos; todos recebem o resultado inteiro.

    ``fn`` devolve um vetor (ou uma tupla de vetores) com uma linha por item de ``rows`` (uma lista ou
    um ``datasets.Dataset``). Cada processo calcula a sua parte (o 1º, o (N+1)º... item para o
    processo 0) e :func:`assemble` junta tudo na ordem original. Num processo só, é ``fn(rows, ...)``.
    É assim que os comandos usam as funções das aulas (``inference.predict_proba``,
    ``metrics.predictions_on``...), que não sabem de processos.
    """
    n = world_size()
    if n == 1:
        return fn(rows, *args, **kwargs)
    mine = np.arange(len(rows))[rank() :: n]
    part = rows.select(mine) if hasattr(rows, "select") else [rows[int(i)] for i in mine]
    out = fn(part, *args, **kwargs)
    outs = out if isinstance(out, tuple) else (out,)
    full = []
    for values in outs:
        values = np.asarray(values)
        whole = np.zeros((len(rows), *values.shape[1:]), dtype=values.dtype)
        whole[mine] = values
        full.append(whole)
    return assemble([mine], *full)


def training_kwargs() -> dict:
    """``TrainingArguments`` a mais com vários processos (vazio num processo só).

    Todo peso das cabeças de classificação entra na perda: o DDP não precisa procurar pesos sem gradiente
    (com ``True``, o padrão do ``Trainer``, ele percorre o grafo a mais a cada passo e avisa que não achou
    nenhum). Os outros processos, como o principal, só mostram erros (o padrão, "warning", repetia neles
    os avisos que o principal cala).
    """
    if world_size() == 1:
        return {}
    return {"ddp_find_unused_parameters": False, "log_level_replica": "error"}


def adapt_trainer(trainer):
    """O ``trainer`` com a escala da perda de um processo só, quando há vários; num processo só, nada muda.

    Com perda ponderada (``class_weights``), o ``Trainer`` passaria a ``compute_loss`` a contagem do lote
    GLOBAL (``num_items_in_batch``) e só compensaria (×N) na perda dele: a soma de cada processo seria
    dividida pela contagem global, e a média do DDP a deixaria N vezes menor; com a contagem do lote de
    cada processo, a escala é a de um processo só. Sem pesos, a cabeça de classificação do BERT aceita
    ``**kwargs`` mas calcula a média do lote e ignora ``num_items_in_batch``; o ``Trainer`` (4.46+ e 5.x)
    acharia que ela dividiu pela contagem global e multiplicaria a perda pelo número de processos. Sem
    ``num_items_in_batch``, a perda é a média do lote de cada processo, e o DDP tira a média entre eles.
    """
    if trainer.args.world_size > 1:
        if getattr(trainer, "class_weights", None) is not None:
            trainer.args.average_tokens_across_devices = False
        else:
            trainer.model_accepts_loss_kwargs = False
    return trainer
