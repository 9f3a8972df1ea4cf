import re
from pathlib import Path

import pytest

from helpers import compat

pytestmark = pytest.mark.unit

FIX = Path(__file__).parent / "fixtures"


def names(version):
    lines = (FIX / f"training_args_{version}.txt").read_text().splitlines()
    return {l.strip() for l in lines if l.strip() and not l.startswith("#")}


V4, V5 = names("4.46"), names("5.x")


def test_fixtures_are_what_we_think():
    assert "evaluation_strategy" in V4 and "group_by_length" in V4 and "warmup_ratio" in V4
    assert (
        "evaluation_strategy" not in V5
        and "train_sampling_strategy" in V5
        and "warmup_ratio" not in V5
    )


@pytest.mark.parametrize("accepted", [V4, V5], ids=["4.46", "5.x"])
def test_seed_arguments_translate_and_nothing_is_dropped_silently(accepted):
    seed_args = dict(
        output_dir="x",
        evaluation_strategy="epoch",
        save_strategy="no",
        learning_rate=2e-5,
        weight_decay=0.01,
        per_device_train_batch_size=8,
        per_device_eval_batch_size=8,
        num_train_epochs=3,
        fp16=False,
        logging_steps=50,
        report_to="none",
        seed=42,
        group_by_length=True,
        warmup_ratio=0.1,
        overwrite_output_dir=True,
    )
    out, notes = compat.translate_training_kwargs(seed_args, accepted)
    assert set(out) <= accepted
    assert out["eval_strategy"] == "epoch"
    if "train_sampling_strategy" in accepted:
        assert out["train_sampling_strategy"] == "group_by_length" and out["warmup_steps"] == 0.1
    else:
        assert out["group_by_length"] is True and out["warmup_ratio"] == 0.1
    # tudo o que não passou como está foi anunciado
    untouched = {k for k in seed_args if k in accepted}
    assert len(notes) >= len(set(seed_args) - untouched) - (1 if "eval_strategy" in accepted else 0)
    if "overwrite_output_dir" not in accepted:
        assert any("overwrite_output_dir" in n for n in notes)


@pytest.mark.parametrize("accepted", [V4, V5], ids=["4.46", "5.x"])
def test_current_names_work_on_both(accepted):
    current = dict(
        output_dir="x",
        eval_strategy="epoch",
        train_sampling_strategy="group_by_length",
        warmup_steps=0.1,
    )
    out, notes = compat.translate_training_kwargs(current, accepted)
    assert set(out) <= accepted
    if accepted is V5:
        assert out == current and notes == []
    else:
        assert out == {
            "output_dir": "x",
            "eval_strategy": "epoch",
            "group_by_length": True,
            "warmup_ratio": 0.1,
        }
        assert len(notes) == 2


def test_unknown_argument_raises_portuguese_error_naming_it():
    with pytest.raises(ValueError, match="learning_rat") as e:
        compat.translate_training_kwargs({"learning_rat": 1e-5}, V5)
    assert "desconhecido" in str(e.value) and "learning_rate" in str(e.value)


def test_conflicting_old_and_new_names():
    with pytest.raises(ValueError, match="duas vezes"):
        compat.translate_training_kwargs(
            {"evaluation_strategy": "epoch", "eval_strategy": "no"}, V5
        )


def test_build_training_arguments_on_installed_version(tmp_path, capsys):
    args = compat.build_training_arguments(
        output_dir=str(tmp_path), evaluation_strategy="epoch", report_to="none"
    )
    assert getattr(args.eval_strategy, "value", args.eval_strategy) == "epoch"
    assert "eval_strategy" in capsys.readouterr().out


def test_trainer_tokenizer_becomes_processing_class(capsys):
    from transformers import Trainer

    kw = compat.trainer_kwargs(Trainer, tokenizer="tok", model=None)
    assert kw == {"processing_class": "tok", "model": None}
    assert "processing_class" in capsys.readouterr().out
    assert compat.trainer_kwargs(Trainer, processing_class="tok") == {"processing_class": "tok"}
    assert capsys.readouterr().out == ""  # o nome atual passa calado
    with pytest.raises(ValueError, match="processing_class"):
        compat.trainer_kwargs(Trainer, tokenizer="a", processing_class="b")


def test_every_rename_and_removal_matches_the_recorded_signatures():
    """As tabelas dizem a verdade sobre as duas versões gravadas: o nome antigo existia e o novo existe (ou sumiu)."""
    for old, new in compat.RENAMES.items():
        assert old not in V5, f"{old} ainda existe no 5.x: não é um nome antigo"
        assert new in V5 or new in compat.REMOVED, (
            f"{old} → {new}: {new} não existe no 5.x nem está em REMOVED"
        )
    for name in compat.REMOVED:
        assert name not in V5, f"{name} está em REMOVED mas existe no 5.x"
        assert (
            name in V4
            or name in compat.RENAMES.values()
            or name in {"tpu_metrics_debug", "include_tokens_per_second"}
        ), name


