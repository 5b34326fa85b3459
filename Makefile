# Two commands do everything: `make demo` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test check lint typecheck unit postgres chromium bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.installed-app

## demo: set up a SQLite database with the 2016 scenario and serve http://127.0.0.1:8000
demo: $(VENV)/.installed-app
	$(BIN)/truce demo

## test: install test tools, make sure PostgreSQL/PostGIS and Chromium are there, run everything
test: $(VENV)/.installed-test postgres chromium lint typecheck
	$(BIN)/pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

unit: $(VENV)/.installed-test
	$(BIN)/pytest tests/unit

postgres:
	@scripts/ensure-postgres

chromium:
	@scripts/ensure-chromium

bench: $(VENV)/.installed-test postgres
	$(BIN)/python bench/ledger.py

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .mypy_cache .ruff_cache
