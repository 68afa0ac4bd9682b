"""Condense the earlier part of an over-budget thread: map over chunks into notes, reduce once.

Each chunk call turns a stretch of messages into decisions, constraints and open questions with
their authors and message labels; one more call merges the chunks' notes when they fit in one
prompt. The number of calls is bounded: at most `max_chunks` chunk calls plus one merge.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel

from bot.errors import TechspecError
from bot.llm.prompts import PromptLibrary
from bot.spec.redaction import redact
from bot.spec.schemas import CondensedNote, CondensedNotes

if TYPE_CHECKING:  # bot.spec.clarify imports bot.spec.discussion, which imports this module
    from bot.spec.clarify import StructuredModel

# Chunks smaller than the model's budget keep the notes detailed; a thread needing more than
# max_chunks of this size gets bigger chunks, up to what fits in one prompt.
PREFERRED_CHUNK_TOKENS = 24_000
_CATEGORIES = (("decisions", "Decisions"), ("constraints", "Constraints"), ("open_questions", "Open questions"))


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
    model: StructuredModel,
    prompts: PromptLibrary,
    count: Callable[[str], int],
    chunk_budget: int,
    notes_budget: int,
    max_chunks: int,
) -> CondensedHistory:
    """Map each chunk of lines to notes, merge them (one call, when they fit), and render them in budget."""
    chunks = plan_chunks(lines, chunk_budget, max_chunks)
    labels = [line.label for line in lines]
    notes = [_notes_for(chunk, model, prompts, merging=False, total=len(lines)) for chunk in chunks]
    merged = _concat(notes)
    merge_calls = 0
    if len(notes) > 1 and count(_render(merged)) <= chunk_budget:
        merge_input = [Line(label="", text=_render(merged), tokens=0)]
        merged = _notes_for(merge_input, model, prompts, merging=True, total=len(lines), span=(labels[0], labels[-1]))
        merge_calls = 1
    return history_from_notes(
        _clean(merged, set(labels)), lines, notes_budget, count, chunk_calls=len(chunks), merge_calls=merge_calls
    )


def history_from_notes(
    notes: CondensedNotes,
    lines: Sequence[Line],
    notes_budget: int,
    count: Callable[[str], int],
    *,
    chunk_calls: int = 0,
    merge_calls: int = 0,
) -> CondensedHistory:
    """Render notes within notes_budget as the history of lines (also for notes reused from an earlier step)."""
    return CondensedHistory(
        notes=notes,
        text=_fit(notes, notes_budget, count),
        first_label=lines[0].label,
        last_label=lines[-1].label,
        message_count=len(lines),
        chunk_calls=chunk_calls,
        merge_calls=merge_calls,
    )


def _notes_for(
    chunk: Sequence[Line],
    model: StructuredModel,
    prompts: PromptLibrary,
    *,
    merging: bool,
    total: int,
    span: tuple[str, str] | None = None,
) -> CondensedNotes:
    first, last = span or (chunk[0].label, chunk[-1].label)
    user = prompts.render(
        "condense",
        merging=merging,
        transcript="\n".join(line.text for line in chunk),
        first_label=first,
        last_label=last,
        message_count=total if merging else len(chunk),
        schema_json=model.schema_text(CondensedNotes),
    )
    return model.structured(
        CondensedNotes, prompts.render("system"), user, prompts.render("repair", problem="{problem}")
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


def _render(notes: CondensedNotes) -> str:
    parts = []
    for field, title in _CATEGORIES:
        items: list[CondensedNote] = getattr(notes, field)
        if items:
            parts.append(f"{title}:\n" + "\n".join(_note_line(n) for n in items))
    return "\n".join(parts) or "(nothing of substance in these messages)"


def _note_line(note: CondensedNote) -> str:
    who = ", ".join(note.authors) or "unknown"
    where = ", ".join(note.sources)
    return f"- {' '.join(note.text.split())} ({who}{'; ' + where if where else ''})"


def _fit(notes: CondensedNotes, budget: int, count: Callable[[str], int]) -> str:
    """The rendered notes; if they overflow, the newest notes of each kind are dropped and that is said."""
    text = _render(notes)
    dropped = 0
    lists = [list(getattr(notes, field)) for field, _ in _CATEGORIES]
    while count(text) > budget and any(lists):
        longest = max(lists, key=len)
        longest.pop()
        dropped += 1
        text = _render(CondensedNotes(decisions=lists[0], constraints=lists[1], open_questions=lists[2]))
    if dropped:
        text += f"\n({dropped} further notes left out to stay within the model's budget)"
    return text
