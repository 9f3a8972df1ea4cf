"""Como um corretor de exercício roda: a função do aluno em casos conhecidos, um resultado por caso.

:func:`run_checks` compara o que a função devolve com a resposta certa (números com tolerância,
tensores e arrays pela forma e pelos valores) e nunca levanta exceção para o aluno: mostra, caso a
caso, o que deu certo e o que não deu, com vírgula decimal. Os corretores de cada notebook estão em
:mod:`helpers.checks`.
"""

from __future__ import annotations

import traceback

import numpy as np


def _close(got, expected, tol) -> bool:
    """``got`` bate com ``expected``: números e arrays com tolerância ``tol``, o resto por igualdade."""
    try:
        import torch

        if isinstance(got, torch.Tensor):
            got = got.detach().cpu().numpy()
        if isinstance(expected, torch.Tensor):
            expected = expected.detach().cpu().numpy()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(expected, (int, float, np.number, np.ndarray, list, tuple)) and not isinstance(
        expected, bool
    ):
        try:
            g, e = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
            return g.shape == e.shape and bool(np.allclose(g, e, atol=tol, rtol=tol))
        except (TypeError, ValueError):
            return False
    return got == expected


def _shown(value) -> str:
    """Um valor como o aluno o lê: vírgula decimal, listas curtas por extenso, o resto pela forma."""
    try:
        import torch

        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, np.ndarray):
        if value.size > 8:
            return f"um array de forma {value.shape}"
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return "[" + "; ".join(_shown(v) for v in value) + "]"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}".replace(".", ",").replace("-", "−")
    return repr(value)


def run_checks(function, cases, tol: float = 1e-6, name: str | None = None) -> bool:
    """Testa ``function`` em ``cases`` (lista de ``(args, esperado, descrição)``).

    Imprime o resultado de cada caso em português e devolve ``True`` se todos passarem.
    """
    name = name or getattr(function, "__name__", "sua função")
    ok_all = True
    for args, expected, description in cases:
        try:
            got = function(*args)
        except NotImplementedError:
            print(
                f"⏳ {name}: ainda não implementada (troque o `raise NotImplementedError` pelo seu código)."
            )
            return False
        except Exception as exc:  # o erro do aluno vira explicação, não traceback gigante
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            print(f"❌ {description}: a função levantou {last}")
            ok_all = False
            continue
        if _close(got, expected, tol):
            print(f"✅ {description}")
        else:
            ok_all = False
            print(f"❌ {description}: esperado {_shown(expected)}, veio {_shown(got)}")
    print("🎉 Tudo certo!" if ok_all else "Ainda não: releia o enunciado e tente de novo.")
    return ok_all


# ------------------------------------------------------------------ um corretor por notebook, na ordem
