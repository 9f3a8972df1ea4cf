"""Um JupyterLab de verdade para o teste no navegador: servidor próprio, cópias curtas dos notebooks, Chromium.

Usado por ``tests/browser/test_widgets_browser.py`` (``make browser-test``). Nada aqui baixa
navegador: o Chromium é o do sistema (``apt-get install chromium``), encontrado por :func:`chromium_path`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from run_notebooks import smoke_parameters  # noqa: E402

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    """O Chromium do sistema (``VARIANTES_CHROMIUM`` escolhe outro), ou ``None``."""
    if os.environ.get("VARIANTES_CHROMIUM"):
        return os.environ["VARIANTES_CHROMIUM"]
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def widget_cell(nb, call: str) -> int:
    """Índice da célula de código que cria o widget (a que contém ``call``)."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and call in cell.source:
            return i
    raise LookupError(f"nenhuma célula com {call!r}")


def short_copy(notebook: Path, dest: Path, call: str, extra_cells=()) -> Path:
    """Cópia de ``notebook`` que termina na célula do widget, com os parâmetros curtos do ``make smoke``.

    Os parâmetros curtos entram numa célula logo depois da de parâmetros (como o papermill faz);
    ``extra_cells`` entram logo antes da célula do widget (é onde o teste planta um defeito).
    As saídas gravadas saem: o que aparece na tela é o que o kernel produziu agora.
    """
    nb = nbformat.read(notebook, as_version=4)
    stop = widget_cell(nb, call)
    cells = nb.cells[: stop + 1]
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    short = smoke_parameters(notebook)
    params = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    injected = nbformat.v4.new_code_cell(
        "# parâmetros curtos do teste no navegador\n"
        + "\n".join(f"{k} = {v!r}" for k, v in short.items())
    )
    cells.insert(params + 1, injected)
    for source in extra_cells:
        cells.insert(len(cells) - 1, nbformat.v4.new_code_cell(source))
    nb.cells = cells
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return dest


class LabServer:
    """``jupyter lab`` em 127.0.0.1, numa porta livre, com token, servindo ``folder``; para e limpa no fim."""

    def __init__(self, python: str, folder: Path, env: dict | None = None, timeout: float = 120):
        self.python, self.folder, self.timeout = python, Path(folder), timeout
        self.port, self.token = free_port(), os.urandom(12).hex()
        self.home = self.folder / ".lab"
        self.env = {
            **os.environ,
            **(env or {}),
            "JUPYTERLAB_SETTINGS_DIR": str(self.home / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.home / "workspaces"),
            "JUPYTER_RUNTIME_DIR": str(self.home / "runtime"),
        }
        self.process = None
        self.log = self.home / "servidor.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.home.mkdir(parents=True, exist_ok=True)
        # sem o aviso de novidades do JupyterLab 4 (ele cobre a tela e pede um clique)
        (self.home / "settings" / "@jupyterlab" / "apputils-extension").mkdir(
            parents=True, exist_ok=True
        )
        (
            self.home
            / "settings"
            / "@jupyterlab"
            / "apputils-extension"
            / "notification.jupyterlab-settings"
        ).write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        cmd = [
            self.python,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={self.port}",
            "--ip=127.0.0.1",
            f"--ServerApp.token={self.token}",
            f"--ServerApp.root_dir={self.folder}",
            "--ServerApp.open_browser=False",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        ]
        self._out = open(self.log, "w")
        self.process = subprocess.Popen(
            cmd, env=self.env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"o JupyterLab saiu ao começar; veja {self.log}:\n{self.log.read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(
                    f"{self.url}/api/status?token={self.token}", timeout=2
                ) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise TimeoutError(f"o JupyterLab não respondeu em {self.timeout:.0f} s; veja {self.log}")

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # o servidor e os kernels que ele abriu
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        if getattr(self, "_out", None):
            self._out.close()
        return False

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"
