"""End to end through the real processes: the answers form, "ok", Generate now with partial answers,
named experts, the summary, revisions v1 -> v2 -> v3 with the pin moved, and the App Home."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.e2e.conftest import Stack
from tests.e2e.helpers import (
    CLEAR,
    bot_messages,
    design_thread,
    spec_files,
    status_text,
    wait_for_questions,
)
from tests.support.waiting import wait_until

QUESTIONS = {
    "thread_is_clear": False,
    "title": "CSV export",
    "language": "English",
    "questions": [
        {
            "area": "data",
            "question": "How long are export files kept?",
            "why_it_matters": "Retention decides storage cost.",
            "recommended_answer": "Seven days, then deleted.",
            "raised_in": ["M3", "M99", "<!channel>"],
        },
        {
            "area": "performance",
            "question": "How fast must an export finish?",
            "why_it_matters": "It sets the worker size.",
            "recommended_answer": None,
            "raised_in": None,
        },
        {
            "area": "security",
            "question": "Who may download an export?",
            "why_it_matters": "Signed URLs can leak.",
            "recommended_answer": "Only the requester, via a signed URL valid 1 hour.",
            "raised_in": ["M2"],
        },
    ],
}


def texts(stack: Stack, channel: str, root: str) -> list[str]:
    return [str(m.get("text", "")) for m in bot_messages(stack.slack, channel, root)]


def message_with(stack: Stack, channel: str, root: str, needle: str) -> dict[str, Any]:
    return wait_until(
        lambda: next((m for m in bot_messages(stack.slack, channel, root) if needle in json.dumps(m)), None),
        30,
        message=f"a bot message with {needle!r}\n{stack.logs()}",
    )


def pinned_share(stack: Stack, channel: str, root: str, version: int) -> str:
    """Wait for the file of a version to be shared and pinned; return the sharing message's ts."""
    title = "TECHNICAL_SPEC.md" if version == 1 else f"TECHNICAL_SPEC.md (v{version})"

    def find() -> str | None:
        for file in spec_files(stack.slack, channel, root):
            shares = (file.shares or {}).get("public", {}).get(channel) or []
            if file.title == title and shares and shares[0]["ts"] in stack.slack.pins(channel):
                return str(shares[0]["ts"])
        return None

    return wait_until(find, 40, message=f"pinned v{version}\n{stack.logs()}")


def test_form_opens_within_3s_and_its_answers_are_recorded(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel(members=("UANA", "UBOB", "UCAT", "UBOT"))
    root = design_thread(stack, channel)
    stack.model.script("ClarifyResult", QUESTIONS)
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec please", thread_ts=root)
    questions = wait_for_questions(stack, channel, root)
    # Named experts are the authors of the labelled messages (M3: Ana, M2: Bob); nothing else becomes a mention.
    shown = json.dumps(questions["blocks"])
    assert "Who would know: <@UANA>" in shown and "Who would know: <@UBOB>" in shown
    assert "<!channel>" not in shown and "M99" not in shown

    clicked = time.time()
    stack.slack.send_block_action("UCAT", channel, questions["ts"], "techspec_answer_form", "x")
    opened = wait_until(lambda: stack.slack.calls("views.open"), 5, message=f"views.open\n{stack.logs()}")[-1]
    assert opened.response["ok"] and opened.time - clicked < 3.0
    view = stack.slack.views[-1]["view"]
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["element"].get("initial_value") for b in inputs] == [
        "Seven days, then deleted.",
        None,
        "Only the requester, via a signed URL valid 1 hour.",
    ]

    values = {
        "q1": {"answer": {"type": "plain_text_input", "value": "30 days"}},
        "q2": {"answer": {"type": "plain_text_input", "value": "Within 5 minutes"}},
        "q3": {"answer": {"type": "plain_text_input", "value": ""}},
    }
    submitted = stack.slack.send_view_submission("UCAT", view, values)
    assert submitted.status == 200
    posted = message_with(stack, channel, root, "Answers from <@UCAT>")
    assert "30 days" in posted["text"] and "Within 5 minutes" in posted["text"]
    wait_until(lambda: "2 of 3 answered" in status_text(stack, channel, root), 10, message="2 of 3 answered")

    stack.slack.send_block_action("UANA", channel, questions["ts"], "techspec_generate_now", "x")
    pinned_share(stack, channel, root, 1)
    prompt = stack.model.prompt_text(stack.model.calls("TechnicalSpecDraft")[-1])
    assert "30 days" in prompt and "Within 5 minutes" in prompt
    assert stack.slack.violations == []


