# Every target bootstraps .venv on a fresh machine through `install`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck bench-ingest bench-governance services clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/autoheal demo

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install
	$(BIN)/mypy

bench-ingest: install
	$(BIN)/python benchmarks/ingest.py

bench-governance: install
	$(BIN)/python benchmarks/governance.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
