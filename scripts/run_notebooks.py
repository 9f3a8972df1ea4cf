"""Executa os notebooks com papermill e mostra uma tabela dos resultados de destaque.

    python scripts/run_notebooks.py --out build/notebooks   # cópias executadas (make run)
    python scripts/run_notebooks.py --inplace               # a execução completa versionada (make notebooks)
    python scripts/run_notebooks.py --only 01 03            # só alguns
    python scripts/run_notebooks.py --params smoke          # parâmetros curtos, tudo em build/smoke (make smoke)
    python scripts/run_notebooks.py --params ci --nbval     # a camada notebooks do make test

Com ``--params NOME``, cada notebook roda com os parâmetros de ``params/NOME.yaml`` (uma época...) e **tudo**
o que ele grava vai para ``build/NOME``: ``VARIANTES_BUILD`` aponta para lá, então os modelos curtos nunca
sobrescrevem os da execução completa em ``build/`` (e o 04, o 05 e o 06 reaproveitam os modelos curtos dos
anteriores, com o mesmo registro). ``VARIANTES_SHORT_RUN`` diz ao ``prose.check`` que as afirmações marcadas
``full_run=True`` não valem numa execução curta. Os números de uma execução curta não valem para o texto.
Com ``--inplace``, a proveniência de cada notebook (``scripts/provenance.py``) vai para os metadados dele.

A cada 30 s, uma linha diz em que célula cada notebook está. O que o processo do kernel escreve fora das células
(avisos de bibliotecas, em inglês) vai para ``build/logs/NN_....kernel.txt``, não para a tela; quando um notebook
falha, o fim desse arquivo aparece junto com a célula que parou.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import nbformat
import papermill as pm

from commands.cli import Parser

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
PARAMS_DIR = ROOT / "params"


def load_parameters(name: str) -> dict[str, dict]:
    """Os parâmetros curtos ``params/<name>.yaml``: prefixo do notebook (``"02"``) → parâmetros do papermill."""
    import yaml

    path = PARAMS_DIR / f"{name}.yaml"
    if not path.exists():
        raise SystemExit(
            f"ERRO: não há {path.relative_to(ROOT)}; os conjuntos são: "
            + ", ".join(sorted(p.stem for p in PARAMS_DIR.glob("*.yaml")))
        )
    return {
        str(k): dict(v or {})
        for k, v in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items()
    }


def parameter_names(notebook: Path) -> set[str]:
    """Os nomes atribuídos na célula ``parameters`` de ``notebook`` (os que o papermill pode trocar)."""
    import ast

    cell = next(
        c
        for c in nbformat.read(notebook, as_version=4).cells
        if "parameters" in c.metadata.get("tags", [])
    )
    return {
        t.id
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }


def short_parameters(notebook: Path, name: str = "smoke") -> dict:
    """Os parâmetros de ``params/<name>.yaml`` para ``notebook`` (pelo prefixo ``NN``); vazio se não houver."""
    return dict(load_parameters(name).get(Path(notebook).name[:2], {}))


def short_environment(name: str = "smoke") -> dict:
    """Variáveis de uma execução curta: modelos e resultados em ``build/<name>``; as afirmações só de execução
    completa (``prose.check(..., full_run=True)``) são avaliadas sem interromper a execução."""
    folder = ROOT / "build" / name
    return {
        "VARIANTES_BUILD": str(folder),
        "VARIANTES_RESULTS_DIR": str(folder / "results"),
        "VARIANTES_SHORT_RUN": name,
    }


def smoke_parameters(notebook: Path) -> dict:
    """Os parâmetros curtos do ``make smoke`` (``params/smoke.yaml``) para ``notebook``."""
    return short_parameters(notebook, "smoke")


def smoke_environment() -> dict:
    """Variáveis de ambiente do ``make smoke``: tudo dentro de ``build/smoke``."""
    return short_environment("smoke")


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
    ap.add_argument(
        "--out",
        default=None,
        help="pasta das cópias executadas (padrão: build/notebooks; "
        "com --smoke, build/smoke/notebooks)",
    )
    ap.add_argument("--inplace", action="store_true")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--smoke", action="store_true", help="o mesmo que --params smoke")
    ap.add_argument(
        "--params",
        default=None,
        help="parâmetros curtos de params/<nome>.yaml (smoke, ci); modelos e "
        "resultados em build/<nome>",
    )
    ap.add_argument(
        "--prepare", action="store_true", help="só grava as cópias com os parâmetros (sem executar)"
    )
    ap.add_argument(
        "--nbval",
        action="store_true",
        help="grava as cópias e as executa com o pytest e o nbval, que "
        "compara as células conferidas (make test-notebooks)",
    )
    ap.add_argument(
        "pytest_args", nargs="*", help="depois de --: opções a mais para o pytest (com --nbval)"
    )
    args = ap.parse_args()
    args.prepare = args.prepare or args.nbval
    if args.smoke:
        args.params = "smoke"
    if args.prepare and not args.params:
        ap.error(
            "--prepare e --nbval pedem --params (ci ou smoke): as cópias levam os parâmetros curtos."
        )
    if args.params and args.inplace:
        ap.error(
            "parâmetros curtos não combinam com --inplace: as saídas versionadas vêm sempre da execução completa."
        )
    if args.params:
        os.environ.update(short_environment(args.params))
        args.out = args.out or str(ROOT / "build" / args.params / "notebooks")
    else:
        os.environ["VARIANTES_RESULTS_DIR"] = str(ROOT / "build" / "results")
        os.environ.pop(
            "VARIANTES_SHORT_RUN", None
        )  # a execução completa confere toda afirmação, full_run também
    args.out = args.out or "build/notebooks"
    results_dir = Path(os.environ["VARIANTES_RESULTS_DIR"])
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        notebooks = [n for n in notebooks if any(n.name.startswith(o) for o in args.only)]
        if not notebooks:
            ap.error(
                f"nenhum notebook começa com {' ou '.join(args.only)}; os notebooks são 01 a 06."
            )
    rows, failed = [], False
    if args.inplace:
        from provenance import input_hash, new_run, record

        run = new_run()
        print(
            f"Execução completa {run['run_id']} ({run['date']}, {run['cpu']}, {run['cores']} núcleos, perfil "
            f"{'offline' if run['offline'] else 'ONLINE'}): a proveniência vai para os metadados de cada notebook.",
            flush=True,
        )
        if args.only:
            print(
                "Aviso: com --only, os notebooks ficam com execuções diferentes e a camada static vai pedir "
                "`make notebooks` (os seis juntos).",
                flush=True,
            )
    for nb in notebooks:
        out = nb if args.inplace else ROOT / args.out / nb.name
        out.parent.mkdir(parents=True, exist_ok=True)
        parameters = short_parameters(nb, args.params) if args.params else {}
        if args.prepare:
            prepare_copy(nb, out, parameters)
            continue
        shown = f" (parâmetros curtos: {shown_parameters(parameters)})" if parameters else ""
        print(f"▶ {nb.name} ...{shown}", flush=True)
        start = time.perf_counter()
        status = "ok"
        digest = input_hash(nb) if args.inplace else None
        (results_dir / f"{nb.stem}.json").unlink(missing_ok=True)
        log = ROOT / "build" / "logs" / f"{nb.stem}.kernel.txt"
        try:
            with Heartbeat(nb.name, out):
                pm.execute_notebook(
                    str(nb),
                    str(out),
                    kernel_name="python3",
                    cwd=str(nb.parent),
                    parameters=parameters,
                    progress_bar=False,
                    execution_timeout=args.timeout,
                    extra_arguments=QUIET_KERNEL,
                    kernel_manager_class=kernel_with_log(log),
                )
        except Exception as exc:  # segue para os próximos e falha no fim
            status, failed = f"ERRO: {type(exc).__name__}", True
            print(f"  {error_summary(exc)}", flush=True)
            print(log_tail(log), flush=True)
        else:
            print(log_note(log), end="", flush=True)
        secs = time.perf_counter() - start
        if args.inplace and status == "ok":
            strip_metadata(out)
            record(out, run, digest, secs)
        row = {"notebook": nb.name, "status": status, "tempo (s)": round(secs, 1)}
        res = results_dir / f"{nb.stem}.json"
        if res.exists() and status == "ok":
            row.update(json.loads(res.read_text(encoding="utf-8")))
        rows.append(row)
        print(f"  {status} em {secs:.1f} s".replace(".", ","), flush=True)
    if args.prepare:
        print(f"cópias com os parâmetros de params/{args.params}.yaml em {args.out}", flush=True)
        if args.nbval:
            return nbval(ROOT / args.out, args.pytest_args)
        return 0
    total = sum(row["tempo (s)"] for row in rows)
    print(
        f"\nResultados (perfil offline{', parâmetros curtos: não valem para o texto' if args.params else ''}; "
        f"total {total:.0f} s):"
    )
    print(headline_table(rows))
    return 1 if failed else 0


# o kernel avisa, em inglês, que fala com o papermill por TCP sem criptografia (é na própria máquina): só erros
QUIET_KERNEL = ["--IPKernelApp.log_level=ERROR"]


def kernel_with_log(log: Path):
    """Um gerenciador de kernel que manda o que o processo do kernel escreve no terminal (avisos de bibliotecas
    fora das células, em inglês, na partida e no fim) para ``log``, em vez da tela do ``make run``. As saídas das
    células continuam no notebook; um erro mostra o fim do arquivo (``log_tail``)."""
    from jupyter_client.manager import AsyncKernelManager

    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_bytes(b"")

    class KernelWithLog(AsyncKernelManager):
        async def start_kernel(self, **kw):
            with log.open("ab") as stream:  # o processo do kernel herda uma cópia do descritor
                kw.setdefault("stderr", stream)
                kw.setdefault("stdout", stream)
                await super().start_kernel(**kw)
            for key in ("stderr", "stdout"):  # um reinício escreveria num arquivo já fechado
                getattr(self, "_launch_args", {}).pop(key, None)

    return KernelWithLog


def log_tail(log: Path, lines: int = 15) -> str:
    """As últimas linhas que o kernel escreveu fora das células (onde um kernel que morreu diz por quê)."""
    text = log.read_text(encoding="utf-8", errors="replace").strip() if log.exists() else ""
    if not text:
        return "  (o kernel não escreveu nada fora das células)"
    tail = text.splitlines()[-lines:]
    return f"  o kernel escreveu fora das células (fim de {log.relative_to(ROOT)}):\n" + "\n".join(
        "    | " + line for line in tail
    )


def log_note(log: Path) -> str:
    """Uma linha, só quando o kernel escreveu algo fora das células numa execução que deu certo."""
    text = log.read_text(encoding="utf-8", errors="replace").strip() if log.exists() else ""
    if not text:
        return ""
    return f"  (o kernel escreveu {len(text.splitlines())} linha(s) fora das células: {log.relative_to(ROOT)})\n"


HEARTBEAT_S = 30


class Heartbeat:
    """A cada 30 s, uma linha com a célula que está rodando (o papermill grava a cópia a cada 30 s)."""

    def __init__(self, name: str, out: Path, every: float = HEARTBEAT_S):
        import threading

        self.name, self.out, self.every = name, out, every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self):
        self.start = time.perf_counter()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def run(self):
        while not self.stop.wait(self.every):
            print(
                f"  … {self.name}: {self.where()}, {minutes(time.perf_counter() - self.start)}",
                flush=True,
            )

    def where(self) -> str:
        try:
            cells = [
                c for c in nbformat.read(self.out, as_version=4).cells if c.cell_type == "code"
            ]
        except Exception:  # o papermill pode estar gravando o arquivo agora
            return "rodando"
        running = next(
            (
                i
                for i, c in enumerate(cells)
                if c.metadata.get("papermill", {}).get("status") == "running"
            ),
            None,
        )
        return f"célula {running + 1} de {len(cells)}" if running is not None else "rodando"


def shown_parameters(parameters: dict) -> str:
    """``{"NUM_EPOCHS": 1, "LR": 0.0001}`` → ``"NUM_EPOCHS = 1, LR = 0,0001"`` (vírgula decimal)."""
    return ", ".join(
        f"{k} = {str(v).replace('.', ',') if isinstance(v, float) else v}"
        for k, v in parameters.items()
    )


def fmt(value) -> str:
    """Vírgula decimal e sinal de menos, como nos notebooks: ``-0.0333`` → ``"−0,033"``; o resto, como texto."""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".").replace(".", ",").replace("-", "−")
    return str(value)


def minutes(seconds: float) -> str:
    """``95`` → ``"1 min 35 s"``."""
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s} s" if m else f"{s} s"


def nbval(folder: Path, extra: list[str]) -> int:
    """O pytest (camada ``notebooks``) nas cópias de ``folder``: o nbval executa cada uma e compara as células conferidas."""
    import subprocess

    command = [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        "notebooks and not slow",
        str(folder),
        "--nbval-lax",
        "--nbval-current-env",
        "--nbval-cell-timeout=1200",
        *extra,
    ]
    return subprocess.run(command, cwd=ROOT).returncode


def prepare_copy(notebook: Path, out: Path, parameters: dict) -> None:
    """Grava em ``out`` a cópia de ``notebook`` com a célula ``injected-parameters`` do papermill (e as saídas
    versionadas, que o nbval compara nas células conferidas)."""
    from papermill.parameterize import parameterize_notebook

    nb = nbformat.read(notebook, as_version=4)
    nb.metadata["papermill"] = {}
    if parameters:
        for cell in (
            nb.cells
        ):  # o papermill lê cell.metadata.tags em toda célula (o execute_notebook o cria)
            cell.metadata.setdefault("tags", [])
        nb = parameterize_notebook(
            nb, parameters, report_mode=False, kernel_name="python3", language="python"
        )
    nb.metadata.pop("papermill", None)
    nbformat.write(nb, out)


def error_summary(exc: Exception) -> str:
    """Onde e por que parou (ex.: ``ClaimError: ...``), sem o traceback inteiro do papermill."""
    if isinstance(exc, pm.PapermillExecutionError):
        first = next((line for line in exc.source.splitlines() if line.strip()), "")
        return (
            f"parou na célula {exc.cell_index} da cópia executada (In [{exc.exec_count}]), que começa com "
            f"{first[:80]!r}:\n    {exc.ename}: {exc.evalue}"
        )
    return f"{type(exc).__name__}: {exc}"[:500]


def headline_table(rows) -> str:
    """Uma linha por notebook: status, tempo e os resultados de destaque dele (cada um com seu nome)."""
    width = max(len(row["notebook"]) for row in rows)
    lines = [f"{'notebook':<{width}}  {'status':<8} {'tempo':>7}  resultados de destaque"]
    for row in rows:
        results = "; ".join(
            f"{k} = {fmt(v)}"
            for k, v in row.items()
            if k not in ("notebook", "status", "tempo (s)")
        )
        lines.append(
            f"{row['notebook']:<{width}}  {row['status']:<8} {row['tempo (s)']:>5.0f} s  {results or '—'}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