@pytest.mark.parametrize("old", sorted(compat.RENAMES))
def test_every_old_name_gives_a_note_on_5x_never_an_unknown_argument_error(old):
    out, notes = compat.translate_training_kwargs({old: 1}, V5)
    assert len(notes) == 1 and old in notes[0]
    assert set(out) <= V5
    new = compat.RENAMES[old]
    assert out == ({new: 1} if new in V5 else {})


def test_fp16_backend_is_announced_as_gone_on_5x_and_translated_on_446():
    out, notes = compat.translate_training_kwargs({"fp16_backend": "amp"}, V5)
    assert out == {} and "ignorado" in notes[0] and "half_precision_backend" in notes[0]
    out, notes = compat.translate_training_kwargs({"fp16_backend": "amp"}, V4)
    assert out == {"half_precision_backend": "amp"} and "agora se chama" in notes[0]


def test_recorded_5x_signature_is_the_installed_one_when_5x_is_installed():
    """Uma versão nova do transformers que renomeia ou remove um argumento falha aqui, não num notebook."""
    import transformers

    from packaging.version import Version

    if int(transformers.__version__.split(".")[0]) < 5:
        pytest.skip("transformers 4.x instalado: a assinatura gravada é a do 5.x")
    recorded = re.search(
        r"transformers (\S+)", (FIX / "training_args_5.x.txt").read_text().splitlines()[0]
    ).group(1)
    if Version(transformers.__version__) < Version(recorded):
        # um 5.x mais antigo que o gravado (o do Colab) não tem os argumentos criados depois; os da série, sim
        from helpers import lesson02

        wanted = {*lesson02.SERIES_DEFAULTS, "output_dir", "eval_strategy", "dataloader_pin_memory"}
        missing = sorted(wanted - compat.accepted_training_args())
        assert not missing, (
            f"transformers {transformers.__version__} não tem {missing}, que a série usa"
        )
        return
    installed = compat.accepted_training_args()
    missing = sorted(V5 - installed)
    assert not missing, (
        f"transformers {transformers.__version__} não aceita mais {missing}: atualize "
        "helpers/compat.py (RENAMES/REMOVED) e tests/fixtures/training_args_5.x.txt"
    )


@pytest.mark.parametrize("accepted", [V4, V5], ids=["4.46", "5.x"])
def test_series_defaults_exist_in_both_versions(accepted):
    from helpers import lesson02

    wanted = {
        **lesson02.SERIES_DEFAULTS,
        "output_dir": "x",
        "eval_strategy": "epoch",
        "dataloader_pin_memory": False,
    }
    assert set(wanted) <= V5  # escritos na API atual
    out, notes = compat.translate_training_kwargs(wanted, accepted)
    assert set(out) <= accepted and out["save_strategy"] == "no" and out["eval_strategy"] == "epoch"
    assert len(notes) == (
        0 if accepted is V5 else 2
    )  # na 4.46: train_sampling_strategy e warmup fracionário


def test_for_installed_version_is_the_identity_on_5x_and_announces_each_translation_on_4x(capsys):
    current = dict(
        output_dir="x",
        eval_strategy="epoch",
        save_strategy="no",
        logging_strategy="epoch",
        report_to="none",
        learning_rate=1e-4,
        num_train_epochs=4,
        per_device_train_batch_size=16,
        weight_decay=0.01,
        warmup_steps=0.1,
        seed=42,
        train_sampling_strategy="group_by_length",
    )
    assert compat.for_installed_version(current, accepted=V5) == current
    assert capsys.readouterr().out == ""
    old = compat.for_installed_version(current, accepted=V4)
    # a 4.46 já aceita eval_strategy; group_by_length e warmup_ratio são traduzidos, e cada tradução é impressa
    assert (
        old["eval_strategy"] == "epoch"
        and old["group_by_length"] is True
        and old["warmup_ratio"] == 0.1
    )
    assert "train_sampling_strategy" not in old and "warmup_steps" not in old
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 2 and all(line.startswith("[compat] ") for line in printed)
    with pytest.raises(ValueError, match="desconhecido"):
        compat.for_installed_version({"learning_rat": 1e-5}, accepted=V5)


# ------------------------------------------------------------------ token_type_ids e o DistilBERT


