# One command runner for everything: setup, run, format, lint, typecheck, test.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run web worker test lint format typecheck check clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@bash scripts/setup.sh "$(VENV)"
	@touch $(STAMP)

run: setup  ## the whole bot in one process (Socket Mode if SLACK_APP_TOKEN is set, else HTTP on $$PORT)
	$(PY) -m bot run

web: setup
	$(PY) -m bot web

worker: setup
	$(PY) -m bot worker

test: setup  ## unit, integration and end-to-end tests (starts its own redis-server)
	@bash scripts/test.sh $(ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: setup
	$(VENV)/bin/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
