"""What reaches the model, end to end: long threads condensed within budget, and injection contained in Slack."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest

from bot.llm.tokens import token_counter
from tests.e2e.conftest import Stack
from tests.e2e.helpers import design_thread, status_text, wait_for_pinned_spec, wait_for_questions
from tests.fakes.model.answers import default_answer
from tests.support.waiting import wait_until

BUDGET = 100_000  # the default TECHSPEC_PROMPT_TOKEN_BUDGET the stack runs with
COUNT = token_counter("test-model").count
PEOPLE = ("UANA", "UBOB", "UCAT")
FILLER = "I looked at the export numbers again; the retry behaviour and the dashboards need another pass first"
HOSTILE = "<!channel> <!here> <!everyone> <!subteam^S0PLATFORM|@platform> <@UCAT> &lt;!channel&gt; <https://evil.example|click>"


def condense_responder(schema: str | None, body: dict[str, Any]) -> dict[str, Any] | None:
    """The model's notes: every DECISION line of a chunk (or of the notes being merged) kept with its label."""
    if schema != "CondensedNotes":
        return None
    text = "\n".join(str(m.get("content", "")) for m in body["messages"])
    notes = [
        {"text": m.group(1).strip(), "authors": ["Ana"], "sources": re.findall(r"\bM\d+\b", m.group(0))}
        for m in re.finditer(r"^.*?(DECISION[^(\n]*).*$", text, re.MULTILINE)
    ]
    return {"decisions": notes, "constraints": [], "open_questions": []}


def seed_long_thread(stack: Stack, channel: str, n: int) -> str:
    root = stack.slack.seed_message(channel, "UANA", f"Long design thread {channel}: CSV exports for the dashboard")
    for i in range(2, n + 1):
        text = "DECISION exports are stored in Postgres 16" if i == 3 else f"{FILLER} ({i})"
        stack.slack.seed_message(channel, PEOPLE[i % 3], text, thread_ts=root)
    return root


def worker_lines(stack: Stack) -> list[dict[str, Any]]:
    worker = next(p for p in stack.processes if p.kind == "worker")
    lines = []
    for raw in worker.output().splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue
    return lines


def read_step_timing(stack: Stack, channel: str) -> tuple[float, float]:
    """(ms the read step took, ms of it spent waiting for the model) from the worker's JSON log lines."""
    lines = worker_lines(stack)
    step = next(
        line
        for line in lines
        if line.get("event") == "step finished" and line.get("step") == "read" and channel in str(line.get("session"))
    )
    end = float(step["ts"])
    start = end - float(step["duration_ms"]) / 1000
    model = sum(
        float(line["duration_ms"])
        for line in lines
        if line.get("event") == "model call" and start - 0.01 <= float(line["ts"]) <= end + 0.01
    )
    return float(step["duration_ms"]), model


@pytest.mark.parametrize("size", [10, 500, 5000])
def test_long_thread_reaches_the_model_within_budget(fresh: Stack, size: int) -> None:
    stack = fresh
    stack.model.responder = condense_responder
    try:
        channel = stack.new_channel(members=("UANA", "UBOB", "UCAT", "UBOT"))
        root = seed_long_thread(stack, channel, size)
        first_call, first_model_call = len(stack.slack.requests), len(stack.model.requests)
        stack.slack.post_message(channel, "UBOB", "<@UBOT> spec please", thread_ts=root)
        wait_for_questions(stack, channel, root, timeout=120)
    finally:
        stack.model.responder = None
    calls = stack.slack.requests[first_call:]
    pages = [c for c in calls if c.method == "conversations.replies" and c.params.get("channel") == channel]
    assert len(pages) == math.ceil((size + 1) / 200)  # every page of the thread (and its mention) read once
    model_calls = stack.model.requests[first_model_call:]
    [clarify_call] = [c for c in model_calls if c.schema_name == "ClarifyResult"]
    prompt = stack.model.prompt_text(clarify_call)
    tokens = COUNT(prompt)
    assert tokens <= BUDGET
    assert "DECISION exports are stored in Postgres 16" in prompt  # message 3 reaches the model
    condensed = "are too long to include" in prompt
    assert condensed == (size == 5000)
    if size == 5000:
        assert f"{FILLER} ({size})" in prompt  # the newest message verbatim
        total_ms, model_ms = read_step_timing(stack, channel)
        slack_calls = [c.method for c in calls]
        print(
            f"\n5000-message thread: {len(slack_calls)} Slack calls "
            f"({len(pages)} conversations.replies pages, {slack_calls.count('users.info')} users.info); "
            f"clarify prompt {tokens} tokens (budget {BUDGET}); read step {total_ms:.0f} ms, "
            f"of which model {model_ms:.0f} ms, outside the model {total_ms - model_ms:.0f} ms; "
            f"{len([c for c in model_calls if c.schema_name == 'CondensedNotes'])} condense calls"
        )


