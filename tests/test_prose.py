"""A regra dos números digitados, as frases escritas pela execução e os modelos reaproveitados."""

import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from typed_figures import markdown_of, typed_figures  # noqa: E402

from helpers import artifacts, prose  # noqa: E402

TEXTS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]


# ------------------------------------------------------------------ a regra


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_no_measured_figure_is_typed_without_source(path):
    found = typed_figures(markdown_of(path))
    assert not found, (
        "números digitados sem fonte (escreva-os com helpers.prose.say ou cite a fonte):\n"
        + "\n".join(f"«{f}» em: {b}" for f, b in found)
    )


@pytest.mark.parametrize(
    "text",
    [
        "O modelo teve F1 de 0,62 no teste.",
        "O aluno ficou 1,97× mais rápido.",
        "Os modelos *large* custam ~3× os *base*.",
        "O treino levou 219 s nesta máquina.",
        "- **Qualidade**: o aluno guarda 106% do F1 do professor.",
        "| modelo | F1 |\n|---|---|\n| aluno | 0.675 |",
        "Tempo: ~4 min (medido com `make run`).",  # comando sem data não basta
    ],
)
def test_rule_catches_typed_figures(text):
    assert typed_figures(text)


@pytest.mark.parametrize(
    "text",
    [
        "O DistilBERT guarda 97% (Sanh et al. 2019, arXiv 1910.01108).",
        "Hinton et al. (2015) usam T entre 2 e 20; 40% menos parâmetros segundo o artigo.",
        "Use `ALPHA_SOFT = 0.5` e `T = 2`: lote de 32, 12 camadas, transformers 4.46 e 5.x.",
        "A entropia máxima é $\\log_2 3 \\approx 1{,}58$ bits.",
        "Tempo: ~4 min (medido com `make run` em 2026-12-01, CPU de 2 núcleos).",
        "Veja [o artigo](https://arxiv.org/abs/1910.01108v4) e o conjunto de 1.719 avaliações.",
    ],
)
def test_rule_lets_sources_code_and_settings_pass(text):
    assert typed_figures(text) == []


def test_source_counts_only_in_its_own_block():
    text = "Sanh et al. 2019 (arXiv 1910.01108) relatam 97%.\n\nAqui o aluno fez 0,675."
    assert [f for f, _ in typed_figures(text)] == ["0,675"]


# ------------------------------------------------------------------ frases da execução


def test_numbers_are_written_the_brazilian_way():
    assert prose.num(0.6374) == "0,637"
    assert prose.num(-0.03, 2) == "−0,03"
    assert prose.num(0.0304, 3, sign=True) == "+0,030"
    assert prose.num(-0.0001) == "0,000"
    assert prose.pct(0.974) == "97%" and prose.pct(1.0641, 1) == "106,4%"
    assert prose.times(2.046) == "2,0×" and prose.times(1.97, 2) == "1,97×"
    assert prose.table_number(1359.25) == "1359,25" and prose.table_number(0.5) == "0,5"


def test_check_stops_the_run_when_a_claim_fails(monkeypatch):
    monkeypatch.delenv("VARIANTES_SHORT_RUN", raising=False)
    prose.check(0.7 > 0.6, "o aluno passou do professor")
    with pytest.raises(prose.ClaimError, match="o aluno passou do professor"):
        prose.check(0.5 > 0.6, "o aluno passou do professor")
    with pytest.raises(prose.ClaimError, match="roda mais rápido"):
        prose.check(False, "roda mais rápido", full_run=True)  # a execução completa confere tudo


def test_a_full_run_claim_does_not_stop_a_short_run_but_any_other_claim_does(monkeypatch):
    monkeypatch.setenv("VARIANTES_SHORT_RUN", "ci")
    prose.check(False, "roda mais rápido", full_run=True)
    with pytest.raises(prose.ClaimError, match="mesmo vetor"):
        prose.check(False, "mesmo vetor")


def _macro(y, p):
    return f1_score(y, p, average="macro")


