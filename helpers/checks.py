"""Corretor automático dos exercícios: roda a função do aluno em casos conhecidos.

Cada notebook tem ao menos um exercício corrigido aqui. O corretor nunca
levanta exceção para o aluno: ele mostra, caso a caso, o que deu certo e o que não deu.
"""
from __future__ import annotations

import math
import traceback

import numpy as np


def _close(got, expected, tol) -> bool:
    try:
        import torch

        if isinstance(got, torch.Tensor):
            got = got.detach().cpu().numpy()
        if isinstance(expected, torch.Tensor):
            expected = expected.detach().cpu().numpy()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(expected, (int, float, np.number, np.ndarray, list, tuple)) and not isinstance(expected, bool):
        try:
            g, e = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
            return g.shape == e.shape and bool(np.allclose(g, e, atol=tol, rtol=tol))
        except (TypeError, ValueError):
            return False
    return got == expected


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
            print(f"⏳ {name}: ainda não implementada (troque o `raise NotImplementedError` pelo seu código).")
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
            shown = got if not hasattr(got, "shape") or math.prod(getattr(got, "shape", ())) <= 8 else f"tensor de forma {tuple(got.shape)}"
            print(f"❌ {description}: esperado {expected!r}, veio {shown!r}")
    print("🎉 Tudo certo!" if ok_all else "Ainda não: releia o enunciado e tente de novo.")
    return ok_all
