"""The emulator's default answer to a chat completion request, when nothing is scripted."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.fakes.model import vocabulary as vocab
from tests.fakes.model.schema_instance import Schema, SchemaInstanceGenerator

SCHEMA_MARKERS = re.compile(r"<json_schema>(.*?)</json_schema>", re.DOTALL)
FALLBACK_ANSWER: dict[str, Any] = {"ok": True}


def message_text(message: dict[str, Any]) -> str:
    """The text of one message; content may be a string or a list of typed parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        # multi-part content: only text parts carry prompt text
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def prompt_text(body: dict[str, Any]) -> str:
    """All message contents of a request body joined with newlines."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return ""
    return "\n".join(message_text(m) for m in messages if isinstance(m, dict))


def schema_name_of(body: dict[str, Any]) -> str | None:
    """`response_format.json_schema.name` (or the title of json_object's `schema`), else None."""
    fmt = body.get("response_format")
    field_schema = fmt.get("schema") if isinstance(fmt, dict) and fmt.get("type") == "json_object" else None
    if isinstance(field_schema, dict) and isinstance(field_schema.get("title"), str):
        return str(field_schema["title"])
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema")
        if isinstance(spec, dict) and isinstance(spec.get("name"), str):
            return spec["name"]
    return None


def requested_schema(body: dict[str, Any]) -> tuple[str | None, Schema | None]:
    """The schema the answer must follow and its name: from response_format, else from the prompt."""
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema") or {}
        return spec.get("name"), spec.get("schema") or {}
    if isinstance(fmt, dict) and isinstance(fmt.get("schema"), dict):
        # json_object with a schema field (llama-cpp-python); a server that ignores it gets no further
        return schema_name_of(body), fmt["schema"]
    embedded = embedded_schema(prompt_text(body))
    if embedded is None:
        return None, None
    # json_object mode has no schema name; the embedded schema's title (pydantic puts the class
    # name there) lets the domain rules below apply in the bot's fallback mode too
    title = embedded.get("title")
    return (title if isinstance(title, str) else None), embedded


def embedded_schema(text: str) -> Schema | None:
    """The first JSON schema found between `<json_schema>` and `</json_schema>`, if it parses."""
    for match in SCHEMA_MARKERS.finditer(text):
        try:
            schema = json.loads(match.group(1))
        except json.JSONDecodeError:
            continue
        if isinstance(schema, dict):
            return schema
    return None


def default_answer(body: dict[str, Any]) -> Any:
    """A valid instance of the requested schema, or {"ok": true} when no schema can be found."""
    name, schema = requested_schema(body)
    if schema is None:
        return dict(FALLBACK_ANSWER)
    generator = SchemaInstanceGenerator(schema)
    instance = generator.instance()
    if name == "ClarifyResult" and isinstance(instance, dict):
        apply_clarify_rule(generator, instance)
    return instance


def apply_clarify_rule(generator: SchemaInstanceGenerator, instance: dict[str, Any]) -> None:
    """End-to-end tests expect the clarify step to ask: unclear thread, English, 3 questions."""
    root = generator.resolve(generator.root)
    props: dict[str, Schema] = root.get("properties", {})
    if "thread_is_clear" in props:
        instance["thread_is_clear"] = False
    if "language" in props:
        instance["language"] = "English"
    questions = props.get("questions")
    if questions is None:
        return
    item_schema = generator.resolve(generator.resolve(questions).get("items", {}))
    areas = _three_areas(generator, item_schema)
    instance["questions"] = [_question(generator, item_schema, i, area) for i, area in enumerate(areas)]


def _three_areas(generator: SchemaInstanceGenerator, item_schema: Schema) -> list[str | None]:
    """Three different areas from the schema's enum, preferring a spread across the template."""
    area_schema = generator.resolve(item_schema.get("properties", {}).get("area", {}))
    options = [a for a in area_schema.get("enum", []) if isinstance(a, str)]
    if not options:
        return [None, None, None]
    preferred = [a for a in vocab.PREFERRED_AREAS if a in options]
    rest = [a for a in options if a not in preferred]
    return [*(preferred + rest)[:3]] + [None] * max(0, 3 - len(options))


def _question(generator: SchemaInstanceGenerator, item_schema: Schema, index: int, area: str | None) -> Any:
    """One generated question, with area-specific wording when the area is a known template area."""
    item = generator.value(item_schema, ("questions",), index, 1)
    if not isinstance(item, dict):
        return item
    props = item_schema.get("properties", {})
    if area is not None and "area" in props:
        item["area"] = area
    wording = vocab.AREA_QUESTIONS.get(str(item.get("area", area)))
    if wording is not None:
        for key, text in zip(("question", "why_it_matters", "recommended_answer"), wording, strict=True):
            if key in props:
                item[key] = text
    return item
