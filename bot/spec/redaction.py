"""Replace credentials with [REDACTED:kind] before text is stored, sent to the model, logged or posted.

Two detectors: our own high-precision patterns (bot.spec.secret_patterns: whole key blocks, URL
passwords, key pairs, vendor token shapes, assignments, prose) and bc-detect-secrets (bot.spec.secret_scanner:
its vendor plugins, keyword and entropy detectors). Their findings are merged into non-overlapping spans;
every other occurrence of a found secret is redacted too, and the count is of distinct secrets.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass, field

from bot.spec import secret_scanner
from bot.spec.secret_patterns import PATTERNS, Pattern, accepts, secret_span

MARKER = "[REDACTED:{kind}]"
# A value found once is redacted wherever else it appears; shorter ones would hit ordinary words.
_MIN_REPEAT = 6
# Texts longer than this are searched line by line for the patterns that never span lines.
_LINE_SCOPED_FROM = 2_000
_NEWLINE = re.compile("\n")


@dataclass(frozen=True)
class Redaction:
    """Redacted text, how many distinct secrets were replaced, and their fingerprints (never the values)."""

    text: str
    count: int
    fingerprints: frozenset[str] = field(default_factory=frozenset)


def redact(text: str) -> Redaction:
    """Return the text with every recognised credential replaced by [REDACTED:kind]."""
    if not text:
        return Redaction(text=text, count=0)
    # Our patterns first; detect-secrets then scans what is left, so it sees fewer candidate lines.
    spans = _merge(_pattern_spans(text))
    secrets = {text[start:end] for start, end, _ in spans}
    text = _replace(text, spans)
    found = list(secret_scanner.scan(text))
    secrets.update(value for _, value in found)
    spans = [(start, start + len(value), kind) for kind, value in found for start in _occurrences(text, value)]
    # A secret found once is redacted wherever else it appears (a password repeated in a URL and in prose).
    spans += [
        (start, start + len(value), "secret")
        for value in secrets
        if len(value) >= _MIN_REPEAT
        for start in _occurrences(text, value)
    ]
    text = _replace(text, _merge(spans))
    if not secrets:
        return Redaction(text=text, count=0)
    fingerprints = frozenset(hashlib.sha256(s.encode()).hexdigest()[:16] for s in secrets)
    return Redaction(text=text, count=len(fingerprints), fingerprints=fingerprints)


def redact_text(text: str) -> str:
    """Shorthand for redact(text).text."""
    return redact(text).text


def _pattern_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    lowered = text.lower()
    starts = [0, *(m.end() for m in _NEWLINE.finditer(text))] if len(text) > _LINE_SCOPED_FROM else [0]
    lines_of: dict[str, set[int]] = {}  # needle -> the lines holding it (shared by the patterns)
    for pattern in PATTERNS:
        if not pattern.worth_running(lowered):
            continue
        for pos, endpos in _regions(pattern, lowered, starts, lines_of):
            for match in pattern.regex.finditer(text, pos, endpos):
                if accepts(pattern, match):
                    start, end = secret_span(match)
                    spans.append((start, end, pattern.kind))
    return spans


def _regions(pattern: Pattern, lowered: str, starts: list[int], lines_of: dict[str, set[int]]) -> list[tuple[int, int]]:
    """Where to search: the whole text, or (long texts) only the lines that hold one of the pattern's needles."""
    if len(starts) == 1 or not pattern.within_a_line:
        return [(0, len(lowered))]
    lines: set[int] = set()
    for needle in pattern.needles:
        if needle not in lines_of:
            lines_of[needle] = _lines_holding(lowered, needle, starts)
        lines |= lines_of[needle]
    if 4 * len(lines) > len(starts):
        return [(0, len(lowered))]  # on most lines anyway: one search beats many
    regions: list[tuple[int, int]] = []
    for i in sorted(lines):
        end = starts[i + 1] - 1 if i + 1 < len(starts) else len(lowered)
        if regions and regions[-1][1] == starts[i] - 1:  # the next line: one region
            regions[-1] = (regions[-1][0], end)
        else:
            regions.append((starts[i], end))
    return regions


def _lines_holding(lowered: str, needle: str, starts: list[int]) -> set[int]:
    found: set[int] = set()
    at = lowered.find(needle)
    while at >= 0:
        line = bisect_right(starts, at) - 1
        found.add(line)
        # The rest of this line already counts: jump to the next line.
        at = lowered.find(needle, starts[line + 1]) if line + 1 < len(starts) else -1
    return found


def _occurrences(text: str, value: str) -> list[int]:
    found, start = [], text.find(value)
    while start >= 0:
        found.append(start)
        start = text.find(value, start + len(value))
    return found


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping spans become one, named by the earliest (and longest) of them."""
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            last_start, last_end, last_kind = merged[-1]
            merged[-1] = (last_start, max(last_end, end), last_kind)
        else:
            merged.append((start, end, kind))
    return merged


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    parts, position = [], 0
    for start, end, kind in spans:
        parts += [text[position:start], MARKER.format(kind=kind)]
        position = end
    parts.append(text[position:])
    return "".join(parts)
