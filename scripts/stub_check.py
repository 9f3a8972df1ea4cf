"""Os testes mordem? Troca uma função de ``helpers`` por um *stub* que devolve uma constante e roda os testes dela.

    python scripts/stub_check.py            # todos os casos da lista CASES
    python scripts/stub_check.py macro_f1   # só os casos cujo nome contém "macro_f1"

Para cada caso, a função é trocada em todo módulo de ``helpers`` que a tenha (inclusive
onde foi importada com ``from .x import f``) por ``lambda *a, **k: CONSTANTE``, uma
constante do tipo que a função devolve; depois rodam os testes que cobrem a função. Um
teste que passa mesmo assim não está testando a função: o script o lista e termina com
erro. Não entra no ``make test`` (leva alguns minutos); rode depois de mexer nos testes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (função, constante do tipo certo como expressão Python, testes que a cobrem)
CASES = [
    ("metrics.macro_f1", "0.5", "tests/test_metrics.py::test_macro_f1_is_sklearn"),
    (
        "metrics.predictions_on",
        "(np.zeros(12, dtype=int), np.zeros(12, dtype=int))",
        "tests/test_metrics.py::test_scores_on_is_sklearn_on_the_float32_predictions",
    ),
    (
        "metrics.classification_metrics",
        "{'accuracy': 0.5, 'f1_macro': 0.5}",
        "tests/test_metrics.py::test_metrics_equal_sklearn",
    ),
    (
        "metrics.highest_loss_errors",
        "pd.DataFrame({'texto': ['a']})",
        "tests/test_metrics.py::test_highest_loss_errors_sorted_by_loss",
    ),
    (
        "measure.count_parameters",
        "1000",
        "tests/test_measure.py::test_count_parameters_exact_and_trainable_only",
    ),
    (
        "measure.size_on_disk_mb",
        "1.0",
        "tests/test_measure.py::test_size_on_disk_is_four_bytes_per_parameter",
    ),
    (
        "measure.cpu_latency",
        "pd.DataFrame({'lote 1 (ms)': {'lento': 30.0, 'rápido': 1.0}, "
        "'lote 4 (ms)': {'lento': 30.0, 'rápido': 1.0}}).rename_axis('modelo')",
        "tests/test_measure.py -k cpu_latency",
    ),
    (
        "measure.efficiency_table",
        "pd.DataFrame({'camadas': {'professor': 4, 'aluno': 2}})",
        "tests/test_measure.py::test_efficiency_table_joins_counts_size_and_latency",
    ),
    ("batching.length_batches", "[np.arange(3)]", "tests/test_batching.py -k 'not token_lengths'"),
    (
        "batching.token_lengths",
        "[1, 2]",
        "tests/test_batching.py::test_token_lengths_prefers_the_length_column",
    ),
    (
        "training.class_weights",
        "torch.ones(3)",
        "tests/test_training.py::test_class_weights_balanced",
    ),
    ("lesson02.padding_efficiency", "0.5", "tests/test_training.py::test_padding_efficiency"),
    (
        "lesson02.weighted_cross_entropy",
        "torch.tensor(0.5)",
        "tests/test_training.py::test_weighted_loss_by_hand",
    ),
    ("lesson04.soft_target_loss", "torch.tensor(0.5)", "tests/test_distill.py -k soft_loss"),
    (
        "lesson04.distillation_loss",
        "(torch.tensor(0.5), {'soft': torch.tensor(0.5), 'hard': torch.tensor(0.5), "
        "'hidden': torch.tensor(0.0)})",
        "tests/test_distill.py -k 'hidden or three_terms'",
    ),
    ("lesson04.spread_layers", "(0, 2)", "tests/test_distill.py -k spread_layers"),
    (
        "lesson03.mean_pooling",
        "torch.zeros(1, 2)",
        "tests/test_pooling.py::test_mean_and_max_by_hand",
    ),
    ("prose.num", "'0,5'", "tests/test_prose.py::test_numbers_are_written_the_brazilian_way"),
    (
        "prose.paired_bootstrap",
        "{'diff': 0.0, 'low': -0.1, 'high': 0.1, 'level': 0.95}",
        "tests/test_prose.py::test_paired_bootstrap_sees_a_real_difference_and_a_tie",
    ),
    (
        "compat.translate_training_kwargs",
        "({}, [])",
        "tests/test_compat.py -k 'not fixtures and not tokenizer and not recorded'",
    ),
    (
        "compat.trainer_kwargs",
        "{}",
        "tests/test_compat.py::test_trainer_tokenizer_becomes_processing_class",
    ),
    (
        "compat.accepted_training_args",
        "set()",
        "tests/test_compat.py::test_recorded_5x_signature_is_the_installed_one_when_5x_is_installed",
    ),
    ("results.headline", "pd.DataFrame({'valor': [1]})", "tests/test_results.py"),
    (
        "variants.time_forwards",
        "pd.DataFrame({'ms': {'base': 1.0, 'fundo': 1.0, 'raso': 1.0}, "
        "'ratio': {'base': 1.0, 'fundo': 1.0, 'raso': 1.0}})",
        "tests/test_variants.py::test_time_forwards_measures_each_variant_against_the_base",
    ),
    (
        "variants.forward_macs",
        "1.0",
        "tests/test_variants.py::test_forward_macs_follows_the_formula",
    ),
    (
        "variants.ratio_range",
        "'de 1,00× a 1,00×'",
        "tests/test_variants.py::test_ratio_range_says_when_the_repetitions_agree",
    ),
    (
        "production.int8_scale",
        "torch.tensor(0.01)",
        "tests/test_production.py -k 'by_hand or per_channel_scale'",
    ),
    (
        "production.quantize",
        "torch.zeros(6, dtype=torch.int8)",
        "tests/test_production.py -k by_hand",
    ),
    (
        "production.layer_kinds",
        "pd.DataFrame({'camada': ['Linear'], 'peso guardado como': ['float32'], "
        "'módulos': [1], 'pesos (milhões)': [1.0]})",
        "tests/test_production.py -k layer_kinds",
    ),
    (
        "production.max_logit_difference",
        "0.01",
        "tests/test_production.py -k 'same_logits or torch_int8'",
    ),
    ("version_metrics.size_mb", "1.0", "tests/test_production.py -k production_table"),
    (
        "lesson06.compare_quantization",
        "(pd.DataFrame({'mean_gap': {'channel_asym': 0.0}}), {})",
        "tests/test_production.py -k compare_quantization",
    ),
    ("optional_packages.extra_requirements", "[]", "tests/test_production.py -k ensure_installed"),
    (
        "artifacts.class_weights_from_02",
        "(False, 'x')",
        "tests/test_prose.py -k class_weights_from_02",
    ),
    ("grading.run_checks", "True", "tests/test_checks.py -k 'constant or stub or error'"),
    (
        "commands.experiments.per_device_batch",
        "16",
        "tests/test_experiments.py::test_the_batch_size_is_global_and_must_divide_by_the_processes",
    ),
    (
        "commands.distill.search_space",
        "lambda trial: {}",
        "tests/test_experiments.py::test_the_search_sets_temperature_alphas_and_epochs",
    ),
    (
        "commands.distributed.lone_cpu_launch",
        "False",
        "tests/test_experiments.py::test_accelerate_cpu_launch_that_starts_one_process_is_caught",
    ),
    (
        "commands.distributed.requested_processes",
        "None",
        "tests/test_experiments.py::test_accelerate_cpu_launch_is_started_again_with_the_processes_asked_for",
    ),
    (
        "commands.distributed.relaunch_command",
        "[]",
        "tests/test_experiments.py::test_accelerate_cpu_launch_is_started_again_with_the_processes_asked_for",
    ),
    (
        "commands.distributed.shard",
        "[]",
        "tests/test_experiments.py::test_one_process_leaves_predictions_alone",
    ),
    (
        "commands.distributed.assemble",
        "np.zeros(3)",
        "tests/test_experiments.py::test_one_process_leaves_predictions_alone",
    ),
]

PLUGIN = """
import importlib, os, pkgutil
import numpy as np, pandas as pd, torch
import commands, helpers

