"""A rede que falha depressa: recusada, muda (aceita e não responde) e um Hub no ar. Só endereços locais."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import data, hub, net, standins
from localnet import FakeHub, SilentServer, closed_port

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]


def forget_answers():
    """Esquece as respostas do Hub guardadas por ``net`` e a troca de perfil (cada teste pergunta de novo)."""
    with net._LOCK:
        net._RESULTS.clear()
        net._SWITCHED.clear()


@pytest.fixture
def online(monkeypatch):
    """Perfil online (sem HF_HUB_OFFLINE), prazo curto; restaura as variáveis e as respostas guardadas no fim."""
    import importlib

    for name in net.OFFLINE_VARIABLES:
        monkeypatch.setenv(name, "0")
    for (
        module,
        attrs,
    ) in net.LIBRARY_FLAGS:  # as bibliotecas leram HF_HUB_OFFLINE=1 do conftest ao serem importadas
        mod = importlib.import_module(module)
        for attr in attrs:
            if hasattr(mod, attr):
                monkeypatch.setattr(mod, attr, False)
    monkeypatch.setenv("VARIANTES_HUB_TIMEOUT", "2")
    forget_answers()
    hub._ANNOUNCED.clear()

    def use_endpoint(url):
        """O Hub passa a ser ``url``, para nós e para o huggingface_hub já importado."""
        import huggingface_hub.constants

        monkeypatch.setenv("HF_ENDPOINT", url)
        monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", url)

    yield use_endpoint
    forget_answers()


def test_the_profile_is_said_once_after_asking_the_hub(online, monkeypatch):
    from helpers import env

    with FakeHub() as fake:
        online(fake.url)
        assert env.profile_line() == "Perfil: ONLINE: modelos e datasets vêm do Hugging Face Hub."
    forget_answers()
    online(f"http://127.0.0.1:{closed_port()}")
    line = env.profile_line()  # sem rede: a sessão já passou para o offline
    assert (
        line.startswith("Perfil: OFFLINE, porque o Hugging Face Hub (http://127.0.0.1:")
        and "recusada" in line
    )
    assert "HF_HUB_OFFLINE=1" in line and os.environ["HF_HUB_OFFLINE"] == "1"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    forget_answers()
    assert env.profile_line().startswith("Perfil: OFFLINE (HF_HUB_OFFLINE=1): cada modelo do Hub")


def test_probe_answers_none_when_a_server_answers_even_404():
    with FakeHub() as fake:
        assert net.probe(fake.url, timeout=2) is None
        assert fake.requests, "a pergunta chegou ao servidor"


def test_probe_refused_is_fast_and_says_why():
    started = time.monotonic()
    reason = net.probe(f"http://127.0.0.1:{closed_port()}", timeout=2)
    assert time.monotonic() - started < 3
    assert reason is not None and "recusada" in reason


def test_probe_silent_server_gives_up_within_the_deadline():
    with SilentServer() as silent:
        started = time.monotonic()
        reason = net.probe(silent.url, timeout=1.5)
        elapsed = time.monotonic() - started
        assert silent.accepted, "a conexão foi aceita: o silêncio é do servidor, não da rede"
    assert reason is not None and "resposta" in reason
    assert elapsed < 1.5 + 1


@pytest.mark.parametrize("kind", ["recusada", "muda"])
def test_no_network_switches_the_session_to_offline_with_a_notice(online, kind, capsys):
    def run(url):
        online(url)
        started = time.monotonic()
        r = hub.resolve_model("neuralmind/bert-base-portuguese-cased")
        return r, time.monotonic() - started

    if kind == "recusada":
        r, elapsed = run(f"http://127.0.0.1:{closed_port()}")
    else:
        with SilentServer() as silent:
            r, elapsed = run(silent.url)
    assert elapsed < 10
    assert r.substituted and r.path == str(standins.minilm_path())
    out = capsys.readouterr().out
    assert "[sem internet]" in out and "perfil offline" in out and "HF_HUB_OFFLINE=1" in out
    assert "[substituto offline]" in out
    assert os.environ["HF_HUB_OFFLINE"] == "1" and helpers_offline()
    # a segunda chamada não pergunta de novo
    started = time.monotonic()
    hub.resolve_model("distilbert-base-uncased")
    assert time.monotonic() - started < 5 and capsys.readouterr().out.count("[sem internet]") == 0


def helpers_offline():
    from helpers.env import is_offline

    return is_offline()


def test_no_network_and_no_standin_is_a_portuguese_error_saying_what_to_do(online):
    online(f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(hub.OfflineModelError) as e:
        hub.resolve_model("xlm-roberta-base")
    msg = str(e.value)
    assert "Sem internet" in msg and "recusada" in msg and "xlm-roberta-base" in msg
    assert "HF_HUB_OFFLINE=1" in msg and "Aula sem internet" in msg


def test_no_network_hub_dataset_is_a_portuguese_error(online):
    online(f"http://127.0.0.1:{closed_port()}")
    started = time.monotonic()
    with pytest.raises(data.DataError) as e:
        data.load_hub_dataset("AiresPucrs/google-play-apps-review-pt")
    assert time.monotonic() - started < 10
    msg = str(e.value)
    assert "AiresPucrs/google-play-apps-review-pt" in msg and "embutido" in msg


def test_hub_up_keeps_the_id(online):
    with FakeHub() as fake:
        online(fake.url)
        r = hub.resolve_model("dono-que-nao-existe/modelo-inventado")
        assert fake.requests, "a pergunta foi ao Hub de mentira"
    assert (
        r.path == "dono-que-nao-existe/modelo-inventado" and r.origin == "hub" and not r.substituted
    )
    assert net.switch_reason() is None


def _fresh_process(code, env_extra, tmp_path):
    """Roda ``code`` num Python novo, sem HF_HUB_OFFLINE: as bibliotecas leem HF_ENDPOINT ao serem importadas."""
    env = {k: v for k, v in os.environ.items() if k not in net.OFFLINE_VARIABLES}
    env.update({"HF_HOME": str(tmp_path / "hf"), "PYTHONWARNINGS": "ignore"}, **env_extra)
    env.pop("HF_HUB_CACHE", None)
    env.pop("VARIANTES_HUB_TIMEOUT", None)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )


MISSING = """
from helpers import data, hub
try:
    hub.load_tokenizer("dono-que-nao-existe/modelo-inventado")
