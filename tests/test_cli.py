"""commands.cli: as linhas de comando da série (comandos, scripts, benchmarks) falam português."""

import subprocess
import sys
from pathlib import Path

import pytest

from commands import cli

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]


def parser():
    ap = cli.Parser(prog="exemplo", description="Um exemplo.")
    ap.add_argument("pasta", help="a pasta")
    ap.add_argument("--lote", type=int, default=16, help="frases por passo")
    sub = ap.add_subparsers(dest="cmd")
    sub.add_parser("rodar", help="roda").add_argument("--vezes", type=int, required=True)
    return ap


def test_help_is_in_portuguese():
    text = parser().format_help()
    assert text.startswith("uso: exemplo [-h]")
    for title in ("argumentos:", "opções:", "subcomandos:", "mostra esta ajuda e sai"):
        assert title in text
    for english in ("usage:", "options:", "positional arguments", "show this help"):
        assert english not in text


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["x", "--lote", "muitos"], "opção --lote: inteiro inválido: 'muitos'"),
        (["x", "rodar", "--vezes", "1", "--cor"], "argumentos desconhecidos: --cor"),
        (["x", "azul"], "opção cmd: escolha inválida: 'azul' (escolha entre 'rodar')"),
        ([], "faltam os argumentos: pasta"),
        (["x", "rodar"], "faltam os argumentos: --vezes"),  # o subcomando também é um cli.Parser
    ],
)
def test_errors_are_in_portuguese_with_the_usage(argv, expected, capsys):
    with pytest.raises(SystemExit) as stop:
        parser().parse_args(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("uso: ") and f"erro: {expected}" in err


def test_defaults_formatter_says_each_default():
    ap = cli.Parser(prog="exemplo", formatter_class=cli.DefaultsHelpFormatter)
    ap.add_argument("--lote", type=int, default=16, help="frases por passo")
    ap.add_argument("--sem-barra", action="store_true", help="tira a barra")
    text = ap.format_help()
    assert "frases por passo (padrão: 16)" in text and "tira a barra\n" in text


@pytest.mark.parametrize(
    "script", ["scripts/compat.py", "scripts/run_notebooks.py", "scripts/kit.py"]
)
def test_scripts_help_is_in_portuguese(script):
    done = subprocess.run(
        [sys.executable, str(ROOT / script), "-h"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("uso: ") and "mostra esta ajuda e sai" in done.stdout


def test_kit_reads_the_parser_without_numpy():
    # o `kit.py instalar` roda num Python sem pacote nenhum: sem numpy, a ajuda e os erros ainda saem
    code = (
        "import sys; sys.modules['numpy'] = None; sys.argv = ['kit.py', 'conferir']\n"
        f"sys.path.insert(0, {str(ROOT / 'scripts')!r}); import kit; kit.main(['conferir'])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "erro: faltam os argumentos: kit" in done.stderr, done.stderr
    assert "helpers" not in done.stderr
