# OpenGauge developer commands. `make serve` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test lint typecheck bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## serve: run the server on SQLite (./opengauge.db) with the demo tenant
serve: $(STAMP)
	$(BIN)/opengauge serve --demo

## test: lint, type-check and run the whole suite (PostgreSQL too when OPENGAUGE_TEST_POSTGRES_URL is set)
test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

## bench: PUT /records/ (mapping x database x workers), reads beside writes, the CLI import,
## the sandbox start-up, the console pages and the NPS dashboard (1,000,000 survey records), against
## a bare ASGI ceiling (BENCH_ARGS="--only dashboard" etc.)
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## screenshots: docs/images/console-*.png and reporting-*.png, from the demo in Debian's Chromium
screenshots: $(STAMP)
	$(BIN)/python docs/console_screenshots.py

clean:
	rm -rf $(VENV) build dist *.egg-info opengauge.db opengauge.db-wal opengauge.db-shm
