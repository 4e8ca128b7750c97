# Every target bootstraps .venv on a fresh machine through `install`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck bench-ingest bench-governance bench-rca bench-logs bench-triage bench-k8s bench-memory services clean

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

# Real incident data (see docs/benchmarks.md); BENCH_DATA defaults to ../shared/bench.
BENCH_DATA ?= ../shared/bench

bench-rca: install
	for d in nezha rcd-sockshop petshop; do $(BIN)/autoheal bench rca --dataset $$d --data-dir $(BENCH_DATA) || exit 1; done

bench-logs: install
	$(BIN)/autoheal bench logs --data-dir $(BENCH_DATA)/loghub_2k

bench-triage: install
	$(BIN)/autoheal bench triage

bench-k8s: install
	$(BIN)/autoheal bench k8s

# the context graph on 20 recurrence pairs (with and without memory), then the decision-step parser
bench-memory: install
	$(BIN)/autoheal bench decisions
	$(BIN)/autoheal bench memory

services:
	scripts/install-services.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