def test_paired_bootstrap_sees_a_real_difference_and_a_tie():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    good = np.where(rng.random(300) < 0.9, y, (y + 1) % 3)
    bad = np.where(rng.random(300) < 0.5, y, (y + 1) % 3)
    clear = prose.paired_bootstrap(y, good, bad, _macro, n=300)
    assert clear["low"] > 0.2 and clear["diff"] == pytest.approx(_macro(y, good) - _macro(y, bad))
    assert not prose.within_noise(clear) and "é melhor" in prose.compare("A", "B", clear)
    twin = good.copy()  # mesma quantidade de erros, em outras frases
    right, wrong = np.flatnonzero(good == y)[:10], np.flatnonzero(good != y)[:10]
    twin[right], twin[wrong] = (y[right] + 1) % 3, y[wrong]
    tie = prose.paired_bootstrap(y, good, twin, _macro, n=300)
    assert tie["low"] < 0 < tie["high"] and prose.within_noise(tie)
    assert "sem diferença detectável" in prose.compare("A", "B", tie)
    with pytest.raises(ValueError):
        prose.paired_bootstrap(y, good[:10], bad, _macro)


# ------------------------------------------------------------------ modelos reaproveitados


def test_build_dir_is_the_repository_build_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("VARIANTES_BUILD", raising=False)
    monkeypatch.chdir(tmp_path)
    assert artifacts.build_dir("02_x") == ROOT / "build" / "02_x"
    monkeypatch.setenv("VARIANTES_BUILD", str(tmp_path / "b"))
    assert artifacts.build_dir("y") == tmp_path / "b" / "y" and (tmp_path / "b" / "y").is_dir()


def test_classifier_is_reused_only_with_the_same_record(tmp_path, bert_standin, capsys):
    from transformers import AutoModelForSequenceClassification

    from helpers import data, hub

    dataset = data.load_embedded(verbose=False)
    tokenizer, _ = bert_standin
    model = hub.load_model(
        "bert-base-uncased", AutoModelForSequenceClassification, num_labels=3, verbose=False
    )
    record = artifacts.make_record(
        "bert-base-uncased", dataset, learning_rate=1e-4, class_weights=False
    )
    artifacts.save_classifier(tmp_path, model, tokenizer, record, train_seconds=12.5)
    assert artifacts.read_record(tmp_path)["extra"] == {"train_seconds": 12.5}

    loaded, saved = artifacts.load_classifier(tmp_path, record)
    assert saved["recipe"] == {"class_weights": False, "learning_rate": 1e-4}
    x = torch_ids(tokenizer)
    assert np.allclose(loaded(**x).logits.detach(), model.eval()(**x).logits.detach())

    other = artifacts.make_record(
        "bert-base-uncased", dataset, learning_rate=1e-4, class_weights=True
    )
    assert artifacts.load_classifier(tmp_path, other) == (None, None)
    assert "pesos de classe: salvo não, pedido sim" in capsys.readouterr().out
    assert artifacts.load_classifier(tmp_path / "nada", record) == (None, None)


def test_a_record_from_an_earlier_version_is_not_reused(tmp_path, bert_standin, capsys):
    """Um registro com as chaves antigas (em português) não confere: o modelo é treinado de novo."""
    import json

    from transformers import AutoModelForSequenceClassification

    from helpers import data, hub

    dataset = data.load_embedded(verbose=False)
    tokenizer, _ = bert_standin
    model = hub.load_model(
        "bert-base-uncased", AutoModelForSequenceClassification, num_labels=3, verbose=False
    )
    record = artifacts.make_record("bert-base-uncased", dataset, learning_rate=1e-4)
    assert set(record) == {"model", "standin", "data", "label2id", "recipe"}
    artifacts.save_classifier(tmp_path, model, tokenizer, record, train_seconds=1.0)
    old = {
        "modelo": record["model"],
        "dados": record["data"],
        "label2id": record["label2id"],
        "receita": record["recipe"],
        "extra": {"treino (s)": 1.0},
    }
    (tmp_path / artifacts.RECORD_FILE).write_text(json.dumps(old), encoding="utf-8")
    assert artifacts.differences(old, record) == ["registro de uma versão anterior da série"]
    assert artifacts.load_classifier(tmp_path, record) == (None, None)
    out = capsys.readouterr().out
    assert "registro de uma versão anterior da série" in out and "Vou treinar aqui" in out


