"""Roda um notebook duas vezes no MESMO kernel e compara as saídas das células conferidas.

Quem pesquisa roda células e o notebook inteiro de novo sem reiniciar o kernel. As células marcadas
com a tag ``nbval-check-output`` (as que os testes comparam com as saídas versionadas) têm de dar o mesmo
texto nas duas passagens. Usa os parâmetros curtos de ``make smoke`` e grava em ``build/smoke``
(a segunda passagem reaproveita o que a primeira salvou, como acontece de verdade).

    python scripts/rerun_check.py 02          # um notebook (prefixo), diz o que difere
    make rerun                                # todos, pelo pytest (tests/test_rerun.py)
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_notebooks import smoke_environment, smoke_parameters  # noqa: E402

CHECK_TAG = (
    "nbval-check-output"  # a marca do nbval, nas tags da célula (fora do código que o aluno lê)
)


def is_checked(cell) -> bool:
    return CHECK_TAG in cell.get("metadata", {}).get("tags", [])


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
TEXT_TYPES = ("text/plain", "text/markdown", "text/html", "text/latex", "application/json")


def comparable(outputs) -> list[str]:
    """As saídas de uma célula como linhas de texto comparáveis.

    Textos dos streams (stdout e stderr, cada um emendado: o kernel pode quebrá-los em pedaços
    diferentes), dos ``display``/resultados em formatos de texto e dos erros; sem ANSI. Imagens
    só contam como ``<image/png>`` (comparação frouxa: mesmo número de figuras); widgets, ignorados.
    """
    streams: dict[str, str] = {}
    lines: list[str] = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            streams[out.get("name", "stdout")] = streams.get(
                out.get("name", "stdout"), ""
            ) + out.get("text", "")
        elif kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            for mime in TEXT_TYPES:
                if mime in data:
                    value = data[mime]
                    value = (
                        value
                        if isinstance(value, str)
                        else "".join(value)
                        if isinstance(value, list)
                        else repr(value)
                    )
                    lines += [f"[{mime}] {line}" for line in ANSI.sub("", value).splitlines()]
            lines += [f"<{mime}>" for mime in data if mime.startswith("image/")]
        elif kind == "error":
            lines.append(f"[erro] {out.get('ename')}: {ANSI.sub('', str(out.get('evalue')))}")
    for name in sorted(streams):
        lines = [f"[{name}] {line}" for line in ANSI.sub("", streams[name]).splitlines()] + lines
    return lines


class RerunFailed(AssertionError):
    """Uma célula deu erro numa das passagens."""


def run_twice(
    notebook: Path,
    parameters: dict | None = None,
    timeout: int = 1200,
    kernel_name: str = "python3",
    every_cell: bool = False,
):
    """Executa ``notebook`` duas vezes no mesmo kernel.

    Devolve ``(primeira, segunda, segundos)``: cada passagem é ``{índice da célula no notebook
    original: linhas comparáveis}`` só para as células com a tag ``nbval-check-output`` (com
    ``every_cell``, para todas as células de código, para olhar o resto). As variáveis de
    ambiente de ``make smoke`` (``VARIANTES_BUILD`` em ``build/smoke``) precisam estar em ``os.environ``
    antes da chamada: o kernel herda o ambiente deste processo.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    notebook = Path(notebook)
    nb = load_notebook_node(str(notebook))  # como o papermill lê (toda célula com a lista de tags)
    if parameters:
        nb = parameterize_notebook(nb, parameters, kernel_name=kernel_name, language="python")
    # índice de cada célula no notebook original (a célula injetada pelo papermill não conta)
    original_index, n = [], 0
    for cell in nb.cells:
        injected = "injected-parameters" in cell.metadata.get("tags", [])
        original_index.append(None if injected else n)
        n += not injected
    checked = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and original_index[i] is not None
        and (every_cell or is_checked(cell))
    ]

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    client.reset_execution_trackers()
    passes = []
    start = time.perf_counter()
    with client.setup_kernel():
        for number in (1, 2):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
                except CellExecutionError as error:
                    first = next((line for line in cell.source.splitlines() if line.strip()), "")
                    raise RerunFailed(
                        f"{notebook.name}, passagem {number}: a célula {original_index[index]} ({first!r}) deu erro:\n"
                        f"{ANSI.sub('', str(error))[-3000:]}"
                    ) from None
            passes.append(
                {original_index[i]: comparable(copy.deepcopy(nb.cells[i].outputs)) for i in checked}
            )
    return passes[0], passes[1], time.perf_counter() - start


def differences(first: dict, second: dict, notebook=None) -> list[str]:
    """Um relatório por célula conferida que mudou entre as passagens (vazio: tudo igual)."""
    cells = nbformat.read(notebook, as_version=4).cells if notebook else None
    report = []
    for index in first:
        if first[index] == second[index]:
            continue
        head = f"célula {index}"
        if cells is not None:
            head += f" ({next((l for l in cells[index].source.splitlines() if l.strip()), '')!r})"
        diff = difflib.unified_diff(
            first[index], second[index], "primeira passagem", "segunda passagem", lineterm="", n=1
        )
        report.append(head + "\n" + "\n".join(list(diff)[:40]))
    return report


def main(argv: list[str]) -> int:
    if not argv:
        sys.exit(__doc__)
    os.environ.update(smoke_environment())
    failed = False
    for prefix in argv:
        found = sorted((ROOT / "notebooks").glob(f"{prefix}*.ipynb"))
        if len(found) != 1:
            sys.exit(f"Não achei um único notebook começando com {prefix!r} em notebooks/.")
        notebook = found[0]
        print(
            f"▶ {notebook.name}, duas passagens no mesmo kernel, parâmetros {smoke_parameters(notebook)}",
            flush=True,
        )
        first, second, seconds = run_twice(notebook, smoke_parameters(notebook), every_cell=True)
        cells = nbformat.read(notebook, as_version=4).cells
        checked = {i: is_checked(cells[i]) for i in first}
        report = differences(
            {i: v for i, v in first.items() if checked[i]},
            {i: v for i, v in second.items() if checked[i]},
            notebook,
        )
        others = differences(
            {i: v for i, v in first.items() if not checked[i]},
            {i: v for i, v in second.items() if not checked[i]},
            notebook,
        )
        failed |= bool(report)
        print(
            f"  {sum(checked.values())} células conferidas, {len(report)} diferentes, {seconds:.0f} s"
        )
        for item in report:
            print(item)
        if others:
            print(
                f"  para olhar (células não conferidas que mudaram; tempos mudam sempre): {len(others)}"
            )
            for item in others:
                print(item)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
