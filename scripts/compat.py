"""Matriz de versões: a série nos dois ambientes do Colab, no transformers 4.46, no 4.57 e no atual.

    python scripts/compat.py                          # os cinco ambientes (make compat)
    python scripts/compat.py --only colab,tf446       # só alguns
    python scripts/compat.py --skip-notebooks         # só instalação e testes de unidade

Cada ambiente é um ``venv`` novo em ``build/compat/<nome>/venv`` (reaproveitado quando as versões
fixadas e as dependências do ``pyproject.toml`` não mudaram). Como no Colab:

1. instala o torch de ``requirements/torch.txt`` e as versões fixadas do ambiente (no ``colab`` e no
   ``colab-2026.07``, as das listas que o Colab publica, em ``tests/fixtures/colab/``: cada pacote que a série
   usa, na versão do Colab) e grava o ``pip freeze``;
2. instala o pacote da série **sem** ``-e``, a partir de uma cópia da árvore de trabalho fora do
   repositório (o Colab clona em ``/content/variantes-bert``), e falha se isso mudou a versão de algum
   pacote que já estava instalado (no Colab, trocar um pacote já importado pede reiniciar o ambiente);
3. roda ``production.ensure_installed(colab=True)``, o que o notebook 06 faz no Colab (instala onnx, onnxscript e
   onnxruntime com as versões instaladas como restrição), e falha se alguma versão instalada mudou ou se o
   ``pip check`` reclama;
4. instala os extras ``[test,offline,busca]`` (o Colab não precisa deles: servem para rodar os testes e o
   perfil offline aqui);
5. roda os testes de unidade (camada ``unit``), os testes dos comandos em dois processos
   (``tests/test_experiments.py``: o ``finetune`` curto num processo e sob ``accelerate launch --cpu
   --num_processes 2``, a busca do ``distill`` em dois processos; ``--skip-commands`` os pula) e todos os notebooks com os parâmetros curtos de
   ``scripts/run_notebooks.py`` (``SMOKE_PARAMETERS``), com a pasta de trabalho fora do repositório,
   ``HF_HUB_OFFLINE=1`` e ``VARIANTES_DATA`` apontando para a ``data/`` da cópia (no Colab, a série acha
   ``/content/variantes-bert/data`` sozinha).

Imprime uma tabela ambiente × (instalação, testes, notebooks) e grava em ``build/compat/resultado.md``;
quando nada foi pulado, troca também as linhas desses ambientes na tabela de ``docs/versoes.md`` (entre os
marcadores ``compat:início`` e ``compat:fim``). Sai com erro se algo falhou. O Colab de verdade usa Python 3.13 e torch 2.11; aqui só há torch de CPU para
Python 3.11, então todos os ambientes usam Python 3.11 + o torch de ``requirements/torch.txt`` (e a tabela diz isso).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from commands.cli import Parser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lock import parse_lock, torch_spec  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COMPAT_DIR = ROOT / "build" / "compat"
# cópias e pastas de trabalho ficam FORA do repositório: dentro dele, helpers.project e helpers.artifacts
# achariam a data/ e o build/ do repositório pelas pastas-mães, e o teste não mostraria o que o Colab vê
OUTSIDE_DIR = Path(tempfile.gettempdir()) / "variantes-compat"
COLAB_LISTS = (
    ROOT / "tests" / "fixtures" / "colab"
)  # as listas que o Colab publica (README.md ao lado)
LOCK = ROOT / "requirements" / "lock.txt"
TORCH_SPEC = (
    os.environ.get("TORCH_SPEC") or torch_spec()
)  # requirements/torch.txt, o mesmo do make install
PYTHON = os.environ.get(
    "COMPAT_PYTHON", "python3.11" if shutil.which("python3.11") else sys.executable
)


# Python e torch não dá para igualar aqui (só há torch de CPU para Python 3.11): ficam os de requirements/torch.txt
NOT_MATCHABLE = {"torch"}


def colab_pins(name: str = "pip-freeze-2026-08-19.txt") -> list[str]:
    """``nome==versão`` da lista publicada do Colab para cada pacote que a série, os extras ou as dependências
    deles usam (os de ``requirements/lock.txt``), menos o torch. As linhas ``nome @ url`` (o torch do Colab entre
    elas) não são versões que o pip aceite como restrição, e ficam de fora."""
    used = set(parse_lock(LOCK.read_text(encoding="utf-8")))
    listed = parse_lock((COLAB_LISTS / name).read_text(encoding="utf-8"))
    return [f"{n}=={v}" for n, v in sorted(listed.items()) if n in used and n not in NOT_MATCHABLE]


# os pacotes que a tabela e as mensagens mostram (as linhas do Colab fixam mais de cem)
KEY_PACKAGES = (
    "transformers",
    "datasets",
    "accelerate",
    "huggingface-hub",
    "tokenizers",
    "ipywidgets",
    "numpy",
    "torchao",
    "protobuf",
)

# nome → (descrição, versões fixadas antes do pacote)
ENVIRONMENTS = {
    "colab": ("o Colab de 2026-08-19 (lista publicada), pacote sem -e", colab_pins()),
    "colab-2026.07": (
        "o ambiente fixo 2026.07 do Colab (lista publicada)",
        colab_pins("pip-freeze-2026.07-runtime.txt"),
    ),
    "tf446": (
        "transformers mais antigo aceito (4.46)",
        ["transformers==4.46.3", "tokenizers==0.20.3", "datasets==3.6.0", "accelerate==1.0.1"],
    ),
    "tf457": ("um 4.x do meio (4.57)", ["transformers==4.57.1", "datasets==3.6.0"]),
    "current": ("versões atuais (o que o pip escolhe hoje)", []),
}


# --------------------------------------------------------------------------- utilidades


def parse_freeze(text: str) -> dict[str, str]:
    """``pip freeze`` → {nome normalizado: versão}; linhas sem ``==`` (``-e``, ``nome @ url``, comentários) ficam de
    fora. O mesmo formato da trava: o leitor é o de ``scripts/lock.py``."""
    return parse_lock(text)


def changed_packages(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Pacotes de ``before`` cuja versão mudou ou que sumiram em ``after`` (instalar novos não conta)."""
    changes = []
    for name, version in sorted(before.items()):
        if name not in after:
            changes.append(f"{name} {version} → removido")
        elif after[name] != version:
            changes.append(f"{name} {version} → {after[name]}")
    return changes


