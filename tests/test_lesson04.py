"""A perda do notebook 04 é uma só: mudar a célula marcada muda a perda gerada e a do comando ``distill``.

O teste copia o 04 para uma pasta temporária, dobra o termo hard na célula ``# @save`` da perda, gera o
módulo numa pasta temporária (``scripts/nbsave.py``) e mostra que, num lote fixo, (a) a perda gerada muda e
(b) a perda que o comando ``distill`` calcula muda com ela. Se o comando tivesse a própria cópia da perda,
(b) falharia.
"""

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import torch

import helpers
from commands import distill as distill_command
from helpers import lesson04
from tiny import tiny_dataset, tiny_teacher

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04_destilacao.ipynb"
HARD = "hard = F.cross_entropy(student_logits, labels)"
LOSS = dict(temperature=2.0, alpha_soft=0.5, alpha_hard=0.5, alpha_hidden=0.0)


@pytest.fixture(scope="module")
def edited_lesson04(tmp_path_factory):
    """O ``lesson04`` gerado de uma cópia do 04 em que a célula marcada da perda dobra o termo hard."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import nbsave
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    base = tmp_path_factory.mktemp("nb04")
    notebooks, generated = base / "notebooks", base / "helpers"
    notebooks.mkdir()
    generated.mkdir()
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    cells = [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code"
        and "".join(c["source"]).startswith(nbsave.MARK)
        and HARD in "".join(c["source"])
    ]
    assert len(cells) == 1, "a perda do 04 devia estar numa célula # @save só"
    source = "".join(cells[0]["source"]).replace(
        HARD, "hard = 2 * F.cross_entropy(student_logits, labels)"
    )
    cells[0]["source"] = source.splitlines(keepends=True)
    (notebooks / NOTEBOOK.name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    assert nbsave.write(notebooks, generated) == ["lesson04.py"]
    spec = importlib.util.spec_from_file_location("helpers.lesson04", generated / "lesson04.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fixed_logits():
    g = torch.Generator().manual_seed(4)
    return (
        torch.randn(4, 3, generator=g),
        torch.randn(4, 3, generator=g),
        torch.tensor([0, 1, 2, 1]),
    )


def command_loss(bert_standin, tmp_path):
    """A perda que o comando ``distill`` calcula num lote fixo, com o ``DistillationTrainer`` que ele monta."""
    tokenizer, _ = bert_standin
    teacher = tiny_teacher(4)
    student = tiny_teacher(2, seed=1)
    train = tiny_dataset(n=4)
    trainer = distill_command.distillation_trainer(
        student, teacher, tokenizer, train, tmp_path, LOSS, use_cpu=True, disable_tqdm=True
    )
    batch = trainer.data_collator([train[i] for i in range(len(train))])
    student.eval()  # sem dropout: o mesmo lote dá sempre a mesma perda
    return distill_command.batch_loss(trainer, batch), batch, student, teacher


def test_the_generated_loss_follows_the_marked_cell(edited_lesson04):
    student, teacher, labels = fixed_logits()
    args = (student, teacher, labels, 2.0, 0.5, 0.5)
    total, terms = lesson04.distillation_loss(*args)
    edited_total, edited_terms = edited_lesson04.distillation_loss(*args)
    assert edited_terms["hard"].item() == pytest.approx(2 * terms["hard"].item())
    assert edited_total.item() == pytest.approx(total.item() + 0.5 * terms["hard"].item())


def test_the_command_loss_follows_the_marked_cell(
    edited_lesson04, bert_standin, tmp_path, monkeypatch
):
    before, batch, student, teacher = command_loss(bert_standin, tmp_path / "antes")
    monkeypatch.setitem(sys.modules, "helpers.lesson04", edited_lesson04)
    monkeypatch.setattr(helpers, "lesson04", edited_lesson04)
    after, _, _, _ = command_loss(bert_standin, tmp_path / "depois")
    # o mesmo lote pelos dois modelos, com a perda original: a diferença é α_hard · hard
    with torch.no_grad():
        inputs = {k: v for k, v in batch.items() if k != "labels"}
        _, terms = lesson04.distillation_loss(
            student(**inputs).logits, teacher(**inputs).logits, batch["labels"], 2.0, 0.5, 0.5
        )
    assert after != pytest.approx(before)
    assert after == pytest.approx(before + LOSS["alpha_hard"] * terms["hard"].item(), rel=1e-5)
