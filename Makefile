# One command for each promise of the README: `make sample` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: sample test lint bench system system-build clean

sample: system-build $(VENV)/.installed  ## set up, then build every sample customer's annexes into output/
	$(BIN)/annex batch data/customers/example.yaml -o output

test: system $(VENV)/.installed lint  ## set up, then the gates (lint, types), then the whole test suite
	$(BIN)/python -m pytest -q -n auto --dist loadfile

lint: $(VENV)/.installed  ## the gates alone: ruff and mypy, as configured in pyproject.toml
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(VENV)/.installed  ## speed and memory figures beside the peers (see README.md, Benchmark)
	$(BIN)/python bench/run.py

system:
	bash scripts/install-system-deps.sh test

system-build:
	bash scripts/install-system-deps.sh build

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) output/*/ output/manifest.*
