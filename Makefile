# Variantes do BERT: dois comandos fazem toda a preparação numa máquina nova
# (basta python3 e make):   make run   e   make test
# Os dois usam o perfil offline (sem Hugging Face Hub); veja o README.

PYTHON     ?= python3
VENV       ?= .venv
PY         := $(VENV)/bin/python
# PyTorch fixado. Qual build vem depende do índice: nas máquinas da série (e no CI) o índice serve o
# build de CPU; num notebook Linux comum, o torch do PyPI é o build com CUDA (vários GB). Para o build
# de CPU (pequeno), use o índice do PyTorch:
#   make install TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_SPEC  ?= torch==2.13.0
TORCH_INDEX ?=
STAMP      := $(VENV)/.instalado

export HF_HUB_OFFLINE = 1
export HF_DATASETS_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
export TOKENIZERS_PARALLELISM = false
export PYTHONHASHSEED = 0

# avisos de descontinuação viram erro nos testes e nos kernels dos notebooks (o pyproject.toml faz o mesmo no pytest)
DEPRECATIONS_ARE_ERRORS := error::DeprecationWarning,error::FutureWarning

.PHONY: install run test unit notebooks bench sync clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PY) -m pip install -q -e ".[test,offline]"
	@touch $(STAMP)

## make run: executa todos os notebooks (papermill) em build/ e mostra os resultados
run: $(STAMP)
	$(PY) scripts/run_notebooks.py --out build/notebooks

## make test: testes de unidade + cada notebook executado e validado pelo nbval
test: $(STAMP)
	PYTHONWARNINGS=$(DEPRECATIONS_ARE_ERRORS) $(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env --nbval-cell-timeout=1200 -v

## make unit: só os testes de unidade (sem executar os notebooks), em segundos
unit: $(STAMP)
	VARIANTES_RERUN=0 $(PY) -m pytest tests

## make notebooks: reexecuta os notebooks no lugar (saídas versionadas = perfil offline)
notebooks: $(STAMP)
	$(PY) scripts/run_notebooks.py --inplace

bench: $(STAMP)
	$(PY) benchmarks/finetune_speed.py
	$(PY) benchmarks/distillation.py

## make sync: regrava badges e célula de instalação a partir de helpers/project.py
sync: $(STAMP)
	$(PY) scripts/nbtool.py sync notebooks/*.ipynb

.PHONY: edit apply smoke rerun

## make edit NB=02: extrai o notebook 02 para build/edit/02_....py (texto do jupytext) para editar
edit: $(STAMP)
	$(if $(NB),,$(error Diga qual notebook: make edit NB=02))
	$(PY) scripts/nbtool.py edit $(NB)

## make apply NB=02: devolve build/edit/02_....py ao notebook, mantendo as saídas (código alterado perde a sua)
apply: $(STAMP)
	$(if $(NB),,$(error Diga qual notebook: make apply NB=02))
	$(PY) scripts/nbtool.py apply $(NB)

## make smoke: executa os cinco notebooks com parâmetros curtos (1 época...) em build/smoke, para conferir enquanto escreve
smoke: $(STAMP)
	$(PY) scripts/run_notebooks.py --smoke

## make rerun: cada notebook (parâmetros curtos) roda duas vezes no mesmo kernel; as saídas conferidas devem bater
rerun: $(STAMP)
	$(PY) -m pytest tests/test_rerun.py -v

clean:
	rm -rf build
