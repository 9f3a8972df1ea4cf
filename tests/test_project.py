"""Convenções da série: instalação, dados embutidos e forma dos notebooks."""

import re
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

pytestmark = pytest.mark.static

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
sys.path.insert(0, str(ROOT / "scripts"))


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req, maxsplit=1)[0].lower()


def test_environment_yml_installs_the_project_itself():
    """O environment.yml não repete a lista de dependências: instala o projeto com os extras que o make usa."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    extras = set(project["optional-dependencies"])
    makefile = (ROOT / "Makefile").read_text()
    make_extras = re.search(r'pip install -q -c \$\(LOCK\) -e "\.\[([\w,]+)\]"', makefile).group(
        1
    )  # os do make install
    assert (
        f"-e .[{make_extras}]" in pip
        and {"test", "offline", "producao"} <= set(make_extras.split(",")) <= extras
    )
    assert (
        pip[:2] == ["-r requirements/torch.txt", "-c requirements/lock.txt"] and len(pip) == 3
    )  # nada repetido
    py = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    low, high = re.match(r">=3\.(\d+),<3\.(\d+)", project["requires-python"]).groups()
    assert int(low) <= int(py.split("=")[1].split(".")[1]) < int(high)


def test_the_readme_is_a_front_door_and_every_link_resolves():
    """O README é curto (o que é, os notebooks, como começar) e cada página de docs/ sai dele; nenhum link quebrado."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 120
    pages = sorted((ROOT / "docs").glob("*.md"))
    assert pages and all(f"docs/{p.name}" in readme for p in pages), (
        "toda página de docs/ tem um link no README"
    )
    texts = {p: p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *pages]}
    texts.update(
        {
            p: "\n".join(
                c.source for c in nbformat.read(p, as_version=4).cells if c.cell_type == "markdown"
            )
            for p in NOTEBOOKS
        }
    )
    for path, text in texts.items():
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if not target.startswith(("http://", "https://")):
                assert (path.parent / target).exists(), (
                    f"{path.relative_to(ROOT)}: link quebrado para {target}"
                )


def test_licenses_promised_by_the_readme_exist_and_are_packaged():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    readme = (ROOT / "README.md").read_text()
    assert "MIT" in readme and "CC BY 4.0" in readme
    assert project["license"] == "MIT" and set(project["license-files"]) == {
        "LICENSE",
        "data/LICENSE",
    }
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "CC BY 4.0" in (ROOT / "data" / "LICENSE").read_text()
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(\d+)", r) and int(r.split(">=")[1]) >= 77 for r in build)


def test_no_module_python_310_lacks():
    """requires-python diz 3.10: nada em helpers/ ou tests/ importa tomllib sem alternativa."""
    for path in [
        *(ROOT / "helpers").glob("*.py"),
        *(ROOT / "tests").glob("*.py"),
        *(ROOT / "scripts").glob("*.py"),
    ]:
        text = path.read_text()
        if re.search(r"^\s*import tomllib", text, re.M):
            assert "import tomli as tomllib" in text, (
                f"{path.name} importa tomllib sem a alternativa do 3.10"
            )


