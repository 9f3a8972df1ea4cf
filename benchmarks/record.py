"""Grava o resultado de um benchmark em ``data/resultados/<nome>.json``: os números que ele imprime, com a data,
a CPU, as versões e o comando que os mediu. ``docs/benchmarks.md`` aponta para esses arquivos em vez de digitar
os números (cada arquivo é escrito inteiro pelo comando; não edite à mão).

    from record import save_result          # nos scripts de benchmarks/ (a pasta do script está no sys.path)
    save_result("finetuning_velocidade", {"speedup": 3.3, ...}, seconds=812)
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "data" / "resultados"


def cpu_name() -> str:
    """O modelo da CPU, como a execução completa dos notebooks o grava (``scripts/provenance.py``)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from provenance import cpu_name as read_cpu

    return read_cpu()


def command_line(argv: list[str] | None = None) -> str:
    """O comando como se digita na raiz do repositório, com o perfil offline quando ligado:
    ``HF_HUB_OFFLINE=1 python benchmarks/finetune_speed.py --epochs 3``."""
    argv = list(sys.argv if argv is None else argv)
    script = Path(argv[0]).resolve() if argv else Path("?")
    shown = script.relative_to(ROOT).as_posix() if script.is_relative_to(ROOT) else script.name
    prefix = "HF_HUB_OFFLINE=1 " if os.environ.get("HF_HUB_OFFLINE") == "1" else ""
    return prefix + shlex.join(["python", shown, *argv[1:]])


def process_seconds() -> float | None:
    """Há quantos segundos este processo começou (Linux: ``/proc``); ``None`` onde não dá para saber."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def metadata(seconds: float | None = None, argv: list[str] | None = None) -> dict:
    """Data, CPU, núcleos, versões, perfil e comando da medição; ``seconds`` (padrão: desde o início do processo)."""
    import torch
    import transformers

    return {
        "date": date.today().isoformat(),
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "offline": os.environ.get("HF_HUB_OFFLINE") == "1",
        "command": command_line(argv),
        "seconds": round(seconds if seconds is not None else (process_seconds() or 0)),
    }


def save_result(
    name: str,
    result: dict,
    seconds: float | None = None,
    folder: Path | None = None,
    argv: list[str] | None = None,
    **details,
) -> Path:
    """Grava ``{"meta": ..., "result": result, **details}`` em ``<folder>/<name>.json`` (padrão:
    ``data/resultados``) e diz onde gravou. ``result`` tem chaves em inglês e valores numéricos (os da última
    linha que o benchmark imprime); ``details`` leva o resto (sementes, tabela, parâmetros)."""
    folder = Path(folder) if folder is not None else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    payload = {"meta": metadata(seconds, argv), "result": result, **details}
    path.write_text(
        json.dumps(payload, ensure_ascii=False, indent=1, default=float) + "\n", encoding="utf-8"
    )
    shown = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    print(f"resultado gravado em {shown}", flush=True)
    return path
