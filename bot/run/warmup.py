"""Warm the worker's parent process once, so every forked job inherits what it would otherwise rebuild.

RQ's worker forks a fresh child for every job. Whatever the parent never loaded, each child loads again:
the tokenizer (about half a second), compiled templates, the model-output schemas, the bot's identity
(one auth.test). The job modules are imported by the worker itself before the first fork.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from pydantic import BaseModel

from bot.flow.write import document_environment
from bot.llm.client import strict_schema
from bot.llm.tokens import token_counter
from bot.spec import document, schemas
from bot.wiring import Runtime

log = logging.getLogger(__name__)


def warm_worker(rt: Runtime) -> None:
    """Load tokenizer, templates, schemas and identity; a failing step is logged and skipped."""
    started = time.perf_counter()
    steps: list[tuple[str, Callable[[], object]]] = [
        ("tokenizer", lambda: token_counter(rt.settings.openai_model).count("warm")),
        ("prompts", lambda: [rt.prompts.env.get_template(name) for name in rt.prompts.env.list_templates()]),
        ("documents", lambda: _documents(rt)),
        ("schemas", _schemas),
        # OAuth mode has no process-wide token: each workspace's identity is asked for when it is used.
        *([("identity", rt.slack.identity)] if rt.installations is None else []),
        # The child still builds its own client (connections are never shared across a fork), but the
        # SDK's lazily imported modules are loaded here once.
        ("model client", lambda: rt.model.client.chat.completions),
    ]
    for name, step in steps:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - warming is an optimisation; the job loads it if needed
            log.warning("worker warm-up step failed", extra={"warm_step": name, "error_type": type(exc).__name__})
    log.info("worker warmed up", extra={"duration_ms": round((time.perf_counter() - started) * 1000, 1)})


def _documents(rt: Runtime) -> None:
    environment = document_environment(rt.settings.techspec_templates_dir)
    for name in environment.list_templates():
        environment.get_template(name)


def _schemas() -> None:
    # Every model-output class (the strict schema is built per call otherwise: tens of ms for the spec).
    for module in (schemas, document):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__:
                strict_schema(value)
