"""Executa os notebooks com papermill e mostra uma tabela dos resultados de destaque.

    python scripts/run_notebooks.py --out build/notebooks   # cópias executadas (make run)
    python scripts/run_notebooks.py --inplace               # atualiza as saídas versionadas
    python scripts/run_notebooks.py --only 01 03            # só alguns
    python scripts/run_notebooks.py --smoke                 # parâmetros curtos, tudo em build/smoke (make smoke)

Com ``--smoke``, cada notebook roda com os parâmetros curtos de :data:`SMOKE_PARAMETERS` (1 época,
poucas repetições) e **tudo** o que ele grava vai para ``build/smoke``: ``VARIANTES_BUILD`` aponta para lá,
então os modelos de 1 época nunca sobrescrevem os da execução completa em ``build/`` (e o 04 e o 05
reaproveitam o modelo de 1 época do 02 de ``build/smoke``, com o mesmo registro). Serve para conferir,
enquanto escreve, que os cinco rodam; os números de uma execução curta não valem para o texto.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import nbformat
import papermill as pm

from helpers.cli import Parser

ROOT = Path(__file__).resolve().parents[1]
SMOKE_DIR = ROOT / "build" / "smoke"

# Parâmetros curtos de cada notebook (prefixo do nome → parâmetros do papermill). Só nomes que existem
# na célula "parameters" (tests/test_rerun.py confere). Épocas e TRAIN_LIMIT de 02, 04 (professor) e 05
# são os mesmos, para que 05 reaproveite o modelo do 02 salvo em build/smoke (o 04 fixa a receita sem pesos),
# e 06 os dois modelos do 05.
SMOKE_PARAMETERS = {
    # 01: o tempo é o de construir os modelos (pesos aleatórios), não o das passagens; com REPEATS = 1 o
    # tempo de uma passagem só é ruído, e o prose.check «o DistilBERT economiza tempo» chega a falhar
    "01": {"REPEATS": 3},
    "02": {"NUM_EPOCHS": 1, "TRAIN_LIMIT": 256},
    "03": {"BOOTSTRAP": 200},
    "04": {"TEACHER_EPOCHS": 1, "STUDENT_EPOCHS": 1, "TRAIN_LIMIT": 256, "RUN_ABLATION": True, "SHORT_STEPS": 2,
           "LATENCY_REPEATS": 2, "BOOTSTRAP_SAMPLES": 200},
    "05": {"NUM_EPOCHS": 1, "TRAIN_LIMIT": 256, "LATENCY_REPEATS": 2},
    "06": {"NUM_EPOCHS": 1, "TRAIN_LIMIT": 256, "LATENCY_REPEATS": 2},
}


def smoke_parameters(notebook: Path) -> dict:
    """Os parâmetros curtos de ``notebook`` (pelo prefixo ``NN``); vazio se não houver."""
    return dict(SMOKE_PARAMETERS.get(Path(notebook).name[:2], {}))


def smoke_environment() -> dict:
    """Variáveis de ambiente de uma execução curta: modelos e resultados dentro de ``build/smoke``."""
    return {"VARIANTES_BUILD": str(SMOKE_DIR), "VARIANTES_RESULTS_DIR": str(SMOKE_DIR / "results")}


def strip_metadata(path: Path) -> None:
    """Tira metadados voláteis do papermill (durações, horários) para diffs limpos."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def main() -> int:
    ap = Parser(description="Executa os notebooks com o papermill (make notebooks, make smoke).")
    ap.add_argument("--out", default=None, help="pasta das cópias executadas (padrão: build/notebooks; "
                                                "com --smoke, build/smoke/notebooks)")
    ap.add_argument("--inplace", action="store_true")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--smoke", action="store_true", help="parâmetros curtos; modelos e resultados em build/smoke")
    args = ap.parse_args()
    if args.smoke and args.inplace:
        ap.error("--smoke não combina com --inplace: as saídas versionadas vêm sempre da execução completa.")
    if args.smoke:
        os.environ.update(smoke_environment())
        args.out = args.out or str(SMOKE_DIR / "notebooks")
    else:
        os.environ["VARIANTES_RESULTS_DIR"] = str(ROOT / "build" / "results")
    args.out = args.out or "build/notebooks"
    results_dir = Path(os.environ["VARIANTES_RESULTS_DIR"])
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        notebooks = [n for n in notebooks if any(n.name.startswith(o) for o in args.only)]
    rows, failed = [], False
    for nb in notebooks:
        out = nb if args.inplace else ROOT / args.out / nb.name
        out.parent.mkdir(parents=True, exist_ok=True)
        parameters = smoke_parameters(nb) if args.smoke else {}
        print(f"▶ {nb.name} ..." + (f" (parâmetros curtos: {parameters})" if parameters else ""), flush=True)
        start = time.perf_counter()
        status = "ok"
        (results_dir / f"{nb.stem}.json").unlink(missing_ok=True)
        try:
            pm.execute_notebook(str(nb), str(out), kernel_name="python3", cwd=str(nb.parent), parameters=parameters,
                                progress_bar=False, execution_timeout=args.timeout)
        except Exception as exc:  # segue para os próximos e falha no fim
            status, failed = f"ERRO: {type(exc).__name__}", True
            print(f"  {error_summary(exc)}", flush=True)
        secs = time.perf_counter() - start
        if args.inplace and status == "ok":
            strip_metadata(out)
        row = {"notebook": nb.name, "status": status, "tempo (s)": round(secs, 1)}
        res = results_dir / f"{nb.stem}.json"
        if res.exists() and status == "ok":
            row.update(json.loads(res.read_text(encoding="utf-8")))
        rows.append(row)
        print(f"  {status} em {secs:.1f} s", flush=True)
    total = sum(row["tempo (s)"] for row in rows)
    print(f"\nResultados (perfil offline{', parâmetros curtos: não valem para o texto' if args.smoke else ''}; "
          f"total {total:.0f} s):")
    print(headline_table(rows))
    return 1 if failed else 0


def error_summary(exc: Exception) -> str:
    """Onde e por que parou (ex.: ``ClaimError: ...``), sem o traceback inteiro do papermill."""
    if isinstance(exc, pm.PapermillExecutionError):
        first = next((line for line in exc.source.splitlines() if line.strip()), "")
        return (f"parou na célula {exc.cell_index} da cópia executada (In [{exc.exec_count}]), que começa com "
                f"{first[:80]!r}:\n    {exc.ename}: {exc.evalue}")
    return f"{type(exc).__name__}: {exc}"[:500]


def headline_table(rows) -> str:
    """Uma linha por notebook: status, tempo e os resultados de destaque dele (cada um com seu nome)."""
    def fmt(value):
        return f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)

    width = max(len(row["notebook"]) for row in rows)
    lines = [f"{'notebook':<{width}}  {'status':<8} {'tempo':>7}  resultados de destaque"]
    for row in rows:
        results = "; ".join(f"{k} = {fmt(v)}" for k, v in row.items() if k not in ("notebook", "status", "tempo (s)"))
        lines.append(f"{row['notebook']:<{width}}  {row['status']:<8} {row['tempo (s)']:>5.0f} s  {results or '—'}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