def test_helpers_import_from_anywhere(tmp_path, monkeypatch):
    import subprocess

    monkeypatch.chdir(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", "import helpers, helpers.data; print(helpers.data.data_dir())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(out.stdout.strip()) == ROOT / "data"


# ------------------------------------------------------------------ conjunto embutido


def test_embedded_dataset_is_big_disjoint_and_documented():
    folder = ROOT / "data" / "avaliacoes_ptbr"
    splits = {s: pd.read_csv(folder / f"{s}.csv") for s in ("train", "validation", "test")}
    for df in splits.values():
        assert list(df.columns) == ["text", "label"]
    texts = [set(df["text"]) for df in splits.values()]
    assert sum(map(len, texts)) >= 1500
    assert not (texts[0] & texts[1]) and not (texts[0] & texts[2]) and not (texts[1] & texts[2])
    assert all(len(df["text"]) == df["text"].nunique() for df in splits.values())
    assert all(set(df["label"]) == {"negativo", "neutro", "positivo"} for df in splits.values())
    card = (folder / "README.md").read_text()
    for section in ("Procedência", "Licença", "Guia de rótulos", "Estatísticas"):
        assert section in card


def test_embedded_loader():
    from helpers import data

    d = data.load_embedded(verbose=False)
    assert d.labels == ["negativo", "neutro", "positivo"] and set(d.splits) == {
        "train",
        "validation",
        "test",
    }
    assert d.report.empty


# ------------------------------------------------------------------ notebooks


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name.startswith("01_")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_conventions(path):
    from nbtool import colab_badge, setup_source

    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    header = nb.cells[0]
    assert header.cell_type == "markdown" and header.source.startswith("# ")
    assert colab_badge(path.name) in header.source
    assert (
        "O que você vai aprender" in header.source
        and "**Tempo de aula:** <!-- tempo:início -->" in header.source
    )
    setup = [c for c in nb.cells if "setup" in c.metadata.get("tags", [])]
    assert len(setup) == 1 and setup[0].source == setup_source()
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    # cabeçalho, preparação e parâmetros abrem o notebook (quem muda um parâmetro vê o efeito em tudo depois);
    # entre a preparação e os parâmetros, só importações
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0] is setup[0], "a primeira célula de código é a preparação"
    for cell in code[1 : code.index(params[0])]:
        lines = [
            ln for ln in cell.source.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
        ]
        assert all(re.match(r"(from \S+ import |import )", ln) for ln in lines), (
            f"antes dos parâmetros: {lines}"
        )
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Resumo" in text and "## Exercícios" in text
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert re.search(r"check_\w+\(", code), "falta um exercício corrigido automaticamente"
    checked = [
        c
        for c in nb.cells
        if c.cell_type == "code" and "nbval-check-output" in c.metadata.get("tags", [])
    ]
    assert checked, "nenhuma célula tem a tag nbval-check-output (as saídas que o nbval compara)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_come_from_a_full_run(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        "execute o notebook inteiro (make notebooks) antes de versionar"
    )
    for c in code:
        assert not any(o.get("output_type") == "error" for o in c.outputs)
    assert any("[substituto offline]" in o.get("text", "") for c in code for o in c.outputs), (
        "o perfil offline deve anunciar o substituto"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_papermill_sees_the_parameters(path):
    import papermill as pm

    params = pm.inspect_notebook(str(path))
    assert params, "a célula parameters deve definir variáveis"
    # toda variável da célula precisa ser vista pelo papermill; senão "papermill -p NOME valor" avisa
    # "unknown parameter" (um "=" no comentário da linha, por exemplo, engana o leitor do papermill)
    from run_notebooks import parameter_names

    assigned = parameter_names(path)
    assert assigned <= set(params), (
        f"o papermill não entende as linhas de {sorted(assigned - set(params))}"
    )


STUDENT_FORBIDDEN = re.compile(
    r"papermill|nbval|NBVAL|integração contínua|\bCI\b|linha de base", re.I
)
CODE_FORBIDDEN = re.compile(r"papermill|nbval", re.I)  # as marcas do nbval ficam nas tags da célula


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_sections_and_headline_in_the_same_place(path):
    nb = nbformat.read(path, as_version=4)
    headings = [
        line
        for c in nb.cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("## ")
    ]
    tail = [h for h in headings if h in ("## Resumo", "## Exercícios", "## Resultado de destaque")]
    assert tail == ["## Resumo", "## Exercícios", "## Resultado de destaque"], tail
    assert headings[-1] == "## Resultado de destaque", "o resultado de destaque é a última seção"
    # cabeçalho, preparação e parâmetros, nesta ordem, no começo
    tags = [c.metadata.get("tags", []) for c in nb.cells[:3]]
    assert "header" in tags[0] and "setup" in tags[1] and "parameters" in tags[2]
    last_code = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert re.search(rf'headline\(\s*"{path.stem}"', last_code.source)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercise_stubs_are_still_unsolved(path):
    nb = nbformat.read(path, as_version=4)
    graded = [
        c
        for c in nb.cells
        if c.cell_type == "code" and re.search(r"\bcheck_\w+\(", c.source) and "def " in c.source
    ]
    assert graded, "falta a célula do exercício corrigido automaticamente"
    for cell in graded:
        assert "raise NotImplementedError" in cell.source, (
            "o esqueleto do exercício foi resolvido por engano"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_text_has_no_infrastructure_words_and_one_vocabulary(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    printed = "\n".join(
        o.get("text", "") + str(o.get("data", {}).get("text/markdown", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for where, content, forbidden in (
        ("markdown", text, STUDENT_FORBIDDEN),
        ("saídas", printed, STUDENT_FORBIDDEN),
        ("código", code, CODE_FORBIDDEN),
    ):
        found = sorted(set(m.group(0) for m in forbidden.finditer(content)))
        assert not found, (
            f"{where} com palavras de infraestrutura ou do vocabulário antigo: {found}"
        )


WARNING_LINE = re.compile(r"\b\w*(Deprecation|Future|PendingDeprecation)Warning\b")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_outputs_show_no_deprecation_warning(path):
    """Um aviso de descontinuação na saída de um notebook é uma quebra anunciada: conserte a chamada."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            text = (
                out.get("text", "")
                if out.get("output_type") == "stream"
                else str(out.get("data", {}).get("text/plain", ""))
            )
            assert not WARNING_LINE.search(text), (
                f"{path.name}, célula {i}: {WARNING_LINE.search(text).group(0)}"
            )


def _top_level_names(path: Path) -> set[str]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def test_no_helpers_function_is_defined_in_two_modules():
    seen: dict[str, str] = {}
    for path in sorted((ROOT / "helpers").glob("*.py")):
        for name in _top_level_names(path):
            assert name not in seen, (
                f"{name} está em {seen[name]} e em {path.name}: uma ideia, um lugar"
            )
            seen[name] = path.name


def test_package_docstring_lists_every_module_once():
    import helpers

    modules = sorted(p.stem for p in (ROOT / "helpers").glob("*.py") if p.stem != "__init__")
    listed = re.findall(r"^\* ``(\w+)``: ", helpers.__doc__, re.M)
    assert sorted(listed) == modules


def test_ruff_finds_nothing():
    """O ruff, com as regras do pyproject.toml, em todo o Python do repositório: um nome que sumiu numa mudança
    falha aqui, não no uso."""
    import subprocess

    out = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_format_leaves_everything_as_it_is():
    """O formatador, com o limite de 100 caracteres do pyproject.toml (o projetor e a célula do Colab), não muda
    nada: o código de helpers, dos comandos, dos scripts, dos testes e das células dos notebooks já está formatado."""
    import subprocess

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]
    assert config["line-length"] <= 100 and "format" in config
    out = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", str(ROOT)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr
