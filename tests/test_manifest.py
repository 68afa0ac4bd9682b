"""The app manifest asks for exactly what the bot uses, and every event it subscribes to has a listener."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
MANIFEST = yaml.safe_load((REPO / "manifest.yaml").read_text())
EVENTS = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
SCOPES = MANIFEST["oauth_config"]["scopes"]["bot"]
LISTENED = set(re.findall(r'app\.event\("([a-z_]+)"\)', (REPO / "bot/listeners/table.py").read_text()))


def test_lifecycle_events_are_subscribed_and_handled() -> None:
    for event in ("app_uninstalled", "tokens_revoked", "channel_deleted", "group_deleted"):
        assert event in EVENTS
        assert event in LISTENED


def test_every_subscribed_event_has_a_listener() -> None:
    assert {e.split(".")[0] for e in EVENTS} <= LISTENED


def test_no_direct_messages_while_the_messages_tab_is_off() -> None:
    assert MANIFEST["features"]["app_home"]["messages_tab_enabled"] is False
    assert "message.im" not in EVENTS and "im:history" not in SCOPES
    if "message.mpim" in EVENTS:  # group DMs kept: the membership check needs to read them
        assert {"mpim:history", "mpim:read"} <= set(SCOPES)
