"""Response bodies shaped exactly like OpenAI's: chat completions, usage, errors, model lists."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.fakes.model.answers import message_text, prompt_text

DEFAULT_MODEL = "gpt-4o-mini"
# Providers cache prompt prefixes only from 1024 tokens, in 128-token steps.
CACHE_MIN_TOKENS = 1024
CACHE_STEP_TOKENS = 128
CHARS_PER_TOKEN = 4


def new_request_id() -> str:
    """A fresh `x-request-id` value in OpenAI's `req_…` style."""
    return f"req_{uuid.uuid4().hex}"


def count_tokens(text: str) -> int:
    """Crude token estimate (≈ 4 characters a token), good enough for cost-accounting tests."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def first_message_text(body: dict[str, Any]) -> str | None:
    """The text of a request's first message (the stable system prompt, where caching pays off)."""
    messages = body.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        return message_text(messages[0])
    return None


def cached_tokens(previous_first: str | None, current_first: str | None) -> int:
    """Tokens of the common prefix of two first messages, as a provider cache would report them."""
    if not previous_first or not current_first:
        return 0
    common = 0
    for a, b in zip(previous_first, current_first, strict=False):
        if a != b:
            break
        common += 1
    tokens = common // CHARS_PER_TOKEN
    return tokens - tokens % CACHE_STEP_TOKENS if tokens >= CACHE_MIN_TOKENS else 0


def usage(body: dict[str, Any], completion_text: str, cached: int) -> dict[str, Any]:
    """The `usage` block: prompt tokens from all message text, completion tokens from the answer."""
    prompt = count_tokens(prompt_text(body))
    completion = count_tokens(completion_text)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": min(cached, prompt)},
    }


def chat_completion(
    body: dict[str, Any],
    *,
    content: str | None,
    finish_reason: str,
    refusal: str | None = None,
    cached: int = 0,
) -> dict[str, Any]:
    """A non-streaming `chat.completion` object echoing the request's model."""
    message = {"role": "assistant", "content": content, "refusal": refusal}
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model") or DEFAULT_MODEL),
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}],
        "usage": usage(body, content or refusal or "", cached),
    }


def error_body(message: str, kind: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    """OpenAI's error envelope: `{"error": {"message", "type", "param", "code"}}`."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def model_list(models: tuple[str, ...], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `GET /v1/models` listing (extra: fields a server adds, e.g. vLLM's max_model_len)."""
    data = [
        {"id": m, "object": "model", "created": 1700000000, "owned_by": "emulator", **(extra or {})} for m in models
    ]
    return {"object": "list", "data": data}
