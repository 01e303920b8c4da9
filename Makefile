# Quick start: `make run` (install + start the hotline) and `make test` (the whole suite).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PIP := $(BIN)/pip install -q --disable-pip-version-check --no-cache-dir

.PHONY: run test install install-test lint bench clean

run: install
	$(BIN)/hotline serve

test: install-test
	$(BIN)/ruff check .
	@# pytest exits 5 when it collects no test: a failure here, never a silent pass.
	$(BIN)/pytest

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh run
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.lock
	$(PIP) --no-deps -e .
	touch $@

# Tests also need PostgreSQL, sipp, Chromium and the optional Coqui engine.
install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed requirements-coqui.lock
	bash scripts/install-system-deps.sh test
	$(PIP) -c requirements.lock -r requirements-coqui.lock
	touch $@

lint: install
	$(BIN)/ruff check .

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
