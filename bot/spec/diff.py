"""What changed between two versions of TECHNICAL_SPEC.md, section by section (compares the rendered
Markdown, so it reports exactly what readers of the two files see)."""

from __future__ import annotations

import difflib
import re
from typing import Literal

from pydantic import BaseModel

_HEADING = re.compile(r"^(#{3,4})\s+(?P<title>.+?)\s*$")
_LINK = re.compile(r"\]\([^)]*\)")  # permalinks may differ between versions for the same citation


class SectionChange(BaseModel):
    """One section that differs: added, removed, or changed (with the lines that came and went)."""

    heading: str
    kind: Literal["added", "removed", "changed"]
    added: list[str] = []
    removed: list[str] = []


def split_sections(markdown: str) -> dict[str, list[str]]:
    """Section heading -> its non-empty lines; the preamble before the first section (title, date) is left out."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for raw in markdown.splitlines():
        match = _HEADING.match(raw)
        if match:
            current = match.group("title")
            sections.setdefault(current, [])
            continue
        line = raw.strip()
        if current is not None and line:
            sections[current].append(line)
    return sections


def diff_specs(before: str, after: str) -> list[SectionChange]:
    """The sections that differ, in the new document's order (removed sections last)."""
    old, new = split_sections(before), split_sections(after)
    changes: list[SectionChange] = []
    for heading, lines in new.items():
        if heading not in old:
            changes.append(SectionChange(heading=heading, kind="added", added=lines))
            continue
        added, removed = _line_diff(old[heading], lines)
        if added or removed:
            changes.append(SectionChange(heading=heading, kind="changed", added=added, removed=removed))
    for heading, lines in old.items():
        if heading not in new:
            changes.append(SectionChange(heading=heading, kind="removed", removed=lines))
    return changes


def _line_diff(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """Lines only in new, lines only in old (compared without link targets)."""
    matcher = difflib.SequenceMatcher(a=[_key(x) for x in old], b=[_key(x) for x in new], autojunk=False)
    added: list[str] = []
    removed: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed.extend(old[i1:i2])
        if tag in ("replace", "insert"):
            added.extend(new[j1:j2])
    return added, removed


def _key(line: str) -> str:
    return _LINK.sub("]", line)


def unchanged_count(before: str, after: str) -> int:
    """How many sections of the new document are exactly as they were."""
    old, new = split_sections(before), split_sections(after)
    return sum(1 for heading, lines in new.items() if heading in old and not any(_line_diff(old[heading], lines)))
