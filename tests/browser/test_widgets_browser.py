"""Cada widget da série num JupyterLab de verdade, num Chromium de verdade (``make browser-test``).

Para cada notebook com widget: uma cópia que termina na célula do widget, com os parâmetros
curtos do ``make smoke``, é aberta no JupyterLab e executada (Run → Run All Cells). Depois, no
navegador: os controles do widget estão visíveis; mudar um controle (outra opção, o controle
deslizante, uma frase e Enter) muda a saída; uma entrada ruim mostra a mensagem em português
que o widget promete. Uma captura de tela de cada widget, depois da mudança, fica em
``build/browser/<ipywidgets>/``. ``test_a_broken_callback_fails`` planta um ``raise`` no
desenho do controle deslizante e confere que a verificação falha.

Precisa do Chromium do sistema (``apt-get install chromium``) e do extra ``lab`` (``make lab`` ou
``make browser-test`` instalam). A opção ``--lab-python`` aponta para o Python de outro ambiente
(o ``make browser-test-colab`` usa um com ipywidgets 7.7, o do Colab).

Camada ``browser``: o ``make test`` abre os widgets que não precisam de treino (01, 03 e 04: a cópia curta
termina antes de qualquer treino, em um ou dois minutos cada); os de 02 e 06 esperam um fine-tuning e ficam,
como a passagem com o ipywidgets 7.7, na camada ``slow`` (``make test-all``).
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lab import ROOT, LabServer, chromium_path, short_copy  # noqa: E402

NOTEBOOKS = {p.name[:2]: p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
RUN_TIMEOUT_S = float(os.environ.get("VARIANTES_BROWSER_TIMEOUT", 900))

# notebook → a chamada que cria o widget, o que mudar e a entrada ruim (com a mensagem prometida)
WIDGETS = {
    "01": {
        "call": "variants.chooser_widget()",
        "output": "html",
        "change": ("select", 0, "inglês"),
        "bad": None,
    },
    "02": {
        "call": "inference.prediction_box(",
        "output": "image",
        "change": ("text", "não gostei de nada, veio quebrado e ninguém respondeu"),
        "bad": ("text", "   ", "Digite uma frase"),
    },
    "03": {
        "call": "pooling.similarity_explorer(",
        "output": "image",
        "change": ("select", 0, "máximo (max)"),
        "bad": ("textarea", "uma frase só", "Escreva pelo menos duas frases"),
    },
    "04": {
        "call": "plots.temperature_slider(",
        "output": "image",
        "change": ("slider",),
        "bad": None,
    },
    "06": {
        "call": "inference.prediction_box(",
        "output": "image",
        "change": ("text", "chegou antes do prazo e funciona muito bem"),
        "bad": ("text", "", "Digite uma frase"),
    },
}

# um defeito plantado: o desenho do controle deslizante funciona na primeira vez e quebra quando T muda
SABOTAGE = """import helpers.plots as _plots
_original, _calls = _plots.plot_softmax_temperature, []
def _broken(*args, **kwargs):
    _calls.append(1)
    if len(_calls) > 1:
        raise RuntimeError("defeito plantado pelo teste")
    return _original(*args, **kwargs)
_plots.plot_softmax_temperature = _broken"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None,
        reason="sem Chromium no sistema: apt-get install chromium (veja o README)",
    ),
]
NEEDS_TRAINING = {"02", "06"}  # o widget usa um modelo treinado: camada slow


@pytest.fixture(scope="module")
def lab_python(request) -> str:
    return request.config.getoption("--lab-python") or sys.executable


