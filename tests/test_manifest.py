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


# The distributed (OAuth, org-ready) variant: everything the bot does is the same; only these differ.
ORG = yaml.safe_load((REPO / "manifest.org.yaml").read_text())
ORG_ONLY_EVENTS = {"team_access_granted", "team_access_revoked"}


def _without_urls(manifest: dict) -> dict:
    """The manifest with what only distribution changes taken out (urls, socket mode, org and rotation flags)."""
    features = manifest["features"]
    settings = manifest["settings"]
    return {
        "display_information": manifest["display_information"],
        "app_home": features["app_home"],
        "bot_user": features["bot_user"],
        "commands": [{k: v for k, v in c.items() if k != "url"} for c in features["slash_commands"]],
        "shortcuts": features["shortcuts"],
        "scopes": sorted(manifest["oauth_config"]["scopes"]["bot"]),
        "events": sorted(set(settings["event_subscriptions"]["bot_events"]) - ORG_ONLY_EVENTS),
        "interactivity": settings["interactivity"]["is_enabled"],
    }


def test_the_org_variant_stays_in_step_with_the_workspace_one() -> None:
    assert _without_urls(ORG) == _without_urls(MANIFEST)


def test_the_org_variant_is_org_ready_distributable_and_rotates_tokens() -> None:
    settings = ORG["settings"]
    assert settings["org_deploy_enabled"] is True and MANIFEST["settings"]["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is True
    # Socket Mode apps can't be distributed: every request comes over HTTP to the one events path.
    assert settings["socket_mode_enabled"] is False
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        *(c["url"] for c in ORG["features"]["slash_commands"]),
    ]
    assert {u.rsplit("/", 2)[-2:] == ["slack", "events"] for u in urls} == {True}
    assert [u.endswith("/slack/oauth_redirect") for u in ORG["oauth_config"]["redirect_urls"]] == [True]


def test_the_org_variant_handles_workspaces_joining_and_leaving_the_org_install() -> None:
    events = set(ORG["settings"]["event_subscriptions"]["bot_events"])
    assert ORG_ONLY_EVENTS <= events and ORG_ONLY_EVENTS <= LISTENED
    assert {e.split(".")[0] for e in events} <= LISTENED
