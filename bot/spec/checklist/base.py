"""Checklist building blocks: problems as data, the check type, and the text rules (measures, vague words, ...)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.spec.document import TechnicalSpecDraft

NFR_ATTRIBUTES = ("performance", "scalability", "security", "reliability", "observability")
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
BODYLESS_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
RATINGS = frozenset({"High", "Medium", "Low"})

# A number with a unit: "200 ms", "99.9%", "5,000 requests/s", "10x", "30 days", "3 retries".
_UNIT = (
    r"(?:%|x|×|ms|µs|us|ns|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?|weeks?|months?|years?"
    r"|[kmgtp]i?b|bytes?|[kmg]?bps|rps|qps|tps|rpm|req(?:uests?)?|calls?|users?|tenants?|clients?"
    r"|connections?|sessions?|rows?|records?|items?|events?|messages?|files?|jobs?|tasks?|nodes?"
    r"|replicas?|instances?|pods?|regions?|zones?|retries|attempts?|times|errors?|incidents?|findings?"
    r"|alerts?|characters?|chars?|per\b|/)"
)
_RATE = r"\s?[a-z]*\s?(?:per|/|an?|each)\s?(?:s|sec|second|min|minute|h|hour|day|week|month|request|user|tenant)\b"
MEASURE = re.compile(rf"(?<![\w.])\d[\d,]*(?:\.\d+)?(?:\s?{_UNIT}(?![a-z])|{_RATE})", re.IGNORECASE)
# Words that make a requirement untestable unless the same requirement quantifies them.
VAGUE = re.compile(
    r"\b(fast|faster|quick(?:ly)?|slow|scalable|secure(?:ly)?|user[- ]friendly|robust|efficient(?:ly)?"
    r"|performant|high[- ]performance|reliabl[ey]|easy|easily|simple|intuitive|seamless(?:ly)?|flexible"
    r"|responsive|as soon as possible|asap|optimal|minimal)\b",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(
    r"\b(TBD|TBA|TODO|FIXME)\b|\?\?\?|\bto be (?:decided|determined|defined|confirmed)\b|\betc\.|\band so on\b"
    r"|\bas (?:needed|appropriate|required)\b|\[(?:describe|scenario|placeholder)[^\]]*\]",
    re.IGNORECASE,
)
CONTRADICTION = re.compile(r"\b(contradict\w*|conflict\w*|disagree\w*|inconsistent|inconsistency)\b", re.IGNORECASE)
_FR_PREFIX = re.compile(r"^\s*\**FR[-\s]?\d+\**\s*[:.)-]\s*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?。！？](?:\s|$)")


ProblemValue = str | int | tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """One thing a check found wrong: the spec section (model field) to rewrite, a stable code, its details.

    The code names the macro of prompts/checklist_problems.md.j2 that words it; params are its arguments.
    """

    section: str
    code: str
    params: Mapping[str, ProblemValue] = field(default_factory=dict)


def problem(section: str, code: str, **params: ProblemValue) -> Problem:
    """A Problem with its details given as keywords."""
    return Problem(section, code, params)


@dataclass(frozen=True)
class CheckContext:
    """What the checks need besides the spec: valid citation labels and the unanswered questions."""

    labels: frozenset[str] | None = None  # None: labels are not verified
    unanswered: tuple[str, ...] = ()


Rule = Callable[[TechnicalSpecDraft, CheckContext], list[Problem]]


@dataclass(frozen=True)
class Check:
    """One checklist item: its id (its title is worded in prompts/checklist_problems.md.j2), its fields, its rule."""

    item: str
    fields: tuple[str, ...]
    rule: Rule


def has_measure(text: str) -> bool:
    """True when text holds a number with a unit ("200 ms", "99.9%", "30 days")."""
    return bool(MEASURE.search(text))


def sentence_count(text: str) -> int:
    """Sentences in text (a final sentence without a full stop counts too)."""
    stripped = text.strip()
    if not stripped:
        return 0
    ends = len(_SENTENCE_END.findall(stripped))
    return ends if _SENTENCE_END.search(stripped[-1] + " ") else ends + 1


def strip_fr_prefix(text: str) -> str:
    """Requirement text without a leading 'FR-3:' the model added (the template numbers them)."""
    return _FR_PREFIX.sub("", text, count=1)


def mentions(haystack: str, needle: str) -> bool:
    """Case-insensitive containment of needle's first 60 characters (how items are matched)."""
    key = " ".join(needle.lower().split())[:60]
    return bool(key) and key in " ".join(haystack.lower().split())


def blank(text: str | None) -> bool:
    """True for empty text or a bare placeholder."""
    return not text or not text.strip() or bool(re.fullmatch(r"\W*(n/?a|none|tbd|-|\?)\W*", text.strip(), re.I))
