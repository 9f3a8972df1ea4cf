"""Modelos e dados minúsculos para os testes (rápidos, sem rede)."""

import torch
from transformers import BertConfig, BertForSequenceClassification


def tiny_teacher(layers=4, seed=0):
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        num_labels=3,
    )
    return BertForSequenceClassification(config).eval()


def tiny_dataset(n=8, length=6):
    from datasets import Dataset

    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 2000, (n, length), generator=g)
    ids[:, 0], ids[:, -1] = 101, 102
    return Dataset.from_dict(
        {
            "input_ids": ids.tolist(),
            "attention_mask": [[1] * length] * n,
            "label": [i % 3 for i in range(n)],
        }
    )
