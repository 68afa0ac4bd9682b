"""Slack Connect: a member of another organisation in a shared channel never starts or steers techspec's work.

Single-token mode: the emulator's workspace T0001 installed techspec; UEXT belongs to T0EXT (another
company), is a member of the shared channel and is described by users.info as such.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from bot.slack import texts
from bot.store.sessions import Phase
from tests.e2e.conftest import Stack
from tests.e2e.helpers import design_thread, session_of, thread_with_questions, wait_for_questions
from tests.fakes.slack import payloads
from tests.support.waiting import wait_until

SHARED = "shared with another organisation"


def partner(stack: Stack) -> str:
    """UEXT, a member of another organisation (team T0EXT), as users.info describes them."""
    stack.slack.add_user("UEXT", "pat", real_name="Pat Partner", display_name="Pat (Partner Inc)")
    with stack.slack.ws.lock:  # the emulator's people are all its workspace's: move this one out
        user = stack.slack.ws.users["UEXT"]
        user["team_id"] = user["profile"]["team"] = "T0EXT"
    return "UEXT"


def shared_channel(stack: Stack) -> str:
    """A channel shared with the partner's organisation."""
    return stack.new_channel(members=("UANA", "UBOB", "UEXT", "UBOT"))


def told(stack: Stack, user: str, before: int) -> list[dict[str, Any]]:
    """The ephemeral messages and response_url answers `user` got since `before` (ephemerals + responses)."""
    ephemerals = [e for e in stack.slack.ephemerals if e.get("user") == user]
    answers = [payload for _, payload in stack.slack.responses[before:]]
    return [*ephemerals, *answers]


def test_a_mention_from_another_organisation_is_refused_without_reading_the_thread(stack: Stack) -> None:
    outsider = partner(stack)
    channel = shared_channel(stack)
    root = design_thread(stack, channel)
    reads = len(stack.slack.calls("conversations.replies"))
    stack.slack.post_message(channel, outsider, "<@UBOT> write this up", thread_ts=root)
    wait_until(lambda: SHARED in json.dumps(told(stack, outsider, 0)), 15, message=stack.logs())
    [refusal] = [e for e in stack.slack.ephemerals if e.get("user") == outsider and e.get("channel") == channel]
    assert refusal["thread_ts"] == root and "T0001" not in refusal["text"]
    assert session_of(stack, channel, root) is None
    assert len(stack.slack.calls("conversations.replies")) == reads  # nothing of the thread was read
    # A member of the installing workspace, in the same shared channel, is served.
    stack.slack.post_message(channel, "UANA", "<@UBOT> write this up", thread_ts=root)
    wait_for_questions(stack, channel, root)


def test_the_shortcut_and_buttons_are_refused_but_replies_still_count(stack: Stack) -> None:
    outsider = partner(stack)
    channel = shared_channel(stack)
    root = design_thread(stack, channel)
    before = len(stack.slack.responses)
    stack.slack.send_message_shortcut(outsider, channel, root)  # its `user` has no team_id: users.info decides
    wait_until(lambda: SHARED in json.dumps(told(stack, outsider, before)), 15, message=stack.logs())
    assert session_of(stack, channel, root) is None

    channel, root, questions = thread_with_questions(stack)
    stack.slack.add_member(channel, outsider)
    before = len(stack.slack.responses)
    click_as_partner(stack, outsider, channel, questions, texts.GENERATE_ACTION)
    wait_until(lambda: SHARED in json.dumps(told(stack, outsider, before)), 15, message=stack.logs())
    session = session_of(stack, channel, root)
    assert session is not None and session.phase == Phase.AWAITING_ANSWERS and not session.write_requested_by


def click_as_partner(stack: Stack, user: str, channel: str, message: dict[str, Any], action_id: str) -> None:
    """A button click as Slack sends it for a member of another organisation: user.team_id is theirs."""
    ws = stack.slack.ws
    chan = ws.channel(channel)
    trigger_id = ws.issue_trigger(user)
    origin = {"kind": "block_actions", "user": user, "channel": channel, "message_ts": message["ts"]}
    response_url = ws.issue_response_url({**origin, "trigger_id": trigger_id})
    action = {"action_id": action_id, "block_id": "b1", "value": "x", "type": "button", "action_ts": ws.clock.next()}
    body = payloads.block_actions(ws, user, chan, chan.get(message["ts"]) or message, action, response_url, trigger_id)
    body["user"]["team_id"] = "T0EXT"
    stack.slack.deliver(urlencode({"payload": json.dumps(body)}).encode())


def test_no_home_tab_for_another_organisation(stack: Stack) -> None:
    outsider = partner(stack)
    published = len(stack.slack.calls("views.publish"))
    stack.slack.send_app_home_opened(outsider)
    wait_until(lambda: "no Home tab for someone outside" in stack.full_logs(), 15, message=stack.logs())
    stack.slack.send_app_home_opened("UANA")
    wait_until(lambda: len(stack.slack.calls("views.publish")) > published, 15, message=stack.logs())
    assert {c.params.get("user_id") for c in stack.slack.calls("views.publish")[published:]} == {"UANA"}