def copy_tree(dest: Path) -> None:
    """Copia a árvore de trabalho (arquivos versionados e novos não ignorados) para ``dest``, do zero.

    Um ``git clone`` não levaria as mudanças ainda não versionadas; esta cópia leva.
    """
    if dest.exists():
        shutil.rmtree(dest)
    files = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def run(cmd, log: Path, env=None, cwd=None) -> bool:
    """Roda ``cmd`` gravando a saída em ``log`` (acrescenta); devolve se deu certo."""
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"\n$ {' '.join(map(str, cmd))}\n")
        fh.flush()
        proc = subprocess.run(
            [str(c) for c in cmd], stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=cwd
        )
    return proc.returncode == 0


def tail(log: Path, lines: int = 15) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
    return "\n".join("    " + line for line in text[-lines:])


def dependencies_key(pins: list[str]) -> str:
    """Impressão digital do que decide o conteúdo do venv: python, torch, versões fixadas e dependências."""
    try:
        import tomllib
    except ImportError:  # python 3.10
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # o ensure_installed do 06 e os pacotes opcionais que ele instala
    installer = "".join(
        (ROOT / "helpers" / name).read_text(encoding="utf-8")
        for name in ("production.py", "optional_packages.py")
    )
    blob = json.dumps(
        [
            PYTHON,
            TORCH_SPEC,
            pins,
            project["dependencies"],
            project["optional-dependencies"],
            installer,
        ]
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- um ambiente


def prepare(name: str, pins: list[str], log: Path) -> tuple[bool, str, Path]:
    """Cria (ou reaproveita) o venv, instala o pacote sem ``-e`` e confere que nada instalado mudou.

    Devolve ``(ok, mensagem, python_do_venv)``.
    """
    here = COMPAT_DIR / name
    venv, state_file = here / "venv", here / "estado.json"
    py = venv / "bin" / "python"
    pip = [py, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    clone = OUTSIDE_DIR / name / "clone"
    copy_tree(clone)
    key = dependencies_key(pins)
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    if py.exists() and state.get("key") == key and state.get("ok"):
        # o venv já passou pela checagem com estas mesmas versões: só troca o código da série
        if not run([*pip, "--no-deps", "--force-reinstall", clone], log):
            return False, "reinstalar o pacote falhou", py
        return True, f"reaproveitado ({state['message']})", py

    if venv.exists():
        shutil.rmtree(venv)
    here.mkdir(parents=True, exist_ok=True)
    if not run([PYTHON, "-m", "venv", venv], log):
        return False, "criar o venv falhou", py
    if not run([*pip, TORCH_SPEC], log) or (pins and not run([*pip, *pins], log)):
        return False, "instalar torch e as versões fixadas falhou", py
    before = freeze_text(py)
    (here / "freeze_antes.txt").write_text(before)
    # passo 1, o da célula de preparação do Colab: `pip install <clone>`, sem -e e sem extras
    if not run([*pip, clone], log, cwd=OUTSIDE_DIR / name):
        return False, "pip install <cópia> falhou", py
    after = freeze_text(py)
    (here / "freeze_depois.txt").write_text(after)
    changes = changed_packages(parse_freeze(before), parse_freeze(after))
    added = sorted(set(parse_freeze(after)) - set(parse_freeze(before)))
    if changes:
        message = "a instalação trocou pacotes já instalados: " + "; ".join(changes)
        state_file.write_text(json.dumps({"key": key, "ok": False, "message": message}))
        return False, message, py
    shown = ", ".join(added[:6]) + (", …" if len(added) > 6 else "")
    message = (
        f"nada instalado mudou; {len(added)} {'novo' if len(added) == 1 else 'novos'} ({shown})"
    )
    # passo 2, o do notebook 06 no Colab: production.ensure_installed() instala o que falta, sem trocar nada
    ok, production_message = install_production(py, log, OUTSIDE_DIR / name, parse_freeze(before))
    message += "; " + production_message
    if not ok:
        state_file.write_text(json.dumps({"key": key, "ok": False, "message": message}))
        return False, message, py
    after = freeze(py)
    # passo 3, só para rodar testes e o perfil offline aqui (o [producao] já veio do passo 2)
    if not run([*pip, f"{clone}[test,offline,busca]"], log, cwd=OUTSIDE_DIR / name):
        return False, "instalar os extras [test,offline,busca] falhou", py
    extra_changes = changed_packages(after, freeze(py))
    if extra_changes:  # não falha: o Colab não instala os extras; só fica registrado
        message += "; os extras [test,offline,busca] trocaram " + "; ".join(extra_changes)
    state_file.write_text(json.dumps({"key": key, "ok": True, "message": message}))
    return True, message, py


def freeze_text(py: Path) -> str:
    return subprocess.run(
        [py, "-m", "pip", "freeze"], capture_output=True, text=True, check=True
    ).stdout


def freeze(py: Path) -> dict[str, str]:
    return parse_freeze(freeze_text(py))


def install_production(py: Path, log: Path, cwd: Path, colab: dict[str, str]) -> tuple[bool, str]:
    """Roda ``production.ensure_installed(colab=True)``, o que a célula do 06 faz no Colab, e confere que as
    versões instaladas diferem das de ``colab`` (o ambiente antes da série) só por acréscimos e que o
    ``pip check`` passa. Devolve ``(ok, mensagem)``."""
    code = "from helpers import production; print(production.ensure_installed(colab=True))"
    if not run([py, "-c", code], log, cwd=cwd):
        return False, "o production.ensure_installed() do 06 falhou"
    now = freeze(py)
    changes = changed_packages(colab, now)
    added = [
        f"{n} {now[n]}"
        for n in ("onnx", "onnxscript", "onnxruntime", "torchao")
        if n in now and n not in colab
    ]
    kept = [f"{n} {now[n]}" for n in ("torchao", "protobuf", "numpy") if n in colab]
    if changes:
        return False, "o 06 trocou pacotes do Colab: " + "; ".join(changes)
    if not run([py, "-m", "pip", "check"], log):
        return False, "o pip check falhou depois do 06 (veja o log)"
    return True, (
        f"o 06 acrescentou {', '.join(added) or 'nada'} e manteve {', '.join(kept)} "
        "(tudo igual à lista; pip check ok)"
    )


def environment(name: str) -> dict:
    """Variáveis do ambiente de execução: perfil offline, dados da cópia, tudo o que é gravado em build/compat."""
    here = COMPAT_DIR / name
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VARIANTES_", "VIRTUAL_ENV", "PYTHONPATH"))
    }
    venv_bin = str(here / "venv" / "bin")
    env.update(
        {
            "PATH": venv_bin + os.pathsep + env.get("PATH", ""),
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "PYTHONHASHSEED": "0",
            "HF_HOME": str(here / "hf"),  # caches do datasets/transformers de cada versão
            "VARIANTES_CACHE": str(
                here / "cache"
            ),  # o DistilBERT substituto é construído por esta versão
            "VARIANTES_BUILD": str(here / "build"),
            "VARIANTES_RESULTS_DIR": str(here / "build" / "results"),
            "VARIANTES_DATA": str(
                OUTSIDE_DIR / name / "clone" / "data"
            ),  # no Colab: /content/variantes-bert/data
            "MPLBACKEND": "Agg",
            "VARIANTES_SHORT_RUN": "smoke",  # parâmetros curtos: as afirmações sobre tempo (full_run) não interrompem
        }
    )
    return env


def pytest_in(name: str, py: Path, log: Path, *selection) -> tuple[bool, str]:
    """``pytest`` da cópia no python do ambiente; devolve ``(ok, a linha final do pytest)``."""
    env = environment(name)
    work = OUTSIDE_DIR / name / "trabalho"
    work.mkdir(parents=True, exist_ok=True)
    clone = OUTSIDE_DIR / name / "clone"
    before = len(log.read_text(errors="replace")) if log.exists() else 0
    ok = run(
        [
            py,
            "-m",
            "pytest",
            *[clone / s if s.startswith("tests") else s for s in selection],
            "-q",
            "-p",
            "no:cacheprovider",
            "-rf",
        ],
        log,
        env=env,
        cwd=work,
    )
    counts = re.findall(
        r"^=*\s*(\d+ (?:passed|failed|skipped|errors?).*?)\s*=*$",
        log.read_text(errors="replace")[before:],
        re.M,
    )
    return ok, counts[-1] if counts else "?"


def unit_tests(name: str, py: Path, log: Path) -> tuple[bool, str]:
    return pytest_in(
        name, py, log, "tests", "-m", "unit and not slow"
    )  # a camada static confere a trava, não isto


COMMAND_TESTS = (
    "two_processes or search_runs"  # o finetune num processo e em dois; a busca do distill em dois
)


def commands(name: str, py: Path, log: Path) -> tuple[bool, str]:
    """Os testes que rodam ``commands.experiments`` de verdade (vários processos, busca) neste ambiente."""
    return pytest_in(name, py, log, "tests/test_experiments.py", "-m", "slow", "-k", COMMAND_TESTS)


def notebooks(name: str, py: Path, log: Path, only=None) -> tuple[bool, str]:
    """Todos os notebooks (parâmetros curtos) no python do ambiente; devolve ``(ok, tempos)``."""
    env = environment(name)
    clone = OUTSIDE_DIR / name / "clone"
    work = OUTSIDE_DIR / name / "trabalho"
    work.mkdir(parents=True, exist_ok=True)
    report = COMPAT_DIR / name / "notebooks.json"
    report.unlink(missing_ok=True)
    cmd = [
        py,
        clone / "scripts" / "compat.py",
        "_notebooks",
        "--out",
        COMPAT_DIR / name / "notebooks",
        "--report",
        report,
        *(["--nb", *only] if only else []),
    ]
    ok = run(cmd, log, env=env, cwd=work)
    rows = json.loads(report.read_text()) if report.exists() else []
    summary = ", ".join(f"{r['notebook'][:2]} {r['status']} {r['seconds']:.0f} s" for r in rows)
    return ok and bool(rows) and all(r["status"] == "ok" for r in rows), summary or "não rodou"


def _notebooks_main(argv) -> int:
    """Roda dentro do venv do ambiente: executa os notebooks da cópia com os parâmetros curtos."""
    import papermill as pm

    ap = Parser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--nb", nargs="*")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "scripts"))
    from run_notebooks import error_summary, smoke_parameters

    rows = []
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        if args.nb and not any(nb.name.startswith(o) for o in args.nb):
            continue
        out = Path(args.out) / nb.name
        out.parent.mkdir(parents=True, exist_ok=True)
        print(f"▶ {nb.name} (parâmetros curtos: {smoke_parameters(nb)})", flush=True)
        start, status = time.perf_counter(), "ok"
        try:  # pasta de trabalho: a atual (fora do repositório), como no Colab (/content)
            pm.execute_notebook(
                str(nb),
                str(out),
                kernel_name="python3",
                cwd=os.getcwd(),
                parameters=smoke_parameters(nb),
                progress_bar=False,
                execution_timeout=1800,
            )
        except Exception as exc:  # segue para os próximos
            status = "FALHOU"
            print(f"  {error_summary(exc)}", flush=True)
        rows.append({"notebook": nb.name, "status": status, "seconds": time.perf_counter() - start})
        print(f"  {status} em {rows[-1]['seconds']:.1f} s", flush=True)
        Path(args.report).write_text(json.dumps(rows))
    return 0 if all(r["status"] == "ok" for r in rows) else 1


# --------------------------------------------------------------------------- a matriz


def versions(py: Path) -> str:
    code = (
        "import importlib.metadata as m, platform\n"
        "names = ['torch', 'transformers', 'datasets', 'accelerate', 'ipywidgets', 'tokenizers']\n"
        "print('python ' + platform.python_version() + ', ' + ', '.join(n + ' ' + m.version(n) for n in names))"
    )
    out = subprocess.run([py, "-c", code], capture_output=True, text=True)
    return out.stdout.strip() or "?"


COLUMNS = (
    "ambiente",
    "medido em",
    "versões",
    "instalação (a série e o 06)",
    "testes de unidade",
    "comandos em 2 processos",
    "notebooks (parâmetros curtos)",
)
KEYS = ("name", "measured", "versions", "install", "unit", "commands", "notebooks")


def table(rows) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(k, "—")).replace("|", "/") for k in KEYS) + " |")
    return "\n".join(lines)


