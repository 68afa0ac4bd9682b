"""The transcript as the model reads it: every marker worded by the macros of prompts/transcript.md.j2."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.llm.prompts import PromptLibrary
from bot.spec.schemas import CondensedNote, CondensedNotes
from bot.spec.transcript import ThreadMessage

TEMPLATE = "transcript"


class TranscriptMarkers:
    """Renders transcript lines, clip marks, the frame around condensed notes, and the notes themselves.

    Build one per transcript: it fetches the macros once, and a thread has thousands of lines.
    """

    def __init__(self, prompts: PromptLibrary) -> None:
        self._macros = prompts.macros(TEMPLATE)

    def line(self, label: str, message: ThreadMessage, now: float) -> str:
        """One entry: '[M3] Ana (2 h ago): text', files listed (and small text files quoted) after it."""
        files = [(file, None if file.text is None else fenced(file.text)) for file in message.files]
        return str(
            self._macros.line(
                label,
                message.author,
                max(0.0, now - float(message.ts)),
                message.edited,
                message.text.strip(),
                files,
            )
        )

    def age(self, seconds: float) -> str:
        """'just now', '5 min ago', '3 h ago', '2 d ago' for a message that many seconds old."""
        return str(self._macros.age(max(0.0, seconds)))

    def clipped(self, text: str, label: str, left_out: int) -> str:
        """The kept start of a message too long for the prompt, followed by a mark saying what was cut."""
        return str(self._macros.clipped(text, label, left_out))

    def condensed_header(self, earlier: tuple[str, str, int], recent: tuple[str, str]) -> str:
        """The line before the notes: which messages they stand for (first, last, count), which follow verbatim."""
        return str(self._macros.condensed_header(*earlier, *recent))

    def verbatim_footer(self, first: str, last: str) -> str:
        """The line between the notes and the newest messages, which follow verbatim."""
        return str(self._macros.verbatim_footer(first, last))

    def notes(self, notes: CondensedNotes, left_out: int = 0) -> str:
        """The notes by kind, saying how many were left out to stay within the budget."""
        return self.note_lists(notes.decisions, notes.constraints, notes.open_questions, left_out)

    def note_lists(
        self,
        decisions: Sequence[CondensedNote],
        constraints: Sequence[CondensedNote],
        open_questions: Sequence[CondensedNote],
        left_out: int = 0,
    ) -> str:
        """The notes given as three lists (what the budget fitting trims), rendered like notes()."""
        return str(self._macros.notes(decisions, constraints, open_questions, left_out))


def fenced(text: str) -> str:
    """File text in a fence longer than any backtick run inside it, so it cannot close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}\n{text.rstrip()}\n{ticks}"
