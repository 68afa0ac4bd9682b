"""Everything in a Redis database as text, keys and values alike, for tests that look for what must be gone.

RQ stores a job's call (its arguments) zlib-compressed and pickled in the job hash's `data` field; it is
decompressed here, so an id or a secret in a job's arguments is found like any other.
"""

from __future__ import annotations

import zlib

import redis


def _text(value: bytes | str) -> str:
    raw = value if isinstance(value, bytes) else value.encode()
    try:
        raw = zlib.decompress(raw)
    except zlib.error:
        pass
    return raw.decode("utf-8", errors="replace")


def every_key_and_value(connection: redis.Redis) -> dict[str, str]:
    """key -> all of its value(s) as one text, for every key of every type."""
    dump: dict[str, str] = {}
    for raw_key in connection.scan_iter(count=1000):
        key = _text(raw_key)
        kind = _text(connection.type(raw_key))
        if kind == "string":
            parts = [connection.get(raw_key) or b""]
        elif kind == "hash":
            parts = [p for pair in connection.hgetall(raw_key).items() for p in pair]
        elif kind == "list":
            parts = list(connection.lrange(raw_key, 0, -1))
        elif kind == "set":
            parts = list(connection.smembers(raw_key))
        elif kind == "zset":
            parts = list(connection.zrange(raw_key, 0, -1))
        elif kind == "stream":
            parts = [p for _, fields in connection.xrange(raw_key) for pair in fields.items() for p in pair]
        else:
            parts = []
        dump[key] = "\n".join(_text(p) for p in parts)
    return dump


def where_found(connection: redis.Redis, needles: list[str]) -> list[str]:
    """'key: needle' for every needle found in a key or its value (empty when none is stored anywhere)."""
    found = []
    for key, value in every_key_and_value(connection).items():
        for needle in needles:
            if needle in key or needle in value:
                found.append(f"{key}: {needle[:40]!r}")
    return found
