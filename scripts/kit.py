"""Kit de aula sem internet: tudo o que a série precisa numa pasta só, para vários computadores sem rede.

Em casa, **com internet**, uma vez (o professor)::

    make kit                                   # = python scripts/kit.py montar --destino build/kit
    python scripts/kit.py montar --destino KIT [--modelos-de CACHE_HF] [--rodas-de PASTA]
                                 [--torch-index URL] [--plataforma manylinux_2_28_x86_64 --python-versao 3.11]

junta em ``KIT``: as rodas (wheels) do Python para a plataforma dos computadores da turma (torch fixado, o
projeto com os extras ``test``, ``offline``, ``producao`` e ``busca`` e o ``jupyterlab``), os modelos de verdade que os notebooks nomeiam
(``helpers.hub.NOTEBOOK_MODELS``) e os datasets do Hub (``helpers.data.NOTEBOOK_DATASETS``), no formato do cache
do Hugging Face, e o próprio repositório. Em cada computador **sem internet**, um comando::

    bash KIT/instalar.sh [PASTA]               # = python3 KIT/kit.py instalar KIT --pasta PASTA

cria ``PASTA`` com o repositório e o ``.venv`` instalado só das rodas do kit (``pip --no-index --find-links``),
copia os modelos e datasets para o cache do Hugging Face do usuário (``HF_HUB_CACHE``, senão ``HF_HOME/hub``,
senão ``~/.cache/huggingface/hub``) sem apagar nada do que já está lá, e diz como abrir os notebooks.

Outros subcomandos: ``conferir KIT`` (confere tamanhos e sha256 de tudo contra o ``kit.json``) e ``ensaio``
(``make kit-check``: monta um kit com material local, instala numa pasta nova com a rede desligada e executa o
notebook 01 de lá).

O kit não tem links simbólicos (cabe num pendrive FAT32/exFAT): no cache dele, ``snapshots/<commit>/<arquivo>``
são arquivos comuns, uma forma que o ``huggingface_hub`` também lê. A instalação usa só a biblioteca padrão
do Python, porque roda antes de existir o ``.venv``.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMAT = 2  # 2: chaves do kit.json em inglês (o formato 1, de antes, tinha chaves em português)
MANIFEST = "kit.json"
REPO_ARCHIVE = "repositorio.tar.gz"
WHEELS = "rodas"
HUB = Path("hf") / "hub"
EXTRAS = ("test", "offline", "producao", "busca")
# extras do pip que o kit leva além do projeto: sem internet, a turma não consegue instalá-los depois
DEFAULT_EXTRA_PACKAGES = ("jupyterlab",)
STAMP = ".venv/.instalado"  # o mesmo carimbo do Makefile: com ele, `make run` na pasta instalada não reinstala

# Arquivos de um modelo que a série usa: configuração, tokenizador e pesos em safetensors (ou, quando o
# repositório não tem safetensors, os do PyTorch). Só os da raiz: pastas como onnx/ ou openvino/ ficam de fora,
# assim como os pesos do TensorFlow (*.h5), do Flax (*.msgpack) e de outras bibliotecas.
MODEL_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "*.model",
    "model.safetensors",
    "model-*-of-*.safetensors",
    "model.safetensors.index.json",
    "README.md",
)
TORCH_FILES = ("pytorch_model.bin", "pytorch_model-*-of-*.bin", "pytorch_model.bin.index.json")


class KitError(RuntimeError):
    """Problema com o kit, explicado em português."""


# ---------------------------------------------------------------- utilidades


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_folder(repo_id: str, repo_type: str = "model") -> str:
    """Nome da pasta de um repositório no cache do Hub: ``models--dono--nome`` ou ``datasets--dono--nome``."""
    return f"{repo_type}s--" + repo_id.replace("/", "--")


def user_hub_cache(env=None) -> Path:
    """O cache do Hub que o ``huggingface_hub`` (e os helpers) vão ler neste usuário.

    ``HF_HUB_CACHE`` (ou o nome antigo ``HUGGINGFACE_HUB_CACHE``); senão ``HF_HOME/hub``; senão
    ``$XDG_CACHE_HOME/huggingface/hub``; senão ``~/.cache/huggingface/hub``. A mesma ordem de
    ``helpers.hub_cache.hf_hub_cache`` (aqui sem importar os helpers: a instalação roda antes do ``.venv``).
    """
    env = os.environ if env is None else env
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if env.get(name):
            return Path(env[name]).expanduser()
    if env.get("HF_HOME"):
        return Path(env["HF_HOME"]).expanduser() / "hub"
    base = (
        Path(env["XDG_CACHE_HOME"]).expanduser()
        if env.get("XDG_CACHE_HOME")
        else Path.home() / ".cache"
    )
    return base / "huggingface" / "hub"


def model_files(files) -> list[str]:
    """Dos arquivos de um repositório de modelo, os que o kit leva (veja ``MODEL_FILES``)."""
    top = [f for f in files if "/" not in f]
    keep = [f for f in top if any(fnmatch.fnmatch(f, p) for p in MODEL_FILES)]
    if not any(f.endswith(".safetensors") for f in keep):
        keep += [f for f in top if any(fnmatch.fnmatch(f, p) for p in TORCH_FILES)]
    return sorted(keep)


def dataset_files(files) -> list[str]:
    """Dos arquivos de um repositório de dataset, os que o kit leva: todos, menos os do git."""
    return sorted(f for f in files if not Path(f).name.startswith(".git"))


def project_requirements(root: Path = ROOT, extras=EXTRAS) -> list[str]:
    """Dependências do projeto e dos extras ``extras``, lidas do ``pyproject.toml`` (sem o próprio projeto)."""
    try:  # aqui, e não no topo: a instalação (sem .venv, num Python 3.10 sem tomli) não precisa dele
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    toml = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = list(toml["project"]["dependencies"])
    for extra in extras:
        reqs += toml["project"].get("optional-dependencies", {}).get(extra, [])
    return reqs + list(
        toml["build-system"]["requires"]
    )  # o pip install -e do projeto precisa do setuptools


def torch_pin(root: Path = ROOT) -> str:
    """O torch fixado em ``requirements/torch.txt`` (vazio se não houver: o kit.py copiado para dentro de um kit)."""
    path = root / "requirements" / "torch.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return next((ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")), "")


def _say(msg: str) -> None:
    print(msg, flush=True)


def _run(cmd, **kwargs) -> None:
    _say("  $ " + " ".join(str(c) for c in cmd))
    result = subprocess.run([str(c) for c in cmd], **kwargs)
    if result.returncode != 0:
        raise KitError(f"o comando acima falhou (código {result.returncode}).")


# ---------------------------------------------------------------- cache do Hub


def snapshot_of(cache: Path, repo_id: str, repo_type: str = "model", revision: str = "main"):
    """``(commit, pasta do snapshot)`` de ``repo_id`` num cache do Hub, ou ``None`` se não estiver lá."""
    entry = Path(cache) / cache_folder(repo_id, repo_type)
    ref = entry / "refs" / revision
    if not ref.is_file():
        return None
    commit = ref.read_text(encoding="utf-8").strip()
    snap = entry / "snapshots" / commit
    return (commit, snap) if snap.is_dir() else None


def cache_from_folder(folder: Path, repo_id: str, cache: Path, repo_type: str = "model") -> str:
    """Escreve a pasta ``folder`` (um modelo salvo) no cache ``cache`` como se fosse ``repo_id`` do Hub.

    O formato é o do ``snapshot_download``: ``blobs/<sha256>``, ``refs/main`` com um commit e
    ``snapshots/<commit>/<arquivo>`` como link simbólico relativo para o blob. O commit é um hash do
    conteúdo (sempre o mesmo para a mesma pasta). Devolve o commit. Serve para o ensaio e para quem tem o
    modelo numa pasta, sem o cache.
    """
    folder = Path(folder)
    pick = model_files if repo_type == "model" else dataset_files
    files = pick(sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()))
    if not files:
        raise KitError(
            f"{folder} não tem nenhum arquivo de modelo ({', '.join(MODEL_FILES[:3])}...)."
        )
    digests = {f: sha256(folder / f) for f in files}
    commit = hashlib.sha1("".join(f"{f}:{d}\n" for f, d in digests.items()).encode()).hexdigest()
    entry = Path(cache) / cache_folder(repo_id, repo_type)
    (entry / "blobs").mkdir(parents=True, exist_ok=True)
    (entry / "refs").mkdir(exist_ok=True)
    for f, digest in digests.items():
        blob = entry / "blobs" / digest
        if not blob.exists():
            shutil.copyfile(folder / f, blob)
        link = entry / "snapshots" / commit / f
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            os.symlink(os.path.relpath(blob, link.parent), link)
    (entry / "refs" / "main").write_text(commit, encoding="utf-8")
    return commit


def copy_snapshot_into_kit(
    cache: Path, repo_id: str, kit: Path, repo_type: str = "model"
) -> dict | None:
    """Copia o snapshot de ``refs/main`` de ``repo_id`` do cache ``cache`` para o cache do kit.

    Só os arquivos que a série usa (:func:`model_files`), como arquivos comuns (sem links simbólicos).
    Devolve o registro do manifesto, ou ``None`` se o cache não tiver ``repo_id``.
    """
    found = snapshot_of(cache, repo_id, repo_type)
    if found is None:
        return None
    commit, snap = found
    pick = model_files if repo_type == "model" else dataset_files
    files = pick(sorted(str(p.relative_to(snap)) for p in snap.rglob("*") if p.is_file()))
    entry = kit / HUB / cache_folder(repo_id, repo_type)
    (entry / "refs").mkdir(parents=True, exist_ok=True)
    (entry / "refs" / "main").write_text(commit, encoding="utf-8")
    records = []
    for f in files:
        dst = entry / "snapshots" / commit / f
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile((snap / f).resolve(), dst)  # resolve(): o blob, não o link
        records.append({"file": f, "bytes": dst.stat().st_size, "sha256": sha256(dst)})
    return {"id": repo_id, "repo_type": repo_type, "commit": commit, "files": records}


def download_to_cache(repo_id: str, cache: Path, repo_type: str = "model") -> None:
    """Baixa ``repo_id`` do Hub para o cache ``cache`` (só os arquivos que o kit leva). Precisa de internet."""
    from huggingface_hub import HfApi, snapshot_download

    files = HfApi().list_repo_files(repo_id, repo_type=repo_type)
    wanted = model_files(files) if repo_type == "model" else dataset_files(files)
    _say(f"  baixando {repo_id} ({repo_type}): {len(wanted)} arquivos")
    snapshot_download(repo_id, repo_type=repo_type, cache_dir=cache, allow_patterns=wanted)


def install_hub_cache(kit: Path, target: Path) -> dict:
    """Copia as entradas do cache do kit para o cache ``target`` do usuário, sem apagar nada de lá.

    Arquivo que já existe fica como está; um ``refs/main`` que já aponta para outro commit também (o
    snapshot do kit é copiado ao lado, e o aviso diz qual ficou valendo). Devolve contagens.
    """
    source = kit / HUB
    counts = {"copied": 0, "already_present": 0, "kept_refs": []}
    if not source.is_dir():
        return counts
    for entry in sorted(p for p in source.iterdir() if p.is_dir()):
        for src in sorted(p for p in entry.rglob("*") if p.is_file()):
            rel = src.relative_to(source)
            dst = target / rel
            if dst.exists() or dst.is_symlink():
                if (
                    rel.parts[1] == "refs"
                    and dst.read_text(encoding="utf-8").strip()
                    != src.read_text(encoding="utf-8").strip()
                ):
                    counts["kept_refs"].append(str(rel))
                counts["already_present"] += 1
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            tmp = dst.with_name(f".{dst.name}.kit-tmp")
            shutil.copyfile(src, tmp)
            os.replace(tmp, dst)
            counts["copied"] += 1
    return counts


# ---------------------------------------------------------------- repositório e rodas


def repo_files(root: Path = ROOT) -> list[str]:
    """Arquivos do repositório como estão na pasta: os versionados e os novos que o git não ignora."""
    out = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({f for f in out.split("\0") if f and (root / f).is_file()})


def repo_state(root: Path = ROOT) -> dict:
    def git(*args):
        r = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "HEAD"),
        "local_changes": bool(git("status", "--porcelain")),
    }


def archive_repo(root: Path, destination: Path) -> list[str]:
    """``repositorio.tar.gz`` com :func:`repo_files` (caminhos relativos à raiz). Devolve a lista."""
    files = repo_files(root)
    with tarfile.open(destination, "w:gz") as tar:
        for f in files:
            tar.add(root / f, arcname=f, recursive=False)
    return files


def platform_flags(platforms, python_version) -> list[str]:
    """Opções do ``pip download`` para outra plataforma/versão do Python (vazio: esta máquina)."""
    if not platforms and not python_version:
        return []
    version = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    flags = [
        "--only-binary=:all:",
        "--python-version",
        version,
        "--implementation",
        "cp",
        "--abi",
        "cp" + version.replace(".", ""),
    ]
    for p in platforms or ():
        flags += ["--platform", p]
    return flags


def download_wheels(
    wheels: Path,
    requirements,
    torch_spec: str | None,
    torch_index: str | None,
    wheels_from: Path | None,
    flags,
) -> None:
    """``pip download`` de ``torch_spec`` (do ``torch_index``, se houver) e de ``requirements`` para ``wheels``.

    Com ``wheels_from``, nada vem da rede: ``--no-index --find-links wheels_from``.
    """
    wheels.mkdir(parents=True, exist_ok=True)
    pip = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "-q",
        "--dest",
        wheels,
        "--find-links",
        wheels,
        *flags,
    ]
    source = ["--no-index", "--find-links", wheels_from] if wheels_from else []
    if torch_spec:
        torch_source = source or (["--index-url", torch_index] if torch_index else [])
        _run([*pip, *torch_source, "--no-deps", torch_spec])
    _run([*pip, *source, *([torch_spec] if torch_spec else []), *requirements])


def wheel_records(wheels: Path) -> list[dict]:
    records = []
    for p in sorted(wheels.iterdir()):
        if p.is_file():
            records.append({"file": p.name, "bytes": p.stat().st_size, "sha256": sha256(p)})
    return records


# ---------------------------------------------------------------- montar


def install_script(python_version: str) -> str:
    """O ``instalar.sh`` do kit: acha um Python da versão das rodas e chama ``kit.py instalar``."""
    return f"""#!/usr/bin/env bash
