"""The two strict-mode rules OpenAI enforces on `json_schema` response formats, with its wording.

A real endpoint answers 400 when a strict schema has an object that allows extra keys or leaves a
property out of `required`; emulating that catches a hand-written response_format that would only
fail in production (the SDK's `parse()` always produces a compliant schema).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Schema = dict[str, Any]


def strict_schema_problem(name: str, schema: Any) -> str | None:
    """OpenAI's 400 message for the first strict-mode violation in `schema`, or None if it complies."""
    for context, node in _objects(schema, ()):
        where = f"Invalid schema for response_format '{name}': In context={context!r}, "
        if node.get("additionalProperties") is not False:
            return where + "'additionalProperties' is required to be supplied and to be false."
        missing = [k for k in node.get("properties", {}) if k not in node.get("required", [])]
        if missing:
            return (
                where + "'required' is required to be supplied and to be an array including every key "
                f"in properties. Missing '{missing[0]}'."
            )
    return None


def _objects(node: Any, context: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Schema]]:
    """Every object-typed subschema, with OpenAI's context path (property names and keywords)."""
    if isinstance(node, list):
        for i, child in enumerate(node):
            yield from _objects(child, (*context, str(i)))
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "object" or (isinstance(kind, list) and "object" in kind):
        yield context, node
    for key, child in node.items():
        if key in ("properties", "$defs", "definitions"):
            for sub_name, sub in (child or {}).items():
                yield from _objects(sub, (*context, key, sub_name))
        elif key in ("items", "anyOf", "oneOf", "allOf", "prefixItems"):
            yield from _objects(child, (*context, key))
