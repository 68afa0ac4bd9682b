"""Generate one valid, readable instance of a JSON schema: the subset strict structured outputs use."""

from __future__ import annotations

import math
from typing import Any

from tests.fakes.model import vocabulary as vocab

Schema = dict[str, Any]
Path = tuple[str, ...]

_FORMATS: dict[str, str] = {
    "date-time": "2026-01-15T09:30:00Z",
    "date": "2026-01-15",
    "time": "09:30:00",
    "email": "dev@example.com",
    "uri": "https://example.com/items",
    "uuid": "3f2b8c1e-5d4a-4e2b-9c7d-1a2b3c4d5e6f",
    "hostname": "items.internal",
}


class SchemaInstanceGenerator:
    """Builds instances of one root schema, resolving `$ref`s against its `$defs`/`definitions`."""

    def __init__(self, root: Schema, *, max_depth: int = 16) -> None:
        """Keep the root so local `$ref`s (JSON pointers) can be resolved."""
        self.root = root
        self.max_depth = max_depth

    def instance(self) -> Any:
        """Return a valid instance of the root schema."""
        return self.value(self.root, (), 0)

    def resolve(self, schema: Schema) -> Schema:
        """Follow `$ref`s; sibling keywords next to a `$ref` override the target's."""
        seen: set[str] = set()
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if ref in seen:  # a ref cycle that never reaches a real schema: treat as "anything"
                return {}
            seen.add(ref)
            extra = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**self._pointer(ref), **extra}
        return schema if isinstance(schema, dict) else {}

    def _pointer(self, ref: str) -> Schema:
        """Resolve a local JSON pointer such as `#/$defs/Area`."""
        if not ref.startswith("#"):
            raise ValueError(f"only local $refs are supported, got {ref!r}")
        node: Any = self.root
        for part in filter(None, ref[1:].split("/")):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def value(self, schema: Schema, path: Path, index: int, depth: int = 0) -> Any:
        """Return an instance of `schema` for the property at `path`, as item `index` of its array."""
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return self._enum(schema["enum"], path, index)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self._union(schema[key], path, index, depth)
        if "allOf" in schema:
            return self.value(self._merge(schema["allOf"]), path, index, depth + 1)
        kind = _type_of(schema)
        if kind == "object":
            return self._object(schema, path, index, depth)
        if kind == "array":
            return self._array(schema, path, depth)
        if kind == "null":
            return None
        if kind == "boolean":
            return _name(path) not in vocab.FALSE_BOOLEANS
        if kind in ("integer", "number"):
            return _number(schema, _name(path), integer=kind == "integer")
        return _string(schema, path, index)

    def _union(self, branches: list[Schema], path: Path, index: int, depth: int) -> Any:
        """Prefer a non-null branch: `X | None` fields read better filled in, and both are valid."""
        for branch in branches:
            if _type_of(self.resolve(branch)) != "null":
                return self.value(branch, path, index, depth + 1)
        return None

    def _merge(self, parts: list[Schema]) -> Schema:
        """Shallow-merge `allOf` parts, uniting their properties and required lists."""
        merged: Schema = {}
        for part in (self.resolve(p) for p in parts):
            props = {**merged.get("properties", {}), **part.get("properties", {})}
            required = [*merged.get("required", []), *part.get("required", [])]
            merged = {**merged, **part, "properties": props, "required": required}
        return merged

    def _enum(self, options: list[Any], path: Path, index: int) -> Any:
        """Cycle through enum values by array index so sibling items differ."""
        if not options:
            raise ValueError(f"empty enum at {'.'.join(path) or '<root>'}")
        return options[(index + vocab.ENUM_OFFSETS.get(_name(path), 0)) % len(options)]

    def _object(self, schema: Schema, path: Path, index: int, depth: int) -> dict[str, Any]:
        """Fill every declared property: strict schemas require all of them, and extras are forbidden."""
        props: dict[str, Schema] = schema.get("properties", {})
        if depth > self.max_depth:  # recursive schema: keep only what is required
            props = {k: v for k, v in props.items() if k in schema.get("required", [])}
        return {key: self.value(sub, (*path, key), index, depth + 1) for key, sub in props.items()}

    def _array(self, schema: Schema, path: Path, depth: int) -> list[Any]:
        """Return 1-2 items (within minItems/maxItems); items are indexed so they differ."""
        prefix: list[Schema] = schema.get("prefixItems", [])
        items: Schema = schema["items"] if isinstance(schema.get("items"), dict) else {}
        count = max(self._array_count(schema, items, path, depth), len(prefix))
        return [self.value(prefix[i] if i < len(prefix) else items, path, i, depth + 1) for i in range(count)]

    def _array_count(self, schema: Schema, items: Schema, path: Path, depth: int) -> int:
        """Two items normally; none when deep (recursion); one when the vocabulary has one value."""
        wanted = 2 if depth <= self.max_depth else 0
        resolved = self.resolve(items)
        if _type_of(resolved) == "string" and "enum" not in resolved and _vocabulary(path):
            # repeating the same sentence twice reads like a bug in the rendered spec
            wanted = min(wanted, len(_vocabulary(path)))
        count = max(int(schema.get("minItems", 0)), wanted)
        return min(count, int(schema["maxItems"])) if "maxItems" in schema else count


def generate_instance(schema: Schema) -> Any:
    """Return a valid, human-readable instance of `schema`."""
    return SchemaInstanceGenerator(schema).instance()


def _type_of(schema: Schema) -> str:
    """The instance type a schema asks for; a list of types picks the first non-null one."""
    kind = schema.get("type")
    if isinstance(kind, list):
        non_null = [k for k in kind if k != "null"]
        return non_null[0] if non_null else "null"
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return "string"  # an unconstrained schema accepts anything; a string is the most readable


def _name(path: Path) -> str:
    """The property name a value is generated for ('' at the root)."""
    return path[-1] if path else ""


def _vocabulary(path: Path) -> tuple[str, ...]:
    """Known readable values for the property at `path`, most specific first."""
    if len(path) >= 2 and (path[-2], path[-1]) in vocab.NESTED:
        return vocab.NESTED[(path[-2], path[-1])]
    return vocab.STRINGS.get(_name(path), ())


def _string(schema: Schema, path: Path, index: int) -> str:
    """A readable string for the property, honouring format and length limits."""
    known = _vocabulary(path)
    if schema.get("format") in _FORMATS:
        text = _FORMATS[schema["format"]]
    elif known:
        text = known[index % len(known)]
    else:
        text = vocab.humanize(_name(path) or "answer")
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    if len(text) < low:
        text = text + "." * (low - len(text))
    return text[: int(high)] if high is not None else text


def _number(schema: Schema, name: str, *, integer: bool) -> int | float:
    """A realistic number for the property name, clamped into the schema's bounds."""
    value: float = vocab.INTEGERS.get(name, 1 if integer else 1.5)
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    step = 1 if integer else 0.5
    if low is not None and value <= low:
        value = low + (step if "exclusiveMinimum" in schema and "minimum" not in schema else 0)
    if high is not None and value >= high:
        value = high - (step if "exclusiveMaximum" in schema and "maximum" not in schema else 0)
    return math.ceil(value) if integer else float(value)
