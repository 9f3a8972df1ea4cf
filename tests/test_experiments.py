"""Os comandos ``finetune`` e ``distill`` (commands.experiments): opções, vários processos e o mesmo F1 dos notebooks.

Os testes que treinam de verdade (dois processos na CPU com o gloo; o notebook e o comando lado a lado)
levam alguns minutos: ficam na camada ``slow`` (``make test-all``), como as execuções duplas de
``test_rerun.py``.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from commands import distill as distill_command
from commands import distributed, experiments
from commands import finetune as finetune_command

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
slow = pytest.mark.slow


def parameters_of(notebook: str) -> set[str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    from run_notebooks import parameter_names

    return parameter_names(ROOT / "notebooks" / notebook)


def options_of(command: str) -> set[str]:
    parser = experiments.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return {s for a in sub._actions for s in a.option_strings if s.startswith("--")}


# o que não vira opção, e por quê: o OUTPUT_DIR do 04 não existe (o 04 grava em build/04_destilacao)
@pytest.mark.parametrize(
    "notebook,command", [("02_bertimbau.ipynb", "finetune"), ("04_destilacao.ipynb", "distill")]
)
def test_every_parameter_of_the_notebook_is_an_option(notebook, command):
    options = options_of(command)
    missing = [
        p for p in parameters_of(notebook) if "--" + p.lower().replace("_", "-") not in options
    ]
    assert not missing, f"parâmetros do {notebook} sem opção em {command}: {missing}"


def test_the_command_and_each_subcommand_use_the_portuguese_parser():
    # o português do cli.Parser (ajuda e erros) é testado em test_cli.py; aqui, que os comandos o usam
    from commands import cli

    parser = experiments.build_parser()
    subs = next(a for a in parser._actions if a.dest == "command").choices
    assert isinstance(parser, cli.Parser) and set(subs) == {"finetune", "distill"}
    assert all(isinstance(p, cli.Parser) for p in subs.values())
    experiments.build_parser().parse_args(["distill"])  # os padrões bastam


def test_a_bad_option_is_an_error_in_portuguese(capsys):
    with pytest.raises(SystemExit) as stop:
        experiments.build_parser().parse_args(["finetune", "--batch-size", "0"])
    assert stop.value.code == 2
    assert (
        "erro: opção --batch-size: precisa ser um inteiro de pelo menos 1"
        in capsys.readouterr().err
    )


def test_the_batch_size_is_global_and_must_divide_by_the_processes():
    assert experiments.per_device_batch(16, 1) == 16
    assert experiments.per_device_batch(16, 2) == 8
    with pytest.raises(
        SystemExit, match=r"divisível pelo número de processos \(3\).*--batch-size 3 ou 6 ou 9"
    ):
        experiments.per_device_batch(16, 3)


def test_accelerate_cpu_launch_that_starts_one_process_is_caught(monkeypatch):
    for key in (
        "WORLD_SIZE",
        "PMI_SIZE",
        "OMPI_COMM_WORLD_SIZE",
        "MV2_COMM_WORLD_SIZE",
        "MASTER_ADDR",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ACCELERATE_USE_CPU", "True")
    assert (
        not distributed.lone_cpu_launch()
    )  # --cpu com um processo: o accelerate não define MASTER_ADDR
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    assert distributed.lone_cpu_launch()
    # quando não dá para saber quantos processos foram pedidos, o comando para e diz o que usar
    monkeypatch.setattr(distributed, "_parent_command", lambda: ["/usr/bin/python", "treino.py"])
    with pytest.raises(
        SystemExit, match="(?s)UM processo só.*--multi_gpu --num_processes 2.*torchrun"
    ):
        experiments.main(["finetune"])
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert not distributed.lone_cpu_launch()


def test_accelerate_cpu_launch_is_started_again_with_the_processes_asked_for(monkeypatch, capsys):
    accelerate = ["/venv/bin/python", "/venv/bin/accelerate", "launch"]
    assert (
        distributed.requested_processes([*accelerate, "--cpu", "--num_processes", "3", "-m", "x"])
        == 3
    )
    assert (
        distributed.requested_processes(
            [*accelerate, "--cpu", "--num-processes=2", "x.py", "--n", "5"]
        )
        == 2
    )
    assert (
        distributed.requested_processes(["/venv/bin/python", "launch", "--num_processes", "3"])
        is None
    )
    assert distributed.requested_processes([]) is None
    for key in ("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ACCELERATE_USE_CPU", "True")
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", "29555")
    monkeypatch.setattr(
        distributed,
        "_parent_command",
        lambda: [*accelerate, "--cpu", "--num_processes", "2", "-m", "commands.experiments"],
    )
    started = []
    monkeypatch.setattr(experiments.subprocess, "call", lambda cmd: started.append(cmd) or 7)
    assert (
        experiments.main(["finetune", "--max-steps", "2"]) == 7
    )  # o código de saída dos processos novos
    (cmd,) = started
    assert cmd[1:] == [
        "-m",
        "torch.distributed.run",
        "--nproc-per-node=2",
        "--nnodes=1",
        "--master-addr=127.0.0.1",
        "--master-port=29555",
        "-m",
        "commands.experiments",
        "finetune",
        "--max-steps",
        "2",
    ]
    assert "inicia os 2 processos pedidos" in capsys.readouterr().out


def test_one_process_leaves_predictions_alone():
    batches = [np.array([2, 0]), np.array([1])]
    assert distributed.world_size() == 1 and distributed.is_main()
    assert distributed.shard(batches) == batches
    values = np.array([5.0, 6.0, 7.0])
    assert distributed.assemble(batches, values) is values
    assert distributed.gather({"a": 1}) == [{"a": 1}]


def test_make_trainer_with_several_processes(tmp_path, bert_standin, monkeypatch):
    """O finetune soma à receita do 02 (lesson02.make_trainer) o que vários processos pedem, e só então."""
    import transformers
    from datasets import Dataset, DatasetDict
    from transformers import AutoModelForSequenceClassification

    from helpers import hub, lesson02

    tok, _ = bert_standin
    ds = Dataset.from_dict({"text": ["bom", "ruim", "ótimo", "péssimo"], "label": [1, 0, 1, 0]})
    tokd, _ = lesson02.tokenize_splits(
        DatasetDict({"train": ds}), tok, max_length=16, verbose=False
    )
    model = hub.load_model(
        "bert-base-uncased", AutoModelForSequenceClassification, num_labels=2, verbose=False
    )

    def trainer(**kwargs):
        return distributed.adapt_trainer(
            lesson02.make_trainer(
                model,
                tok,
                tokd["train"],
                output_dir=str(tmp_path),
                **kwargs,
                **distributed.training_kwargs(),
            )
        )

    alone = trainer()
    assert (
        alone.args.ddp_find_unused_parameters is None and alone.args.log_level_replica == "warning"
    )
    assert alone.model_accepts_loss_kwargs is not False  # num processo só, nada muda
    monkeypatch.setattr(distributed, "world_size", lambda: 2)
    monkeypatch.setattr(transformers.TrainingArguments, "world_size", property(lambda self: 2))
    several = trainer()
    assert several.args.ddp_find_unused_parameters is False  # toda a cabeça entra na perda
    assert (
        several.args.log_level_replica == "error"
    )  # os outros processos calam o que o principal cala
    assert (
        several.args.learning_rate == alone.args.learning_rate
        and several.args.seed == alone.args.seed
    )
    assert several.model_accepts_loss_kwargs is False  # a perda do BERT não vira N vezes maior
    weighted = trainer(
        class_weights=torch.ones(2)
    )  # a ponderada divide pela contagem de cada processo
    assert isinstance(weighted, lesson02.WeightedLossTrainer)
    assert weighted.args.average_tokens_across_devices is False


def test_numbers_in_the_printed_text_have_a_decimal_comma():
    assert experiments._g(7.220721) == "7,22" and experiments._g(0.0001) == "0,0001"
    assert experiments._g(2e-5) == "2e-05" and experiments._g(4.0) == "4"


def keys_not_in_english(value, where="") -> list[str]:
    """As chaves de ``value`` (em qualquer nível: dicionários dentro de dicionários e de listas) que não
    são ASCII sem espaço, com o caminho até cada uma."""
    bad = []
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{where}/{key}"
            if not (key.isascii() and " " not in key):
                bad.append(path)
            bad += keys_not_in_english(inner, path)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            bad += keys_not_in_english(inner, f"{where}[{i}]")
    return bad


def read_json_in_english(path: Path) -> dict:
    """O JSON que o comando gravou, conferido: todas as chaves em inglês (ASCII, sem espaço)."""
    value = json.loads(path.read_text(encoding="utf-8"))
    assert not keys_not_in_english(value), (
        f"chaves fora do inglês em {path.name}: {keys_not_in_english(value)}"
    )
    return value


def test_the_key_check_finds_portuguese_keys_at_any_level():
    assert keys_not_in_english({"a_b": [{"c": {"ok": 1}}], "x": {"y": 2}}) == []
    found = keys_not_in_english({"a": [{"receita escolhida": 1}], "b": {"épocas": {"c": 2}}})
    assert found == ["/a[0]/receita escolhida", "/b/épocas"]


@pytest.mark.parametrize("command", [finetune_command, distill_command])
def test_every_summary_key_is_english_with_a_portuguese_label(command):
    # o resumo.json tem as chaves em inglês; a tabela impressa, o rótulo em português de cada uma
    labels = command.SUMMARY_LABELS
    assert not keys_not_in_english(labels)
    assert all(re.fullmatch(r"[a-z0-9_]+", key) for key in labels)
    assert all(not label.isascii() or " " in label for label in labels.values())  # rótulos para ler


def test_the_command_writes_its_summary_and_leaves_the_make_run_table_alone(
    tmp_path, monkeypatch, capsys
):
    # o make run define VARIANTES_RESULTS_DIR para juntar os destaques dos notebooks; o comando não é um notebook
    monkeypatch.setenv("VARIANTES_RESULTS_DIR", str(tmp_path / "resultados"))
    out = tmp_path / "saida"
    out.mkdir()
    experiments._finish(
        out,
        {"test_f1_macro": 0.5125, "chosen_recipe": "plain"},
        finetune_command.SUMMARY_LABELS,
        shown={"chosen_recipe": finetune_command.RECIPES["plain"]},
    )
    assert read_json_in_english(out / "resumo.json") == {
        "test_f1_macro": 0.5125,
        "chosen_recipe": "plain",
    }
    assert not (tmp_path / "resultados").exists()
    printed = capsys.readouterr().out
    # quem lê a tabela impressa vê os rótulos e os valores em português (a vírgula decimal vem do main)
    assert "F1 macro (teste)" in printed and "receita escolhida" in printed
    assert "sem pesos" in printed and "chosen_recipe" not in printed and "plain" not in printed
    assert str(out) in printed and "Resultados em" in printed


def test_the_search_sets_temperature_alphas_and_epochs(bert_standin):
    optuna = pytest.importorskip("optuna")
    from datasets import Dataset
    from transformers import AutoModelForSequenceClassification
    from transformers.trainer_utils import HPSearchBackend

    from helpers import hub, lesson02, lesson04

    tokenizer, _ = bert_standin
    teacher = hub.load_model(
        "bert-base-uncased", AutoModelForSequenceClassification, num_labels=3, verbose=False
    )
    student = lesson04.init_student_from_teacher(teacher, (0, 2))
    enc = tokenizer(["bom", "ruim", "mais ou menos", "ótimo"])
    train = Dataset.from_dict({**enc, "label": [2, 0, 1, 2]})
    recipe = lesson02.make_trainer(
        student, tokenizer, train, output_dir="build/test_busca", num_train_epochs=3, use_cpu=True
    )
    trainer = distill_command._searchable_trainer_class()(
        model_init=lambda: student, args=recipe.args, train_dataset=train, teacher=teacher
    )
    assert isinstance(trainer, lesson04.DistillationTrainer)  # a subclasse só acrescenta a busca
    trainer.hp_search_backend = HPSearchBackend.OPTUNA
    trainer.hp_space = distill_command.search_space(max_epochs=3)
    trial = optuna.trial.FixedTrial({"alpha_soft": 0.8, "temperature": 4.0, "num_train_epochs": 2})
    trainer._hp_search_setup(trial)
    assert (
        trainer.temperature == 4.0
        and trainer.alpha_soft == 0.8
        and trainer.alpha_hard == pytest.approx(0.2)
    )
    assert trainer.args.num_train_epochs == 2


def test_search_without_optuna_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(SystemExit, match=r"(?s)não está instalado.*pip install -e \"\.\[busca\]\""):
        distill_command.require_optuna()


# --------------------------------------------------------------------------- treinos de verdade


def run_command(args, cwd, launcher=(), timeout=900):
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONHASHSEED": "0",
    }
    env.pop("PYTHONWARNINGS", None)  # o torchrun/accelerate importam coisas que não são nossas
    cmd = (
        [*launcher, "-m", "commands.experiments", *args]
        if launcher
        else [sys.executable, "-m", "commands.experiments", *args]
    )
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (
        f"{' '.join(cmd)} falhou:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done


def own_port() -> list[str]:
    """Uma porta livre para o processo principal: duas execuções ao mesmo tempo (o make compat ao lado do
    make test-all) não disputam a 29500 padrão."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return ["--main_process_port", str(probe.getsockname()[1])]


