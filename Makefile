# dagyard — two commands on a fresh machine: `make dev` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
EXAMPLE := examples/dag-repo

.PHONY: install dev test bench lint format clean

$(UV):
	@echo "• bootstrapping uv $(UV_VERSION) into $(TOOLS)/"
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

# Install exactly what uv.lock pins (the whole kit plus test tools) into .venv.
# Bytecode is compiled at install time: Airflow imports twice as fast with it.
install: $(UV)
	@$(UV) sync --frozen --compile-bytecode --python $(PYTHON) --quiet
	@echo "• .venv is ready ($$($(BIN)/python -c 'import airflow; print("Airflow", airflow.__version__)'))"

dev: install
	@$(BIN)/dagyard dev --project $(EXAMPLE)

test: install
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	@$(BIN)/python -m bench $(BENCH_ARGS)

lint: install
	@$(BIN)/ruff check src tests bench
	@$(BIN)/ruff format --check src tests bench

format: install
	@$(BIN)/ruff format src tests bench
	@$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) $(TOOLS) $(EXAMPLE)/.dagyard