def test_a_model_trained_on_the_standin_is_not_reused_for_the_real_model(bert_standin):
    """O registro guarda o substituto que rodou: um modelo ajustado offline (MiniLM) não passa pelo real."""
    from helpers import data

    dataset = data.load_embedded(verbose=False)
    offline = artifacts.make_record("neuralmind/bert-base-portuguese-cased", dataset, seed=42)
    assert offline["standin"] and "MiniLM" in offline["standin"]
    real = {
        **offline,
        "standin": None,
    }  # o mesmo pedido, com o BERTimbau de verdade rodando (online)
    assert artifacts.differences(offline, real) == [
        f"substituto: salvo {offline['standin']}, pedido nenhum"
    ]
    assert artifacts.differences(offline, offline) == []


def torch_ids(tokenizer):
    return tokenizer(["um texto qualquer"], return_tensors="pt")


def test_data_fingerprint_changes_with_one_label():
    from helpers import data

    a = data.load_embedded(verbose=False)
    b = data.load_embedded(verbose=False)
    assert artifacts.data_fingerprint(a) == artifacts.data_fingerprint(b)
    first = b.splits["train"][0]["label"]
    b.splits["train"] = b.splits["train"].map(
        lambda row, i: {"label": (row["label"] + 1) % 3 if i == 0 else row["label"]},
        with_indices=True,
    )
    assert b.splits["train"][0]["label"] != first
    assert artifacts.data_fingerprint(a) != artifacts.data_fingerprint(b)


def _tiny_data():
    import pandas as pd

    from helpers import data

    full = data.load_embedded(verbose=False)
    frames = {
        s: full.splits[s]
        .to_pandas()
        .groupby("label")
        .head(8 if s == "train" else 3)
        .assign(label=lambda d: d["label"].map(full.id2label))
        for s in ("train", "validation", "test")
    }
    return data.build_text_data({s: pd.DataFrame(f) for s, f in frames.items()}, source="mini")


