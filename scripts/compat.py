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
3. instala os extras ``[test,offline,producao,busca]`` (o Colab não precisa deles: servem para rodar os testes e o
   perfil offline aqui);
4. roda os testes de unidade (camada ``unit``), os testes dos comandos em dois processos
   (``tests/test_experiments.py``: o ``finetune`` curto num processo e sob ``accelerate launch --cpu
   --num_processes 2``, a busca do ``distill`` em dois processos; ``--skip-commands`` os pula) e todos os notebooks com os parâmetros curtos de
   ``scripts/run_notebooks.py`` (``SMOKE_PARAMETERS``), com a pasta de trabalho fora do repositório,
   ``HF_HUB_OFFLINE=1`` e ``VARIANTES_DATA`` apontando para a ``data/`` da cópia (no Colab, a série acha
   ``/content/variantes-bert/data`` sozinha).

Imprime uma tabela ambiente × (instalação, testes, notebooks) e grava em ``build/compat/resultado.md``;
sai com erro se algo falhou. O Colab de verdade usa Python 3.13 e torch 2.11; aqui só há torch de CPU para
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

from helpers.cli import Parser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lock import parse_lock, torch_spec  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COMPAT_DIR = ROOT / "build" / "compat"
# cópias e pastas de trabalho ficam FORA do repositório: dentro dele, helpers.project e helpers.artifacts
# achariam a data/ e o build/ do repositório pelas pastas-mães, e o teste não mostraria o que o Colab vê
OUTSIDE_DIR = Path(tempfile.gettempdir()) / "variantes-compat"
COLAB_LISTS = ROOT / "tests" / "fixtures" / "colab"   # as listas que o Colab publica (README.md ao lado)
LOCK = ROOT / "requirements" / "lock.txt"
TORCH_SPEC = os.environ.get("TORCH_SPEC") or torch_spec()   # requirements/torch.txt, o mesmo do make install
PYTHON = os.environ.get("COMPAT_PYTHON", "python3.11" if shutil.which("python3.11") else sys.executable)


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
KEY_PACKAGES = ("transformers", "datasets", "accelerate", "huggingface-hub", "tokenizers", "ipywidgets", "numpy",
                "torchao", "protobuf")

