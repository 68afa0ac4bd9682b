"""Spec quality against a fixture thread's annotations (tests/fixtures/threads/annotations/<thread>.json).

An annotation file lists what a good spec of the thread does: the `decisions` the thread settles, each
with the message that settles it (`settled_by`) and words that recognise it (`keywords`); the
`open_points` that must be asked about or land in Open Questions; the `settled_points` that must not
be asked about; the `contradictions` that must be surfaced (both messages cited). Matching is by
keyword, case-insensitive, so a figure is reproducible and explainable line by line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from bot.spec.document import TechnicalSpecDraft
from bot.spec.records import Question

Item = tuple[str, list[str]]  # (text, sources)


@dataclass
class Quality:
    """Counts behind the quality figures of one thread (or the total)."""

    decisions: int = 0
    decisions_found: int = 0
    decisions_cited: int = 0
    questions: int = 0
    questions_on_open: int = 0
    open_points: int = 0
    open_covered: int = 0
    over_asked: int = 0
    unsourced: int = 0
    assumptions_labelled: int = 0
    contradictions: int = 0
    contradictions_surfaced: int = 0

    def add(self, other: Quality) -> None:
        """Add another thread's counts."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def rates(self) -> dict[str, tuple[int, int]]:
        """Each figure as (part, whole)."""
        return {
            "decision recall": (self.decisions_found, self.decisions),
            "citation accuracy": (self.decisions_cited, self.decisions_found),
            "question precision": (self.questions_on_open, self.questions),
            "question recall": (self.open_covered, self.open_points),
            "over-asking": (self.over_asked, self.questions),
            "assumptions labelled": (self.assumptions_labelled, self.unsourced),
            "contradictions surfaced": (self.contradictions_surfaced, self.contradictions),
        }


def load_annotations(directory: Path, thread: str) -> dict[str, Any]:
    """The annotations of a thread ({} when it has none)."""
    path = directory / "annotations" / f"{thread}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _has(text: str, keywords: Iterable[str]) -> bool:
    lowered = text.casefold()
    return any(k.casefold() in lowered for k in keywords)


def settled_items(spec: TechnicalSpecDraft) -> list[Item]:
    """Where a decision can be stated: the architecture's decisions and the functional requirements."""
    items = [(f"{d.decision} {d.rationale}", d.sources) for d in spec.architecture.decisions]
    return items + [(fr.text, fr.sources) for fr in spec.functional_requirements]


def score(spec: TechnicalSpecDraft | None, questions: list[Question], notes: dict[str, Any]) -> Quality:
    """Every figure for one thread's spec and questions (no spec: the questions' figures only)."""
    q = Quality()
    if spec is None:
        _score_questions(q, None, questions, notes)
        return q
    items = settled_items(spec)
    for decision in notes.get("decisions", []):
        q.decisions += 1
        matches = [sources for text, sources in items if _has(text, decision["keywords"])]
        q.decisions_found += bool(matches)
        q.decisions_cited += any(set(decision["settled_by"]) & set(s) for s in matches)
    _score_questions(q, spec, questions, notes)
    _score_assumptions(q, spec)
    open_items = [(oq.text, oq.sources) for oq in spec.open_questions]
    for contradiction in notes.get("contradictions", []):
        q.contradictions += 1
        q.contradictions_surfaced += any(
            set(contradiction["messages"]) <= set(sources) | _labels_in(text)
            or sum(k.casefold() in text.casefold() for k in contradiction["keywords"]) >= 2
            for text, sources in open_items
        )
    return q


def _score_questions(
    q: Quality, spec: TechnicalSpecDraft | None, questions: list[Question], notes: dict[str, Any]
) -> None:
    open_areas = {p["area"] for p in notes.get("open_points", [])}
    settled_areas = {p["area"] for p in notes.get("settled_points", [])} - open_areas
    asked = {question.area.value for question in questions}
    open_text = " ".join(oq.text for oq in spec.open_questions) if spec is not None else ""
    q.questions = len(questions)
    q.questions_on_open = sum(question.area.value in open_areas for question in questions)
    q.over_asked = sum(question.area.value in settled_areas for question in questions)
    for point in notes.get("open_points", []):
        q.open_points += 1
        q.open_covered += point["area"] in asked or _has(open_text, point["keywords"])


def _score_assumptions(q: Quality, spec: TechnicalSpecDraft) -> None:
    """Statements resting on no message must be listed in Open Questions as assumptions to confirm."""
    unsourced = [text for text, sources in settled_items(spec) if not sources]
    unsourced += [r.risk for r in spec.risks if not r.sources]
    listed = " ".join(oq.text for oq in spec.open_questions)
    q.unsourced = len(unsourced)
    q.assumptions_labelled = sum(text[:40] in listed for text in unsourced)


def _labels_in(text: str) -> set[str]:
    return set(re.findall(r"\b[MA]\d+\b", text))
