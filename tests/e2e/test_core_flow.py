"""End to end through the real web and worker processes: a thread becomes a pinned TECHNICAL_SPEC.md."""

from __future__ import annotations

import json
import time

from bot.store.keys import session_key
from bot.store.sessions import Phase
from tests.e2e.conftest import BOT_TOKEN, MODEL_KEY, SIGNING_SECRET, Stack
from tests.e2e.helpers import (
    CLEAR,
    SEED_HEADINGS,
    bot_messages,
    design_thread,
    questions_messages,
    session_of,
    spec_files,
    status_text,
    wait_for_pinned_spec,
    wait_for_questions,
)
from tests.support.waiting import wait_until


def test_mention_questions_answers_mention_gives_one_pinned_spec(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    started = time.monotonic()
    mention_ts = stack.slack.post_message(channel, "UBOB", "<@UBOT> can you turn this into a spec?", thread_ts=root)

    # Within about two seconds: :eyes: on the mention and a status line in the thread.
    wait_until(lambda: "eyes" in stack.slack.reactions(channel, mention_ts), 5, message="eyes reaction")
    wait_until(lambda: status_text(stack, channel, root), 5, message="status line")
    assert time.monotonic() - started < 3.0

    questions = wait_for_questions(stack, channel, root)
    clarify_calls = stack.model.calls("ClarifyResult")
    assert len(clarify_calls) == 1
    prompt = stack.model.prompt_text(clarify_calls[0])
    assert "millions of rows" in prompt and "Bob" in prompt  # the whole thread, names resolved
    header_text = json.dumps(questions["blocks"])
    assert "Generate now" in header_text and "How to answer" in header_text

    stack.slack.post_message(channel, "UANA", "1. Postgres 16, rows are kept 30 days", thread_ts=root)
    stack.slack.post_message(channel, "UBOB", "2. An export must finish within 5 minutes", thread_ts=root)
    key = session_key("T0001", channel, root)
    wait_until(lambda: stack.redis.hlen(key.replace(":session:", ":replies:")) == 2, 10, message="2 replies")
    wait_until(
        lambda: "2 of 3 answered" in status_text(stack, channel, root),
        10,
        message=f"status 2 of 3: {status_text(stack, channel, root)!r}\n{stack.logs()}",
    )

    stack.slack.post_message(channel, "UANA", "<@UBOT> go ahead", thread_ts=root)
    spec = wait_for_pinned_spec(stack, channel, root)

    document = spec.content.decode()
    for heading in SEED_HEADINGS:
        assert heading in document
    write_calls = stack.model.calls("TechnicalSpecDraft")
    assert len(write_calls) == 1
    write_prompt = stack.model.prompt_text(write_calls[0])
    assert "Postgres 16, rows are kept 30 days" in write_prompt and "within 5 minutes" in write_prompt
    # The question nobody answered is in Open Questions.
    third_question = _question_texts(questions)[2]
    open_questions = document.split("### 9. Open Questions", 1)[1]
    assert third_question[:40] in open_questions

    assert len(spec_files(stack.slack, channel, root)) == 1
    assert len(questions_messages(stack.slack, channel, root)) == 1
    wait_until(lambda: "Done" in status_text(stack, channel, root), 10, message="done status")
    wait_until(lambda: (found := session_of(stack, channel, root)) and found.phase == Phase.DONE, 10, message="done")
    assert "white_check_mark" in stack.slack.reactions(channel, mention_ts)
    assert stack.slack.violations == []

    # Operators get one JSON line per event, with no message text and no secrets.
    wait_until(lambda: '"step": "write"' in stack.full_logs(), 10, message="write step logged")
    logs = stack.full_logs()
    for private in ("millions of rows", "Postgres 16, rows are kept 30 days", BOT_TOKEN, MODEL_KEY, SIGNING_SECRET):
        assert private not in logs
    steps = [json.loads(line) for line in logs.splitlines() if '"step finished"' in line]
    assert {"read", "write"} <= {s["step"] for s in steps}
    assert all("session" in s and "duration_ms" in s for s in steps)


def test_message_shortcut_and_generate_now_button(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    reply_ts = stack.slack.thread(channel, root)[2]["ts"]
    delivery = stack.slack.send_message_shortcut("UANA", channel, reply_ts, callback_id="techspec")
    assert delivery.status == 200

    questions = wait_for_questions(stack, channel, root)
    stack.slack.post_message(channel, "UBOB", "3. only the dashboard's owners", thread_ts=root)
    click = stack.slack.send_block_action("UBOB", channel, questions["ts"], "techspec_generate_now", "x")
    assert click.status == 200
    spec = wait_for_pinned_spec(stack, channel, root)
    assert "only the dashboard's owners" in stack.model.prompt_text(stack.model.calls("TechnicalSpecDraft")[-1])
    assert spec.content.decode().startswith("## Technical Spec:")
    wait_until(lambda: "white_check_mark" in stack.slack.reactions(channel, reply_ts), 5, message="done reaction")


def test_slash_command_with_permalink(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    link = f"https://acme.slack.com/archives/{channel}/p{root.replace('.', '')}"
    stack.model.script("ClarifyResult", CLEAR)
    command_channel = stack.new_channel()
    delivery = stack.slack.send_slash_command(user="UANA", channel=command_channel, text=link)
    assert delivery.status == 200
    spec = wait_for_pinned_spec(stack, channel, root)
    assert questions_messages(stack.slack, channel, root) == []
    assert spec.thread_ts == root


def test_thread_already_clear_goes_straight_to_the_spec(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.model.script("ClarifyResult", CLEAR)
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec please", thread_ts=root)
    wait_for_pinned_spec(stack, channel, root)
    assert questions_messages(stack.slack, channel, root) == []
    updates = [c.params.get("text", "") for c in stack.slack.calls("chat.update") if c.params.get("channel") == channel]
    assert any("no questions needed" in text for text in updates)
    wait_until(lambda: "Done" in status_text(stack, channel, root), 10, message="done status")


def test_help_is_ephemeral(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    for text in ("", "help"):
        delivery = stack.slack.send_slash_command(user="UANA", channel=channel, text=text)
        assert delivery.status == 200
        body = json.loads(delivery.body)
        assert "message shortcut" in body["text"] and body.get("response_type", "ephemeral") == "ephemeral"
    assert stack.slack.messages(channel) == []


def test_permalink_to_a_channel_the_user_is_not_in_is_refused_unread(fresh: Stack) -> None:
    stack = fresh
    secret_channel = stack.new_channel(members=("UBOB", "UBOT"), private=True)
    root = design_thread(stack, secret_channel, [("UBOB", "secret plans"), ("UBOB", "more secret plans")])
    stack.slack.reset_requests()
    link = f"https://acme.slack.com/archives/{secret_channel}/p{root.replace('.', '')}"
    here = stack.new_channel()
    stack.slack.send_slash_command(user="UANA", channel=here, text=link)
    wait_until(lambda: stack.slack.responses, 10, message=f"a private response\n{stack.logs()}")
    said = json.dumps([payload for _, payload in stack.slack.responses])
    assert "not a member" in said
    assert stack.slack.calls("conversations.replies") == []
    assert stack.slack.calls("chat.postMessage") == []
    assert stack.model.calls("ClarifyResult") == [] or all(
        "secret plans" not in stack.model.prompt_text(r) for r in stack.model.requests
    )


def test_retried_and_double_delivered_mention_is_one_session(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
    first = [d for d in stack.slack.deliveries if b"app_mention" in d.request_body][-1]
    again = stack.slack.deliver(first.request_body, retry_num=1, retry_reason="http_timeout")
    assert again.status == 200
    wait_for_questions(stack, channel, root)
    stack.slack.deliver(first.request_body, retry_num=2, retry_reason="http_timeout")
    wait_until(lambda: "0 of 3" in status_text(stack, channel, root), 10, message="waiting status")
    assert len(questions_messages(stack.slack, channel, root)) == 1
    assert len([m for m in bot_messages(stack.slack, channel, root)]) == 2  # status line + questions
    assert len(stack.model.calls("ClarifyResult")) >= 1


def test_words_start_a_new_thread_with_questions(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    delivery = stack.slack.send_slash_command(user="UCAT", channel=channel, text="rate limiting for the public API")
    assert delivery.status == 200
    root_message = wait_until(
        lambda: [m for m in stack.slack.messages(channel) if "rate limiting" in str(m.get("text", ""))],
        10,
        message=f"root message\n{stack.logs()}",
    )[0]
    assert "<@UCAT>" in root_message["text"]
    wait_for_questions(stack, channel, root_message["ts"])


def _question_texts(message: dict) -> list[str]:
    texts = []
    for block in message["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        for line in text.splitlines():
            if line.startswith("*") and ".*" in line[:6]:
                texts.append(line.split(".*", 1)[1].strip())
    return texts