SHORT = [
    "finetune",
    "--train-limit",
    "64",
    "--num-epochs",
    "1",
    "--max-steps",
    "2",
    "--class-weights",
    "auto",
    "--no-progress",
]


@pytest.fixture(scope="module")
def one_and_two_processes(tmp_path_factory):
    """O mesmo finetune curto num processo e em dois (``accelerate launch --cpu``, gloo na CPU)."""
    base = tmp_path_factory.mktemp("escala")
    run_command([*SHORT, "--output-dir", str(base / "um")], ROOT)
    accelerate = Path(sys.executable).with_name("accelerate")
    two = run_command(
        [*SHORT, "--output-dir", str(base / "dois")],
        ROOT,
        launcher=(
            str(accelerate),
            "launch",
            "--cpu",
            "--num_processes",
            "2",
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            *own_port(),
        ),
    )
    assert "inicia os 2 processos pedidos com o torch.distributed.run" in two.stdout
    return base / "um", base / "dois", two


@slow
def test_two_processes_split_every_global_batch(one_and_two_processes):
    one, two, _ = one_and_two_processes
    single = read_json_in_english(one / "metricas.json")["distributed"]
    double = read_json_in_english(two / "metricas.json")["distributed"]
    assert single["processes"] == 1 and double["processes"] == 2
    assert (
        double["global_batch_size"] == 16
        and double["per_process_batch_size"] == 8
        and double["steps"] == single["steps"] == 2
    )
    # cada processo viu metade das frases de cada passo; juntos, as mesmas frases de um processo só (com 64
    # textos, a ordem por tamanho é a mesma), sem repetir nenhuma
    assert double["examples_seen_per_process"] == [16, 16] and single[
        "examples_seen_per_process"
    ] == [32]
    assert sum(double["tokens_seen_per_process"]) == single["tokens_seen_per_process"][0]
    assert min(double["tokens_seen_per_process"]) > 0


