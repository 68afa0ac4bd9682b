"""Condense the earlier part of an over-budget thread: map over chunks into notes, reduce once.

Each chunk call turns a stretch of messages into decisions, constraints and open questions with
their authors and message labels; one more call merges the chunks' notes when they fit in one
prompt. The number of calls is bounded: at most `max_chunks` chunk calls plus one merge.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from bot.errors import TechspecError
from bot.llm.port import PromptedModel
from bot.llm.prompts import PromptLibrary
from bot.spec.markers import TranscriptMarkers
from bot.spec.redaction import redact
from bot.spec.schemas import CondensedNote, CondensedNotes

# Chunks smaller than the model's budget keep the notes detailed; a thread needing more than
# max_chunks of this size gets bigger chunks, up to what fits in one prompt.
PREFERRED_CHUNK_TOKENS = 24_000


class ThreadTooLongError(TechspecError):
    """Even condensed within the call limit, the thread would not fit the model's budget."""

    retryable = False


@dataclass(frozen=True)
class Line:
    """One labelled, redacted transcript entry, its size in tokens, and a digest of what it says."""

    label: str
    text: str
    tokens: int
    digest: str = ""  # of the message itself (not its relative age), to recognise it on a later read


class CondensedHistory(BaseModel):
    """The notes standing in for the earlier messages (structured and rendered), and the calls they took."""

    notes: CondensedNotes
    text: str
    first_label: str
    last_label: str
    message_count: int
    chunk_calls: int
    merge_calls: int


def plan_chunks(lines: Sequence[Line], chunk_budget: int, max_chunks: int) -> list[list[Line]]:
    """Split lines, in order, into at most max_chunks chunks of at most chunk_budget tokens each."""
    total = sum(line.tokens for line in lines)
    size = min(chunk_budget, max(PREFERRED_CHUNK_TOKENS, math.ceil(total / max_chunks)))
    chunks: list[list[Line]] = [[]]
    used = 0
    for line in lines:
        if chunks[-1] and used + line.tokens > size:
            chunks.append([])
            used = 0
        chunks[-1].append(line)
        used += line.tokens
    if len(chunks) > max_chunks:
        raise ThreadTooLongError(
            f"{total} tokens in {len(chunks)} chunks",
            user_message=(
                f"This thread is too long for me: condensing its {len(lines)} earlier messages would take more "
                f"than {max_chunks} model calls. Raise TECHSPEC_CONDENSE_MAX_CHUNKS or the model's token budget."
            ),
        )
    return [chunk for chunk in chunks if chunk]


def condense_history(
    lines: Sequence[Line],
    *,
    llm: PromptedModel,
    count: Callable[[str], int],
    chunk_budget: int,
    notes_budget: int,
    max_chunks: int,
) -> CondensedHistory:
    """Map each chunk of lines to notes, merge them (one call, when they fit), and render them in budget."""
    chunks = plan_chunks(lines, chunk_budget, max_chunks)
    labels = [line.label for line in lines]
    notes = [_notes_for(chunk, llm, merging=False, total=len(lines)) for chunk in chunks]
    merged = _concat(notes)
    merge_calls = 0
    if len(notes) > 1:
        rendered = TranscriptMarkers(llm.prompts).notes(merged)
        if count(rendered) <= chunk_budget:
            merge_input = [Line(label="", text=rendered, tokens=0)]
            merged = _notes_for(merge_input, llm, merging=True, total=len(lines), span=(labels[0], labels[-1]))
            merge_calls = 1
    return history_from_notes(
        _clean(merged, set(labels)),
        lines,
        notes_budget,
        count,
        prompts=llm.prompts,
        chunk_calls=len(chunks),
        merge_calls=merge_calls,
    )


def history_from_notes(
    notes: CondensedNotes,
    lines: Sequence[Line],
    notes_budget: int,
    count: Callable[[str], int],
    *,
    prompts: PromptLibrary,
    chunk_calls: int = 0,
    merge_calls: int = 0,
) -> CondensedHistory:
    """Render notes within notes_budget as the history of lines (also for notes reused from an earlier step)."""
    return CondensedHistory(
        notes=notes,
        text=_fit(notes, notes_budget, count, TranscriptMarkers(prompts)),
        first_label=lines[0].label,
        last_label=lines[-1].label,
        message_count=len(lines),
        chunk_calls=chunk_calls,
        merge_calls=merge_calls,
    )


def _notes_for(
    chunk: Sequence[Line],
    llm: PromptedModel,
    *,
    merging: bool,
    total: int,
    span: tuple[str, str] | None = None,
) -> CondensedNotes:
    first, last = span or (chunk[0].label, chunk[-1].label)
    return llm.ask(
        CondensedNotes,
        "condense",
        merging=merging,
        transcript="\n".join(line.text for line in chunk),
        first_label=first,
        last_label=last,
        message_count=total if merging else len(chunk),
    )


def _concat(notes: Sequence[CondensedNotes]) -> CondensedNotes:
    return CondensedNotes(
        decisions=[n for part in notes for n in part.decisions],
        constraints=[n for part in notes for n in part.constraints],
        open_questions=[n for part in notes for n in part.open_questions],
    )


def _clean(notes: CondensedNotes, known: set[str]) -> CondensedNotes:
    """Keep only labels that exist (a made-up label would become a wrong link) and redact the text."""

    def clean(note: CondensedNote) -> CondensedNote:
        sources = [s.strip() for s in note.sources if s.strip() in known]
        return CondensedNote(text=redact(note.text).text, authors=note.authors[:8], sources=sources[:12])

    return CondensedNotes(
        decisions=[clean(n) for n in notes.decisions if n.text],
        constraints=[clean(n) for n in notes.constraints if n.text],
        open_questions=[clean(n) for n in notes.open_questions if n.text],
    )


def _fit(notes: CondensedNotes, budget: int, count: Callable[[str], int], markers: TranscriptMarkers) -> str:
    """The rendered notes; if they overflow, the newest notes of each kind are dropped and that is said."""
    text = markers.notes(notes)
    dropped = 0
    decisions, constraints, questions = list(notes.decisions), list(notes.constraints), list(notes.open_questions)
    while count(text) > budget and (decisions or constraints or questions):
        max((decisions, constraints, questions), key=len).pop()
        dropped += 1
        text = markers.note_lists(decisions, constraints, questions)
    return markers.note_lists(decisions, constraints, questions, left_out=dropped) if dropped else text
