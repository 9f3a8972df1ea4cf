"""O README é a porta de entrada: as páginas que saíram dele existem e são linkadas, e nenhum link aponta para
um título que não existe. (O tamanho do README e os arquivos dos links relativos são conferidos em
``tests/test_project.py::test_the_readme_is_a_front_door_and_every_link_resolves``.)"""

import re
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.static

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\)")

# as seções que saíram do README (issue 26): página → palavras que ela precisa ter
PAGES = {
    "docs/aula-sem-internet.md": ["kit"],
    "docs/em-escala.md": ["commands.experiments"],
    "docs/versoes.md": ["make compat"],
    "docs/perfis.md": ["offline", "substituto"],
    "docs/contribuir.md": ["camadas", "make edit", "make apply", "# @save"],
    "docs/benchmarks.md": ["data/resultados"],
}


def slug(title: str) -> str:
    """A âncora que o GitHub dá a um título: sem a formatação do markdown, minúsculas, sem pontuação (letras
    acentuadas, dígitos, ``_`` e ``-`` ficam), espaços viram ``-``."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title.strip())  # [texto](link) → texto
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """As âncoras dos títulos de um .md ou das células de markdown de um .ipynb (repetidas ganham ``-1``, ``-2``)."""
    if path.suffix == ".ipynb":
        text = "\n".join(
            c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"
        )
    else:
        text = path.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # um "# comentário" num bloco não é título
    names, count = set(), {}
    for title in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M):
        base = slug(title)
        names.add(f"{base}-{count[base]}" if base in count else base)
        count[base] = count.get(base, 0) + 1
    return names


def links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return [
        t for t in LINK.findall(text) if t and not re.match(r"[a-z]+:", t)
    ]  # http:, https:, mailto:


def test_slug_and_anchors_follow_github(tmp_path):
    page = tmp_path / "p.md"
    page.write_text(
        "# Testes\n```bash\n# não é título\n```\n## Testes\n[x](#testes-1) [y](#nada) [z](q.md)\n"
    )
    assert anchors(page) == {"testes", "testes-1"} and links(page) == ["#testes-1", "#nada", "q.md"]
    assert slug("Testes em camadas") == "testes-em-camadas"
    assert slug("Como o texto se mantém verdadeiro") == "como-o-texto-se-mantém-verdadeiro"
    assert slug("O `pooled_output`, por dentro (1/2)") == "o-pooled_output-por-dentro-12"
    assert slug("[Versões](docs/versoes.md) testadas") == "versões-testadas"


def test_the_pages_that_left_the_readme_exist_are_linked_and_say_what_they_promise():
    linked = set(links(README))
    for page, words in PAGES.items():
        path = ROOT / page
        assert path.exists(), f"falta a página {page}"
        assert page in {t.split("#")[0] for t in linked}, f"o README não linka {page}"
        text = path.read_text(encoding="utf-8")
        missing = [w for w in words if w not in text]
        assert not missing, f"{page} não fala de {missing}"


@pytest.mark.parametrize("path", [README, *DOCS], ids=lambda p: p.name)
def test_every_relative_link_and_anchor_resolves(path):
    """Cada link relativo aponta para um arquivo (ou pasta) que existe; ``#âncora`` aponta para um título dele."""
    broken = []
    for target in links(path):
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        if not dest.exists():
            broken.append(f"{target}: {file} não existe")
        elif anchor and dest.suffix in (".md", ".ipynb") and anchor not in anchors(dest):
            broken.append(f"{target}: {dest.name} não tem o título #{anchor}")
    assert not broken, f"{path.relative_to(ROOT)}:\n  " + "\n  ".join(broken)


def test_benchmark_numbers_live_in_the_files_their_commands_write():
    """Cada benchmark grava o que mede em ``data/resultados/<nome>.json`` (``save_result`` ou o seu ``OUT``), e a
    página de benchmarks e o README dos resultados nomeiam esse arquivo; a página não digita números com data."""
    page = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    listing = (ROOT / "data" / "resultados" / "README.md").read_text(encoding="utf-8")
    written = {}
    for script in sorted(
        set((ROOT / "benchmarks").glob("*.py")) - {ROOT / "benchmarks" / "record.py"}
    ):
        source = script.read_text(encoding="utf-8")
        names = re.findall(r"save_result\(\s*\"(\w+)\"", source)
        names += re.findall(r"\"resultados\" / \"(\w+)\.json\"", source)
        if names:
            written[script.name] = names
    expected = {
        "finetune_speed.py",
        "distillation.py",
        "distillation_choices.py",
    }  # e inference_speed.py
    assert expected <= set(written), (
        f"benchmarks que não gravam o resultado: {expected - set(written)}"
    )
    for script, names in written.items():
        for name in names:
            assert f"data/resultados/{name}.json" in page, (
                f"docs/benchmarks.md não aponta {name}.json ({script})"
            )
            assert f"`{name}.json`" in listing, (
                f"data/resultados/README.md não lista {name}.json ({script})"
            )
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b|[Úú]ltima execução", page), (
        "número com data digitado na página"
    )