DOCS = ROOT / "docs" / "versoes.md"
BEGIN, END = "<!-- compat:início -->", "<!-- compat:fim -->"


def read_docs_rows(text: str) -> dict[str, dict]:
    """As linhas da tabela gerada em ``docs/versoes.md`` (entre os marcadores), por ambiente."""
    if BEGIN not in text or END not in text:
        raise SystemExit(
            f"ERRO: {DOCS.relative_to(ROOT)} perdeu os marcadores {BEGIN} e {END} da tabela gerada."
        )
    rows = {}
    for line in text[text.index(BEGIN) : text.index(END)].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if line.startswith("| `") and len(cells) == len(KEYS):
            rows[cells[0].strip("`")] = dict(zip(KEYS, cells))
    return rows


def write_docs(new_rows: list[dict]) -> None:
    """Troca em ``docs/versoes.md`` as linhas dos ambientes que rodaram inteiros; as outras ficam como estavam."""
    text = DOCS.read_text(encoding="utf-8")
    rows = read_docs_rows(text)
    for row in new_rows:
        rows[row["name"]] = {**row, "name": f"`{row['name']}`"}
    ordered = [rows[n] for n in ENVIRONMENTS if n in rows]
    for row in ordered:
        row["name"] = f"`{row['name'].strip('`')}`"
    block = (
        f"{BEGIN}\n<!-- gerada por scripts/compat.py (make compat); não edite à mão -->\n\n"
        + table(ordered)
        + f"\n\n{END}"
    )
    DOCS.write_text(
        text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :], encoding="utf-8"
    )