@slow
def test_two_processes_write_the_same_results_once(one_and_two_processes):
    one, two, done = one_and_two_processes

    def files(folder):
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())

    assert files(one) == files(two)
    a, b = (read_json_in_english(f / "metricas.json") for f in (one, two))
    assert a.keys() == b.keys() and a["test"].keys() == b["test"].keys()
    assert read_json_in_english(one / "resumo.json").keys() == set(finetune_command.SUMMARY_LABELS)
    # o registro do modelo salvo (helpers.artifacts) também, com o que o comando põe no "extra"
    record = read_json_in_english(two / "modelo" / "registro.json")
    assert record["extra"]["processes"] == 2 and record["extra"]["train_seconds"] > 0
    assert done.stdout.count("Resultados em") == 1  # só o processo principal imprime
    assert done.stdout.count("F1 macro (teste)") == 1
    assert re.search(
        r"F1 macro \(teste\) +\d,\d+\n", done.stdout
    )  # a tabela impressa com vírgula decimal
    assert re.search(r"taxa 0,0001 \|", done.stdout)  # a do substituto (1e-4), como no 02


@slow
def test_two_processes_evaluate_the_whole_split(one_and_two_processes):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from helpers import data, inference, metrics

    _, two, _ = one_and_two_processes
    result = read_json_in_english(two / "metricas.json")
    test = data.load_embedded(verbose=False)["test"]
    assert result["test_examples_evaluated"] == len(test)
    # a avaliação de cada época no Trainer juntou as previsões dos dois processos (gather_for_metrics)
    history = (two / "historico.csv").read_text().splitlines()
    assert history[0].endswith(",examples") and history[1].endswith(
        f",{len(data.load_embedded(verbose=False)['validation'])}"
    )
    # o F1 gravado é o do teste inteiro: recalculado aqui, num processo, com o modelo salvo
    model = AutoModelForSequenceClassification.from_pretrained(two / "modelo")
    tokenizer = AutoTokenizer.from_pretrained(two / "modelo")
    probs = inference.predict_proba(test["text"], model, tokenizer, max_length=128)
    again = metrics.classification_metrics(
        probs.argmax(axis=1), test["label"], data.load_embedded(verbose=False).labels
    )
    assert again["f1_macro"] == pytest.approx(result["test"]["f1_macro"], abs=1e-9)
    assert again["confusion_matrix"] == result["test"]["confusion_matrix"]