def widgets_version(lab_python: str) -> str:
    import subprocess

    out = subprocess.run(
        [lab_python, "-c", "import ipywidgets; print(ipywidgets.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


@pytest.fixture(scope="module")
def shots(lab_python):
    folder = ROOT / "build" / "browser" / f"ipywidgets-{widgets_version(lab_python)}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def lab(tmp_path_factory, lab_python):
    from run_notebooks import smoke_environment

    folder = tmp_path_factory.mktemp("lab")
    # sem PYTHONWARNINGS=error: ele valeria também para o servidor, e as extensões do Jupyter avisam de si mesmas
    # (a política de avisos dos notebooks é conferida pelo nbval, no make test)
    env = {
        **smoke_environment(),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONWARNINGS": "",
    }
    with LabServer(lab_python, folder, env=env) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield chromium
        chromium.close()


def run_in_lab(page, lab, name: str):
    """Abre ``name`` no JupyterLab, roda todas as células e devolve o widget (a última caixa de widgets)."""
    page.goto(lab.notebook_url(name))
    page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
    kernel_ready(page)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    deadline = time.monotonic() + RUN_TIMEOUT_S
    widget = page.locator(".jp-OutputArea-output .widget-vbox").last
    while time.monotonic() < deadline:
        accept_kernel_dialog(page)
        errors = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
            has_text="Traceback",
        )
        if errors.count():
            raise AssertionError(
                f"{name}: uma célula falhou no navegador:\n{errors.first.inner_text()[-2000:]}"
            )
        if widget.count() and not running(page):
            widget.scroll_into_view_if_needed()  # o JupyterLab 4 só desenha por inteiro as células à vista
            return widget
        time.sleep(1)
    shot = lab.folder / f"falha_{Path(name).stem}.png"
    page.screenshot(path=str(shot), full_page=True)
    raise AssertionError(
        f"{name}: o widget não apareceu em {RUN_TIMEOUT_S:.0f} s (tela em {shot}; servidor: "
        f"{lab.log})"
    )


def accept_kernel_dialog(page) -> None:
    """O JupyterLab às vezes pergunta qual kernel usar (a corrida entre abrir a sessão e o primeiro comando):
    fica o que o notebook pede (``python3``)."""
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    if dialog.count() and dialog.first.is_visible():
        dialog.locator("button", has_text="Select").click()


def kernel_ready(page, timeout=120):
    deadline = time.monotonic() + timeout
    time.sleep(2)
    while time.monotonic() < deadline:
        accept_kernel_dialog(page)
        status = page.evaluate("""() => {
            const el = document.querySelector('.jp-Notebook-ExecutionIndicator, .jp-Toolbar-kernelStatus');
            return el ? (el.getAttribute('data-status') || el.getAttribute('title') || el.className) : '';
        }""")
        if "idle" in status.lower() or "ocioso" in status.lower():
            return
        time.sleep(0.5)


def running(page) -> bool:
    prompts = page.locator(".jp-InputPrompt").all_inner_texts()
    return any("*" in p for p in prompts)


def output_of(widget, kind: str) -> str:
    """O que o widget mostra agora: o endereço da imagem (muda a cada PNG) ou o HTML da saída."""
    if kind == "image":
        return widget.locator("img").last.get_attribute("src") or ""
    return widget.locator(".widget-html-content").last.inner_html()


def message_of(widget) -> str:
    """A mensagem do widget (o primeiro HTML depois dos controles): vazia quando a entrada é boa."""
    return widget.locator(".widget-html-content").first.inner_text()


def change(widget, page, action):
    kind = action[0]
    if kind == "select":
        widget.locator("select").nth(action[1]).select_option(label=action[2])
    elif kind == "text":
        box = widget.locator("input[type='text']").first
        box.fill(action[1])
        box.press("Enter")
    elif kind == "textarea":
        area = widget.locator("textarea").first
        area.fill(action[1])
        area.blur()  # continuous_update=False: a caixa de várias linhas manda o valor ao sair dela
    elif kind == "slider":
        handle = widget.locator(
            ".noUi-handle, .ui-slider-handle, .slider-container [role='slider']"
        ).first
        handle.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        handle.blur()
    else:  # pragma: no cover
        raise ValueError(kind)


def wait_for(condition, timeout=60, what="a saída"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    raise AssertionError(f"{what} não mudou em {timeout} s")


def exercise(page, lab, prefix: str, spec: dict, shots: Path, extra_cells=(), name=None) -> dict:
    """Roda o notebook ``prefix`` no navegador e mexe no widget; devolve o que foi visto."""
    name = name or f"{prefix}_widget.ipynb"
    short_copy(NOTEBOOKS[prefix], lab.folder / name, spec["call"], extra_cells)
    widget = run_in_lab(page, lab, name)
    controls = widget.locator(
        "select, input, textarea, .noUi-handle, .ui-slider-handle, .widget-slider"
    )
    assert controls.count() > 0 and controls.first.is_visible(), (
        f"{prefix}: os controles do widget não aparecem"
    )
    before = output_of(widget, spec["output"])
    assert before, f"{prefix}: o widget não desenhou nada"
    change(widget, page, spec["change"])
    wait_for(
        lambda: output_of(widget, spec["output"]) not in ("", before),
        what=f"{prefix}: a saída do widget",
    )
    assert message_of(widget).strip() == "", (
        f"{prefix}: mensagem de erro com entrada boa: {message_of(widget)}"
    )
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(shots / f"{NOTEBOOKS[prefix].stem}.png"))
    seen = {"controle": spec["change"], "saída mudou": True}
    if spec["bad"]:
        change(widget, page, spec["bad"])
        wait_for(
            lambda: spec["bad"][2] in message_of(widget),
            what=f"{prefix}: a mensagem da entrada ruim",
        )
        seen["mensagem"] = message_of(widget)
    return seen


@pytest.mark.parametrize(
    "prefix",
    [
        pytest.param(p, marks=[pytest.mark.slow] if p in NEEDS_TRAINING else [])
        for p in sorted(WIDGETS)
    ],
)
def test_widget_renders_changes_and_explains_bad_input(prefix, lab, browser, shots):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        seen = exercise(page, lab, prefix, WIDGETS[prefix], shots)
        print(f"{prefix}: {seen}")
    finally:
        page.close()


def test_a_broken_callback_fails(lab, browser, shots):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        with pytest.raises(AssertionError, match="a saída do widget não mudou"):
            exercise(
                page,
                lab,
                "04",
                WIDGETS["04"],
                shots,
                extra_cells=[SABOTAGE],
                name="04_defeito.ipynb",
            )
    finally:
        page.close()