def machine() -> str:
    """A CPU desta máquina, em poucas palavras (para a coluna «medido em»)."""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = "CPU desconhecida"
    return f"{model.split(' with ')[0]}, {os.cpu_count()} núcleos"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_notebooks"]:
        return _notebooks_main(argv[1:])
    ap = Parser(description="Matriz de versões da série (make compat).")
    ap.add_argument(
        "--only",
        default=",".join(ENVIRONMENTS),
        help="ambientes separados por vírgula: " + ",".join(ENVIRONMENTS),
    )
    ap.add_argument(
        "--skip-notebooks", action="store_true", help="só instalação e testes de unidade"
    )
    ap.add_argument(
        "--skip-commands",
        action="store_true",
        help="pula os testes dos comandos (commands.experiments em dois processos, alguns minutos)",
    )
    ap.add_argument("--notebooks", nargs="*", help="só estes notebooks (prefixos: 02 04)")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = set(names) - set(ENVIRONMENTS)
    if unknown:
        ap.error(
            f"ambiente desconhecido: {', '.join(sorted(unknown))} (existem: {', '.join(ENVIRONMENTS)})"
        )
    COMPAT_DIR.mkdir(parents=True, exist_ok=True)
    print(
        f"Todos os ambientes usam {PYTHON} e {TORCH_SPEC} (o Colab usa Python 3.13 e torch 2.11; aqui só há "
        "torch de CPU para Python 3.11). Cópias e pasta de trabalho em " + str(OUTSIDE_DIR),
        flush=True,
    )
    rows, failed, start_all = [], False, time.perf_counter()
    for name in names:
        description, pins = ENVIRONMENTS[name]
        log = COMPAT_DIR / name / "log.txt"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("")
        shown = (
            " ".join(pins)
            if len(pins) <= 8
            else f"{len(pins)} versões, entre elas "
            + " ".join(p for p in pins if p.split("==")[0] in KEY_PACKAGES)
        )
        print(f"\n▶ {name}: {description}; fixadas: {shown or 'nenhuma'}  (log: {log})", flush=True)
        row = {
            "name": name,
            "versions": "?",
            "install": "—",
            "unit": "—",
            "commands": "—",
            "notebooks": "—",
        }
        t = t_env = time.perf_counter()
        ok, message, py = prepare(name, pins, log)
        row["install"] = f"{'ok' if ok else 'FALHOU'} ({time.perf_counter() - t:.0f} s): {message}"
        print(f"  instalação: {row['install']}", flush=True)
        if ok:
            row["versions"] = versions(py)
            print(f"  {row['versions']}", flush=True)
            t = time.perf_counter()
            unit_ok, count = unit_tests(name, py, log)
            row["unit"] = (
                f"{'ok' if unit_ok else 'FALHOU'} ({time.perf_counter() - t:.0f} s; {count})"
            )
            print(f"  testes de unidade: {row['unit']}", flush=True)
            if not unit_ok:
                print(tail(log, 25), flush=True)
            if args.skip_commands:
                row["commands"] = "pulados (--skip-commands)"
            else:
                t = time.perf_counter()
                commands_ok, count = commands(name, py, log)
                row["commands"] = (
                    f"{'ok' if commands_ok else 'FALHOU'} ({time.perf_counter() - t:.0f} s; {count})"
                )
                print(f"  comandos: {row['commands']}", flush=True)
                if not commands_ok:
                    print(tail(log, 25), flush=True)
                unit_ok = unit_ok and commands_ok
            if args.skip_notebooks:
                row["notebooks"] = "pulados (--skip-notebooks)"
            else:
                t = time.perf_counter()
                nb_ok, summary = notebooks(name, py, log, args.notebooks)
                row["notebooks"] = (
                    f"{'ok' if nb_ok else 'FALHOU'} ({time.perf_counter() - t:.0f} s: {summary})"
                )
                print(f"  notebooks: {row['notebooks']}", flush=True)
                if not nb_ok:
                    print(tail(log, 15), flush=True)
                unit_ok = unit_ok and nb_ok
            ok = ok and unit_ok
        else:
            print(tail(log), flush=True)
        failed = failed or not ok
        row["measured"] = (
            f"{time.strftime('%Y-%m-%d')}, {machine()}, {(time.perf_counter() - t_env) / 60:.0f} min".replace(
                ".", ","
            )
        )
        rows.append(row)
    total = time.perf_counter() - start_all
    text = (
        f"Matriz de versões (`python scripts/compat.py --only {','.join(names)}"
        f"{' --skip-notebooks' if args.skip_notebooks else ''}{' --skip-commands' if args.skip_commands else ''}`), {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} núcleos de CPU, {PYTHON} + {TORCH_SPEC}; total {total / 60:.1f} min\n\n"
        + table(rows)
        + "\n"
    )
    (COMPAT_DIR / "resultado.md").write_text(text, encoding="utf-8")
    whole = not (args.skip_notebooks or args.skip_commands or args.notebooks)
    if whole:  # só uma execução inteira de um ambiente troca a linha dele na página
        write_docs(rows)
    print("\n" + text)
    print(
        "Tudo certo."
        if not failed
        else "Algo FALHOU (veja os logs em build/compat/<ambiente>/log.txt)."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