def pytest_configure(config):
    target, expression = os.environ["STUB_TARGET"], os.environ["STUB_VALUE"]
    package_name, module_name, name = target.rsplit(".", 2) if target.count(".") > 1 else ("helpers", *target.rsplit(".", 1))
    for package in (helpers, commands):
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{info.name}")
    original = getattr(importlib.import_module(f"{package_name}.{module_name}"), name)
    value = eval(expression)
    stub = lambda *args, **kwargs: value
    for module in [m for key, m in list(__import__("sys").modules.items()) if key.startswith(("helpers", "commands"))]:
        for attr, obj in list(vars(module).items()):
            if obj is original:
                setattr(module, attr, stub)
"""


def run_case(target: str, value: str, selection: str) -> tuple[int, int, list[str]]:
    plugin_dir = ROOT / "build" / "stub_check"
    plugin_dir.mkdir(parents=True, exist_ok=True)
    (plugin_dir / "stub_plugin.py").write_text(PLUGIN, encoding="utf-8")
    env = {
        **os.environ,
        "STUB_TARGET": target,
        "STUB_VALUE": value,
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": os.pathsep.join([str(plugin_dir), str(ROOT)]),
    }
    cmd = f"{sys.executable} -m pytest -p stub_plugin -q --tb=no -rA {selection}"
    out = subprocess.run(cmd, shell=True, cwd=ROOT, env=env, capture_output=True, text=True).stdout
    passed = [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("PASSED ")]
    failed = [line for line in out.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return len(passed), len(failed), passed


def main(argv) -> int:
    cases = [c for c in CASES if not argv or any(a in c[0] for a in argv)]
    bad = 0
    for target, value, selection in cases:
        passed, failed, survivors = run_case(target, value, selection)
        ok = passed == 0 and failed > 0
        bad += not ok
        mark = "✅" if ok else "❌"
        print(
            f"{mark} {target} → {value[:40]}: {failed} teste(s) falharam, {passed} passaram",
            flush=True,
        )
        for test in survivors:
            print(f"     passou com o stub: {test}")
    print(
        f"\n{len(cases) - bad} de {len(cases)} funções: todo teste que as cobre falha com o stub."
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
