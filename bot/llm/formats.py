"""The request and answer side of each structured mode: response_format, schema text, local repair.

Schemas carry size bounds (maxItems, maxLength) so a looping model cannot fill the context; the
answer is clipped to those bounds here before it is validated, so an over-long list costs nothing
more than the items past the bound, never a repair round.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

Schema = dict[str, Any]
# Hosted strict modes refuse maxLength: json_schema gets none (our clipping enforces it). A grammar
# server (json_object + schema) gets it capped: llama-cpp-python unrolls maxLength into nested rules,
# and 1,500 of them fail to parse ("failed to parse grammar": the schema is then dropped); 600 parse.
_SERVER_UNSUPPORTED = ("maxLength", "minLength")
GRAMMAR_MAX_LENGTH = 600
EXAMPLE_TEXT = "..."


def response_format(mode: str, name: str, strict: Schema, grammar: bool = False) -> dict[str, Any] | None:
    """The response_format to send in mode for a strict schema (None: send none, plain text).

    grammar: the server turns the schema into a grammar (llama.cpp), so capped lengths bound strings.
    """
    if mode == "json_schema":
        served = _capped(strict, GRAMMAR_MAX_LENGTH) if grammar else _without(strict, _SERVER_UNSUPPORTED)
        return {"type": "json_schema", "json_schema": {"name": name, "schema": served, "strict": True}}
    if mode == "json_object_schema":
        return {"type": "json_object", "schema": _capped(strict, GRAMMAR_MAX_LENGTH)}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def schema_text(mode: str, strict: Schema) -> str | None:
    """The schema pasted into the prompt in the modes where the server does not enforce it."""
    if mode in ("json_schema", "json_object_schema"):
        return None
    return json.dumps(strict, separators=(",", ":"))


def json_example(mode: str, strict: Schema) -> str | None:
    """In plain-text mode, an example object of the right shape (small models copy shapes well)."""
    if mode != "text":
        return None
    return json.dumps(_example(strict, strict.get("$defs", {}), 0), ensure_ascii=False)


def extract_json(content: str) -> str:
    """The JSON object in an answer: as is when it parses, else the outermost {...} (fences, chatter)."""
    text = content.strip()
    try:
        json.loads(text)
        return text
    except ValueError:
        pass
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end <= start:
        return text
    candidate = text[start : end + 1]
    try:
        json.loads(candidate)
    except ValueError:
        return text
    return candidate


def clip_to_bounds(content: str, strict: Schema) -> str:
    """content with lists cut to maxItems and strings to maxLength (content unchanged if not JSON)."""
    try:
        data = json.loads(content)
    except ValueError:
        return content
    clipped = _clip(data, strict, strict.get("$defs", {}))
    return content if clipped == data else json.dumps(clipped, ensure_ascii=False)


def _resolve(node: Schema, defs: Schema) -> Schema:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return dict(defs.get(ref.rsplit("/", 1)[1], {}))
    return node


def _clip(value: Any, node: Schema, defs: Schema) -> Any:
    node = _resolve(node, defs)
    for option in node.get("anyOf") or []:
        option = _resolve(option, defs)
        if _fits(value, option):
            return _clip(value, option, defs)
    if isinstance(value, list) and node.get("type") == "array":
        bound = node.get("maxItems")
        items = value[:bound] if isinstance(bound, int) else value
        return [_clip(item, node.get("items") or {}, defs) for item in items]
    if isinstance(value, dict) and node.get("type") == "object":
        props = node.get("properties") or {}
        return {key: _clip(item, props[key], defs) if key in props else item for key, item in value.items()}
    if isinstance(value, str) and isinstance(node.get("maxLength"), int):
        return value[: node["maxLength"]]
    return value


def _fits(value: Any, node: Schema) -> bool:
    kind = node.get("type")
    types: dict[str, type] = {"array": list, "object": dict, "string": str, "null": type(None), "boolean": bool}
    return kind in types and isinstance(value, types[kind])


def _example(node: Schema, defs: Schema, depth: int) -> Any:
    node = _resolve(node, defs)
    if node.get("anyOf"):
        options = [_resolve(o, defs) for o in node["anyOf"]]
        return _example(next((o for o in options if o.get("type") != "null"), options[0]), defs, depth)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        return {key: _example(sub, defs, depth + 1) for key, sub in (node.get("properties") or {}).items()}
    if kind == "array":
        return [] if depth > 3 else [_example(node.get("items") or {}, defs, depth + 1)]
    return {"string": EXAMPLE_TEXT, "boolean": False, "integer": 0, "number": 0, "null": None}.get(str(kind))


def _capped(node: Any, limit: int) -> Any:
    """node with every maxLength at most limit (a grammar stays parseable, strings stay bounded)."""
    if isinstance(node, dict):
        capped = {k: _capped(v, limit) for k, v in node.items()}
        if isinstance(capped.get("maxLength"), int):
            capped["maxLength"] = min(capped["maxLength"], limit)
        return capped
    if isinstance(node, list):
        return [_capped(v, limit) for v in node]
    return node


def _without(node: Any, keys: tuple[str, ...]) -> Any:
    if isinstance(node, dict):
        return {k: _without(v, keys) for k, v in node.items() if k not in keys}
    if isinstance(node, list):
        return [_without(v, keys) for v in node]
    return node


def closings(content: str, limit: int = 60) -> Iterator[str]:
    """A JSON answer cut off by max_tokens, closed after each complete element, latest first.

    The caller keeps the first that validates: unfinished elements are dropped (a half question is
    worse than none), so a cut-off list of questions can still be used.
    """
    start = content.find("{")
    if start == -1:
        return
    cuts: list[int] = []  # where the text can end: after a complete value, before a comma
    in_string = escaped = False
    depth = 0
    for index, char in enumerate(content[start:], start):
        if in_string:
            escaped, in_string = (not escaped and char == "\\"), in_string and (escaped or char != '"')
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            cuts.append(index + 1)
            if depth == 0:
                yield content[start : index + 1]
                return
        elif char == ",":
            cuts.append(index)
    for cut in reversed(cuts[-limit:]):
        yield _closed(content[start:cut])


def _closed(prefix: str) -> str:
    """prefix with its open brackets closed (prefix ends after a complete element)."""
    stack: list[str] = []
    in_string = escaped = False
    for char in prefix:
        if in_string:
            escaped, in_string = (not escaped and char == "\\"), in_string and (escaped or char != '"')
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]" and stack:
            stack.pop()
    return prefix.rstrip().rstrip(",") + "".join(reversed(stack))