# nome → (descrição, versões fixadas antes do pacote)
ENVIRONMENTS = {
    "colab": ("o Colab de 2026-08-19 (lista publicada), pacote sem -e", colab_pins()),
    "colab-2026.07": ("o ambiente fixo 2026.07 do Colab (lista publicada)", colab_pins("pip-freeze-2026.07-runtime.txt")),
    "tf446": ("transformers mais antigo aceito (4.46)",
              ["transformers==4.46.3", "tokenizers==0.20.3", "datasets==3.6.0", "accelerate==1.0.1"]),
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
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
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
        proc = subprocess.run([str(c) for c in cmd], stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=cwd)
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
    blob = json.dumps([PYTHON, TORCH_SPEC, pins, project["dependencies"], project["optional-dependencies"]])
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
    before = subprocess.run([py, "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout
    (here / "freeze_antes.txt").write_text(before)
    # passo 1, o da célula de preparação do Colab: `pip install <clone>`, sem -e e sem extras
    if not run([*pip, clone], log, cwd=OUTSIDE_DIR / name):
        return False, "pip install <cópia> falhou", py
    after = subprocess.run([py, "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout
    (here / "freeze_depois.txt").write_text(after)
    changes = changed_packages(parse_freeze(before), parse_freeze(after))
    added = sorted(set(parse_freeze(after)) - set(parse_freeze(before)))
    if changes:
        message = "a instalação trocou pacotes já instalados: " + "; ".join(changes)
        state_file.write_text(json.dumps({"key": key, "ok": False, "message": message}))
        return False, message, py
    message = f"nada instalado mudou; {len(added)} novos ({', '.join(added[:6])}{', …' if len(added) > 6 else ''})"
    # passo 2, só para rodar testes e o perfil offline aqui
    if not run([*pip, f"{clone}[test,offline,producao,busca]"], log, cwd=OUTSIDE_DIR / name):
        return False, "instalar os extras [test,offline,producao,busca] falhou", py
    extra_changes = changed_packages(parse_freeze(after), parse_freeze(
        subprocess.run([py, "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout))
    if extra_changes:  # não falha: o Colab não instala os extras; só fica registrado
        message += "; os extras [test,offline,producao,busca] trocaram " + "; ".join(extra_changes)
    state_file.write_text(json.dumps({"key": key, "ok": True, "message": message}))
    return True, message, py


def environment(name: str) -> dict:
    """Variáveis do ambiente de execução: perfil offline, dados da cópia, tudo o que é gravado em build/compat."""
    here = COMPAT_DIR / name
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VARIANTES_", "VIRTUAL_ENV", "PYTHONPATH"))}
    venv_bin = str(here / "venv" / "bin")
    env.update({
        "PATH": venv_bin + os.pathsep + env.get("PATH", ""),
        "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false", "PYTHONHASHSEED": "0",
        "HF_HOME": str(here / "hf"),                      # caches do datasets/transformers de cada versão
        "VARIANTES_CACHE": str(here / "cache"),           # o DistilBERT substituto é construído por esta versão
        "VARIANTES_BUILD": str(here / "build"),
        "VARIANTES_RESULTS_DIR": str(here / "build" / "results"),
        "VARIANTES_DATA": str(OUTSIDE_DIR / name / "clone" / "data"),  # no Colab: /content/variantes-bert/data
        "MPLBACKEND": "Agg",
        "VARIANTES_SHORT_RUN": "smoke",   # parâmetros curtos: as afirmações sobre tempo (full_run) não interrompem
    })
    return env


def pytest_in(name: str, py: Path, log: Path, *selection) -> tuple[bool, str]:
    """``pytest`` da cópia no python do ambiente; devolve ``(ok, a linha final do pytest)``."""
    env = environment(name)
    work = OUTSIDE_DIR / name / "trabalho"
    work.mkdir(parents=True, exist_ok=True)
    clone = OUTSIDE_DIR / name / "clone"
    before = len(log.read_text(errors="replace")) if log.exists() else 0
    ok = run([py, "-m", "pytest", *[clone / s if s.startswith("tests") else s for s in selection], "-q", "-p",
              "no:cacheprovider", "-rf"], log, env=env, cwd=work)
    counts = re.findall(r"^=*\s*(\d+ (?:passed|failed|skipped|errors?).*?)\s*=*$",
                        log.read_text(errors="replace")[before:], re.M)
    return ok, counts[-1] if counts else "?"


def unit_tests(name: str, py: Path, log: Path) -> tuple[bool, str]:
    return pytest_in(name, py, log, "tests", "-m", "unit and not slow")  # a camada static confere a trava, não isto


COMMAND_TESTS = "two_processes or search_runs"  # o finetune num processo e em dois; a busca do distill em dois


def commands(name: str, py: Path, log: Path) -> tuple[bool, str]:
    """Os testes que rodam ``helpers.experiments`` de verdade (vários processos, busca) neste ambiente."""
    return pytest_in(name, py, log, "tests/test_experiments.py", "-m", "slow", "-k", COMMAND_TESTS)


def notebooks(name: str, py: Path, log: Path, only=None) -> tuple[bool, str]:
    """Todos os notebooks (parâmetros curtos) no python do ambiente; devolve ``(ok, tempos)``."""
    env = environment(name)
    clone = OUTSIDE_DIR / name / "clone"
    work = OUTSIDE_DIR / name / "trabalho"
    work.mkdir(parents=True, exist_ok=True)
    report = COMPAT_DIR / name / "notebooks.json"
    report.unlink(missing_ok=True)
    cmd = [py, clone / "scripts" / "compat.py", "_notebooks", "--out", COMPAT_DIR / name / "notebooks",
           "--report", report, *(["--nb", *only] if only else [])]
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
            pm.execute_notebook(str(nb), str(out), kernel_name="python3", cwd=os.getcwd(),
                                parameters=smoke_parameters(nb), progress_bar=False, execution_timeout=1800)
        except Exception as exc:  # segue para os próximos
            status = "FALHOU"
            print(f"  {error_summary(exc)}", flush=True)
        rows.append({"notebook": nb.name, "status": status, "seconds": time.perf_counter() - start})
        print(f"  {status} em {rows[-1]['seconds']:.1f} s", flush=True)
        Path(args.report).write_text(json.dumps(rows))
    return 0 if all(r["status"] == "ok" for r in rows) else 1


# --------------------------------------------------------------------------- a matriz

def versions(py: Path) -> str:
    code = ("import importlib.metadata as m, platform\n"
            "names = ['torch', 'transformers', 'datasets', 'accelerate', 'ipywidgets', 'tokenizers']\n"
            "print('python ' + platform.python_version() + ', ' + ', '.join(n + ' ' + m.version(n) for n in names))")
    out = subprocess.run([py, "-c", code], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def table(rows) -> str:
    lines = ["| ambiente | versões | instalação | testes de unidade | comandos em 2 processos | notebooks (parâmetros curtos) |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['versions']} | {r['install']} | {r['unit']} | {r['commands']} | {r['notebooks']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_notebooks"]:
        return _notebooks_main(argv[1:])
    ap = Parser(description="Matriz de versões da série (make compat).")
    ap.add_argument("--only", default=",".join(ENVIRONMENTS), help="ambientes separados por vírgula: "
                                                                  + ",".join(ENVIRONMENTS))
    ap.add_argument("--skip-notebooks", action="store_true", help="só instalação e testes de unidade")
    ap.add_argument("--skip-commands", action="store_true",
                    help="pula os testes dos comandos (helpers.experiments em dois processos, alguns minutos)")
    ap.add_argument("--notebooks", nargs="*", help="só estes notebooks (prefixos: 02 04)")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = set(names) - set(ENVIRONMENTS)
    if unknown:
        ap.error(f"ambiente desconhecido: {', '.join(sorted(unknown))} (existem: {', '.join(ENVIRONMENTS)})")
    COMPAT_DIR.mkdir(parents=True, exist_ok=True)
    print(f"Todos os ambientes usam {PYTHON} e {TORCH_SPEC} (o Colab usa Python 3.13 e torch 2.11; aqui só há "
          "torch de CPU para Python 3.11). Cópias e pasta de trabalho em " + str(OUTSIDE_DIR), flush=True)
    rows, failed, start_all = [], False, time.perf_counter()
    for name in names:
        description, pins = ENVIRONMENTS[name]
        log = COMPAT_DIR / name / "log.txt"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("")
        shown = ' '.join(pins) if len(pins) <= 8 else f"{len(pins)} versões, entre elas " + ' '.join(
            p for p in pins if p.split('==')[0] in KEY_PACKAGES)
        print(f"\n▶ {name}: {description}; fixadas: {shown or 'nenhuma'}  (log: {log})", flush=True)
        row = {"name": name, "versions": "?", "install": "—", "unit": "—", "commands": "—", "notebooks": "—"}
        t = time.perf_counter()
        ok, message, py = prepare(name, pins, log)
        row["install"] = f"{'ok' if ok else 'FALHOU'} ({time.perf_counter() - t:.0f} s): {message}"
        print(f"  instalação: {row['install']}", flush=True)
        if ok:
            row["versions"] = versions(py)
            print(f"  {row['versions']}", flush=True)
            t = time.perf_counter()
            unit_ok, count = unit_tests(name, py, log)
            row["unit"] = f"{'ok' if unit_ok else 'FALHOU'} ({time.perf_counter() - t:.0f} s; {count})"
            print(f"  testes de unidade: {row['unit']}", flush=True)
            if not unit_ok:
                print(tail(log, 25), flush=True)
            if args.skip_commands:
                row["commands"] = "pulados (--skip-commands)"
            else:
                t = time.perf_counter()
                commands_ok, count = commands(name, py, log)
                row["commands"] = f"{'ok' if commands_ok else 'FALHOU'} ({time.perf_counter() - t:.0f} s; {count})"
                print(f"  comandos: {row['commands']}", flush=True)
                if not commands_ok:
                    print(tail(log, 25), flush=True)
                unit_ok = unit_ok and commands_ok
            if args.skip_notebooks:
                row["notebooks"] = "pulados (--skip-notebooks)"
            else:
                t = time.perf_counter()
                nb_ok, summary = notebooks(name, py, log, args.notebooks)
                row["notebooks"] = f"{'ok' if nb_ok else 'FALHOU'} ({time.perf_counter() - t:.0f} s: {summary})"
                print(f"  notebooks: {row['notebooks']}", flush=True)
                if not nb_ok:
                    print(tail(log, 15), flush=True)
                unit_ok = unit_ok and nb_ok
            ok = ok and unit_ok
        else:
            print(tail(log), flush=True)
        failed = failed or not ok
        rows.append(row)
    total = time.perf_counter() - start_all
    text = (f"Matriz de versões (`python scripts/compat.py --only {','.join(names)}"
            f"{' --skip-notebooks' if args.skip_notebooks else ''}{' --skip-commands' if args.skip_commands else ''}`), {time.strftime('%Y-%m-%d')}, "
            f"{os.cpu_count()} núcleos de CPU, {PYTHON} + {TORCH_SPEC}; total {total / 60:.1f} min\n\n" + table(rows) + "\n")
    (COMPAT_DIR / "resultado.md").write_text(text, encoding="utf-8")
    print("\n" + text)
    print("Tudo certo." if not failed else "Algo FALHOU (veja os logs em build/compat/<ambiente>/log.txt).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