@slow
def test_two_processes_report_the_loss_of_one(one_and_two_processes):
    """Sem os consertos de commands.distributed (adapt_trainer), o Trainer dobrava a perda com dois processos (medido), e a ponderada
    dividia a soma de cada processo pela contagem do lote global, sem o fator N que o DDP desfaz na média."""
    one, two, _ = one_and_two_processes
    for name in (
        "sem_pesos",
        "com_pesos",
    ):  # o Trainer de sempre e a perda ponderada (lesson02.WeightedLossTrainer)

        def loss(folder):
            return float(
                (folder / f"historico_{name}.csv").read_text().splitlines()[1].split(",")[1]
            )

        assert loss(one) == pytest.approx(loss(two), abs=0.05), name


def execute_notebook(name, parameters, build):
    import papermill as pm

    build.mkdir(parents=True, exist_ok=True)
    os.environ["VARIANTES_BUILD"] = str(build)
    os.environ["VARIANTES_RESULTS_DIR"] = str(build / "results")
    try:
        pm.execute_notebook(
            str(ROOT / "notebooks" / name),
            str(build / name),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(ROOT / "notebooks"),
            progress_bar=False,
        )
    finally:
        os.environ.pop("VARIANTES_BUILD")
        os.environ.pop("VARIANTES_RESULTS_DIR")
    return json.loads((build / "results" / f"{Path(name).stem}.json").read_text())


