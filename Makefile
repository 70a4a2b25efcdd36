# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= all
PYTEST_ARGS ?=

.PHONY: run test test-quick lint format dry-run clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[test]'
	touch $(VENV)/.installed $@

## run: install into .venv and run the whole pipeline on the default config (the demo)
run: $(VENV)/.installed
	$(BIN)/snakemake --cores $(CORES)

## test: install with test extras and run the whole test suite
# Three workers on two cores: the SLURM run mostly waits on the scheduler, so the local
# and the kill-and-resume runs start beside it (tests/conftest.py orders them first).
test: $(VENV)/.installed-test
	$(BIN)/pytest -n 3 --dist loadgroup $(PYTEST_ARGS)

## test-quick: the suite without the slow (workflow, large-grid) tests
test-quick: $(VENV)/.installed-test
	$(BIN)/pytest -n 2 --dist loadgroup -m "not slow" $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/snakefmt --check Snakefile rules/
	$(BIN)/snakemake --lint --cores 1

format: $(VENV)/.installed-test
	$(BIN)/ruff format workflow tests bench
	$(BIN)/snakefmt Snakefile rules/

dry-run: $(VENV)/.installed
	$(BIN)/snakemake -n --cores 1

clean:
	rm -rf results/*/ .snakemake