def test_classifier_for_trains_once_then_reuses_only_the_same_recipe(
    tmp_path, bert_standin, capsys
):
    import torch

    from helpers import lesson02

    dataset = _tiny_data()
    tokenizer, _ = bert_standin
    tokenized, _ = lesson02.tokenize_splits(dataset.splits, tokenizer, max_length=32, verbose=False)
    recipe = artifacts.recipe(
        learning_rate=1e-3,
        num_train_epochs=1,
        per_device_train_batch_size=8,
        max_length=32,
        seed=0,
        class_weights=False,
    )
    with pytest.raises(ValueError, match="chaves"):
        artifacts.classifier_for(
            "bert-base-uncased", dataset, tokenizer, tokenized, {"learning_rate": 1e-3}, tmp_path
        )

    model, info = artifacts.classifier_for(
        "bert-base-uncased", dataset, tokenizer, tokenized, recipe, tmp_path / "a", verbose=False
    )
    assert (
        not info["reused"] and info["train_seconds"] > 0 and info["trainer"].state.global_step == 3
    )
    again, info2 = artifacts.classifier_for(
        "bert-base-uncased",
        dataset,
        tokenizer,
        tokenized,
        recipe,
        tmp_path / "b",
        reuse_from=[tmp_path / "a"],
        verbose=False,
    )
    assert (
        info2["reused"]
        and info2["folder"] == tmp_path / "a"
        and info2["train_seconds"] == info["train_seconds"]
    )
    x = tokenizer(["um texto qualquer"], return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(model.eval()(**x).logits, again.eval()(**x).logits, atol=1e-6)
    weighted = {**recipe, "class_weights": True}
    _, info3 = artifacts.classifier_for(
        "bert-base-uncased",
        dataset,
        tokenizer,
        tokenized,
        weighted,
        tmp_path / "c",
        reuse_from=[tmp_path / "a"],
        verbose=True,
    )
    assert not info3["reused"] and info3["trainer"].class_weights is not None
    assert "pesos de classe: salvo não, pedido sim" in capsys.readouterr().out
    assert artifacts.read_record(tmp_path / "c")["recipe"]["class_weights"] is True


def test_class_weights_from_02_follows_the_record_of_notebook_02(
    tmp_path, monkeypatch, bert_standin
):
    import json

    from transformers import AutoModelForSequenceClassification

    from helpers import data, hub

    monkeypatch.setenv("VARIANTES_BUILD", str(tmp_path))
    dataset = data.load_embedded(verbose=False)
    assert artifacts.class_weights_from_02(dataset) == (
        False,
        artifacts.class_weights_from_02(dataset)[1],
    )
    assert "ainda não salvou" in artifacts.class_weights_from_02(dataset)[1]
    assert artifacts.class_weights_from_02(dataset, override=True)[0] is True
    tokenizer, _ = bert_standin
    model = hub.load_model(
        "bert-base-uncased", AutoModelForSequenceClassification, num_labels=3, verbose=False
    )
    folder = artifacts.build_dir("02_bertimbau", "modelo")
    artifacts.save_classifier(
        folder, model, tokenizer, artifacts.make_record("x", dataset, class_weights=True)
    )
    weights, why = artifacts.class_weights_from_02(dataset)
    assert weights is True and "notebook 02 na validação" in why
    assert artifacts.class_weights_from_02(dataset, override=False)[0] is False
    other = data.limit_train(dataset, 10, 0)
    assert artifacts.class_weights_from_02(other) == (
        False,
        "o notebook 02 salvou um modelo, mas com outros dados: sem pesos",
    )
    saved = artifacts.read_record(folder)
    old = {"modelo": saved["model"], "dados": saved["data"], "receita": saved["recipe"]}
    (folder / artifacts.RECORD_FILE).write_text(json.dumps(old), encoding="utf-8")
    assert "versão anterior da série" in artifacts.class_weights_from_02(dataset)[1]


def test_paths_and_recipes_are_shown_without_the_machine(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VARIANTES_BUILD", str(tmp_path / "saidas"))
    folder = artifacts.build_dir("02_bertimbau") / "modelo"
    assert artifacts.shown(folder) == "build/02_bertimbau/modelo"
    assert (
        artifacts.shown(ROOT / "data" / "x.csv") == "data/x.csv"
    )  # dentro do repositório: relativo a ele
    monkeypatch.chdir(tmp_path)
    assert (
        artifacts.shown(tmp_path / "outra" / "pasta") == "outra/pasta"
    )  # na pasta atual: relativo a ela
    assert artifacts.shown("/um/lugar/qualquer/modelo") == "modelo"  # fora de tudo: só o nome
    recipe = artifacts.recipe(
        learning_rate=2e-5,
        num_train_epochs=4,
        per_device_train_batch_size=16,
        max_length=128,
        seed=42,
        class_weights=True,
    )
    text = artifacts.describe_recipe(recipe)
    assert text == (
        "taxa de aprendizado: 2e−05; épocas: 4; lote: 16; tokens no máximo: 128; semente: 42; "
        "pesos de classe: sim"
    )
    assert artifacts.describe_recipe({"learning_rate": 0.0001}) == "taxa de aprendizado: 0,0001"


def test_arrays_print_with_a_decimal_comma_and_stay_aligned():
    text = prose.array([[0.0142, -0.0354], [0.9, -0.248]], 4, indent=3)
    first, second = text.splitlines()
    assert first == "[[ 0,0142 −0,0354]" and second == "    [ 0,9    −0,248 ]]"
    assert prose.array([0.0004, 0.00709], 5) == "[0,0004  0,00709]"


def test_tables_and_times_written_by_a_command_are_not_typed_figures():
    generated = (
        "<!-- compat:início -->\n| `colab` | 33 min |\n<!-- compat:fim -->\n\nTexto: **Tempo de aula:** "
        "<!-- tempo:início -->~13 min de leitura<!-- tempo:fim -->."
    )
    assert typed_figures(generated) == []
    assert [f for f, _ in typed_figures(generated + "\n\nE a CPU levou 33 min.")] == ["33 min"]


def test_fixed_tables_keep_the_trailing_zero_in_every_row_and_leave_other_columns_alone():
    import pandas as pd

    table = pd.DataFrame(
        {"F1": [0.6224, 0.63, -0.6], "camadas": [6, 3, 3], "ms": [480.81, 241.8, float("nan")]},
        index=["a", "b", "c"],
    )
    shown = prose.fixed(table, {"F1": 3, "ms": 1})
    assert shown["F1"].tolist() == ["0,622", "0,630", "−0,600"]
    assert shown["ms"].tolist() == ["480,8", "241,8", "—"] and shown["camadas"].tolist() == [
        6,
        3,
        3,
    ]
    assert table["F1"].iloc[1] == 0.63  # a tabela original não muda
    assert prose.fixed(pd.Series([0.5, 0.25], name="x"), 2)["x"].tolist() == ["0,50", "0,25"]
