# One command runner for everything: setup, run, format, lint, typecheck, test.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: chaos setup run web worker test lint format typecheck check clean eval bench walk walk-trace real-model-check

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

eval: setup  ## spec quality over tests/fixtures/threads: the configured model (OPENAI_*), else the emulator
	$(PY) -m bench.eval $(ARGS)

real-model-check: setup  ## the whole bot (web + worker) against llama.cpp servers built here; first run builds them (~10-20 min), ARGS="--server llama-server"
	NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost $(PY) -m bench.real_model_check $(ARGS)

bench: setup  ## performance benchmark (not a test): writes bench/results/latest.md and PNG plots; ARGS=--quick
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	$(PY) -m bench.run $(ARGS)

walk: setup  ## modules on the import walk from a mention to pins.add; ARGS="--repo /path/to/another/checkout"
	$(PY) -m bench.walk $(ARGS)

walk-trace: setup  ## the walk mention -> pins.add as it runs (modules whose code ran); ARGS="--repo . --repo /path/to/old"
	$(PY) -m bench.trace_walk $(ARGS)

check: lint typecheck test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

chaos: setup  ## N concurrent sessions while workers are SIGKILLed and faults injected; ARGS="--sessions 40"
	NO_PROXY=127.0.0.1,localhost $(PY) -m tests.chaos $(ARGS)
