"""A instalação no Colab não troca o que o Colab já importou (sem instalar nada: só as versões gravadas).

No Colab, a célula de preparação roda ``pip install /content/variantes-bert``. Se um piso do
``pyproject.toml`` ficar acima da versão que o Colab traz (foi o caso do ``ipywidgets>=8.0`` contra o
7.7.1 do Colab), o pip troca um pacote já importado e o Colab pede para reiniciar o ambiente.
``make compat`` (scripts/compat.py) confere o mesmo instalando de verdade.
"""

import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.static

try:
    import tomllib
except ImportError:  # python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import compat as compat_script  # noqa: E402  (scripts/compat.py)

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
# o que o Colab tem e não dá para instalar aqui (torch de CPU só para Python 3.11)
COLAB_PYTHON, COLAB_TORCH = "3.13", "2.11.0"


def colab_versions(name: str = "pip-freeze-2026-08-19.txt") -> dict[str, str]:
    pins = compat_script.colab_pins(name)
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.+-]*", p) for p in pins), (
        pins
    )
    return {canonicalize_name(p.split("==")[0]): p.split("==")[1] for p in pins}


def requirements() -> dict[str, Requirement]:
    return {canonicalize_name(r.name): r for r in map(Requirement, PROJECT["dependencies"])}


def test_the_colab_rows_come_from_the_published_lists():
    colab, pinned = colab_versions(), colab_versions("pip-freeze-2026.07-runtime.txt")
    assert (
        colab["ipywidgets"] == "7.7.1"
        and colab["transformers"] == "5.15.0"
        and colab["datasets"] == "4.0.0"
    )
    assert (
        colab["torchao"] == "0.10.0" and colab["protobuf"] == "5.29.6" and colab["numpy"] == "2.1.3"
    )
    assert pinned["transformers"] == "5.13.1"
    assert "evaluate" not in colab  # o Colab não traz o evaluate: a instalação o acrescenta
    assert "torch" not in colab  # o torch do Colab é uma linha "torch @ url" (e outro Python)
    assert set(compat_script.ENVIRONMENTS) >= {"colab", "colab-2026.07", "current"}
    assert compat_script.ENVIRONMENTS["colab"][1] == compat_script.colab_pins()


@pytest.mark.parametrize("name", sorted(set(colab_versions()) & set(requirements())))
def test_each_floor_accepts_the_version_colab_ships(name):
    reqs = requirements()
    version = colab_versions()[name]
    assert reqs[name].specifier.contains(version, prereleases=True), (
        f"pyproject.toml pede {reqs[name]}, mas o Colab traz {name} {version}: no Colab, a célula de preparação "
        "trocaria um pacote já importado (e pediria para reiniciar o ambiente)"
    )


def test_every_dependency_but_evaluate_is_preinstalled_in_colab():
    """Toda dependência direta, menos o evaluate, já vem no Colab: a instalação da série só acrescenta."""
    not_in_colab = {"evaluate", "torch"}  # torch: conferido abaixo, com a versão do Colab
    missing = set(requirements()) - set(colab_versions()) - not_in_colab
    assert not missing, (
        f"a série pede pacotes que a lista do Colab não traz (o Colab os instalaria): {sorted(missing)}"
    )


def test_python_and_torch_of_colab_are_accepted():
    assert SpecifierSet(PROJECT["requires-python"]).contains(COLAB_PYTHON)
    assert requirements()["torch"].specifier.contains(COLAB_TORCH)


def test_the_widgets_floor_is_below_8_because_the_code_runs_on_7():
    """O piso é o que o código precisa: os widgets da série rodam no ipywidgets 7.7.1 (conferido no make compat)."""
    assert requirements()["ipywidgets"].specifier.contains("7.7.1")


def test_the_oldest_environment_of_make_compat_is_the_promised_floor():
    """O ambiente mais antigo da matriz tem exatamente o piso do transformers que o pyproject promete."""
    floor = next(s.version for s in requirements()["transformers"].specifier if s.operator == ">=")
    pins = dict(p.split("==") for p in compat_script.ENVIRONMENTS["tf446"][1])
    assert pins["transformers"].startswith(floor + ".") or pins["transformers"] == floor
    for name, (_, env_pins) in compat_script.ENVIRONMENTS.items():
        for pin in env_pins:
            pkg, version = pin.split("==")
            req = requirements().get(canonicalize_name(pkg))
            assert req is None or req.specifier.contains(version), f"{name}: {pin} fora de {req}"


def test_setup_cell_installs_without_editable_or_upgrade():
    import nbtool

    source = nbtool.setup_source()
    install = next(line for line in source.splitlines() if '"pip", "install"' in line)
    assert (
        "-e" not in re.findall(r'"(-[^"]*)"', install)
        and "-U" not in install
        and "--upgrade" not in install
    )


def test_freeze_comparison_catches_a_replaced_package_and_ignores_new_ones():
    before = compat_script.parse_freeze(
        "ipywidgets==7.7.1\nTorch==2.13.0+cpu\n# comentário\n-e /x\nnumpy==2.0.2\n"
    )
    assert before == {"ipywidgets": "7.7.1", "torch": "2.13.0+cpu", "numpy": "2.0.2"}
    after = compat_script.parse_freeze("ipywidgets==8.1.9\ntorch==2.13.0+cpu\nevaluate==0.4.6\n")
    assert compat_script.changed_packages(before, after) == [
        "ipywidgets 7.7.1 → 8.1.9",
        "numpy 2.0.2 → removido",
    ]
    assert compat_script.changed_packages(before, {**before, "evaluate": "0.4.6"}) == []


def test_compat_writes_only_the_rows_that_ran_into_the_docs_page(tmp_path, monkeypatch):
    page = tmp_path / "versoes.md"
    page.write_text(
        f"# Versões\n\n{compat_script.BEGIN}\n{compat_script.END}\n\ntexto depois\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(compat_script, "DOCS", page)
    row = {k: f"{k} da colab" for k in compat_script.KEYS}
    compat_script.write_docs([{**row, "name": "colab"}])
    compat_script.write_docs([{**row, "name": "tf446", "unit": "ok (10 s; 3 passed)"}])
    compat_script.write_docs(
        [{**row, "name": "colab", "notebooks": "FALHOU | 06"}]
    )  # a nova execução troca a linha
    text = page.read_text(encoding="utf-8")
    assert (
        text.endswith(f"{compat_script.END}\n\ntexto depois\n") and text.count("| `colab` |") == 1
    )
    rows = compat_script.read_docs_rows(text)
    assert list(rows) == ["colab", "tf446"]  # na ordem da matriz
    assert (
        rows["colab"]["notebooks"] == "FALHOU / 06"
        and rows["tf446"]["unit"] == "ok (10 s; 3 passed)"
    )
    assert rows["tf446"]["measured"] == "measured da colab"


def test_the_docs_page_keeps_the_generated_table():
    rows = compat_script.read_docs_rows(compat_script.DOCS.read_text(encoding="utf-8"))
    assert set(rows) <= set(compat_script.ENVIRONMENTS)
    assert {"colab", "colab-2026.07"} <= set(rows), (
        "as duas linhas do Colab saem de um make compat inteiro"
    )
    for name in ("colab", "colab-2026.07"):
        assert (
            "o 06 acrescentou" in rows[name]["install"] and "pip check ok" in rows[name]["install"]
        )
