"""End to end through the real processes: answers as people give them (free-form, in any language, edited,
deleted, mid-write), and one effect per click however often its payload arrives."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.store.sessions import Phase
from tests.e2e.conftest import Stack, running_stack
from tests.e2e.helpers import (
    bot_messages,
    questions_messages,
    session_of,
    spec_files,
    status_text,
    thread_with_questions,
    wait_for_pinned_spec,
)
from tests.e2e.test_slack_native import message_with, pinned_share
from tests.fakes.slack.delivery import FORM
from tests.support.waiting import wait_until

# The emulator's questions: 1 data, 2 performance, 3 security. Who answers what, as a model would say.
ANA = "We keep the export jobs in Postgres 16 and delete the files after 30 days."
BOB = "Für eine Million Zeilen darf der Export höchstens fünf Minuten dauern."  # German: answers 2
CAT = "Thanks both, this looks good to me!"  # chatter
PROCEED = {"go ahead", "write it"}
ANSWERS_BY_TEXT = {"Postgres 16": [(1, True)], "fünf Minuten": [(2, True)], "Postgres 17": [(1, True)]}


def attribution_model(schema: str | None, body: dict[str, Any]) -> dict[str, Any] | None:
    """Plays the model for attribution requests: by what each labelled reply says."""
    if schema != "AttributionResult":
        return None
    text = body["messages"][-1]["content"]
    replies = re.findall(r"^\[(R\d+)\] (.*)$", text.split("<replies>", 1)[1], re.MULTILINE)
    verdict = []
    for label, said in replies:
        found = next((a for needle, a in ANSWERS_BY_TEXT.items() if needle in said), [])
        answers = [{"question": q, "fully": f} for q, f in found]
        verdict.append({"reply": label, "answers": answers, "only_asks_to_proceed": said.strip() in PROCEED})
    return {"replies": verdict}


@pytest.fixture
def attributing(fresh: Stack) -> Iterator[Stack]:
    fresh.model.responder = attribution_model
    try:
        yield fresh
    finally:
        fresh.model.responder = None


def replies_in_attribution_prompts(stack: Stack, text: str) -> int:
    return sum(stack.model.prompt_text(r).count(text) for r in stack.model.calls("AttributionResult"))


def clarifications(document: str) -> str:
    return document.split("#### 9.1 Clarifications", 1)[1].split("### 10.", 1)[0]


def test_free_form_replies_in_two_languages_are_counted_and_quoted_with_author_and_link(attributing: Stack) -> None:
    stack = attributing
    before = len(stack.model.calls("AttributionResult"))
    channel, root, questions = thread_with_questions(stack)
    ana = stack.slack.post_message(channel, "UANA", ANA, thread_ts=root)
    bob = stack.slack.post_message(channel, "UBOB", BOB, thread_ts=root)
    stack.slack.post_message(channel, "UCAT", CAT, thread_ts=root)
    wait_until(
        lambda: "2 of 3 answered" in status_text(stack, channel, root),
        15,
        message=f"status 2 of 3: {status_text(stack, channel, root)!r}\n{stack.logs()}",
    )
    # The questions message, updated in place, says which question is still open.
    shown = wait_until(
        lambda: "Still open:* 3" in json.dumps(questions_messages(stack.slack, channel, root)[0]["blocks"]),
        10,
        message="questions message marks 1 and 2 answered",
    )
    assert shown and len(questions_messages(stack.slack, channel, root)) == 1
    asked = len(stack.model.calls("AttributionResult")) - before
    assert 1 <= asked <= 2  # a burst: one request (two if it straddled the batching window)

    stack.slack.post_message(channel, "UANA", "<@UBOT> go ahead", thread_ts=root)
    spec = wait_for_pinned_spec(stack, channel, root)
    section = clarifications(spec.content.decode())
    assert re.search(
        rf"\*\*Answer\*\* \(Ana, \[reply\]\([^)]*p{str(ana).replace('.', '')}[^)]*\)\): {re.escape(ANA)}", section
    )
    assert re.search(
        rf"\*\*Answer\*\* \(Bob, \[reply\]\([^)]*p{str(bob).replace('.', '')}[^)]*\)\): {re.escape(BOB)}", section
    )
    assert section.count("_Unanswered_") == 1  # question 3: nobody said anything about it
    other = section.split("**Other input after the questions**", 1)[1]
    assert "Cat, [reply](" in other and CAT in other
    assert "go ahead" not in other  # a request to the bot, not input
    # Cached by reply and text: the recounts and the write step never asked about a reply twice.
    assert replies_in_attribution_prompts(stack, "Postgres 16") == 1
    assert replies_in_attribution_prompts(stack, "fünf Minuten") == 1
    summary = message_with(stack, channel, root, "techspec_regenerate")
    assert "<@UANA>" in json.dumps(summary["blocks"]) and "<@UBOB>" in json.dumps(summary["blocks"])
    assert stack.slack.violations == []


def test_edited_and_deleted_answers_while_the_spec_is_written_are_honoured(attributing: Stack) -> None:
    stack = attributing
    channel, root, _ = thread_with_questions(stack)
    stack.slack.post_message(channel, "UANA", "1. Postgres 16 with daily backups", thread_ts=root)
    bob = stack.slack.post_message(channel, "UBOB", BOB, thread_ts=root)
    wait_until(lambda: "2 of 3 answered" in status_text(stack, channel, root), 15, message=stack.logs())
    ana = stack.slack.post_message(channel, "UANA", "2. Under ten minutes is fine", thread_ts=root)
    wait_until(lambda: "replaced the answer to question 2" in status_text(stack, channel, root), 15, message="note")

    writes = len(stack.model.calls("TechnicalSpecDraft"))
    held = stack.model.hold("TechnicalSpecDraft")
    stack.slack.post_message(channel, "UCAT", "<@UBOT> write it", thread_ts=root)
    wait_until(lambda: held.started, 20, message=f"the write request\n{stack.logs()}")
    stack.slack.delete_message(channel, ana)  # deleted while the model writes: never in the spec
    stack.slack.edit_message(channel, bob, "Nein: Postgres 17, und höchstens drei Minuten.")
    held.release()

    spec = wait_for_pinned_spec(stack, channel, root)
    document = spec.content.decode()
    assert "Under ten minutes" not in document
    assert "höchstens drei Minuten" in clarifications(document) and "fünf Minuten" not in document
    assert len(stack.model.calls("TechnicalSpecDraft")) - writes == 2  # re-read before upload, written again
    final_prompt = stack.model.prompt_text(stack.model.calls("TechnicalSpecDraft")[-1])
    assert "Under ten minutes" not in final_prompt and "drei Minuten" in final_prompt
    assert len(spec_files(stack.slack, channel, root)) == 1
    assert replies_in_attribution_prompts(stack, "daily backups") == 0  # numbered: placed without the model


def test_a_mention_while_writing_is_kept_for_the_next_version_and_the_person_told(attributing: Stack) -> None:
    stack = attributing
    channel, root, _ = thread_with_questions(stack)
    held = stack.model.hold("TechnicalSpecDraft")
    stack.slack.post_message(channel, "UANA", "<@UBOT> go ahead", thread_ts=root)
    wait_until(lambda: held.started, 20, message=f"the write request\n{stack.logs()}")
    stack.slack.post_message(channel, "UBOB", "<@UBOT> also: use KMS for the export bucket", thread_ts=root)
    told = wait_until(
        lambda: [e for e in stack.slack.ephemerals if e["user"] == "UBOB" and "next version" in e["text"]],
        10,
        message=f"UBOB told\n{stack.logs()}",
    )
    assert told[0]["thread_ts"] == root
    held.release()
    v1 = wait_for_pinned_spec(stack, channel, root)
    assert "use KMS" not in v1.content.decode()
    wait_until(lambda: (s := session_of(stack, channel, root)) and s.phase == Phase.DONE, 10, message="v1 done")

    summary = message_with(stack, channel, root, "techspec_revise")
    stack.slack.send_block_action("UBOB", channel, summary["ts"], "techspec_revise", "x")
    wait_until(
        lambda: (s := session_of(stack, channel, root)) and s.version == 2 and s.phase == Phase.AWAITING_ANSWERS,
        20,
        message=f"v2 read the thread\n{stack.logs()}",
    )
    clarify_prompt = stack.model.prompt_text(stack.model.calls("ClarifyResult")[-1])
    assert "use KMS" in clarify_prompt.rsplit("<thread>", 1)[1]


def test_a_regenerate_delivered_ten_times_gives_one_new_version(fresh: Stack) -> None:
    stack = fresh
    channel, root, _ = thread_with_questions(stack)
    stack.slack.post_message(channel, "UANA", "<@UBOT> go ahead", thread_ts=root)
    pinned_share(stack, channel, root, 1)
    wait_until(lambda: (s := session_of(stack, channel, root)) and s.phase == Phase.DONE, 10, message="v1 done")
    summary = message_with(stack, channel, root, "techspec_regenerate")

    click = stack.slack.send_block_action("UBOB", channel, summary["ts"], "techspec_regenerate", "x")
    pinned_share(stack, channel, root, 2)
    wait_until(lambda: (s := session_of(stack, channel, root)) and s.phase == Phase.DONE, 10, message="v2 done")
    ignored = stack.full_logs().count("interactive payload seen before")
    for _ in range(9):  # the same click, replayed after v2 is done (each would have started v3, v4 ...)
        assert stack.slack.deliver(click.request_body, content_type=FORM).ok
    wait_until(
        lambda: stack.full_logs().count("interactive payload seen before") - ignored == 9,
        15,
        message=f"nine replays ignored\n{stack.logs()}",
    )
    assert session_of(stack, channel, root).version == 2  # type: ignore[union-attr]
    assert len(spec_files(stack.slack, channel, root)) == 2
    assert len([m for m in bot_messages(stack.slack, channel, root) if "techspec_regenerate" in json.dumps(m)]) == 2


def test_a_link_to_another_workspace_is_refused_privately(fresh: Stack) -> None:
    # Slack's channel ids are unique across workspaces, so the channel decides, not the link's host (Grid
    # workspaces have hosts of their own); a channel this installation can't see is another workspace's.
    stack = fresh
    channel = stack.new_channel()
    before = len(stack.slack.responses)
    link = "https://evil-corp.slack.com/archives/C0THEIRS01/p1700000000000100"
    assert stack.slack.send_slash_command("UANA", channel, link).ok
    wait_until(lambda: len(stack.slack.responses) > before, 10, message=f"a private answer\n{stack.logs()}")
    said = json.dumps(stack.slack.responses[-1][1])
    assert "evil-corp.slack.com" in said and "isn't installed" in said, said
    assert all(call.params.get("channel") != "C0THEIRS01" for call in stack.slack.calls("conversations.replies"))
    assert not [m for m in stack.slack.messages(channel) if m.get("user") == "UBOT"]  # nothing posted anywhere


def test_without_a_model_answer_a_reply_is_kept_as_other_input(fresh: Stack) -> None:
    stack = fresh
    channel, root, _ = thread_with_questions(stack)
    stack.model.fault("500", schema_name="AttributionResult", count=50)
    stack.slack.post_message(channel, "UBOB", BOB, thread_ts=root)
    wait_until(
        lambda: "attribution failed" in stack.full_logs() and "0 of 3 answered" in status_text(stack, channel, root),
        20,
        message=f"the reply counted without a model answer\n{stack.logs()}",
    )
    stack.slack.post_message(channel, "UANA", "<@UBOT> go ahead", thread_ts=root)
    document = wait_for_pinned_spec(stack, channel, root).content.decode()
    section = clarifications(document)
    assert BOB in section.split("**Other input after the questions**", 1)[1]  # nothing lost
    assert section.count("_Unanswered_") == 3
    wait_until(lambda: "Done" in status_text(stack, channel, root), 10, message="done, no failure message")


def test_a_form_submission_delivered_again_posts_its_answers_once(fresh: Stack) -> None:
    stack = fresh
    channel, root, questions = thread_with_questions(stack)
    stack.slack.send_block_action("UBOB", channel, questions["ts"], "techspec_answer_form", "x")
    wait_until(lambda: [v for v in stack.slack.views if v["user"] == "UBOB"], 10, message=f"form\n{stack.logs()}")
    view = [v for v in stack.slack.views if v["user"] == "UBOB"][-1]["view"]
    values = {"q2": {"answer": {"type": "plain_text_input", "value": "Within 5 minutes"}}}
    submitted = stack.slack.send_view_submission("UBOB", view, values)
    ignored = stack.full_logs().count("form submission seen before")
    for _ in range(3):
        assert stack.slack.deliver(submitted.request_body, content_type=FORM).ok
    wait_until(
        lambda: stack.full_logs().count("form submission seen before") - ignored == 3,
        15,
        message=f"three replays ignored\n{stack.logs()}",
    )
    posted = [m for m in bot_messages(stack.slack, channel, root) if "Answers from <@UBOB>" in str(m.get("text"))]
    assert len(posted) == 1


def test_a_model_that_stalls_costs_a_recount_seconds_and_loses_nothing(redis_url: str) -> None:
    with running_stack(redis_url.rsplit("/", 1)[0] + "/5", TECHSPEC_ATTRIBUTION_TIMEOUT_SECONDS="1") as stack:
        channel, root, _ = thread_with_questions(stack)
        stack.model.fault("timeout", schema_name="AttributionResult", count=2, seconds=15)
        stack.slack.post_message(channel, "UBOB", BOB, thread_ts=root)
        wait_until(
            lambda: "attribution failed" in stack.full_logs(),
            10,  # two attempts of 1 s each, not the 20 s OPENAI_TIMEOUT_SECONDS of the other calls
            message=f"attribution given up after its own timeout\n{stack.logs()}",
        )
        assert "0 of 3 answered" in wait_until(lambda: status_text(stack, channel, root), 5)
        # The write step asks again (the model has recovered): the reply is attributed after all.
        stack.model.responder = attribution_model
        stack.slack.post_message(channel, "UANA", "<@UBOT> go ahead", thread_ts=root)
        section = clarifications(wait_for_pinned_spec(stack, channel, root).content.decode())
        assert re.search(rf"\*\*Answer\*\* \(Bob, \[reply\]\([^)]*\)\): {re.escape(BOB)}", section)
