# Variantes do BERT: dois comandos fazem toda a preparação numa máquina nova
# (basta python3 e make):   make run   e   make test
# Os dois usam o perfil offline (sem Hugging Face Hub); veja o README.

PYTHON     ?= python3
VENV       ?= .venv
PY         := $(VENV)/bin/python
# PyTorch fixado em requirements/torch.txt (o único lugar). Qual build vem depende do índice: nas máquinas
# da série (e no CI) o índice serve o build de CPU; num notebook Linux comum, o torch do PyPI é o build com CUDA (vários GB). Para o build
# de CPU (pequeno), use o índice do PyTorch:
#   make install TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_SPEC  ?= $(shell grep -v '^\#' requirements/torch.txt)
TORCH_INDEX ?=
# opções a mais para cada pip install, ex. sem rede, das rodas de um kit de aula (docs/aula-sem-internet.md):
#   make install PIP_ARGS="--no-index --find-links KIT/rodas"
PIP_ARGS    ?=
STAMP      := $(VENV)/.instalado
# as versões exatas do make test e do CI (make lock as gera de novo; o make compat testa as mais novas)
LOCK       := requirements/lock.txt
# o setuptools imprime um aviso em inglês a cada instalação editável (pip install -e); não pede nada de quem instala
QUIET_BUILD := PYTHONWARNINGS="ignore:Editable installation"

export HF_HUB_OFFLINE = 1
export HF_DATASETS_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
export TOKENIZERS_PARALLELISM = false
export PYTHONHASHSEED = 0

# avisos de descontinuação viram erro nos testes e nos kernels dos notebooks (o pyproject.toml faz o mesmo no pytest)
DEPRECATIONS_ARE_ERRORS := error::DeprecationWarning,error::FutureWarning

.PHONY: install run test test-static test-unit test-notebooks test-browser test-all test-slow lock notebooks bench \
	sync clean lab browser-test browser-test-colab
LAB_STAMP  := $(VENV)/.lab
CHROMIUM   ?= $(shell command -v chromium || command -v chromium-browser || command -v google-chrome)

install: $(STAMP)

$(STAMP): pyproject.toml $(LOCK) requirements/torch.txt
	@# o venv não basta existir: num Debian/Ubuntu sem python3-venv ele fica pela metade, sem pip
	@if ! test -x $(PY) || ! $(PY) -m pip --version >/dev/null 2>&1; then \
	  if ! command -v $(PYTHON) >/dev/null 2>&1; then \
	    echo "ERRO: não encontrei o Python ('$(PYTHON)'). Instale o Python 3 (3.10 a 3.13): no Debian/Ubuntu," >&2; \
	    echo "      sudo apt install python3 python3-venv; ou diga qual usar: make PYTHON=python3.12" >&2; exit 1; \
	  fi; \
	  if ! out=$$($(PYTHON) -m venv $(VENV) 2>&1); then \
	    echo "$$out" | sed 's/^/    | /' >&2; \
	    ver=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	    echo "ERRO: '$(PYTHON) -m venv $(VENV)' falhou (mensagem original acima)." >&2; \
	    if echo "$$out" | grep -qi -e ensurepip -e "no module named"; then \
	      echo "      Falta o módulo venv/ensurepip do Python: instale o pacote python3-venv" >&2; \
	      echo "      (sudo apt install python3-venv, ou python$${ver:-3.X}-venv) e rode make de novo." >&2; \
	    else \
	      echo "      Confira se a pasta $(VENV) pode ser criada (permissão, disco) ou use outro Python: make PYTHON=..." >&2; \
	    fi; \
	    exit 1; \
	  fi; \
	fi
	$(PY) -m pip install -q --upgrade pip $(PIP_ARGS)
	$(PY) -m pip install -q "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) $(PIP_ARGS)
	$(QUIET_BUILD) $(PY) -m pip install -q -c $(LOCK) -e ".[test,offline,producao,busca]" $(PIP_ARGS)
	@touch $(STAMP)

## make run: executa todos os notebooks (papermill) em build/ e mostra os resultados
run: $(STAMP)
	$(PY) scripts/run_notebooks.py --out build/notebooks