def test_ok_accepts_suggestions_a_later_reply_replaces_and_generate_now_writes(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.model.script("ClarifyResult", QUESTIONS)
    stack.slack.post_message(channel, "UBOB", "<@UBOT> spec please", thread_ts=root)
    questions = wait_for_questions(stack, channel, root)

    stack.slack.post_message(channel, "UANA", "ok", thread_ts=root)
    wait_until(lambda: "2 of 3 answered" in status_text(stack, channel, root), 10, message="ok accepted 2 of 3")
    stack.slack.post_message(channel, "UBOB", "1: 90 days, legal needs it", thread_ts=root)
    message_with(stack, channel, root, "replaces the earlier answer")
    assert "2 of 3 answered" in status_text(stack, channel, root)

    stack.slack.send_block_action("UBOB", channel, questions["ts"], "techspec_generate_now", "x")
    pinned_share(stack, channel, root, 1)
    prompt = stack.model.prompt_text(stack.model.calls("TechnicalSpecDraft")[-1])
    assert "90 days, legal needs it" in prompt and "Only the requester, via a signed URL valid 1 hour." in prompt
    document = spec_files(stack.slack, channel, root)[0].content.decode()
    assert "How fast must an export finish?" in document.split("### 9. Open Questions", 1)[1]

    summary = message_with(stack, channel, root, "techspec_regenerate")
    shown = json.dumps(summary["blocks"])
    assert "Revise" in shown and "Regenerate" in shown and "open question" in shown
    assert "<@UANA>" in shown and "<@UBOB>" in shown  # who answered


def test_revision_reads_only_new_messages_moves_the_pin_and_says_what_changed(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.model.script("ClarifyResult", CLEAR)
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec please", thread_ts=root)
    v1 = pinned_share(stack, channel, root, 1)
    summary = message_with(stack, channel, root, "techspec_revise")

    stack.slack.post_message(channel, "UBOB", "Change of plan: exports go to GCS, not S3.", thread_ts=root)
    stack.model.script("ClarifyResult", CLEAR)
    stack.slack.post_message(channel, "UANA", "<@UBOT> please update the spec", thread_ts=root)
    v2 = pinned_share(stack, channel, root, 2)
    wait_until(lambda: stack.slack.pins(channel) == [v2], 10, message="v1 unpinned, v2 pinned")
    assert stack.slack.message(channel, v1) is not None  # earlier versions stay in the thread

    clarify_prompt = stack.model.prompt_text(stack.model.calls("ClarifyResult")[-1])
    new_thread = clarify_prompt.rsplit("<thread>", 1)[1].split("</thread>", 1)[0]
    assert "GCS, not S3" in new_thread and "millions of rows" not in new_thread
    assert "<current_spec>" in clarify_prompt and "REVISION" in clarify_prompt
    write_prompt = stack.model.prompt_text(stack.model.calls("TechnicalSpecDraft")[-1])
    assert "<current_spec>" in write_prompt and "GCS, not S3" in write_prompt
    message_with(stack, channel, root, "What changed in v2")

    clarify_calls = len(stack.model.calls("ClarifyResult"))
    stack.slack.send_block_action("UCAT", channel, summary["ts"], "techspec_regenerate", "x")
    v3 = pinned_share(stack, channel, root, 3)
    wait_until(lambda: stack.slack.pins(channel) == [v3], 10, message="v2 unpinned, v3 pinned")
    assert len(stack.model.calls("ClarifyResult")) == clarify_calls  # regenerate asks nothing new
    assert len(spec_files(stack.slack, channel, root)) == 3
    message_with(stack, channel, root, "What changed in v3")

    # The App Home of the person who asked lists the spec, and says what /techspec help says.
    assert stack.slack.send_app_home_opened("UANA").status == 200
    home = wait_until(lambda: stack.slack.home_views.get("UANA"), 10, message=f"home tab\n{stack.logs()}")
    shown = json.dumps(home["blocks"])
    assert "Your recent specs" in shown and "message shortcut" in shown and "(v2)" in shown
    assert stack.slack.violations == []
