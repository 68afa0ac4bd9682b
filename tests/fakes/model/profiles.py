"""Server profiles: how an emulated OpenAI-compatible server differs from OpenAI.

Real servers refuse response formats, have small context windows, run one generation at a time and
describe themselves in /v1/models or /props. A profile makes the emulator do the same, strictly: a
server that rejects a format really answers the error, with the wording the real one uses.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.model.answers import prompt_text
from tests.fakes.model.completion import count_tokens, error_body
from tests.fakes.model.faults import HttpError

ALL_FORMATS = frozenset({"json_schema", "json_object", "text"})
# llama-cpp-python's server validates response_format.type with pydantic and answers 500 with the error.
LLAMA_CPP_LITERAL = "Input should be 'text' or 'json_object'"


@dataclass
class ServerProfile:
    """What the emulated server accepts and says about itself."""

    formats: frozenset[str] = ALL_FORMATS
    rejection: str = "openai"  # "openai": 400 invalid_request_error; "llama_cpp": 500 with pydantic's words
    context_window: int | None = None  # prompt + max_tokens above this: 400 context_length_exceeded
    slots: int | None = None  # 1: one generation at a time, the others wait
    props: dict[str, Any] | None = None  # served at /props (llama-server)
    model_fields: dict[str, Any] = field(default_factory=dict)  # extra fields of each /v1/models entry
    # llama-cpp-python turns a string's maxLength into that many nested grammar rules; above this the
    # grammar fails to parse and the server generates without the schema (None: no such limit).
    # Measured on 0.3.36: 600 parses, 1,500 fails.
    grammar_max_length: int | None = None
    refuses: frozenset[str] = frozenset()  # parameters answered with a 400 ("seed", "temperature")
    _gate: threading.Semaphore | None = field(default=None, repr=False)
    running: int = 0
    most_running: int = 0

    def gate(self) -> threading.Semaphore | None:
        """The semaphore one-slot (or n-slot) servers queue generations on."""
        if self.slots is not None and self._gate is None:
            self._gate = threading.Semaphore(self.slots)
        return self._gate


def llama_cpp_python(context_window: int = 8192) -> ServerProfile:
    """llama_cpp.server: json_object (+ schema) and text only, one slot, owned_by "me", no /props."""
    return ServerProfile(
        formats=frozenset({"json_object", "text"}),
        rejection="llama_cpp",
        context_window=context_window,
        slots=1,
        model_fields={"owned_by": "me", "permissions": []},
        grammar_max_length=1000,
    )


def llama_server(context_window: int = 4096, slots: int = 1) -> ServerProfile:
    """llama.cpp's llama-server: every format, /props with n_ctx and total_slots."""
    props = {"default_generation_settings": {"n_ctx": context_window}, "total_slots": slots}
    return ServerProfile(context_window=context_window, slots=slots, props=props, model_fields={"owned_by": "llamacpp"})


def text_only() -> ServerProfile:
    """A server that accepts no response_format at all (plain text only)."""
    return ServerProfile(formats=frozenset({"text"}))


def format_of(body: dict[str, Any]) -> str:
    """The response_format type of a request ("text" when none is sent)."""
    fmt = body.get("response_format")
    return str(fmt.get("type") or "text") if isinstance(fmt, dict) else "text"


def rejection(profile: ServerProfile, body: dict[str, Any]) -> HttpError | None:
    """The error the profiled server answers for this request, or None when it takes it."""
    kind = format_of(body)
    if kind not in profile.formats:
        if profile.rejection == "llama_cpp":
            # llama_cpp.server's own words (0.3.x): pydantic's error, then a traceback line
            detail = {"type": "literal_error", "loc": ("body", "response_format", "type"), "msg": LLAMA_CPP_LITERAL,
                      "input": kind, "ctx": {"expected": "'text' or 'json_object'"}}  # fmt: skip
            message = f'1 validation error:\n  {detail}\n\n  File "llama_cpp/server/app.py", line 376'
            return HttpError(500, {}, error_body(message, "internal_server_error"))
        message = f"Invalid parameter: 'response_format' of type '{kind}' is not supported with this model."
        return HttpError(400, {}, error_body(message, "invalid_request_error", None, "response_format"))
    for name in sorted(profile.refuses & set(body)):
        # OpenAI's words for a reasoning model's temperature, and for an unknown argument
        message = (
            f"Unsupported value: '{name}' does not support {body[name]} with this model."
            if name == "temperature"
            else f"Unrecognized request argument supplied: {name}"
        )
        return HttpError(400, {}, error_body(message, "invalid_request_error", "unsupported_value", name))
    if profile.context_window is not None:
        prompt = count_tokens(prompt_text(body))
        wanted = prompt + int(body.get("max_tokens") or 0)
        if wanted > profile.context_window:
            message = (
                f"This model's maximum context length is {profile.context_window} tokens. However, you requested "
                f"{wanted} tokens ({prompt} in the messages, {wanted - prompt} in the completion). "
                "Please reduce the length of the messages or completion."
            )
            return HttpError(
                400, {}, error_body(message, "invalid_request_error", "context_length_exceeded", "messages")
            )
    return None


def grammar_fails(profile: ServerProfile, body: dict[str, Any]) -> bool:
    """True when the schema field would fail llama.cpp's grammar parser (it then answers unconstrained)."""
    fmt = body.get("response_format")
    schema = fmt.get("schema") if isinstance(fmt, dict) else None
    limit = profile.grammar_max_length
    return limit is not None and schema is not None and _longest(schema) > limit


def _longest(node: Any) -> int:
    """The largest maxLength anywhere in a schema."""
    if isinstance(node, dict):
        own = node.get("maxLength") if isinstance(node.get("maxLength"), int) else 0
        return max([own, *(_longest(v) for v in node.values())])
    if isinstance(node, list):
        return max([0, *(_longest(v) for v in node)])
    return 0
