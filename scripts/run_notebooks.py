"""Executa os notebooks com papermill e mostra uma tabela dos resultados de destaque.

    python scripts/run_notebooks.py --out build/notebooks   # cópias executadas (make run)
    python scripts/run_notebooks.py --inplace               # atualiza as saídas versionadas
    python scripts/run_notebooks.py --only 01 03            # só alguns
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import nbformat
import papermill as pm

ROOT = Path(__file__).resolve().parents[1]


def strip_metadata(path: Path) -> None:
    """Tira metadados voláteis do papermill (durações, horários) para diffs limpos."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build/notebooks")
    ap.add_argument("--inplace", action="store_true")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--timeout", type=int, default=1800)
    args = ap.parse_args()
    results_dir = ROOT / "build" / "results"
    os.environ["VARIANTES_RESULTS_DIR"] = str(results_dir)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        notebooks = [n for n in notebooks if any(n.name.startswith(o) for o in args.only)]
    rows, failed = [], False
    for nb in notebooks:
        out = nb if args.inplace else ROOT / args.out / nb.name
        out.parent.mkdir(parents=True, exist_ok=True)
        print(f"▶ {nb.name} ...", flush=True)
        start = time.perf_counter()
        status = "ok"
        (results_dir / f"{nb.stem}.json").unlink(missing_ok=True)
        try:
            pm.execute_notebook(str(nb), str(out), kernel_name="python3", cwd=str(nb.parent),
                                progress_bar=False, execution_timeout=args.timeout)
        except Exception as exc:  # segue para os próximos e falha no fim
            status, failed = f"ERRO: {type(exc).__name__}", True
        secs = time.perf_counter() - start
        if args.inplace and status == "ok":
            strip_metadata(out)
        row = {"notebook": nb.name, "status": status, "tempo (s)": round(secs, 1)}
        res = results_dir / f"{nb.stem}.json"
        if res.exists() and status == "ok":
            row.update(json.loads(res.read_text(encoding="utf-8")))
        rows.append(row)
        print(f"  {status} em {secs:.1f} s", flush=True)
    print("\nResultados (perfil offline):")
    print(headline_table(rows))
    return 1 if failed else 0


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