## make test: as quatro camadas rápidas (o que o CI roda), cada uma com o seu tempo no fim
##   test-static (convenções, proveniência, trava, ruff), test-unit, test-notebooks (nbval), test-browser
PYTEST := PYTHONWARNINGS=$(DEPRECATIONS_ARE_ERRORS) $(PY) -m pytest --durations=8
TIMES  := build/tempos-camadas.txt
timed   = @s=$$(date +%s); $(MAKE) --no-print-directory $(1) || exit 1; \
	  printf '%-16s %5d s\n' $(1) $$(( $$(date +%s) - s )) | tee -a $(TIMES)

test: $(STAMP)
	@mkdir -p build; rm -f $(TIMES)
	$(call timed,test-static)
	$(call timed,test-unit)
	$(call timed,test-notebooks)
	$(call timed,test-browser)
	@echo "Tempo de cada camada:"; cat $(TIMES)

test-static: $(STAMP)
	$(PYTEST) tests -m "static and not slow"

test-unit: $(STAMP)
	$(PYTEST) tests -m "unit and not slow"

## cada notebook inteiro sob o nbval, com os parâmetros de params/ci.yaml (cópias em build/ci/notebooks)
test-notebooks: $(STAMP)
	PYTHONWARNINGS=$(DEPRECATIONS_ARE_ERRORS) $(PY) scripts/run_notebooks.py --params ci --nbval -- --durations=8

## um Chromium no sistema é pedido; sem ele, a camada avisa e não roda (o .ci/run instala o Chromium)
test-browser: $(STAMP)
	@if [ -n "$(CHROMIUM)" ]; then $(MAKE) --no-print-directory browser-test BROWSER_MARK="browser and not slow"; \
	else echo "teste no navegador PULADO: não há Chromium (apt-get install chromium; depois make test-browser)"; fi

## make test-all: o make test e a camada slow (execução dupla no mesmo kernel, comandos contra os notebooks,
## os widgets de 02 e 06, a passagem com o ipywidgets 7.7.1 do Colab). Passa antes de resolver uma issue.
test-all: test
	$(call timed,test-slow)
	@echo "Tempo de cada camada:"; cat $(TIMES)

test-slow: $(STAMP)
	$(PYTEST) tests -m slow --ignore=tests/browser
	@if [ -n "$(CHROMIUM)" ]; then $(MAKE) --no-print-directory browser-test BROWSER_MARK="browser and slow" && \
	  $(MAKE) --no-print-directory browser-test-colab; \
	else echo "ERRO: a camada slow precisa do Chromium: apt-get install chromium" >&2; exit 1; fi

## make lock: gera requirements/lock.txt de novo (ambiente novo em build/lock-venv, o que o pip resolve hoje)
lock:
	$(PYTHON) scripts/lock.py $(PIP_ARGS)

## make lab: instala a interface (extra lab) e abre a série no JupyterLab, no perfil offline
$(LAB_STAMP): $(STAMP)
	$(QUIET_BUILD) $(PY) -m pip install -q -c $(LOCK) -e ".[test,offline,producao,busca,lab]" $(PIP_ARGS)
	@touch $(LAB_STAMP)

lab: $(LAB_STAMP)
	$(PY) -m jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

## make browser-test: cada widget num JupyterLab de verdade, no Chromium do sistema (capturas em build/browser)
BROWSER_MARK ?= browser
browser-test: $(LAB_STAMP)
	@if [ -z "$(CHROMIUM)" ]; then echo "ERRO: o teste no navegador precisa do Chromium: apt-get install chromium" >&2; exit 1; fi
	VARIANTES_CHROMIUM=$(CHROMIUM) $(PY) -m pytest tests/browser -m "$(BROWSER_MARK)" -v --durations=8

## make browser-test-colab: o mesmo teste com o ipywidgets 7.7.1 do Colab, num venv próprio em build/lab7
## (JupyterLab 3.6, o último que desenha os widgets 7.x; o pytest e o Playwright continuam sendo os do .venv)
LAB7 := build/lab7
$(LAB7)/.instalado: $(STAMP) pyproject.toml
	$(PYTHON) -m venv $(LAB7)
	$(LAB7)/bin/python -m pip install -q "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) $(PIP_ARGS)
	$(LAB7)/bin/python -m pip install -q -e ".[offline,producao]" "ipywidgets==7.7.1" "jupyterlab>=3.6,<4" \
		"jupyterlab_widgets>=1.1,<2" $(PIP_ARGS)
	@touch $@

