# exposure-sync: `make demo` and `make test` work from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# dbt-duckdb resolves a relative path from the current directory: always hand it an absolute one.
GREENERY_DUCKDB ?= $(CURDIR)/greenery/greenery.duckdb
export GREENERY_DUCKDB

.PHONY: setup demo test greenery greenery-report lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

greenery: setup
	$(BIN)/python greenery/scripts/build.py

greenery-report: setup
	$(BIN)/python greenery/scripts/report.py

demo: greenery
	$(BIN)/exposure-sync demo --project-dir greenery --lookml-dir exposure_sync/looker/emulator/instances/greenery/lookml

test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python bench/crawl_scale.py

clean:
	rm -rf $(VENV) greenery/target greenery/logs greenery/greenery.duckdb
