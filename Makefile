# Variantes do BERT: dois comandos fazem toda a preparação numa máquina nova
# (basta python3 e make):   make run   e   make test
# Os dois usam o perfil offline (sem Hugging Face Hub); veja o README.

PYTHON     ?= python3
VENV       ?= .venv
PY         := $(VENV)/bin/python
# Build de CPU do PyTorch. Em outra máquina, troque à vontade (ex.: TORCH_SPEC="torch").
TORCH_SPEC ?= torch==2.13.0
STAMP      := $(VENV)/.instalado

export HF_HUB_OFFLINE = 1
export HF_DATASETS_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
export TOKENIZERS_PARALLELISM = false
export PYTHONHASHSEED = 0

.PHONY: install run test unit notebooks bench sync clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)"
	$(PY) -m pip install -q -e ".[test,offline]"
	@touch $(STAMP)

## make run: executa todos os notebooks (papermill) em build/ e mostra os resultados
run: $(STAMP)
	$(PY) scripts/run_notebooks.py --out build/notebooks

## make test: testes de unidade + cada notebook executado e validado pelo nbval
test: $(STAMP)
	$(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env --nbval-cell-timeout=1200 -v

unit: $(STAMP)
	$(PY) -m pytest tests

## make notebooks: reexecuta os notebooks no lugar (saídas versionadas = perfil offline)
notebooks: $(STAMP)
	$(PY) scripts/run_notebooks.py --inplace

bench: $(STAMP)
	$(PY) benchmarks/finetune_speed.py
	$(PY) benchmarks/distillation.py

## make sync: regrava badges e célula de instalação a partir de helpers/project.py
sync: $(STAMP)
	$(PY) scripts/nbtool.py sync notebooks/*.ipynb

clean:
	rm -rf build
