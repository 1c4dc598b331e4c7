# dagyard — two commands on a fresh machine: `make dev` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
EXAMPLE := examples/dag-repo

.PHONY: install dev test bench lint format lock clean

$(UV):
	@echo "• bootstrapping uv $(UV_VERSION) into $(TOOLS)/"
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

# Install exactly what uv.lock pins (the whole kit plus test tools) into .venv.
# Bytecode is compiled at install time: Airflow imports twice as fast with it.
# The first run downloads a few hundred MB: uv shows its progress.
install: $(UV)
	@echo "• installing the locked packages into .venv"
	@$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@echo "• .venv is ready ($$($(BIN)/dagyard --version))"

# The example DAG repository runs from its own environment (its uv.lock, dagyard from this
# checkout), exactly as a DAG repository created by `dagyard init` does.
dev: install
	@$(MAKE) --no-print-directory -C $(EXAMPLE) dev UV=$(abspath $(UV)) PYTHON=$(PYTHON)

# Re-pin dagyard's own lock and the example DAG repository's.
lock: $(UV)
	@$(UV) lock
	@cd $(EXAMPLE) && $(abspath $(UV)) lock

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
	rm -rf $(VENV) $(TOOLS) $(EXAMPLE)/.dagyard $(EXAMPLE)/.venv