def hostile_spec(schema: str | None, body: dict[str, Any]) -> Any:
    """A model that writes broadcast and mention markup into everything the bot may post."""
    answer = default_answer(body)
    if schema == "ClarifyResult":
        answer.update(title=f"Spec {HOSTILE}", thread_is_clear=False)
        for question in answer["questions"]:
            question.update(question=f"{HOSTILE} ?", why_it_matters=HOSTILE, recommended_answer=HOSTILE)
    elif schema == "TechnicalSpecDraft":
        answer.update(title=f"{HOSTILE} " * 3, overview=f"{HOSTILE} " * 40)
    return answer


def outgoing_texts(stack: Stack, channel: str) -> list[str]:
    """Every text and block the bot sent to Slack for this channel (posts, updates, file comments)."""
    texts = []
    for call in stack.slack.requests:
        params = call.params
        if params.get("channel") != channel and params.get("channel_id") != channel:
            continue
        for key in ("text", "blocks", "initial_comment", "files"):
            if key in params:
                texts.append(json.dumps(params[key]) if not isinstance(params[key], str) else params[key])
    return texts


def test_model_output_cannot_notify_anyone(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel(members=("UANA", "UBOB", "UCAT", "UBOT"))
    root = design_thread(stack, channel)
    stack.model.responder = hostile_spec
    try:
        stack.slack.post_message(channel, "UBOB", "<@UBOT> spec please", thread_ts=root)
        wait_for_questions(stack, channel, root)
        stack.slack.post_message(channel, "UANA", "1. Postgres 16", thread_ts=root)
        stack.slack.post_message(channel, "UANA", "<@UBOT> go ahead", thread_ts=root)
        wait_for_pinned_spec(stack, channel, root)
        wait_until(lambda: "Done" in status_text(stack, channel, root), 10, message="done status")
    finally:
        stack.model.responder = None
    offending = [c.params.get("text") for c in stack.slack.requests if "<!" in str(c.params.get("text"))]
    assert [v for v in stack.slack.violations if channel in v] == [], offending

    sent = outgoing_texts(stack, channel)
    assert any("platform" in text for text in sent)  # the hostile text was posted, made inert
    for text in sent:
        assert "<!" not in text, text
        assert "<@UCAT" not in text, text  # nobody outside the thread's answerers is mentioned
        assert "<https://evil" not in text, text


GERMAN = [
    ("UANA", "Wir brauchen einen CSV-Export für das Dashboard. Nutzer wählen einen Zeitraum."),
    ("UBOB", "Exporte können groß werden, also als Hintergrundjob, nicht im Request."),
    ("UANA", "Einverstanden. Die Datei landet in S3 mit einer signierten URL, die abläuft."),
]


GERMAN_PHRASES = {
    "reading": "Lese diesen Thread",
    "waiting_for_answers": "Warte auf Antworten",
    "answered": "beantwortet",
    "when_ready": "Erwähne @techspec oder drücke Jetzt erstellen, wenn ihr so weit seid.",
    "writing": "Schreibe die Spezifikation",
    "done": "Fertig: die Spezifikation ist in diesem Thread und angeheftet",
    "questions_header": "Fragen vor der Spezifikation",
    "intro": "Ein paar Punkte, die der Thread offen lässt:",
    "how_to_answer": "So antwortet ihr: im Thread, `1. … 2. …`; `ok` übernimmt die Vorschläge.",
    "answer_in_form": "Im Formular antworten",
    "generate_now": "Jetzt erstellen",
    "cancel": "Abbrechen",
}


def test_a_german_thread_gets_a_german_spec(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel, GERMAN)
    stack.model.responder = lambda schema, body: (
        # The model's language field is not trusted (a small model once said "JavaScript"): the text is.
        {**default_answer(body), "language": "JavaScript", "ui_phrases": GERMAN_PHRASES}
        if schema == "ClarifyResult"
        else None
    )
    try:
        stack.slack.post_message(channel, "UBOB", "<@UBOT> bitte eine Spezifikation", thread_ts=root)
        questions = wait_for_questions(stack, channel, root)
        # The bot's own wording is in the thread's language too: the questions message and the status.
        assert "Fragen vor der Spezifikation" in json.dumps(questions["blocks"], ensure_ascii=False)
        assert "Jetzt erstellen" in json.dumps(questions["blocks"], ensure_ascii=False)
        wait_until(lambda: "Warte auf Antworten" in status_text(stack, channel, root), 10, message="German status")
        stack.slack.post_message(channel, "UANA", "<@UBOT> los geht's", thread_ts=root)
        wait_for_pinned_spec(stack, channel, root)
        wait_until(lambda: "Fertig" in status_text(stack, channel, root), 10, message="German done status")
    finally:
        stack.model.responder = None
    clarify_prompt = stack.model.prompt_text(
        next(c for c in stack.model.calls("ClarifyResult") if "CSV-Export" in stack.model.prompt_text(c))
    )
    assert "write the questions, reasons and recommendations in that language" in clarify_prompt
    write_prompt = stack.model.prompt_text(
        next(c for c in stack.model.calls("TechnicalSpecDraft") if "CSV-Export" in stack.model.prompt_text(c))
    )
    assert "Write the specification in German" in write_prompt and "JavaScript" not in write_prompt


PLANTED = {
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "slack": "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----",
    "github": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
}


def test_planted_secrets_never_reach_the_model_and_the_status_counts_them(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    lines = [
        ("UANA", "Export service design. Staging creds for now: " + PLANTED["aws"]),
        ("UBOB", "The bot token is " + PLANTED["slack"] + " and the deploy key:\n```" + PLANTED["key"] + "```"),
        ("UANA", "Commit 3f786850e387550fdab836ed7e6dc881de23001b has the prototype."),
    ]
    root = design_thread(stack, channel, lines)
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
    wait_for_questions(stack, channel, root)
    stack.slack.post_message(channel, "UBOB", "1. use " + PLANTED["github"] + " for CI", thread_ts=root)
    stack.slack.post_message(channel, "UANA", "<@UBOT> go", thread_ts=root)
    wait_for_pinned_spec(stack, channel, root)
    wait_until(lambda: "redacted" in status_text(stack, channel, root), 10, message="redaction count in status")

    prompts = [
        stack.model.prompt_text(r)
        for r in stack.model.requests
        if "Export service design" in stack.model.prompt_text(r)
    ]
    assert len(prompts) >= 2  # clarify and write
    for prompt in prompts:
        for secret in PLANTED.values():
            assert secret not in prompt
        assert "3f786850e387550fdab836ed7e6dc881de23001b" in prompt  # a commit hash is not a secret
    status = status_text(stack, channel, root)
    assert re.search(r"\d+ secrets? redacted", status) and not any(s in status for s in PLANTED.values())
    assert not any(secret in stack.full_logs() for secret in PLANTED.values())