except hub.ModelLoadError as e:
    print("MODELO:", e)
try:
    data.load_hub_dataset("ninguem/dataset-que-nao-existe")
except data.DataError as e:
    print("DATASET:", e)
"""


def test_hub_up_and_an_id_that_does_not_exist_is_a_portuguese_error(tmp_path):
    with FakeHub() as fake:
        p = _fresh_process(MISSING, {"HF_ENDPOINT": fake.url}, tmp_path)
    assert p.returncode == 0, p.stderr
    model = next(line for line in p.stdout.splitlines() if line.startswith("MODELO:"))
    assert "dono-que-nao-existe/modelo-inventado" in model and "Confira o id" in model
    dataset = next(line for line in p.stdout.splitlines() if line.startswith("DATASET:"))
    assert (
        "ninguem/dataset-que-nao-existe" in dataset
        and "não existe" in dataset
        and "huggingface.co/datasets" in dataset
    )


SCRIPT = """
import time
from helpers import hub
started = time.monotonic()
model = hub.load_model("neuralmind/bert-base-portuguese-cased")
print("CARREGOU", type(model).__name__, round(time.monotonic() - started, 1))
"""


@pytest.mark.parametrize("kind", ["recusada", "muda"])
def test_a_fresh_process_without_network_loads_in_seconds_with_no_english_retries(kind, tmp_path):
    """Como o aluno: um processo novo, sem HF_HUB_OFFLINE, o endereço do Hub sem resposta."""

    def run(url):
        return _fresh_process(SCRIPT, {"HF_ENDPOINT": url}, tmp_path)

    if kind == "recusada":
        p = run(f"http://127.0.0.1:{closed_port()}")
    else:
        with SilentServer() as silent:
            p = run(silent.url)
    assert p.returncode == 0, p.stderr
    assert "CARREGOU BertModel" in p.stdout and "[sem internet]" in p.stdout
    # o aviso diz quanto a pergunta levou: o prazo é o que o aluno espera antes de seguir offline
    asked = re.search(r"testado em ([0-9]+),([0-9]) s", p.stdout)
    assert asked and float(f"{asked[1]}.{asked[2]}") < 10, p.stdout
    for english in ("Retrying", "retry", "OSError", "Traceback", "We couldn't connect"):
        assert english not in p.stderr + p.stdout


NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
DIRECT_HUB_CALLS = re.compile(
    r"(?<!\w)(from_pretrained|load_dataset|snapshot_download|hf_hub_download|pipeline)\("
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_reach_the_hub_only_through_the_helpers(path):
    """Todo acesso ao Hub passa por ``hub.load_*``/``hub.resolve_model``/``data.load_*``: é lá que a rede é testada
    antes, então o que os testes acima garantem vale para cada notebook."""
    import nbformat

    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    offenders = [(i, m[0]) for i, src in enumerate(cells) for m in DIRECT_HUB_CALLS.finditer(src)]
    assert not offenders, (
        f"{path.name}: chamadas diretas ao Hub (use helpers.hub/helpers.data): {offenders}"
    )


@pytest.mark.slow
def test_notebook_03_without_network_and_without_hf_hub_offline_runs_offline_with_the_notice(
    tmp_path,
):
    """Um notebook inteiro (o 03, o mais curto que carrega modelos), como o aluno sem internet que não definiu
    HF_HUB_OFFLINE: a conexão é recusada, o notebook segue no perfil offline e avisa."""
    import papermill as pm

    sys.path.insert(0, str(ROOT / "scripts"))
    from run_notebooks import smoke_parameters

    port = closed_port()
    env = {
        "HF_ENDPOINT": f"http://127.0.0.1:{port}",
        "VARIANTES_BUILD": str(tmp_path / "build"),
        "VARIANTES_RESULTS_DIR": str(tmp_path / "results"),
    }
    saved = {k: os.environ.get(k) for k in (*net.OFFLINE_VARIABLES, *env)}
    try:
        for k in net.OFFLINE_VARIABLES:
            os.environ.pop(k, None)
        os.environ.update(env)
        out = tmp_path / "03.ipynb"
        path = next(p for p in NOTEBOOKS if p.name.startswith("03_"))
        pm.execute_notebook(
            str(path),
            str(out),
            parameters=smoke_parameters(path),
            cwd=str(ROOT / "notebooks"),
            progress_bar=False,
            kernel_name="python3",
        )
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    import nbformat

    text = "\n".join(
        o.get("text", "")
        for c in nbformat.read(out, as_version=4).cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream"
    )
    assert (
        text.count("Perfil:") == 1 and "Perfil: ONLINE" not in text
    )  # o perfil, uma vez, já o certo
    assert "Perfil: OFFLINE, porque o Hugging Face Hub" in text and "recusada" in text
    assert "[substituto offline] 'neuralmind/bert-base-portuguese-cased'" in text
    assert "Retrying" not in text
