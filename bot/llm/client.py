"""The only module that imports openai: single structured attempts, mode negotiation, usage.

The structured mode is negotiated per endpoint and model (bot.llm.capabilities): a request the server rejects
for its response_format moves to the next mode at once, with the server's reason logged, and the mode that
works is remembered. Every call is sized: max_tokens from the schema's output size and the window left.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import httpx2
import openai
from openai.lib._pydantic import to_strict_json_schema
from pydantic import BaseModel, ValidationError

from bot.errors import ContextTooLongError, ModelConfigError, ModelOutputError, ModelUnavailableError
from bot.llm import formats
from bot.llm.capabilities import (
    MODE_WORDS,
    CallOptions,
    Capability,
    CapabilityCache,
    MemoryCapabilities,
    ModeChanged,
    error_text,
    is_context_overflow,
    is_format_rejection,
    next_mode,
    remembered,
)
from bot.llm.probe import discover
from bot.llm.tokens import token_counter
from bot.llm.usage import Usage, usage_of
from bot.obs import metrics

log = logging.getLogger(__name__)
# Our token counts use an OpenAI encoding; other models' tokenizers can need a quarter more.
PROMPT_MARGIN = 1.25
MIN_OUTPUT_TOKENS = 256
DEFAULT_OUTPUT_TOKENS = 4096
GRAMMAR_SERVERS = frozenset({"llama-server", "llama-cpp-python"})


@lru_cache(maxsize=32)
def strict_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """The strict JSON schema of a model-output class, built once per process (it never changes)."""
    return to_strict_json_schema(schema)


class ModelClient:
    """Calls an OpenAI-compatible chat endpoint, one structured attempt at a time (a StructuredModel)."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        model: str,
        timeout: float,
        max_retries: int,
        structured_mode: str = "auto",
        options: CallOptions | None = None,
        capabilities: CapabilityCache | None = None,
        http_client: httpx2.Client | None = None,  # a workspace's endpoint's checked one (bot.llm.egress)
    ) -> None:
        # The SDK retries connection errors, 408/409/429 and 5xx with backoff, honouring Retry-After.
        self.client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries, http_client=http_client
        )
        self.http_client = http_client
        self.api_key = api_key
        self.model = model
        self.max_retries = max_retries
        self.options = options or CallOptions(mode=structured_mode)
        self.cache = capabilities or MemoryCapabilities()
        self.endpoint = str(self.client.base_url).rstrip("/")
        # Remembered per model AND the settings discovery depends on: a changed window, slot count or fixed
        # mode is used at once instead of after the cache's TTL.
        opts = self.options
        self.cache_name = f"{model}|{opts.mode}|{opts.context_window}|{opts.slots}"
        self.usage: list[Usage] = []
        # Told of every call's usage as it happens (the worker counts it against a workspace's budget).
        self.on_usage: Callable[[Usage], None] | None = None
        self._capability: Capability | None = None

    @property
    def structured_mode(self) -> str:
        """The structured mode calls use now (negotiated, or fixed by settings)."""
        return self.capability().mode

    def capability(self) -> Capability:
        """What this endpoint and model accept: remembered, else discovered from the server's metadata."""
        if self._capability is None:
            known = remembered(self.cache, self.endpoint, self.cache_name)
            if known is None or (self.options.mode != "auto" and known.mode != self.options.mode):
                known = discover(self.client.base_url, self.api_key, self.model, self.options, self.http_client)
                log.info("model endpoint discovered", extra=_describe(known))
                self.cache.save(self.endpoint, self.cache_name, known.model_dump_json())
            else:
                log.info("model endpoint capability remembered", extra=_describe(known))
            self._capability = known
        return self._capability

    def schema_text(self, schema: type[BaseModel]) -> str | None:
        """The schema to paste into the prompt when the endpoint does not enforce it."""
        return formats.schema_text(self.structured_mode, strict_schema(schema))

    def json_example(self, schema: type[BaseModel]) -> str | None:
        """An example answer for the prompt in plain-text mode, else None."""
        return formats.json_example(self.structured_mode, strict_schema(schema))

    def attempt(self, schema: type[BaseModel], messages: Sequence[Mapping[str, str]]) -> tuple[str, str | None]:
        """One call; returns (content, None) when it validates, else (content, what was wrong).

        Raises ModeChanged when the endpoint refused the mode (the port renders the prompt again).
        """
        capability = self.capability()
        max_tokens = self.output_budget(schema, messages, capability)
        started = time.perf_counter()
        response = self._call(schema, messages, capability, max_tokens)
        used = self._record_usage(response, messages)
        # One line per call, so operators (and the long-thread measurement) can tell model time from ours.
        log.info(
            "model call",
            extra={
                "schema": schema.__name__,
                "mode": capability.mode,
                "max_tokens": max_tokens,
                "prompt_tokens": used.prompt_tokens,
                "completion_tokens": used.completion_tokens,
                "finish_reason": response.choices[0].finish_reason,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        seconds = time.perf_counter() - started
        metrics.model_call(
            schema.__name__, self.model, seconds, used.prompt_tokens, used.completion_tokens, used.cached_tokens
        )
        self._confirm(capability)
        return self._content(schema, response, max_tokens)

    def output_budget(self, schema: type[BaseModel], messages: Sequence[Mapping[str, str]], cap: Capability) -> int:
        """max_tokens for this call: the schema's size, capped by settings and what the window leaves."""
        wanted = min(int(getattr(schema, "output_tokens", DEFAULT_OUTPUT_TOKENS)), self.options.max_output_tokens)
        if cap.context_window is None:
            return wanted
        text = "\n".join(str(m.get("content", "")) for m in messages)
        prompt = int(token_counter(self.model).count(text) * PROMPT_MARGIN) + 16 * len(messages)
        left = cap.context_window - prompt
        if left < min(wanted, MIN_OUTPUT_TOKENS):
            raise ContextTooLongError(f"prompt ~{prompt} tokens, window {cap.context_window}")
        return min(wanted, left)

    def _content(self, schema: type[BaseModel], response: Any, max_tokens: int) -> tuple[str, str | None]:
        choice = response.choices[0]
        if getattr(choice.message, "refusal", None):
            raise ModelOutputError("refused", user_message="The language model refused to write this.")
        if choice.finish_reason == "length":
            return self._cut_off(schema, choice.message.content or "", max_tokens)
        if choice.finish_reason == "content_filter":
            raise ModelOutputError("content_filter", user_message="The model provider's content filter blocked it.")
        # Local repair first: take the JSON out of chatter or fences, and clip lists and strings to bounds.
        content = formats.clip_to_bounds(formats.extract_json(choice.message.content or ""), strict_schema(schema))
        try:
            schema.model_validate_json(content)
        except ValidationError as exc:
            return content, _describe_validation(exc)
        return content, None

    def _cut_off(self, schema: type[BaseModel], content: str, max_tokens: int) -> tuple[str, str | None]:
        """An answer cut off by max_tokens: used if closing it after its last whole element validates."""
        for closed in formats.closings(content):
            candidate = formats.clip_to_bounds(closed, strict_schema(schema))
            try:
                schema.model_validate_json(candidate)
            except ValidationError:
                continue
            log.warning("model answer cut off, closed locally", extra={"schema": schema.__name__})
            return candidate, None
        raise ModelOutputError(
            "length",
            user_message=(
                f"The language model's answer was cut off at {max_tokens} output tokens (the limit is "
                "TECHSPEC_MAX_OUTPUT_TOKENS or what the model's context window leaves)."
            ),
        )

    def _call(
        self, schema: type[BaseModel], messages: Sequence[Mapping[str, str]], cap: Capability, max_tokens: int
    ) -> Any:
        request: dict[str, Any] = {"model": self.model, "messages": list(messages), "max_tokens": max_tokens}
        grammar = cap.server in GRAMMAR_SERVERS  # llama.cpp: a capped maxLength keeps a looping string short
        fmt = formats.response_format(cap.mode, schema.__name__, strict_schema(schema), grammar)
        if fmt is not None:
            request["response_format"] = fmt
        for name, value in (("temperature", self.options.temperature), ("seed", self.options.seed)):
            if value is not None and name not in cap.refused:
                request[name] = value
        try:
            return self._send(request, cap)
        except openai.APIStatusError as exc:
            raise self._status_error(exc, cap) from exc
        except openai.APIConnectionError as exc:
            raise ModelUnavailableError(type(exc).__name__) from exc

    def _send(self, request: dict[str, Any], cap: Capability) -> Any:
        """create(), without SDK retries while the mode is unproven (a refusal must not be retried)."""
        retries = 0 if (cap.slots == 1 or not cap.confirmed) else self.max_retries
        try:
            # create() rather than parse(): we validate ourselves, so invalid JSON becomes a repair request
            # instead of an exception that loses the model's answer.
            return self.client.with_options(max_retries=retries).chat.completions.create(**request)
        except (openai.InternalServerError, openai.RateLimitError, openai.APIConnectionError) as exc:
            status = getattr(exc, "status_code", None)
            message = error_text(getattr(exc, "body", None), str(exc))
            if retries or cap.slots == 1 or is_format_rejection(status, message) or not self.max_retries:
                raise
            # The mode was unproven and this was not a refusal: retry as usual from here.
            return self.client.with_options(max_retries=self.max_retries - 1).chat.completions.create(**request)

    def _status_error(self, exc: openai.APIStatusError, cap: Capability) -> Exception:
        """Our error for an HTTP error: a refused mode moves on; others say what is really wrong."""
        reason = error_text(exc.body, exc.message)
        status = exc.status_code
        if is_context_overflow(status, reason):
            log.warning("prompt over the model's context window", extra={"status": status, "reason": reason})
            return ContextTooLongError(reason)
        refused = self._refused_parameter(cap, status, reason)
        if refused is not None:
            return refused
        if self.options.mode == "auto" and is_format_rejection(status, reason):
            return self._downgrade(cap, status, reason)
        log.warning("model endpoint error", extra={"status": status, "reason": reason, "mode": cap.mode})
        if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError)):
            return ModelConfigError(type(exc).__name__)
        if is_format_rejection(status, reason):  # a fixed STRUCTURED_MODE the endpoint cannot do
            return ModelConfigError(
                f"format refused: {reason[:200]}",
                user_message=f"The model endpoint does not support {MODE_WORDS[cap.mode]} (set STRUCTURED_MODE=auto).",
            )
        if isinstance(exc, openai.BadRequestError):
            return ModelConfigError(
                f"bad request: {reason[:200]}",
                user_message=f"The language model endpoint rejected the request: {reason[:200]}",
            )
        return ModelUnavailableError(f"status {status}: {reason[:200]}")

    def _refused_parameter(self, cap: Capability, status: int, reason: str) -> ModeChanged | None:
        """A sampling parameter the server refuses (seed; temperature on reasoning models): drop it, once."""
        sent = {"temperature": self.options.temperature, "seed": self.options.seed}
        for name, value in sent.items():
            if status in (400, 422) and name in reason.lower() and value is not None and name not in cap.refused:
                log.warning("parameter rejected, calls go without it", extra={"parameter": name, "reason": reason})
                self._capability = cap.model_copy(update={"refused": [*cap.refused, name]})
                self.cache.save(self.endpoint, self.cache_name, self._capability.model_dump_json())
                return ModeChanged(f"endpoint does not support {name}: {reason[:200]}")
        return None

    def _downgrade(self, cap: Capability, status: int, reason: str) -> Exception:
        following = next_mode(cap.mode)
        log.warning(
            "structured mode rejected",
            extra={"mode": cap.mode, "next_mode": following, "status": status, "reason": reason},
        )
        if following is None:
            return ModelConfigError(reason, user_message=f"The model endpoint does not support {MODE_WORDS[cap.mode]}.")
        self._capability = cap.model_copy(update={"mode": following, "confirmed": False})
        self.cache.save(self.endpoint, self.cache_name, self._capability.model_dump_json())
        return ModeChanged(f"endpoint does not support {MODE_WORDS[cap.mode]}: {reason[:200]}")

    def _confirm(self, cap: Capability) -> None:
        if not cap.confirmed:
            self._capability = cap.model_copy(update={"confirmed": True})
            self.cache.save(self.endpoint, self.cache_name, self._capability.model_dump_json())
            log.info("structured mode works", extra=_describe(self._capability))

    def _record_usage(self, response: Any, messages: Sequence[Mapping[str, str]]) -> Usage:
        used = usage_of(response, messages)
        self.usage.append(used)
        if self.on_usage is not None:
            self.on_usage(used)
        return used


def _describe(cap: Capability) -> dict[str, Any]:
    return {"mode": cap.mode, "context_window": cap.context_window, "slots": cap.slots, "server": cap.server}


def _describe_validation(exc: ValidationError) -> str:
    """A short list of what failed validation, for the repair request (no values echoed)."""
    problems = []
    for error in exc.errors()[:12]:
        where = ".".join(str(part) for part in error["loc"]) or "(root)"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)
