"""As afirmações conferidas dos notebooks: as que dependem de um relógio só valem na execução completa."""

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.static

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from claims import claims, depends_on_a_clock  # noqa: E402


@pytest.mark.parametrize(
    "path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.name
)
def test_claims_on_a_clock_are_full_run_only_and_the_rest_always_checked(path):
    """Um tempo medido não é conferido numa execução curta (testes não afirmam tempos); o resto é sempre."""
    found = claims(path)
    timing = [c["claim"] for c in found if depends_on_a_clock(c) and not c["full_run"]]
    assert not timing, f"{path.name}: afirmações sobre tempo medido sem full_run=True: {timing}"
    flagged = [c for c in found if c["full_run"]]
    assert all(depends_on_a_clock(c) for c in flagged), (
        f"{path.name}: full_run=True sem relógio na condição (diga por que em scripts/claims.py): {flagged}"
    )


def test_the_listing_finds_the_flagged_clock_claims():
    listed = {
        p.name[:2]: claims(p) for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    }
    assert (
        sum(c["full_run"] for c in listed["01"]) == 2
        and sum(c["full_run"] for c in listed["04"]) == 1
    )
    assert all(not c["full_run"] for c in listed["03"]) and len(listed["03"]) >= 5
