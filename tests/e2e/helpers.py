"""What end-to-end tests look at: the thread as people see it in the Slack emulator."""

from __future__ import annotations

from typing import Any

from bot.store.keys import session_key
from bot.store.sessions import Session
from tests.e2e.conftest import Stack
from tests.fakes.slack import SlackEmulator
from tests.support.waiting import wait_until

DESIGN = [
    ("UANA", "We need a CSV export for the analytics dashboard. Users pick a date range and get a file."),
    ("UBOB", "Exports can be big (millions of rows), so it should run as a background job, not in the request."),
    ("UANA", "Agreed. We already run Celery for reports; the file can go to S3 with a signed URL that expires."),
    ("UBOB", "The dashboard API is the Django service; the export endpoint should live there."),
]
# What the model answers when a thread needs no questions.
CLEAR = {"thread_is_clear": True, "title": "CSV export", "language": "English", "questions": []}
SEED_HEADINGS = [
    "### 1. Overview",
    "### 2. System Context",
    "#### 3.1 Functional Requirements",
    "#### 3.2 Non-Functional Requirements",
    "#### 4.2 API Contracts",
    "#### 4.3 Data Model",
    "### 6. Error Handling",
    "### 8. Risks and Mitigations",
    "### 9. Open Questions",
    "### 10. References",
]


def design_thread(stack: Stack, channel: str, lines: list[tuple[str, str]] | None = None) -> str:
    """Seed a design discussion (no events: it happened before the bot was asked); return the root ts."""
    lines = lines or DESIGN
    root = stack.slack.seed_message(channel, lines[0][0], lines[0][1])
    for user, text in lines[1:]:
        stack.slack.seed_message(channel, user, text, thread_ts=root)
    return root


def bot_messages(slack: SlackEmulator, channel: str, root: str) -> list[dict[str, Any]]:
    """The bot's messages in the thread (excluding the root)."""
    return [m for m in slack.thread(channel, root) if m.get("bot_id") and m.get("ts") != root]


def is_questions_message(message: dict[str, Any]) -> bool:
    """True for the bot's one questions message (its header block)."""
    blocks = message.get("blocks") or []
    # Identified by its "Generate now" button, whatever language its wording is in.
    return any(
        e.get("action_id") == "techspec_generate_now"
        for b in blocks
        if b.get("type") == "actions"
        for e in b.get("elements", [])
    )


def questions_messages(slack: SlackEmulator, channel: str, root: str) -> list[dict[str, Any]]:
    """Every questions message the bot posted in the thread."""
    return [m for m in bot_messages(slack, channel, root) if is_questions_message(m)]


def wait_for_questions(stack: Stack, channel: str, root: str, timeout: float = 20) -> dict[str, Any]:
    """Wait for the questions message and return it."""
    found = wait_until(
        lambda: questions_messages(stack.slack, channel, root),
        timeout,
        message=f"questions message in {channel}\n{stack.logs()}",
    )
    return found[0]


def spec_files(slack: SlackEmulator, channel: str, root: str) -> list[Any]:
    """Files named TECHNICAL_SPEC.md uploaded into the thread."""
    return [
        f
        for f in list(slack.files.values())
        if f.filename == "TECHNICAL_SPEC.md" and f.channel_id == channel and f.thread_ts == root
    ]


def wait_for_pinned_spec(stack: Stack, channel: str, root: str, timeout: float = 30) -> Any:
    """Wait until a spec file is in the thread and the message sharing it is pinned; return the file."""

    def pinned() -> Any:
        for file in spec_files(stack.slack, channel, root):
            share = ((file.shares or {}).get("public") or (file.shares or {}).get("private") or {}).get(channel)
            if share and share[0]["ts"] in stack.slack.pins(channel):
                return file
        return None

    return wait_until(pinned, timeout, message=f"pinned TECHNICAL_SPEC.md in {channel}\n{stack.logs()}")


def status_text(stack: Stack, channel: str, root: str) -> str:
    """The text of the bot's status line (its first message in the thread)."""
    messages = [m for m in bot_messages(stack.slack, channel, root) if not is_questions_message(m)]
    return str(messages[0].get("text", "")) if messages else ""


def session_of(stack: Stack, channel: str, root: str) -> Session | None:
    """The thread's session as stored in Redis (None when there is none)."""
    raw = stack.redis.get(session_key("T0001", channel, root))
    return Session.model_validate_json(raw) if raw else None


def thread_with_questions(stack: Stack) -> tuple[str, str, dict[str, Any]]:
    """A fresh channel with a design thread whose @mention got the questions: (channel, root, questions)."""
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
    return channel, root, wait_for_questions(stack, channel, root)
