"""Lotes de frases de tamanho parecido, e a ordem original de volta no fim.

Um lote só precisa de *padding* até a maior frase dele; se as frases de um lote têm
tamanhos parecidos, quase não sobra ``[PAD]`` e a passagem fica mais barata, com a
mesma resposta. Quem roda um modelo sobre muitas frases (previsões do notebook 02,
vetores do 03, logits do professor e avaliação do 04) usa :func:`length_batches` e
grava o resultado de cada lote nas posições dele: a saída fica na ordem de entrada.
"""

from __future__ import annotations

import numpy as np


def length_batches(lengths, batch_size: int, longest_first: bool = False) -> list[np.ndarray]:
    """Índices de cada lote, com as frases em ordem de tamanho (estável: empates mantêm a ordem).

    Cada elemento da lista é um vetor com as posições, em ``lengths``, das frases daquele
    lote; juntos, cobrem cada posição exatamente uma vez. Para voltar à ordem original,
    grave o resultado de um lote em ``saida[indices]``.
    ``longest_first=True`` começa pelos maiores (um lote grande demais para a memória
    aparece logo no início, e não no fim de uma espera longa).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size precisa ser pelo menos 1 (recebi {batch_size}).")
    lengths = np.asarray(list(lengths))
    order = np.argsort(-lengths if longest_first else lengths, kind="stable")
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def token_lengths(dataset) -> list[int]:
    """Tamanho, em tokens, de cada linha de um dataset tokenizado (coluna ``length`` se houver)."""
    if "length" in dataset.column_names:
        return list(dataset["length"])
    return [len(ids) for ids in dataset["input_ids"]]
