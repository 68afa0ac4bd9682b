"""The only module that imports openai: single structured attempts with validation, and usage."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import openai
from openai.lib._pydantic import to_strict_json_schema
from pydantic import BaseModel, ValidationError

from bot.errors import ModelConfigError, ModelOutputError, ModelUnavailableError
from bot.obs import metrics

log = logging.getLogger(__name__)


@lru_cache(maxsize=32)
def strict_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """The strict JSON schema of a model-output class, built once per process (it never changes)."""
    return to_strict_json_schema(schema)


class Usage(BaseModel):
    """Tokens one call used (compatible servers may omit the details: None counts as 0)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0


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
        structured_mode: str = "json_schema",
    ) -> None:
        # The SDK retries connection errors, 408/409/429 and 5xx with backoff, honouring Retry-After.
        self.client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        self.model = model
        self.structured_mode = structured_mode
        self.usage: list[Usage] = []
        # Told of every call's usage as it happens (the worker counts it against a workspace's budget).
        self.on_usage: Callable[[Usage], None] | None = None

    def schema_text(self, schema: type[BaseModel]) -> str | None:
        """The schema to embed in the prompt when the endpoint cannot enforce it (json_object mode)."""
        if self.structured_mode == "json_schema":
            return None
        return json.dumps(strict_schema(schema), indent=1)

    def attempt(self, schema: type[BaseModel], messages: Sequence[Mapping[str, str]]) -> tuple[str, str | None]:
        """One call; returns (content, None) when it validates, else (content, what was wrong).

        The repair loop is the port's (bot.llm.port.PromptedModel): this client makes single attempts.
        """
        started = time.perf_counter()
        response = self._call(schema, messages)
        # One line per call, so operators (and the long-thread measurement) can tell model time from ours.
        log.info(
            "model call",
            extra={"schema": schema.__name__, "duration_ms": round((time.perf_counter() - started) * 1000, 1)},
        )
        choice = response.choices[0]
        self._record_usage(response, messages)
        usage = self.usage[-1] if getattr(response, "usage", None) is not None else None
        metrics.model_call(
            schema.__name__,
            self.model,
            time.perf_counter() - started,
            usage.prompt_tokens if usage else 0,
            usage.completion_tokens if usage else 0,
        )
        if getattr(choice.message, "refusal", None):
            raise ModelOutputError("refused", user_message="The language model refused to write this.")
        if choice.finish_reason == "length":
            raise ModelOutputError(
                "length", user_message="The language model's answer was cut off (it ran out of output tokens)."
            )
        if choice.finish_reason == "content_filter":
            raise ModelOutputError("content_filter", user_message="The model provider's content filter blocked it.")
        content = choice.message.content or ""
        try:
            schema.model_validate_json(content)
        except ValidationError as exc:
            return content, _describe_validation(exc)
        return content, None

    def _call(self, schema: type[BaseModel], messages: Sequence[Mapping[str, str]]) -> Any:
        if self.structured_mode == "json_schema":
            response_format: dict[str, Any] = {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": strict_schema(schema), "strict": True},
            }
        else:
            response_format = {"type": "json_object"}
        try:
            # create() rather than parse(): we validate ourselves, so invalid JSON becomes a repair request
            # instead of an exception that loses the model's answer.
            return self.client.chat.completions.create(  # type: ignore[call-overload]
                model=self.model,
                messages=list(messages),
                response_format=response_format,
            )
        except (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError) as exc:
            raise ModelConfigError(type(exc).__name__) from exc
        except openai.BadRequestError as exc:
            raise ModelConfigError(f"bad request: {exc.message[:200]}") from exc
        except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError) as exc:
            raise ModelUnavailableError(type(exc).__name__) from exc
        except openai.APIStatusError as exc:
            raise ModelUnavailableError(f"status {exc.status_code}") from exc

    def _record_usage(self, response: Any, messages: Sequence[Mapping[str, str]]) -> None:
        usage = getattr(response, "usage", None)
        if usage is None:
            # Some compatible servers report no usage: estimate (4 characters a token) rather than count
            # nothing, so a workspace's budget still bounds its spend.
            content = response.choices[0].message.content or ""
            prompt = sum(len(str(m.get("content") or "")) for m in messages)
            usage = Usage(prompt_tokens=prompt // 4 + 1, completion_tokens=len(content) // 4 + 1)
        details = getattr(usage, "prompt_tokens_details", None)
        used = Usage(
            prompt_tokens=usage.prompt_tokens or 0,
            completion_tokens=usage.completion_tokens or 0,
            cached_tokens=(getattr(details, "cached_tokens", None) or 0) if details else 0,
        )
        self.usage.append(used)
        if self.on_usage is not None:
            self.on_usage(used)


def _describe_validation(exc: ValidationError) -> str:
    """A short list of what failed validation, for the repair request (no values echoed)."""
    problems = []
    for error in exc.errors()[:12]:
        where = ".".join(str(part) for part in error["loc"]) or "(root)"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)
