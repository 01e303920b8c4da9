# Quick start: `make run` (install + start the hotline) and `make test` (the whole suite).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench clean

run: install
	$(BIN)/hotline serve

test: install
	$(BIN)/ruff check .
	@# pytest exits 5 when it collects no test: that is a failure here, not a pass.
	$(BIN)/pytest

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

lint: install
	$(BIN)/ruff check .

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
