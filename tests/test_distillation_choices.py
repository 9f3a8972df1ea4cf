"""O estudo que escolhe T, os pesos e o termo hidden do notebook 04: só a validação decide."""

import importlib.util
import json
from pathlib import Path

import pytest

from helpers import data

ROOT = Path(__file__).resolve().parents[1]


def load_study():
    spec = importlib.util.spec_from_file_location(
        "distillation_choices", ROOT / "benchmarks" / "distillation_choices.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.unit
def test_choose_takes_the_best_mean_and_breaks_ties_by_the_list_order():
    study = load_study()
    first, second, third = list(study.CONFIGS)[:3]
    rows = [
        {"config": first, "f1_macro_validation": 0.50},
        {"config": first, "f1_macro_validation": 0.60},
        {"config": second, "f1_macro_validation": 0.56},
        {"config": second, "f1_macro_validation": 0.54},
        {"config": third, "f1_macro_validation": 0.70},
        {"config": third, "f1_macro_validation": 0.30},
        {"config": study.LABELS_ONLY, "f1_macro_validation": 0.99},
    ]
    assert study.choose(rows) == first  # 0,55 empata com 0,55: fica a primeira da lista
    rows[3]["f1_macro_validation"] = 0.58
    assert study.choose(rows) == second  # 0,57 > 0,55; o só com rótulos nunca é escolhido
    with pytest.raises(ValueError):
        study.choose([{"config": study.LABELS_ONLY, "f1_macro_validation": 0.9}])


@pytest.mark.slow
def test_the_study_never_reads_the_test_labels(tmp_path, monkeypatch):
    """Com os rótulos do teste embaralhados, o estudo grava exatamente as mesmas linhas e a mesma escolha."""
    study = load_study()
    args = [
        "--train-limit",
        "48",
        "--seeds",
        "1",
        "--student-epochs",
        "1",
        "--teacher-epochs",
        "1",
        "--only",
        "T = 2, α 0,5/0,5",
        "T = 4",
    ]
    clean = study.main([*args, "--workdir", str(tmp_path / "a"), "--out", str(tmp_path / "a.json")])

    original = data.load_embedded

    def shuffled_test(*a, **k):
        loaded = original(*a, **k)
        labels = loaded.splits["test"]["label"]
        loaded.splits["test"] = (
            loaded.splits["test"]
            .remove_columns("label")
            .add_column("label", labels[1:] + labels[:1])
        )
        return loaded

    monkeypatch.setattr(data, "load_embedded", shuffled_test)
    changed = study.main(
        [*args, "--workdir", str(tmp_path / "b"), "--out", str(tmp_path / "b.json")]
    )
    assert [r["config"] for r in clean["rows"]] == ["T = 2, α 0,5/0,5", "T = 4", study.LABELS_ONLY]
    assert clean["rows"] == changed["rows"] and clean["chosen"] == changed["chosen"]
    saved = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert saved["meta"]["split"] == "validation" and saved["chosen"]["config"] in study.CONFIGS
    assert saved["meta"]["student_layers"] == [0, 2, 5]


@pytest.mark.static
def test_notebook_04_uses_the_choice_the_study_recorded():
    """Os parâmetros padrão do 04 (e do comando distill) são os que o estudo gravado escolheu na validação."""
    import ast

    import nbformat

    study = json.loads(
        (ROOT / "data" / "resultados" / "destilacao_validacao.json").read_text(encoding="utf-8")
    )
    assert study["meta"]["split"] == "validation" and study["chosen"]["config"] in study["configs"]
    nb = nbformat.read(ROOT / "notebooks" / "04_destilacao.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    values = {
        t.id: ast.literal_eval(node.value)
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.Assign)
        for t in node.targets
    }
    chosen = study["chosen"]
    assert (
        values["TEMPERATURE"],
        values["ALPHA_SOFT"],
        values["ALPHA_HARD"],
        values["ALPHA_HIDDEN"],
    ) == (chosen["temperature"], chosen["alpha_soft"], chosen["alpha_hard"], chosen["alpha_hidden"])
    assert (
        values["STUDENT_LAYERS"] is None
        and study["meta"]["student_epochs"] == values["STUDENT_EPOCHS"]
    )
    from commands.experiments import build_parser

    opts = build_parser().parse_args(["distill"])
    assert (opts.temperature, opts.alpha_soft, opts.alpha_hard, opts.alpha_hidden) == (
        chosen["temperature"],
        chosen["alpha_soft"],
        chosen["alpha_hard"],
        chosen["alpha_hidden"],
    )