class _StrictDistilBert:
    """Um DistilBERT como o do transformers 4.x: ``forward`` sem ``token_type_ids`` nem ``**kwargs``."""

    def __new__(cls, num_labels=2):
        import torch
        from transformers import DistilBertConfig, DistilBertForSequenceClassification

        torch.manual_seed(0)
        inner = DistilBertForSequenceClassification(
            DistilBertConfig(
                vocab_size=30522,
                dim=32,
                n_layers=1,
                n_heads=2,
                hidden_dim=64,
                max_position_embeddings=64,
                num_labels=num_labels,
            )
        ).eval()

        class Strict(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner, self.config = inner, inner.config

            def forward(self, input_ids=None, attention_mask=None, labels=None):
                return self.inner(input_ids=input_ids, attention_mask=attention_mask, labels=labels)

        return Strict().eval()


def test_forward_inputs_drops_token_type_ids_only_where_the_forward_has_no_such_parameter(
    bert_standin,
):
    import torch

    tok, bert = bert_standin
    enc = tok(["uma frase", "outra frase mais longa"], padding=True, return_tensors="pt")
    assert "token_type_ids" in enc
    strict = _StrictDistilBert()
    out = compat.forward_inputs(strict, enc)
    assert set(out) == {"input_ids", "attention_mask"}
    assert torch.equal(out["input_ids"], enc["input_ids"])
    assert set(compat.forward_inputs(bert, enc)) == set(enc)  # o BERT usa token_type_ids: ficam
    no_types = {"input_ids": enc["input_ids"]}
    assert compat.forward_inputs(strict, no_types) is no_types
    with pytest.raises(TypeError):  # sem a troca, o erro do issue
        strict(**enc)


def test_helpers_run_a_strict_distilbert_with_the_bert_tokenizer(bert_standin):
    """predict_proba e a medição de latência passam só o que o forward aceita (o erro do issue 12 no 4.57)."""
    import torch

    from helpers import inference, measure

    tok, _ = bert_standin
    strict = _StrictDistilBert()
    texts = ["gostei muito", "não gostei nada do produto", "ok"]
    probs = inference.predict_proba(texts, strict, tok, max_length=32)
    with torch.inference_mode():
        for i, text in enumerate(texts):
            enc = tok([text], return_tensors="pt")
            expected = torch.softmax(strict(enc["input_ids"], enc["attention_mask"]).logits, -1)[
                0
            ].numpy()
            assert probs[i] == pytest.approx(expected, abs=1e-5)
    assert probs.shape == (3, 2)
    table = measure.cpu_latency(
        {"distil": strict}, tok, texts, batch_sizes=(1, 2), repeats=1, warmup=0
    )
    assert list(table.index) == ["distil"] and (table.to_numpy() > 0).all()


def test_quiet_model_import_silences_only_the_torch_jit_noise():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with compat.quiet_model_import():
            warnings.warn(
                "`torch.jit.script` is deprecated. Please switch to `torch.compile`.",
                DeprecationWarning,
            )
            with pytest.raises(DeprecationWarning, match="outra coisa"):
                warnings.warn("outra coisa", DeprecationWarning)
        with pytest.raises(DeprecationWarning):  # fora do bloco, vale a regra de antes
            warnings.warn("`torch.jit.script` is deprecated.", DeprecationWarning)


@pytest.mark.parametrize("accepted", [V4, V5], ids=["4.46", "5.x"])
def test_as_current_names_reads_the_recipe_with_5x_names_on_both(accepted):
    from helpers import lesson02

    wanted = {**lesson02.SERIES_DEFAULTS, "output_dir": "x", "eval_strategy": "epoch"}
    installed, _ = compat.translate_training_kwargs(wanted, accepted)
    if "warmup_ratio" in installed:  # como o TrainingArguments 4.x completa os padrões
        installed.setdefault("warmup_steps", 0)
    current = as_current_names(installed)
    assert current["train_sampling_strategy"] == wanted["train_sampling_strategy"]
    assert current["warmup_steps"] == wanted["warmup_steps"] and current["eval_strategy"] == "epoch"
    assert as_current_names({"group_by_length": False, "warmup_ratio": 0.0, "warmup_steps": 5}) == {
        "group_by_length": False,
        "warmup_ratio": 0.0,
        "warmup_steps": 5,
        "train_sampling_strategy": "random",
    }


def test_as_current_names_on_the_installed_training_arguments(tmp_path):
    args = compat.build_training_arguments(
        verbose=False,
        output_dir=str(tmp_path),
        report_to="none",
        train_sampling_strategy="group_by_length",
        warmup_steps=0.1,
    )
    current = as_current_names(args)
    assert (
        current["train_sampling_strategy"] == "group_by_length" and current["warmup_steps"] == 0.1
    )


def as_current_names(args) -> dict:
    """Os valores de um ``TrainingArguments`` (ou de ``to_dict()``) com os nomes do 5.x, em qualquer versão.

    No 4.x, ``group_by_length`` aparece também como ``train_sampling_strategy``, ``evaluation_strategy``
    como ``eval_strategy`` e um ``warmup_ratio`` (com ``warmup_steps == 0``) como ``warmup_steps``
    fracionário: o mesmo código confere a receita nas duas versões. O objeto não muda.
    """
    values = dict(args if isinstance(args, dict) else args.to_dict())
    if "train_sampling_strategy" not in values and "group_by_length" in values:
        values["train_sampling_strategy"] = (
            "group_by_length" if values["group_by_length"] else "random"
        )
    if "eval_strategy" not in values and "evaluation_strategy" in values:
        values["eval_strategy"] = values["evaluation_strategy"]
    if values.get("warmup_ratio") and not values.get("warmup_steps"):
        values["warmup_steps"] = float(values["warmup_ratio"])
    return values
