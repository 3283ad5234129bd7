# Commands for a newcomer:  `make app` (dashboard),  `make lessons` (the course in JupyterLab)
# and  `make test` (whole suite).
# Each creates .venv on first use and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JupyterHub's proxy, from npm, kept inside .venv (deploy/jupyterhub/jupyterhub_config.py finds it)
PROXY  := $(VENV)/node/node_modules/.bin/configurable-http-proxy

.PHONY: app lessons test bench compat clean hub report site

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,bench,hub]"
	touch $(STAMP)

$(PROXY):
	npm install --prefix $(VENV)/node --no-audit --no-fund --loglevel=error configurable-http-proxy@5
	touch $(PROXY)

app: $(STAMP)
	$(BIN)/python -m tutor.server app.ipynb --port=8866 --no-browser

# JupyterLab on lessons/, with lesson 1 open (it prints the address to open if no browser starts).
lessons: $(STAMP)
	cd lessons && ../$(BIN)/jupyter lab 01_what_are_we_finding.ipynb $(if $(filter 0,$(shell id -u)),--allow-root)

test: $(STAMP) $(PROXY)
	$(BIN)/python -m pytest -q

# A class on this machine: JupyterHub on http://127.0.0.1:8000, any name logs in (see the config)
hub: $(STAMP) $(PROXY)
	$(BIN)/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

# Every learner's progress under the hub's homes: CSV, HTML page and plot in class-report/
report: $(STAMP)
	$(BIN)/python -m tutor.report .hub/homes --out class-report

# The course as a static site in site/: every lesson run, its steppers live with no kernel.
# HUB=https://hub.example.edu makes the exercises link to the lesson on the class's hub.
site: $(STAMP)
	$(BIN)/python -m tutor.site --out site $(if $(HUB),--hub $(HUB))

bench: $(STAMP)
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

# HIPS autograd's own test suite, fetched with pip at run time, run against tutor.autograd.
compat: $(STAMP)
	$(BIN)/python tools/hips_compat.py --failures

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-artifacts
