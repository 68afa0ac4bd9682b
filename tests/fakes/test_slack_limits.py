"""The Slack emulator refuses what Slack refuses: each documented size limit, with Slack's error code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack import SlackEmulator


@pytest.fixture(scope="module")
def emu(design_workspace: SlackEmulator) -> SlackEmulator:
    return design_workspace


@pytest.fixture(scope="module")
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=emu.bot_token)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(text: str = "Go", value: str = "v", action_id: str = "a") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "value": value, "action_id": action_id}


def modal(title: str = "Answer", blocks: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": blocks or [], **extra}


def text_input(label: str, hint: str = "") -> dict[str, Any]:
    block = {
        "type": "input",
        "block_id": "q1",
        "label": {"type": "plain_text", "text": label},
        "element": {"type": "plain_text_input", "action_id": "answer"},
    }
    return block | ({"hint": {"type": "plain_text", "text": hint}} if hint else {})


# (what is sent, the largest accepted size, Slack's error), each sent just at and just over its limit
MESSAGE_LIMITS: dict[str, tuple[Callable[[int], list[dict[str, Any]]], int]] = {
    "blocks per message": (lambda n: [section("x")] * n, 50),
    "section text": (lambda n: [section("x" * n)], 3000),
    "header text": (lambda n: [{"type": "header", "text": {"type": "plain_text", "text": "x" * n}}], 150),
    "section fields": (lambda n: [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * n}], 10),
    "field text": (lambda n: [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * n}]}], 2000),
    "context elements": (lambda n: [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * n}], 10),
    "context text": (lambda n: [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x" * n}]}], 3000),
    "actions elements": (
        lambda n: [{"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(n)]}],
        25,
    ),
    "button text": (lambda n: [{"type": "actions", "elements": [button(text="x" * n)]}], 75),
    "button value": (lambda n: [{"type": "actions", "elements": [button(value="x" * n)]}], 2000),
    "action_id": (lambda n: [{"type": "actions", "elements": [button(action_id="x" * n)]}], 255),
    "block_id": (lambda n: [section("x") | {"block_id": "x" * n}], 255),
}


@pytest.mark.parametrize("limit", list(MESSAGE_LIMITS))
@pytest.mark.parametrize("method", ["chat_postMessage", "chat_update", "chat_postEphemeral"])
def test_message_block_limits_refused_as_invalid_blocks(client: WebClient, limit: str, method: str) -> None:
    build, most = MESSAGE_LIMITS[limit]
    mine = client.chat_postMessage(channel="C1", text="mine")["ts"]

    def send(blocks: list[dict[str, Any]]) -> Any:
        if method == "chat_update":
            return client.chat_update(channel="C1", ts=mine, text="t", blocks=blocks)
        if method == "chat_postEphemeral":
            return client.chat_postEphemeral(channel="C1", user="UANA", text="t", blocks=blocks)
        return client.chat_postMessage(channel="C1", text="t", blocks=blocks)

    assert send(build(most))["ok"]
    with pytest.raises(SlackApiError) as refused:
        send(build(most + 1))
    assert refused.value.response["error"] == "invalid_blocks"
    assert "[json-pointer:/blocks" in refused.value.response["response_metadata"]["messages"][0]


def test_message_text_limits(client: WebClient) -> None:
    mine = client.chat_postMessage(channel="C1", text="x" * 40_000)["ts"]
    with pytest.raises(SlackApiError, match="msg_too_long"):
        client.chat_postMessage(channel="C1", text="x" * 40_001)
    assert client.chat_update(channel="C1", ts=mine, text="x" * 4_000)["ok"]
    with pytest.raises(SlackApiError, match="msg_too_long"):
        client.chat_update(channel="C1", ts=mine, text="x" * 4_001)


VIEW_LIMITS: dict[str, tuple[Callable[[int], dict[str, Any]], int]] = {
    "blocks per view": (lambda n: modal(blocks=[section("x")] * n), 100),
    "modal title": (lambda n: modal(title="x" * n), 24),
    "submit text": (lambda n: modal(submit={"type": "plain_text", "text": "x" * n}), 24),
    "close text": (lambda n: modal(close={"type": "plain_text", "text": "x" * n}), 24),
    "input label": (lambda n: modal(blocks=[text_input("x" * n)]), 2000),
    "input hint": (lambda n: modal(blocks=[text_input("label", hint="x" * n)]), 2000),
    "section text in a view": (lambda n: modal(blocks=[section("x" * n)]), 3000),
}


@pytest.mark.parametrize("limit", list(VIEW_LIMITS))
def test_view_limits_refused_as_invalid_arguments(emu: SlackEmulator, client: WebClient, limit: str) -> None:
    build, most = VIEW_LIMITS[limit]
    assert client.views_open(trigger_id=emu.ws.issue_trigger("UANA"), view=build(most))["ok"]
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id=emu.ws.issue_trigger("UANA"), view=build(most + 1))
    assert refused.value.response["error"] == "invalid_arguments"
    assert "[json-pointer:/view" in refused.value.response["response_metadata"]["messages"][0]


def test_home_views_have_the_same_block_limits(client: WebClient) -> None:
    home = {"type": "home", "blocks": [section("x")] * 100}
    assert client.views_publish(user_id="UANA", view=home)["ok"]
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.views_publish(user_id="UANA", view=home | {"blocks": [section("x")] * 101})