# Kit de aula sem internet da série Variantes do BERT.
# Instala tudo a partir desta pasta, sem rede: o repositório, o .venv (pip --no-index --find-links rodas/)
# e os modelos e datasets no cache do Hugging Face deste usuário.
#   bash instalar.sh [PASTA]        (padrão: ~/variantes-bert; a pasta não pode existir com arquivos dentro)
# As rodas são do Python {python_version}: com outro Python, a instalação para e diz por quê.
set -euo pipefail
KIT="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
if [ -n "${{PYTHON:-}}" ]; then :
elif command -v python{python_version} >/dev/null 2>&1; then PYTHON=python{python_version}
else PYTHON=python3
fi
export PIP_NO_INDEX=1 PIP_FIND_LINKS="$KIT/{WHEELS}"
exec "$PYTHON" "$KIT/kit.py" instalar "$KIT" --pasta "${{1:-$HOME/variantes-bert}}"
"""


def readme_text(manifest: dict) -> str:
    models = "\n".join(f"  - {m['id']}" for m in manifest["models"]) or "  (nenhum)"
    data = "\n".join(f"  - {d['id']}" for d in manifest["datasets"]) or "  (nenhum)"
    missing = manifest["missing"]["models"] + manifest["missing"]["datasets"]
    lines = [
        "Kit de aula sem internet: série Variantes do BERT",
        "",
        "Em cada computador (Linux ou macOS, com bash e Python "
        + manifest["python"]
        + "), sem internet:",
        "",
        "    bash instalar.sh [PASTA]",
        "",
        "Isso cria PASTA (padrão: ~/variantes-bert) com o repositório e o .venv, instalado só com as rodas",
        "desta pasta, e copia os modelos e datasets para o cache do Hugging Face do usuário. No fim, o",
        "comando diz como abrir os notebooks.",
        "",
        f"Rodas do Python {manifest['python']} para {manifest['platform']} ({len(manifest['wheels'])} arquivos).",
        "Modelos:",
        models,
        "Datasets do Hub:",
        data,
    ]
    if missing:
        lines += [
            "",
            "Não vieram (os notebooks usam o substituto offline no lugar): " + ", ".join(missing),
        ]
    lines += [
        "",
        "Conferir o kit depois de copiar (tamanhos e sha256):  python3 kit.py conferir .",
        "",
    ]
    return "\n".join(lines)


def build(
    destination: Path,
    *,
    models=None,
    datasets=None,
    hub_cache: Path | None = None,
    download: bool = True,
    wheels_from: Path | None = None,
    requirements=None,
    torch_spec: str | None = None,
    torch_index: str | None = None,
    platforms=(),
    python_version: str | None = None,
    root: Path = ROOT,
) -> dict:
    """Monta o kit em ``destination`` (que não pode ter arquivos) e devolve o manifesto.

    ``requirements=None``: as dependências do projeto com os extras (:func:`project_requirements`), o
    ``pip`` e os :data:`DEFAULT_EXTRA_PACKAGES`. ``torch_spec=None``: sem torch (só nos testes).
    Um modelo/dataset que não está em ``hub_cache`` é baixado para lá quando ``download``; senão fica
    listado em ``missing``.
    """
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise KitError(
            f"{destination} já existe e não está vazia: escolha uma pasta nova para o kit."
        )
    destination.mkdir(parents=True, exist_ok=True)
    if models is None or datasets is None:
        sys.path.insert(0, str(root))
        from helpers.data import NOTEBOOK_DATASETS
        from helpers.hub import NOTEBOOK_MODELS

        models = NOTEBOOK_MODELS if models is None else models
        datasets = NOTEBOOK_DATASETS if datasets is None else datasets
    if requirements is None:
        requirements = ["pip", *project_requirements(root), *DEFAULT_EXTRA_PACKAGES]
    cache = Path(hub_cache) if hub_cache else user_hub_cache()
    if download:
        # o Makefile liga o perfil offline; montar o kit é baixar (antes de importar o huggingface_hub,
        # que lê a variável uma vez só)
        for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
            os.environ[var] = "0"

    _say(f"1/4 rodas do Python → {destination / WHEELS}")
    download_wheels(
        destination / WHEELS,
        requirements,
        torch_spec,
        torch_index,
        wheels_from,
        platform_flags(platforms, python_version),
    )
    got = [p for p in (destination / WHEELS).iterdir() if p.is_file()]
    _say(f"  {len(got)} arquivos, {sum(p.stat().st_size for p in got) / 1e6:.0f} MB")
    sdists = [p.name for p in got if not p.name.endswith(".whl")]
    if sdists:
        _say(
            "  atenção: pacotes só em código-fonte (precisam ser compilados no computador da turma): "
            + ", ".join(sdists)
        )

    _say(f"2/4 modelos e datasets (cache de origem: {cache})")
    records = {"model": [], "dataset": []}
    missing = {"model": [], "dataset": []}
    for repo_type, ids in (("model", models), ("dataset", datasets)):
        for repo_id in ids:
            rec = copy_snapshot_into_kit(cache, repo_id, destination, repo_type)
            if rec is None and download:
                download_to_cache(repo_id, cache, repo_type)
                rec = copy_snapshot_into_kit(cache, repo_id, destination, repo_type)
            if rec is None:
                missing[repo_type].append(repo_id)
                _say(
                    f"  {repo_id}: não está no cache e não foi baixado (--sem-baixar); fica de fora"
                )
            else:
                size = sum(f["bytes"] for f in rec["files"]) / 1e6
                _say(f"  {repo_id}: {len(rec['files'])} arquivos, {size:.1f} MB")
                records[repo_type].append(rec)

    _say(f"3/4 repositório → {destination / REPO_ARCHIVE}")
    files = archive_repo(root, destination / REPO_ARCHIVE)
    shutil.copyfile(Path(__file__).resolve(), destination / "kit.py")
    cli = cli_file()
    if cli:  # a ajuda e os erros do kit.py em português, também dentro do kit
        shutil.copyfile(cli, destination / "cli.py")

    version = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    manifest = {
        "format": FORMAT,
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": version,
        "platform": ", ".join(platforms)
        if platforms
        else f"{platform.system()} {platform.machine()} (esta máquina)",
        "torch": torch_spec,
        "torch_index": torch_index,
        "extras": list(EXTRAS),
        "extra_packages": [r for r in requirements if r in DEFAULT_EXTRA_PACKAGES],
        "repository": {
            "file": REPO_ARCHIVE,
            **repo_state(root),
            "file_count": len(files),
            "bytes": (destination / REPO_ARCHIVE).stat().st_size,
            "sha256": sha256(destination / REPO_ARCHIVE),
        },
        "wheels": wheel_records(destination / WHEELS),
        "models": records["model"],
        "datasets": records["dataset"],
        "missing": {"models": missing["model"], "datasets": missing["dataset"]},
    }
    _say("4/4 kit.json, instalar.sh, LEIA-ME.txt")
    (destination / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (destination / "instalar.sh").write_text(install_script(version), encoding="utf-8")
    (destination / "instalar.sh").chmod(0o755)
    (destination / "LEIA-ME.txt").write_text(readme_text(manifest), encoding="utf-8")
    total = sum(p.stat().st_size for p in destination.rglob("*") if p.is_file()) / 1e6
    _say(
        f"Kit pronto em {destination}: {total:.0f} MB. Copie a pasta inteira; em cada computador: "
        f"bash {destination.name}/instalar.sh"
    )
    return manifest


# ---------------------------------------------------------------- conferir e instalar


def read_manifest(kit: Path) -> dict:
    """O ``kit.json`` de ``kit``; erro em português se falta ou se é de outro formato (outra versão do kit)."""
    path = Path(kit) / MANIFEST
    if not path.is_file():
        raise KitError(f"{kit} não é um kit: falta {MANIFEST}.")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    found = manifest.get("format")
    if found is None and "formato" in manifest:  # o formato 1 tinha as chaves em português
        raise KitError(
            f"{kit} é de uma versão anterior do kit (formato {manifest['formato']}, que este kit.py não "
            "lê) e precisa ser montado de novo (scripts/kit.py montar, num computador com internet); "
            f"até lá, o instalar.sh que veio dentro dele ainda o instala (bash {Path(kit).name}/instalar.sh)."
        )
    if found != FORMAT:
        raise KitError(
            f"{kit}: kit no formato {found}, e este kit.py lê o formato {FORMAT}; use o kit.py que "
            f"veio dentro dele (bash {Path(kit).name}/instalar.sh) ou monte o kit de novo."
        )
    return manifest


def verify(kit: Path) -> list[str]:
    """Confere tamanho e sha256 de cada arquivo do kit contra o manifesto. Devolve os problemas."""
    kit = Path(kit)
    manifest = read_manifest(kit)
    expected = [(kit / REPO_ARCHIVE, manifest["repository"])]
    expected += [(kit / WHEELS / r["file"], r) for r in manifest["wheels"]]
    for rec in manifest["models"] + manifest["datasets"]:
        base = kit / HUB / cache_folder(rec["id"], rec["repo_type"]) / "snapshots" / rec["commit"]
        expected += [(base / f["file"], f) for f in rec["files"]]
    problems = []
    for path, rec in expected:
        if not path.is_file():
            problems.append(f"falta {path.relative_to(kit)}")
        elif path.stat().st_size != rec["bytes"] or sha256(path) != rec["sha256"]:
            problems.append(
                f"{path.relative_to(kit)} está diferente do que foi montado (cópia incompleta?)"
            )
    return problems


def make_venv(python, venv: Path, py: Path, wheels: Path, env) -> None:
    """``python -m venv``; sem o ``ensurepip`` (Debian/Ubuntu sem o pacote ``python3-venv``), cria sem pip e
    instala o pip da própria roda do kit (``python pip-*.whl/pip install ...``, que o pip permite)."""
    try:
        _run([python, "-m", "venv", venv])
        return
    except KitError:
        pip_wheel = next(iter(sorted(wheels.glob("pip-*.whl"))), None)
        if pip_wheel is None:
            raise KitError(
                "o Python não criou o .venv (no Debian/Ubuntu falta o pacote python3-venv) e o kit não "
                "tem a roda do pip para contornar."
            ) from None
        _say("  sem ensurepip: .venv sem pip, e o pip vem da roda do kit")
        shutil.rmtree(venv, ignore_errors=True)
    _run([python, "-m", "venv", "--without-pip", venv])
    _run(
        [py, pip_wheel / "pip", "install", "-q", "--no-index", "--find-links", wheels, "pip"],
        env=env,
    )


def install(kit: Path, folder: Path, python: str = sys.executable, check: bool = True) -> Path:
    """Instala a série de ``kit`` em ``folder`` (nova), sem rede. Devolve a pasta."""
    kit, folder = Path(kit).resolve(), Path(folder).expanduser().resolve()
    manifest = read_manifest(kit)
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    if manifest["python"] != here:
        raise KitError(
            f"as rodas deste kit são do Python {manifest['python']}, e este é o Python {here}. "
            f"Rode com o Python {manifest['python']} (PYTHON=python{manifest['python']} bash "
            "instalar.sh) ou monte o kit com --python-versao " + here + "."
        )
    if folder.exists() and any(folder.iterdir()):
        raise KitError(
            f"{folder} já existe e não está vazia: escolha uma pasta nova (bash instalar.sh PASTA)."
        )
    if check:
        _say("1/5 conferindo o kit (tamanhos e sha256)")
        problems = verify(kit)
        if problems:
            raise KitError("o kit está incompleto ou corrompido:\n  " + "\n  ".join(problems[:20]))
    _say(f"2/5 repositório → {folder}")
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(kit / REPO_ARCHIVE) as tar:
        try:
            tar.extractall(folder, filter="data")
        except (
            TypeError
        ):  # Python sem os filtros de extração (3.10 antigo): o kit é nosso, sem caminhos absolutos
            tar.extractall(folder)
    _say("3/5 .venv só com as rodas do kit (pip --no-index)")
    py = folder / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    env = {
        **os.environ,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(kit / WHEELS),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    make_venv(python, folder / ".venv", py, kit / WHEELS, env)
    pip = [py, "-m", "pip", "install", "-q", "--no-index", "--find-links", kit / WHEELS]
    if any(r["file"].startswith("pip-") for r in manifest["wheels"]):
        _run([*pip, "--upgrade", "pip"], env=env)
    if manifest["torch"]:
        _run([*pip, manifest["torch"]], env=env)
    _run(
        [*pip, "-e", f"{folder}[{','.join(manifest['extras'])}]", *manifest["extra_packages"]],
        env=env,
    )
    (folder / STAMP).touch()
    target = user_hub_cache()
    _say(f"4/5 modelos e datasets → {target}")
    counts = install_hub_cache(kit, target)
    _say(f"  {counts['copied']} arquivos copiados, {counts['already_present']} já estavam lá")
    for ref in counts["kept_refs"]:
        _say(
            f"  aviso: {ref} já apontava para outro commit e ficou como estava; o do kit foi copiado ao lado"
        )
    models = ", ".join(m["id"] for m in manifest["models"]) or "nenhum"
    _say(f"5/5 pronto. Modelos de verdade no cache: {models}.")
    if manifest["missing"]["models"]:
        _say(
            "  Sem modelo no kit (usam o substituto offline): "
            + ", ".join(manifest["missing"]["models"])
        )
    hub_env = "".join(
        f" {k}={os.environ[k]}" for k in ("HF_HOME", "HF_HUB_CACHE") if os.environ.get(k)
    )
    _say(f"""
