"""Linhas de comando em português: "uso:", "opções:" e os erros do ``argparse``.

Só usa a biblioteca padrão: ``scripts/kit.py instalar`` carrega este arquivo antes de haver qualquer pacote
instalado (sem passar por ``helpers/__init__.py``, que importa o numpy).
"""

from __future__ import annotations

import argparse
import sys


class HelpFormatter(argparse.HelpFormatter):
    """A ajuda do ``argparse`` com "uso:" no lugar de "usage:"."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(
            usage, actions, groups, prefix="uso: " if prefix is None else prefix
        )


class RawDescriptionHelpFormatter(argparse.RawDescriptionHelpFormatter, HelpFormatter):
    """Como :class:`HelpFormatter`, com a descrição e o epílogo como foram escritos (quebras de linha mantidas)."""


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter, RawDescriptionHelpFormatter):
    """Como :class:`RawDescriptionHelpFormatter`, e cada opção diz o seu padrão: "(padrão: 16)"."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and "%(default)" not in text:
            text += " (padrão: %(default)s)"
        return text


class Parser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` em português: títulos, ``-h`` e as mensagens de erro de opções erradas.

    Os subcomandos (``add_subparsers().add_parser``) também saem em português: o ``argparse`` os cria com a
    mesma classe.
    """

    # as mensagens de erro do argparse que aparecem com opções erradas
    MESSAGES = {
        "invalid choice": "escolha inválida",
        "choose from": "escolha entre",
        "the following arguments are required": "faltam os argumentos",
        "unrecognized arguments": "argumentos desconhecidos",
        "invalid int value": "inteiro inválido",
        "invalid float value": "número inválido",
        "expected one argument": "falta o valor",
        "expected at least one argument": "falta pelo menos um valor",
        "argument ": "opção ",
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumentos"
        self._optionals.title = "opções"
        self.add_argument("-h", "--help", action="help", help="mostra esta ajuda e sai")

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("title", "subcomandos")
        return super().add_subparsers(**kwargs)

    def error(self, message):
        for english, portuguese in self.MESSAGES.items():
            message = message.replace(english, portuguese)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: erro: {message}\n")
