"""Testes de helpers.pooling e dos poolings do notebook 03 (helpers.lesson03): tensores feitos à mão e o substituto offline."""

import numpy as np
import pytest
import torch

from helpers import lesson03, pooling

pytestmark = pytest.mark.unit

# --------------------------------------------------------------------------- mean e max


def _with_padding(h, mask, extra, fill):
    """Acrescenta ``extra`` posições de padding (valores ``fill``, máscara 0) ao fim."""
    b, _, d = h.shape
    pad = torch.full((b, extra, d), fill)
    return torch.cat([h, pad], dim=1), torch.cat(
        [mask, torch.zeros(b, extra, dtype=mask.dtype)], dim=1
    )


@pytest.mark.parametrize("fn", [lesson03.mean_pooling, lesson03.max_pooling])
@pytest.mark.parametrize("fill", [0.0, 1e6, -1e6, float("nan"), float("inf")])
def test_padding_never_changes_the_result(fn, fill):
    torch.manual_seed(0)
    h = torch.randn(3, 5, 4)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]])
    before = fn(h, mask)
    h_pad, mask_pad = _with_padding(h, mask, extra=7, fill=fill)
    after = fn(h_pad, mask_pad)
    assert torch.equal(before, after)


def test_mean_and_max_by_hand():
    h = torch.tensor([[[1.0, -2.0], [3.0, 4.0], [100.0, 100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert torch.allclose(lesson03.mean_pooling(h, mask), torch.tensor([[2.0, 1.0]]))
    assert torch.allclose(lesson03.max_pooling(h, mask), torch.tensor([[3.0, 4.0]]))
    assert torch.equal(lesson03.cls_pooling(h), torch.tensor([[1.0, -2.0]]))


@pytest.mark.parametrize("fn", [lesson03.mean_pooling, lesson03.max_pooling])
def test_all_padding_row_is_zeros(fn):
    h = torch.randn(2, 3, 4) * 1e3
    mask = torch.tensor([[1, 1, 0], [0, 0, 0]])
    out = fn(h, mask)
    assert out.shape == (2, 4)
    assert torch.isfinite(out).all()
    assert torch.equal(out[1], torch.zeros(4))


def test_mask_can_be_a_list_or_bool():
    h = torch.arange(12, dtype=torch.float32).reshape(1, 3, 4)
    as_list = lesson03.mean_pooling(h, [[1, 1, 0]])
    as_bool = lesson03.mean_pooling(h, torch.tensor([[True, True, False]]))
    assert torch.equal(as_list, as_bool)


# --------------------------------------------------------------------------- cosseno


def test_cosine_matrix_properties():
    torch.manual_seed(1)
    x = torch.randn(6, 16)
    sim = pooling.cosine_similarity_matrix(x)
    assert sim.shape == (6, 6)
    assert torch.allclose(sim, sim.T, atol=1e-6)
    assert torch.allclose(torch.diagonal(sim), torch.ones(6), atol=1e-6)
    assert (sim <= 1).all() and (sim >= -1).all()
    # não depende do tamanho dos vetores, só da direção
    scaled = pooling.cosine_similarity_matrix(x * torch.arange(1.0, 7.0).unsqueeze(1))
    assert torch.allclose(sim, scaled, atol=1e-6)
    # vetor oposto → -1; entre duas matrizes
    cross = pooling.cosine_similarity_matrix(x[:2], -x[:2])
    assert torch.allclose(torch.diagonal(cross), -torch.ones(2), atol=1e-6)
    assert torch.allclose(
        sim, torch.nn.functional.cosine_similarity(x[:, None], x[None], dim=-1), atol=1e-6
    )


def test_cosine_matrix_numpy_and_zero_vector():
    x = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    sim = pooling.cosine_similarity_matrix(x)
    assert torch.isfinite(sim).all()
    assert torch.equal(sim[1], torch.zeros(3))
    assert sim[0, 2].item() == pytest.approx(2**-0.5, abs=1e-6)


# --------------------------------------------------------------------------- modelo offline


@pytest.fixture(scope="module", autouse=True)
def offline():
    """Os testes nunca vão à rede: o id do Hub vira o substituto local."""
    mp = pytest.MonkeyPatch()
    mp.setenv("HF_HUB_OFFLINE", "1")
    yield
    mp.undo()


@pytest.fixture(scope="module")
def bert():
    from helpers import hub

    name = "neuralmind/bert-base-portuguese-cased"
    return hub.load_model(name, verbose=False), hub.load_tokenizer(name, verbose=False)


SENTENCES = ["O filme foi ótimo.", "Atendimento péssimo, nunca mais compro nada nesta loja."]


def test_encode_keeps_order_and_matches_single_sentences(bert):
    model, tokenizer = bert
    texts = ["curta", SENTENCES[1], "uma frase de tamanho médio aqui", SENTENCES[0]]
    together = pooling.encode(texts, model, tokenizer, batch_size=2, verbose=False)
    assert set(together) == {"cls", "pooler", "mean", "max"}
    for i, text in enumerate(texts):
        alone = pooling.encode([text], model, tokenizer, verbose=False)
        for name in together:
            assert together[name].shape == (4, model.config.hidden_size)
            np.testing.assert_allclose(together[name][i], alone[name][0], atol=1e-4)


def test_encode_uses_the_poolings_it_gets(bert):
    """As funções passadas em ``poolings`` (as da célula do notebook) valem no lugar da cópia."""
    model, tokenizer = bert
    default = pooling.encode(SENTENCES, model, tokenizer, verbose=False)
    fns = {"cls": lesson03.cls_pooling, "mean": lesson03.max_pooling, "max": lesson03.mean_pooling}
    swapped = pooling.encode(SENTENCES, model, tokenizer, verbose=False, poolings=fns)
    np.testing.assert_allclose(swapped["mean"], default["max"], atol=1e-5)
    np.testing.assert_allclose(swapped["max"], default["mean"], atol=1e-5)
    np.testing.assert_allclose(swapped["cls"], default["cls"], atol=1e-5)


def test_get_pooler_and_no_pooler_message(capsys):
    from transformers import DistilBertConfig, DistilBertModel

    from helpers import hub

    tokenizer = hub.load_tokenizer("neuralmind/bert-base-portuguese-cased", verbose=False)
    torch.manual_seed(0)
    tiny = DistilBertModel(
        DistilBertConfig(
            vocab_size=tokenizer.vocab_size, dim=32, hidden_dim=64, n_layers=1, n_heads=2
        )
    )
    assert pooling.get_pooler(tiny) is None
    out = pooling.encode(["sem pooler", "aqui também"], tiny, tokenizer)
    assert set(out) == {"cls", "mean", "max"}
    assert "não tem pooler" in capsys.readouterr().out


# --------------------------------------------------------------------------- gráficos e widget


def test_similarity_table_and_plot(bert, capsys):
    import matplotlib

    matplotlib.use("Agg")
    model, tokenizer = bert
    table = pooling.similarity_table(
        ["uma frase", "", "outra frase", "  "], "mean", model, tokenizer
    )
    assert table.shape == (2, 2) and list(table.index) == ["uma frase", "outra frase"]
    assert np.allclose(np.diag(table.values), 1, atol=1e-5)
    shown = pooling.plot_similarity(SENTENCES, "cls", model, tokenizer)
    assert list(shown.index) == ["1", "2"] and list(shown.columns) == ["1", "2"]
    assert np.allclose(np.diag(shown.values), 1, atol=1e-3) and shown.iloc[0, 1] == shown.iloc[1, 0]
    assert pooling.plot_similarity(["só uma"], "mean", model, tokenizer) is None
    assert "pelo menos duas frases" in capsys.readouterr().out


def test_similarity_explorer_updates_image(bert):
    import matplotlib

    matplotlib.use("Agg")
    model, tokenizer = bert
    box = pooling.similarity_explorer(model, tokenizer, SENTENCES)
    text, choice, message, image = box.children
    assert image.value[:4] == b"\x89PNG" and message.value == ""
    first = image.value
    choice.value = "max"
    assert image.value != first
    text.value = "sozinha"
    assert "pelo menos duas frases" in message.value


def test_encode_empty_list(bert):
    model, tokenizer = bert
    out = pooling.encode([], model, tokenizer, verbose=False)
    assert all(v.shape == (0, model.config.hidden_size) for v in out.values())


def test_heatmap_numbers_use_decimal_comma():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers.plots import CommaFormatter

    sim = np.array([[1.0, 0.254], [-0.5, 1.0]])
    ax = pooling.plot_similarity_matrix(sim, ["uma", "outra"], "teste")
    assert [t.get_text() for t in ax.texts] == ["1,00", "0,25", "−0,50", "1,00"]
    colorbar_ax = ax.figure.axes[1]
    assert isinstance(colorbar_ax.yaxis.get_major_formatter(), CommaFormatter)
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in colorbar_ax.get_yticklabels() if t.get_text()]
    assert "−0,5" in ticks and "0,5" in ticks and not any("." in t for t in ticks)
    plt.close(ax.figure)


# --------------------------------------------------------------------------- DistilBERT com tokenizador do BERT


@pytest.fixture(scope="module")
def distil():
    from helpers import hub

    return hub.load_model("distilbert-base-uncased", verbose=False).eval()


def test_model_inputs_drops_token_type_ids_only_when_forward_lacks_it(bert, distil):
    model, tokenizer = bert
    enc = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    assert set(enc) == {"input_ids", "token_type_ids", "attention_mask"}
    assert set(pooling.model_inputs(distil, enc)) == {"input_ids", "attention_mask"}
    assert set(pooling.model_inputs(model, enc)) == {
        "input_ids",
        "token_type_ids",
        "attention_mask",
    }
    assert pooling.model_inputs(distil, enc)["input_ids"] is enc["input_ids"]


def _strict_forward(model):
    """``forward`` sem ``**kwargs``, como o do ``DistilBertModel`` no transformers 4.57."""
    original = model.forward

    def forward(
        input_ids=None,
        attention_mask=None,
        head_mask=None,
        inputs_embeds=None,
        output_attentions=None,
        output_hidden_states=None,
        return_dict=None,
    ):
        return original(input_ids=input_ids, attention_mask=attention_mask)

    return forward


def test_encode_distilbert_with_bert_tokenizer(bert, distil, monkeypatch):
    _, tokenizer = bert
    monkeypatch.setattr(distil, "forward", _strict_forward(distil))
    enc = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    with pytest.raises(TypeError, match="token_type_ids"):
        distil(**enc)  # o erro relatado no transformers 4.57

    out = pooling.encode(SENTENCES, distil, tokenizer, verbose=False)
    assert set(out) == {"cls", "mean", "max"}
    with torch.inference_mode():
        h = distil(
            input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]
        ).last_hidden_state
    expected = {
        "cls": lesson03.cls_pooling(h),
        "mean": lesson03.mean_pooling(h, enc["attention_mask"]),
        "max": lesson03.max_pooling(h, enc["attention_mask"]),
    }
    for name, matrix in out.items():
        assert matrix.shape == (2, distil.config.dim)
        np.testing.assert_allclose(matrix, expected[name].numpy(), atol=1e-4)
    table = pooling.similarity_table(SENTENCES, "mean", distil, tokenizer)
    cos = torch.nn.functional.cosine_similarity(
        expected["mean"][0], expected["mean"][1], dim=0
    ).item()
    assert table.iloc[0, 1] == pytest.approx(cos, abs=1e-4)