Para abrir os notebooks (sem internet):
  cd {folder}
  export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1{hub_env}
  .venv/bin/python -m jupyter lab notebooks/
Para executar todos de uma vez (papermill, resultados em build/): make run""")
    return folder


# ---------------------------------------------------------------- ensaio (make kit-check)


def rehearse(
    work: Path, notebooks=("01",), wheels_from: Path | None = None, isolate: bool = True
) -> None:
    """Ensaio do kit inteiro com material local: monta, instala numa pasta nova sem rede e roda notebooks.

    O modelo de verdade não pode ser baixado aqui: o MiniLM (``helpers.standins.minilm_path()``) é escrito num
    cache do Hub falso com o id real ``neuralmind/bert-base-portuguese-cased``. A instalação e os notebooks
    rodam com ``unshare -n`` (sem rede nenhuma), quando a máquina deixa, com um ``HOME`` e um ``HF_HOME`` novos
    e sem a configuração do pip desta máquina.
    """
    import time

    sys.path.insert(0, str(ROOT))
    from helpers.standins import minilm_path

    work = Path(work).resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    start = time.perf_counter()
    fake = work / "cache-de-origem"
    commit = cache_from_folder(minilm_path(), "neuralmind/bert-base-portuguese-cased", fake)
    _say(f"cache falso: neuralmind/bert-base-portuguese-cased = MiniLM, commit {commit[:12]}")
    kit = work / "kit"
    build(kit, hub_cache=fake, download=False, wheels_from=wheels_from, torch_spec=torch_pin())
    t_build = time.perf_counter() - start

    home = work / "casa"
    (home / ".cache").mkdir(parents=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "HF_", "VARIANTES_", "VIRTUAL_ENV"))
        and k not in ("TRANSFORMERS_OFFLINE", "PYTHONPATH")
    }
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    base_python = Path(sys.base_prefix) / "bin" / f"python{version}"  # o Python de fora do .venv
    if base_python.is_file():
        env["PYTHON"] = str(base_python)
    env.update(
        {
            "HOME": str(home),
            "HF_HOME": str(home / "hf"),
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_INDEX": "1",
            "PATH": os.pathsep.join(
                p
                for p in env.get("PATH", "").split(os.pathsep)
                if not p.startswith(str(ROOT / ".venv"))
            ),
        }
    )
    net_off = []
    if (
        isolate
        and shutil.which("unshare")
        and subprocess.run(["unshare", "-n", "true"]).returncode == 0
    ):
        net_off = [
            "unshare",
            "-n",
            "sh",
            "-c",
            'ip link set lo up 2>/dev/null; exec "$@"',
            "sem-rede",
        ]
    _say(
        "rede: "
        + (
            "desligada (unshare -n; só a interface local)"
            if net_off
            else "ligada, mas o pip com --no-index e sem configuração (unshare indisponível)"
        )
    )
    room = work / "sala"
    _run([*net_off, "bash", kit / "instalar.sh", room], env=env)
    t_install = time.perf_counter() - start - t_build

    env_nb = {
        **env,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONHASHSEED": "0",
    }
    _run(
        [
            *net_off,
            room / ".venv/bin/python",
            room / "scripts/run_notebooks.py",
            "--only",
            *notebooks,
        ],
        env=env_nb,
        cwd=room,
    )
    t_run = time.perf_counter() - start - t_build - t_install
    got = snapshot_of(user_hub_cache(env), "neuralmind/bert-base-portuguese-cased")
    if got is None or got[0] != commit:
        raise KitError("o modelo do kit não chegou ao cache do Hugging Face da pasta nova.")
    for line in banners(
        room / "build" / "notebooks", [m["id"] for m in read_manifest(kit)["models"]]
    ):
        _say("  " + line)
    _say(
        f"\nEnsaio ok: montar {t_build:.0f} s, instalar {t_install:.0f} s, notebooks {' '.join(notebooks)} "
        f"{t_run:.0f} s (pasta {room})."
    )


def banners(folder: Path, model_ids) -> list[str]:
    """O que os notebooks executados em ``folder`` dizem sobre cada modelo do kit (o aviso dos helpers).

    Um modelo que o kit leva e que mesmo assim virou substituto é erro: o cache não foi achado.
    """
    lines = []
    for nb in sorted(Path(folder).glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        text = "".join(
            "".join(o.get("text", "")) if isinstance(o.get("text"), list) else o.get("text", "")
            for c in cells
            for o in c.get("outputs", [])
        )
        for model_id in model_ids:
            if f"[substituto offline] '{model_id}'" in text:
                raise KitError(
                    f"{nb.name}: '{model_id}' virou o substituto offline, mas o kit tem o modelo."
                )
            if (
                f"[modelo real do cache] '{model_id}'" in text
            ):  # o aviso de helpers.hub.resolve_model
                lines.append(
                    f"{nb.name}: '{model_id}' veio do cache do kit (modelo real, sem substituto)"
                )
    return lines


# ---------------------------------------------------------------- linha de comando


def cli_file() -> Path | None:
    """``commands/cli.py`` no repositório, ou a cópia ``cli.py`` ao lado deste ``kit.py`` dentro de um kit."""
    here = Path(__file__).resolve().parent
    return next((p for p in (ROOT / "commands" / "cli.py", here / "cli.py") if p.is_file()), None)


def portuguese_parser():
    """A classe ``Parser`` de ``commands/cli.py`` (ajuda e erros em português), lida direto do arquivo.

    ``commands/cli.py`` só usa a biblioteca padrão, e o ``instalar`` roda antes de qualquer pacote estar
    instalado: importar o pacote pediria o que ele importa.
    """
    import argparse
    import importlib.util

    found = cli_file()
    if (
        found is None
    ):  # só o kit.py, sem a cópia: a ajuda do argparse, em inglês, mas o kit funciona
        return argparse.ArgumentParser
    spec = importlib.util.spec_from_file_location("variantes_cli", found)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Parser


def main(argv=None) -> int:
    ap = portuguese_parser()(description="Kit de aula sem internet da série Variantes do BERT.")
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="{montar,instalar,conferir,ensaio}")

    m = sub.add_parser(
        "montar", help="junta rodas, modelos, datasets e o repositório numa pasta (com internet)"
    )
    m.add_argument(
        "--destino",
        type=Path,
        default=ROOT / "build" / "kit",
        help="pasta do kit (nova; padrão build/kit)",
    )
    m.add_argument(
        "--modelos-de",
        type=Path,
        default=None,
        help="cache do Hub de onde copiar modelos e datasets (padrão: o do usuário); o que faltar é baixado",
    )
    m.add_argument(
        "--sem-baixar", action="store_true", help="não baixar do Hub: leva só o que está no cache"
    )
    m.add_argument(
        "--rodas-de",
        type=Path,
        default=None,
        help="pasta com as rodas (pip --no-index --find-links); sem ela, o pip baixa dos índices",
    )
    m.add_argument(
        "--torch-spec",
        default=torch_pin(),
        help="o torch fixado (padrão: o de requirements/torch.txt, o mesmo do make install)",
    )
    m.add_argument(
        "--torch-index",
        default=None,
        help="índice de onde vem o torch, como o TORCH_INDEX do Makefile "
        "(ex.: https://download.pytorch.org/whl/cpu para o build de CPU)",
    )
    m.add_argument(
        "--plataforma",
        action="append",
        default=[],
        help="plataforma das rodas (pip --platform), ex. manylinux_2_28_x86_64; pode repetir",
    )
    m.add_argument(
        "--python-versao", default=None, help="versão do Python dos computadores da turma, ex. 3.11"
    )
    m.add_argument(
        "--modelos",
        nargs="*",
        default=None,
        help="ids de modelos (padrão: helpers.hub.NOTEBOOK_MODELS)",
    )
    m.add_argument(
        "--dados",
        nargs="*",
        default=None,
        help="ids de datasets do Hub (padrão: helpers.data.NOTEBOOK_DATASETS)",
    )

    i = sub.add_parser("instalar", help="instala a série de um kit numa pasta nova, sem rede")
    i.add_argument("kit", type=Path, help="a pasta do kit (a que o montar criou)")
    i.add_argument(
        "--pasta",
        type=Path,
        default=Path.home() / "variantes-bert",
        help="pasta nova da instalação",
    )
    i.add_argument(
        "--sem-conferir", action="store_true", help="pula a conferência de sha256 (mais rápido)"
    )

    c = sub.add_parser("conferir", help="confere tamanhos e sha256 dos arquivos do kit")
    c.add_argument("kit", type=Path, help="a pasta do kit")

    e = sub.add_parser(
        "ensaio", help="make kit-check: monta com material local, instala sem rede e roda o 01"
    )
    e.add_argument(
        "--pasta",
        type=Path,
        default=ROOT / "build" / "kit-check",
        help="pasta de trabalho (recriada)",
    )
    e.add_argument("--notebooks", nargs="*", default=["01"])
    e.add_argument("--rodas-de", type=Path, default=None)

    args = ap.parse_args(argv)
    try:
        if args.cmd == "montar":
            build(
                args.destino,
                models=args.modelos,
                datasets=args.dados,
                hub_cache=args.modelos_de,
                download=not args.sem_baixar,
                wheels_from=args.rodas_de,
                torch_spec=args.torch_spec,
                torch_index=args.torch_index or None,
                platforms=args.plataforma,
                python_version=args.python_versao,
            )
        elif args.cmd == "instalar":
            install(args.kit, args.pasta, check=not args.sem_conferir)
        elif args.cmd == "conferir":
            problems = verify(args.kit)
            for p in problems:
                _say("  " + p)
            _say("kit íntegro" if not problems else f"{len(problems)} problemas")
            return 1 if problems else 0
        elif args.cmd == "ensaio":
            rehearse(args.pasta, notebooks=args.notebooks, wheels_from=args.rodas_de)
    except KitError as exc:
        print(f"erro: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
