"""Request validation the way OpenAI does it: malformed bodies and unsupported options get a 400."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.model.completion import error_body
from tests.fakes.model.faults import HttpError
from tests.fakes.model.strict_schema import strict_schema_problem


def _bad_request(message: str, param: str | None = None, code: str | None = None) -> HttpError:
    """A 400 in OpenAI's error shape."""
    return HttpError(400, {}, error_body(message, "invalid_request_error", code, param))


def parse_body(raw: bytes) -> dict[str, Any] | None:
    """The JSON request body, or None when it is not a JSON object."""
    try:
        body = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def validation_error(body: dict[str, Any] | None) -> HttpError | None:
    """The 400 OpenAI would give for a malformed request, or None."""
    if body is None:
        return _bad_request("We could not parse the JSON body of your request.")
    if body.get("stream"):
        return _bad_request("Streaming is not supported by the model emulator.", "stream", "unsupported_value")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return _bad_request("'messages' must be a non-empty array.", "messages")
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema") or {}
        problem = strict_schema_problem(str(spec.get("name")), spec.get("schema")) if spec.get("strict") else None
        if problem is not None:
            return _bad_request(problem, "response_format")
    return None
