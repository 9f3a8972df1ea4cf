"""Testes de helpers.results: o resultado de destaque vira tabela e, no make run, um JSON."""

import json

import numpy as np
import pytest

from helpers import results

pytestmark = pytest.mark.unit


def test_headline_table_has_each_value_in_order(monkeypatch):
    monkeypatch.delenv("VARIANTES_RESULTS_DIR", raising=False)
    table = results.headline("02_x", **{"F1 macro (teste)": 0.594, "modelo": "MiniLM", "épocas": 4})
    assert table.index.name == "resultado"
    assert table.index.tolist() == ["F1 macro (teste)", "modelo", "épocas"]
    assert table["valor"].tolist() == [0.594, "MiniLM", 4]


def test_headline_writes_json_only_when_asked(tmp_path, monkeypatch):
    monkeypatch.delenv("VARIANTES_RESULTS_DIR", raising=False)
    results.headline("03_y", valor=1.0)
    assert not list(tmp_path.iterdir())
    folder = tmp_path / "resultados"
    monkeypatch.setenv("VARIANTES_RESULTS_DIR", str(folder))
    results.headline("03_y", **{"F1": np.float32(0.5), "ok": True, "nome": "mean"})
    saved = json.loads((folder / "03_y.json").read_text(encoding="utf-8"))
    assert saved == {"F1": 0.5, "ok": True, "nome": "mean"}  # numpy vira float; bool e str ficam
    assert type(saved["F1"]) is float
