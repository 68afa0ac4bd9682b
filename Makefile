# One command runner for everything: setup, run, format, lint, typecheck, test.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

redaction-report: setup  ## recall and false redactions per class over tests/spec/secret_corpus.py, and ms per 10 KB
	$(PY) -m tests.spec.redaction_report

.PHONY: redaction-report chaos setup run web worker socket test lint format typecheck check clean eval bench bench-tenants walk lock image container-smoke compose-smoke real-model-check

setup: $(STAMP)

$(STAMP): pyproject.toml requirements-dev.txt
	@bash scripts/setup.sh "$(VENV)"
	@touch $(STAMP)

run: setup  ## the whole bot in one process (Socket Mode if SLACK_APP_TOKEN is set, else HTTP on $$PORT)
	$(PY) -m bot run

web: setup
	$(PY) -m bot web

worker: setup
	$(PY) -m bot worker

socket: setup  ## Socket Mode listener for production without a public URL (run workers too)
	$(PY) -m bot socket

lock: setup  ## renew the locked versions (requirements.txt for the image/Heroku, requirements-dev.txt for make/CI)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 --quiet --no-header -o requirements.txt
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet --no-header -o requirements-dev.txt

image:  ## build the container image with podman or docker (see docs/operating.md)
	bash scripts/build-image.sh

container-smoke: setup  ## the e2e smoke against the built image: web + worker containers, one session to a pinned spec
	NO_PROXY=127.0.0.1,localhost $(PY) -m tests.container_smoke

compose-smoke: setup  ## compose.yaml up with podman-compose (PODMAN_COMPOSE=path), then the e2e smoke against it
	NO_PROXY=127.0.0.1,localhost $(PY) -m tests.compose_smoke

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

bench-tenants: setup  ## many workspaces: Redis bytes per installation, time for_tenant adds per request/job (~20 s)
	$(PY) -m bench.tenants $(ARGS)

walk: setup  ## the walk mention -> pins.add as it runs (modules and folders visited); ARGS="--repo . --repo /path/to/old"
	$(PY) -m bench.trace_walk $(ARGS)

check: lint typecheck test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

chaos: setup  ## N concurrent sessions while workers are SIGKILLed and faults injected; ARGS="--sessions 40"
	NO_PROXY=127.0.0.1,localhost $(PY) -m tests.chaos $(ARGS)
