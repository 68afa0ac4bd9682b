"""What an OpenAI-compatible endpoint can do: its structured-output mode, context window and slots.

The modes are tried best first; a request the server rejects for its format moves to the next one at
once. What was learnt is remembered per endpoint and model in a CapabilityCache (Redis in the bot,
bot.store.capabilities), so only the first call after a restart or a TTL pays for the negotiation.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel

log = logging.getLogger(__name__)

# Best first: the server enforces our strict schema; it enforces a schema given as json_object's
# `schema` field (llama-cpp-python); it returns some JSON object (schema in the prompt); it returns
# text, from which we take the JSON ourselves (schema and an example in the prompt).
MODES: tuple[str, ...] = ("json_schema", "json_object_schema", "json_object", "text")
MODE_WORDS = {
    "json_schema": "strict JSON schema output (response_format json_schema)",
    "json_object_schema": "JSON output constrained by a schema (json_object with a schema field)",
    "json_object": "JSON output (response_format json_object)",
    "text": "plain text output",
}
# Words servers use when they refuse a response_format (OpenAI, vLLM, llama-cpp-python, LiteLLM, Ollama).
_FORMAT_WORDS = re.compile(
    r"response_format|json_schema|json_object|'text' or|structured output|guided_json|grammar", re.IGNORECASE
)
_CONTEXT_WORDS = re.compile(
    r"context_length_exceeded|context length|context window|maximum context|exceeds? the (available )?context"
    r"|too many tokens|prompt is too long|n_ctx",
    re.IGNORECASE,
)


class Capability(BaseModel):
    """What one endpoint+model was found to accept."""

    mode: str = MODES[0]
    # Tokens of prompt plus output the server accepts; None when it does not say.
    context_window: int | None = None
    # Parallel generations the server runs; 1 means a retry would queue behind the abandoned one.
    slots: int | None = None
    server: str = "unknown"
    # True once a call in this mode succeeded (until then, calls go without SDK retries).
    confirmed: bool = False
    # Sampling parameters the server refused ("seed"; "temperature" on reasoning models): sent no more.
    refused: list[str] = []


class ModeChanged(Exception):
    """The endpoint rejected the current structured mode; the prompt must be rendered for the next one."""


@dataclass(frozen=True)
class CallOptions:
    """How every call is made (from settings): sampling, output cap, and what the server does not say."""

    mode: str = "auto"  # "auto" negotiates; a mode name fixes it
    temperature: float | None = None
    seed: int | None = None
    max_output_tokens: int = 8192
    context_window: int | None = None  # used when the server's metadata gives none
    slots: int | None = None  # parallel generations; None: from the server's metadata


class CapabilityCache(Protocol):
    """Where negotiated capabilities are remembered, as JSON text (bot.store.capabilities in the bot)."""

    def load(self, endpoint: str, model: str) -> str | None:
        """The remembered capability's JSON, or None when unknown or expired."""
        ...

    def save(self, endpoint: str, model: str, value: str) -> None:
        """Remember value for this endpoint and model (with the store's TTL)."""
        ...


class MemoryCapabilities:
    """A per-process CapabilityCache (the eval, and clients built without Redis)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], str] = {}

    def load(self, endpoint: str, model: str) -> str | None:
        """The capability learnt in this process, if any."""
        return self._known.get((endpoint, model))

    def save(self, endpoint: str, model: str, value: str) -> None:
        """Keep it for the life of the process."""
        self._known[(endpoint, model)] = value


def remembered(cache: CapabilityCache, endpoint: str, model: str) -> Capability | None:
    """The cached capability, or None (absent, or written by a version that stored another shape)."""
    raw = cache.load(endpoint, model)
    if raw is None:
        return None
    try:
        return Capability.model_validate_json(raw)
    except ValueError:
        return None


def is_format_rejection(status: int | None, message: str) -> bool:
    """True when an error says the server does not accept the response_format we sent."""
    if status not in (400, 404, 415, 422, 500, 501):
        return False
    return bool(_FORMAT_WORDS.search(message)) and not is_context_overflow(status, message)


def is_context_overflow(status: int | None, message: str) -> bool:
    """True when an error says the prompt (plus the output asked for) does not fit the context window."""
    return status in (400, 413, 422, 500) and bool(_CONTEXT_WORDS.search(message))


def next_mode(mode: str) -> str | None:
    """The mode after mode in MODES, or None after the last."""
    index = MODES.index(mode)
    return MODES[index + 1] if index + 1 < len(MODES) else None


def window_from_models(body: Mapping[str, Any], model: str) -> int | None:
    """The context window a /v1/models listing gives for model (vLLM, LiteLLM, OpenRouter, llama-server)."""
    for entry in body.get("data") or []:
        if not isinstance(entry, Mapping) or (entry.get("id") not in (model, None) and len(body["data"]) > 1):
            continue
        meta: Mapping[str, Any] = entry["meta"] if isinstance(entry.get("meta"), Mapping) else {}
        for value in (entry.get("max_model_len"), entry.get("context_length"), entry.get("context_window")):
            if isinstance(value, int) and value > 0:
                return value
        if isinstance(meta.get("n_ctx"), int):
            return int(meta["n_ctx"])
    return None


def from_props(body: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """(context window, slots) from llama-server's /props."""
    settings = body.get("default_generation_settings")
    n_ctx = settings.get("n_ctx") if isinstance(settings, Mapping) else None
    n_ctx = n_ctx if isinstance(n_ctx, int) else body.get("n_ctx")
    slots = body.get("total_slots")
    return (n_ctx if isinstance(n_ctx, int) and n_ctx > 0 else None), (slots if isinstance(slots, int) else None)


def server_kind(models_body: Mapping[str, Any] | None, props: Mapping[str, Any] | None) -> str:
    """A name for the server software, from what its metadata looks like (for logs and slot policy)."""
    if props is not None:
        return "llama-server"
    entries = list((models_body or {}).get("data") or [])
    if entries and isinstance(entries[0], Mapping) and entries[0].get("owned_by") == "me":
        return "llama-cpp-python"  # its /v1/models answers owned_by "me", and it runs one generation at a time
    if entries and isinstance(entries[0], Mapping) and "max_model_len" in entries[0]:
        return "vllm"
    return "unknown"


def error_text(body: object, fallback: str) -> str:
    """The server's own reason from an error body (OpenAI's envelope, FastAPI's detail, or raw)."""
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping):
            for key in ("message", "detail", "msg"):
                if inner.get(key):
                    return str(inner[key])[:500]
        return json.dumps(body)[:500]
    return (str(body) if body else fallback)[:500]
