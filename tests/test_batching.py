"""Testes de helpers.batching: cada frase num lote só, lotes em ordem de tamanho, a ordem de volta."""

import numpy as np
import pytest

from helpers import batching

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10])
def test_every_position_exactly_once_and_sorted_by_length(batch_size):
    lengths = [5, 2, 9, 2, 7, 1, 5, 3, 8]
    batches = batching.length_batches(lengths, batch_size)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(len(lengths)))
    assert [len(b) for b in batches[:-1]] == [batch_size] * (len(batches) - 1)
    assert [lengths[i] for i in flat] == sorted(lengths)


def test_ties_keep_the_original_order_and_longest_first_reverses():
    lengths = [3, 1, 3, 1, 2]
    assert np.concatenate(batching.length_batches(lengths, 2)).tolist() == [1, 3, 4, 0, 2]
    assert np.concatenate(batching.length_batches(lengths, 2, longest_first=True)).tolist() == [
        0,
        2,
        4,
        1,
        3,
    ]


def test_writing_each_batch_at_its_indices_restores_the_input_order():
    texts = ["uma frase bem mais longa", "curta", "média aqui", "x"]
    out = np.empty(len(texts), dtype=object)
    for idx in batching.length_batches([len(t) for t in texts], 3):
        out[idx] = [texts[i].upper() for i in idx]
    assert out.tolist() == [t.upper() for t in texts]


def test_empty_input_and_bad_batch_size():
    assert batching.length_batches([], 4) == []
    with pytest.raises(ValueError, match="batch_size"):
        batching.length_batches([1, 2], 0)


def test_token_lengths_prefers_the_length_column():
    from datasets import Dataset

    ds = Dataset.from_dict({"input_ids": [[1, 2, 3], [1]], "length": [30, 10]})
    assert batching.token_lengths(ds) == [30, 10]
    assert batching.token_lengths(ds.remove_columns("length")) == [3, 1]