def same_weights(a, b):
    from safetensors.torch import load_file

    x, y = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    return x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)


@slow
def test_finetune_reproduces_notebook_02(tmp_path):
    notebook = execute_notebook(
        "02_bertimbau.ipynb", {"NUM_EPOCHS": 1, "TRAIN_LIMIT": 256}, tmp_path / "nb"
    )
    out = tmp_path / "cmd"
    run_command(
        [
            "finetune",
            "--num-epochs",
            "1",
            "--train-limit",
            "256",
            "--output-dir",
            str(out),
            "--no-progress",
        ],
        ROOT,
    )
    command = read_json_in_english(out / "resumo.json")
    labels = finetune_command.SUMMARY_LABELS
    assert command.keys() == labels.keys()
    shown = {**command, "chosen_recipe": finetune_command.RECIPES[command["chosen_recipe"]]}
    for key in (
        "plain_validation_f1_macro",
        "weighted_validation_f1_macro",
        "chosen_recipe",
        "test_f1_macro",
        "test_accuracy",
    ):
        # o notebook grava a tabela de destaque com os rótulos; o comando, com as chaves
        assert shown[key] == notebook.get(key, notebook.get(labels[key])), key
    # num treino tão curto o F1 pode ficar no do chute majoritário; os pesos salvos, não: são os mesmos, bit a bit
    assert same_weights(tmp_path / "nb" / "02_bertimbau" / "modelo", out / "modelo")


def loss_terms_shown(notebook_path):
    """A tabela dos termos da perda do aluno destilado (seção 8), como o notebook executado a mostra."""
    nb = nbformat.read(notebook_path, as_version=4)
    cell = next(
        c
        for c in nb.cells
        if c.cell_type == "code" and "distill.loss_terms_frame(distil_trainer" in c.source
    )
    text = next(o["data"]["text/plain"] for o in cell.outputs if "data" in o)
    header, *rows = [line.split() for line in text.splitlines() if line.strip()]
    last = [r for r in rows if len(r) == len(header) + 1][-1]
    return {
        name: float(v.replace(",", ".").replace("\u2212", "-")) for name, v in zip(header, last[1:])
    }