browser-test-colab: $(LAB_STAMP) $(LAB7)/.instalado
	@if [ -z "$(CHROMIUM)" ]; then echo "ERRO: o teste no navegador precisa do Chromium: apt-get install chromium" >&2; exit 1; fi
	VARIANTES_CHROMIUM=$(CHROMIUM) $(PY) -m pytest tests/browser -m browser -v --lab-python $(LAB7)/bin/python

## make notebooks: a execução completa dos seis, no lugar, no perfil offline, numa máquina só: as saídas
## versionadas e a proveniência de cada notebook (a camada static confere que nada mudou desde então)
notebooks: $(STAMP)
	$(PY) scripts/run_notebooks.py --inplace

bench: $(STAMP)
	$(PY) benchmarks/finetune_speed.py
	$(PY) benchmarks/distillation.py
	$(PY) benchmarks/inference_speed.py

## make sync: regrava badges e célula de instalação a partir de helpers/project.py
sync: $(STAMP)
	$(PY) scripts/nbtool.py sync notebooks/*.ipynb

.PHONY: edit apply save smoke rerun

## make edit NB=02: extrai o notebook 02 para build/edit/02_....py (texto do jupytext) para editar
edit: $(STAMP)
	$(if $(NB),,$(error Diga qual notebook: make edit NB=02))
	$(PY) scripts/nbtool.py edit $(NB)

## make apply NB=02: devolve build/edit/02_....py ao notebook, mantendo as saídas (código alterado perde a sua)
apply: $(STAMP)
	$(if $(NB),,$(error Diga qual notebook: make apply NB=02))
	$(PY) scripts/nbtool.py apply $(NB)
	$(PY) scripts/nbsave.py

## make save: gera helpers/lessonNN.py das células marcadas com #@save nos notebooks (make apply já faz)
save: $(STAMP)
	$(PY) scripts/nbsave.py

## make smoke: executa todos os notebooks com parâmetros curtos (1 época...) em build/smoke, para conferir enquanto escreve
smoke: $(STAMP)
	$(PY) scripts/run_notebooks.py --smoke

## make rerun: cada notebook (parâmetros curtos) roda duas vezes no mesmo kernel; as saídas conferidas devem bater
rerun: $(STAMP)
	$(PY) -m pytest tests/test_rerun.py -m slow -v

## make compat: matriz de versões (os dois ambientes do Colab, transformers 4.46, 4.57 e atual); cada uma num venv próprio em
## build/compat, com o pacote instalado sem -e: testes de unidade + os comandos em dois processos + todos os
## notebooks com parâmetros curtos.
## Não faz parte do make test (instala vários ambientes). Só alguns: make compat COMPAT_ARGS="--only colab"
COMPAT_ARGS ?=
.PHONY: compat
compat: $(STAMP)
	$(PY) scripts/compat.py $(COMPAT_ARGS)

clean:
	rm -rf build

.PHONY: kit kit-check
KIT ?= build/kit

## make kit: COM internet, junta em $(KIT) rodas, modelos, datasets e o repositório para uma aula sem internet
## (outras opções: make kit KIT_ARGS="--plataforma manylinux_2_28_x86_64 --python-versao 3.12"; veja scripts/kit.py)
kit: $(STAMP)
	HF_HUB_OFFLINE=0 HF_DATASETS_OFFLINE=0 TRANSFORMERS_OFFLINE=0 $(PY) scripts/kit.py montar --destino $(KIT) \
		--torch-spec "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--torch-index $(TORCH_INDEX)) $(KIT_ARGS)

## make kit-check: ensaio com material local: monta um kit em build/kit-check, instala numa pasta nova sem rede
## e executa o notebook 01 de lá (minutos; fora do make test)
kit-check: $(STAMP)
	$(PY) scripts/kit.py ensaio --pasta build/kit-check
