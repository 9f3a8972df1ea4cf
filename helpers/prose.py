"""Frases que a execução escreve: números no formato brasileiro e afirmações conferidas.

Regra da série: nenhum número **medido** é digitado no markdown. Uma frase sobre um
resultado é escrita pela própria execução, a partir dos valores (:func:`say`, com
:func:`num`, :func:`pct` e :func:`times`), ou vem logo depois de uma checagem
(:func:`check`) que interrompe a execução, com uma mensagem clara, quando a afirmação
deixa de valer. Números de artigos ficam no markdown, com a fonte (id do arXiv).
"""

from __future__ import annotations

import os

import numpy as np

MINUS = "−"  # sinal de menos tipográfico, como nos livros


class ClaimError(AssertionError):
    """Uma afirmação do texto deixou de valer nesta execução."""


def num(value, digits: int = 3, sign: bool = False) -> str:
    """``0.6374`` → ``"0,637"``: vírgula decimal, ``digits`` casas, menos tipográfico.

    ``sign=True`` escreve ``+`` nos positivos (bom para diferenças).
    """
    text = f"{float(value):.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")  # "-0,000" → "0,000"
    elif sign and float(text) > 0:
        text = "+" + text
    return text.replace("-", MINUS).replace(".", ",")


def pct(fraction, digits: int = 0) -> str:
    """``0.97`` → ``"97%"``."""
    return f"{num(100 * float(fraction), digits)}%"


def times(ratio, digits: int = 1) -> str:
    """``2.04`` → ``"2,0×"``."""
    return f"{num(ratio, digits)}×"


def table_number(value) -> str:
    """Formato das tabelas (pandas) da série: até 6 algarismos significativos, vírgula decimal."""
    return f"{float(value):.6g}".replace("-", MINUS).replace(".", ",")


def fixed(frame, digits):
    """A tabela com o mesmo número de casas em cada coluna de números fracionários, vírgula decimal.

    ``digits``: casas para todas essas colunas, ou um dicionário coluna → casas (as outras ficam como estão).
    Uma ``Series`` vira uma tabela de uma coluna. Diferente de ``round``, não some com o zero do fim (0,630).
    """
    import pandas as pd

    table = frame.to_frame() if isinstance(frame, pd.Series) else frame.copy()
    for column in table.columns:
        places = digits.get(column) if isinstance(digits, dict) else digits
        if places is not None and pd.api.types.is_float_dtype(table[column]):
            table[column] = [num(v, places) if pd.notna(v) else "—" for v in table[column]]
    return table


def array(values, digits: int = 4, indent: int = 0) -> str:
    """Um array como o numpy o imprime, com vírgula decimal e menos tipográfico.

    ``indent``: espaços no começo das linhas seguintes (para alinhar com um rótulo impresso antes).
    """
    text = np.array2string(np.asarray(values, dtype=float), precision=digits, suppress_small=True)
    return text.replace(".", ",").replace("-", MINUS).replace("\n", "\n" + " " * indent)


def say(text: str) -> None:
    """Mostra ``text`` como Markdown na saída da célula (no terminal, imprime)."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display

        if get_ipython() is not None:
            display(Markdown(text))
            return
    except ImportError:  # pragma: no cover - IPython vem com o Jupyter
        pass
    print(text)


def check(condition, claim: str, full_run: bool = False) -> None:
    """Interrompe a execução quando a afirmação ``claim`` do texto não vale para os números desta execução.

    Use logo depois da célula que mostra o resultado, para a frase do markdown nunca mentir.
    ``full_run=True`` marca uma afirmação que só vale na execução completa (um tempo medido, um resultado
    de treino inteiro): numa execução curta de teste (``VARIANTES_SHORT_RUN`` definida) ela é avaliada e
    não interrompe nada; na execução completa, que gera as saídas versionadas, vale como qualquer outra.
    """
    if not bool(condition):
        if full_run and os.environ.get("VARIANTES_SHORT_RUN"):
            return
        raise ClaimError(
            f"O texto acima afirma: «{claim}», mas os números desta execução dizem outra coisa. "
            "A frase foi escrita para a execução publicada (perfil offline, parâmetros padrão): se você "
            "mudou um parâmetro, o modelo ou os dados, o resultado mudou e a frase não vale mais; leia a "
            "tabela ou o gráfico acima e siga para a próxima célula."
        )


def paired_bootstrap(
    y_true, pred_a, pred_b, metric, n: int = 1000, seed: int = 0, level: float = 0.95
) -> dict:
    """Intervalo de confiança da diferença ``metric(a) − metric(b)`` reamostrando os mesmos exemplos.

    ``metric(y_true, y_pred)`` devolve um número (ex.: F1 macro). Os dois modelos são
    avaliados nos **mesmos** sorteios (com reposição): o pareamento tira a variação comum
    aos dois modelos (frases fáceis ou difíceis para ambos); o intervalo mede quanto a
    diferença depende de quais frases caíram no teste. Devolve ``diff`` (no teste
    inteiro), ``low``, ``high`` e ``share_positive`` (fração dos sorteios em que a > b).
    """
    y_true, pred_a, pred_b = map(np.asarray, (y_true, pred_a, pred_b))
    if not len(y_true) == len(pred_a) == len(pred_b):
        raise ValueError("y_true, pred_a e pred_b precisam ter o mesmo tamanho.")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(y_true), size=(n, len(y_true)))
    diffs = np.array([metric(y_true[d], pred_a[d]) - metric(y_true[d], pred_b[d]) for d in draws])
    tail = (1 - level) / 2
    return {
        "diff": float(metric(y_true, pred_a) - metric(y_true, pred_b)),
        "low": float(np.quantile(diffs, tail)),
        "high": float(np.quantile(diffs, 1 - tail)),
        "share_positive": float((diffs > 0).mean()),
    }


def interval(ci: dict, digits: int = 3) -> str:
    """``{"low": -0.03, "high": 0.11}`` → ``"de −0,030 a +0,110"``."""
    return f"de {num(ci['low'], digits, sign=True)} a {num(ci['high'], digits, sign=True)}"


def within_noise(ci: dict) -> bool:
    """``True`` quando o intervalo da diferença inclui o zero (não dá para dizer quem é melhor)."""
    return ci["low"] <= 0 <= ci["high"]


def compare(name_a: str, name_b: str, ci: dict, what: str = "F1 macro", digits: int = 3) -> str:
    """Frase em português sobre a diferença entre dois modelos, com o intervalo e o veredito honesto."""
    diff = num(ci["diff"], digits, sign=True)
    base = f"{name_a} menos {name_b}: {diff} de {what} (intervalo de 95%, {interval(ci, digits)})"
    if within_noise(ci):
        return (
            base
            + ". O intervalo inclui o zero: **sem diferença detectável**; não dá para dizer qual é melhor."
        )
    winner = name_a if ci["diff"] > 0 else name_b
    return base + f". O intervalo não inclui o zero: {winner} é melhor nestas frases."