@slow
def test_distill_reproduces_notebook_04(tmp_path):
    short = {
        "TEACHER_EPOCHS": 1,
        "STUDENT_EPOCHS": 1,
        "TRAIN_LIMIT": 256,
        "LATENCY_REPEATS": 1,
        "BOOTSTRAP_SAMPLES": 200,
    }
    notebook = execute_notebook("04_destilacao.ipynb", short, tmp_path / "nb")
    out = tmp_path / "cmd"
    run_command(
        [
            "distill",
            "--teacher-epochs",
            "1",
            "--student-epochs",
            "1",
            "--train-limit",
            "256",
            "--latency-repeats",
            "1",
            "--bootstrap-samples",
            "200",
            "--output-dir",
            str(out),
            "--no-progress",
        ],
        ROOT,
    )
    command = read_json_in_english(out / "resumo.json")
    labels = distill_command.SUMMARY_LABELS
    assert command.keys() == labels.keys()
    read_json_in_english(out / "metricas.json")
    for key in (
        "teacher_test_f1_macro",
        "distilled_student_test_f1_macro",
        "labels_only_student_test_f1_macro",
        "test_f1_retention",
        "validation_f1_retention",
        "distilled_minus_labels_only_test_f1_macro",
    ):
        # o notebook grava a tabela de destaque com os rótulos; o comando, com as chaves
        assert command[key] == notebook.get(key, notebook.get(labels[key])), key
    assert same_weights(tmp_path / "nb" / "04_destilacao" / "professor", out / "professor")
    # o treino do aluno destilado: os mesmos termos da perda, na última época, que a tabela do notebook mostra
    import pandas as pd

    shown = loss_terms_shown(tmp_path / "nb" / "04_destilacao.ipynb")
    logged = pd.read_csv(out / "historico.csv", index_col=0).iloc[-1]
    assert set(shown) == {"total", "soft", "hard", "hidden"}
    for term, value in shown.items():
        assert round(float(logged[term]), 4) == pytest.approx(value, abs=1e-9), term


@slow
def test_distill_search_runs_on_validation_and_saves_its_trials(tmp_path):
    """A busca e o distill em dois processos (o caminho mais frágil: o Optuna só roda no principal, e o Trainer
    manda cada tentativa para o outro); num processo, a busca é a mesma chamada sem a troca."""
    pytest.importorskip("optuna")
    out = tmp_path / "busca"
    accelerate = Path(sys.executable).with_name("accelerate")
    done = run_command(
        [
            "distill",
            "--teacher-epochs",
            "1",
            "--student-epochs",
            "2",
            "--train-limit",
            "64",
            "--latency-repeats",
            "0",
            "--bootstrap-samples",
            "100",
            "--search",
            "3",
            "--output-dir",
            str(out),
            "--no-progress",
        ],
        ROOT,
        launcher=(
            str(accelerate),
            "launch",
            "--cpu",
            "--num_processes",
            "2",
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            *own_port(),
        ),
    )
    result = read_json_in_english(out / "metricas.json")
    assert result["distributed"]["processes"] == 2
    import pandas as pd

    trials = pd.read_csv(out / "busca.csv", index_col=0)
    assert list(trials.index) == [0, 1, 2] and (trials["estado"] == "complete").all()
    assert np.allclose(trials["α_soft"] + trials["α_hard"], 1) and trials["T"].between(1, 8).all()
    assert (
        trials["épocas"].isin([1, 2]).all() and trials["F1 macro (validação)"].between(0, 1).all()
    )
    best = trials["F1 macro (validação)"].idxmax()
    assert result["search"]["trials"] == 3
    assert result["search"]["chosen"]["temperature"] == pytest.approx(trials.loc[best, "T"])
    assert result["student_epochs"] == result["search"]["epochs"] == trials.loc[best, "épocas"]
    assert (
        re.search(
            r"Escolhida na validação: T = \d+(,\d+)?, α_soft = [\d,]+, α_hard = [\d,]+, [12] épocas\.",
            done.stdout,
        )
        and "tentativa" in done.stdout
    )


def test_gpu_check_has_a_multi_gpu_mode():
    source = (ROOT / "benchmarks" / "gpu_check.py").read_text(encoding="utf-8")
    assert "--multi-gpu" in source and "commands.experiments" in source


@pytest.fixture(autouse=True)
def _clean_build():
    yield
    shutil.rmtree(ROOT / "build" / "test_busca", ignore_errors=True)
