"""Which tenant a payload is for, and whose organisation its sender is in, for every kind Slack sends.

The shapes follow Slack's docs (Events API envelope, "Using APIs with organization-wide apps") and
bolt-python's scenario tests (test_events_org_apps.py, test_events_shared_channels.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.listeners.payloads import home_of, person_of, revoked_scopes, tenant_ref
from bot.spec.orgs import Affiliation, Home, is_insider
from bot.spec.tenancy import TenantRef


def envelope(event: dict[str, Any], auth: dict[str, Any], **outer: Any) -> dict[str, Any]:
    """An Events API callback as Slack posts it."""
    return {
        "token": "legacy",
        "api_app_id": "A1",
        "event": event,
        "type": "event_callback",
        "event_id": "Ev1",
        "event_time": 1606810819,
        "authorizations": [{"user_id": "WBOT", "is_bot": True, **auth}],
        "is_ext_shared_channel": False,
        **outer,
    }


MENTION = {"type": "app_mention", "user": "W1", "text": "<@WBOT> spec", "ts": "1.000100", "channel": "C1"}
WORKSPACE_AUTH = {"enterprise_id": None, "team_id": "T1", "is_enterprise_install": False}
GRID_WORKSPACE_AUTH = {"enterprise_id": "E1", "team_id": "T1", "is_enterprise_install": False}
ORG_AUTH = {"enterprise_id": "E1", "team_id": None, "is_enterprise_install": True}


@pytest.mark.parametrize(
    ("body", "tenant"),
    [
        # A workspace install: the installation's team.
        (envelope(MENTION, WORKSPACE_AUTH, team_id="T1", context_team_id="T1"), TenantRef(team_id="T1")),
        # A workspace of a Grid org, installed on its own: keyed by the team alone (enterprise noted).
        (
            envelope(MENTION, GRID_WORKSPACE_AUTH, team_id="T1", enterprise_id="E1"),
            TenantRef(team_id="T1", enterprise_id="E1"),
        ),
        # An org-wide install: authorizations carry no team; the event's workspace is the outer team_id.
        (
            envelope(MENTION, ORG_AUTH, team_id="T2", enterprise_id="E1", context_team_id="T2"),
            TenantRef(team_id="T2", enterprise_id="E1", org_install=True),
        ),
        (
            envelope({**MENTION, "type": "app_home_opened", "tab": "home"}, ORG_AUTH, team_id="T3", enterprise_id="E1"),
            TenantRef(team_id="T3", enterprise_id="E1", org_install=True),
        ),
        # Slack Connect: the event came from the other side (T_SOURCE); authorizations name the installation.
        (
            envelope(MENTION, {**GRID_WORKSPACE_AUTH, "team_id": "T_INSTALLED"}, team_id="T_SOURCE"),
            TenantRef(team_id="T_INSTALLED", enterprise_id="E1"),
        ),
    ],
)
def test_events(body: dict[str, Any], tenant: TenantRef) -> None:
    assert tenant_ref(body) == tenant


def test_org_scopes_name_enterprise_and_workspace() -> None:
    body = envelope(MENTION, ORG_AUTH, team_id="T2", enterprise_id="E1")
    assert tenant_ref(body).scope == "E1.T2"
    assert tenant_ref(envelope(MENTION, GRID_WORKSPACE_AUTH, team_id="T1")).scope == "T1"


def command(**fields: str) -> dict[str, str]:
    """A slash command's form fields (strings: is_enterprise_install is "true" or "false")."""
    return {"command": "/techspec", "text": "", "user_id": "W1", "channel_id": "C1", "trigger_id": "1.2.x", **fields}


@pytest.mark.parametrize(
    ("body", "tenant"),
    [
        (command(team_id="T1", is_enterprise_install="false"), TenantRef(team_id="T1")),
        (
            command(team_id="T2", enterprise_id="E1", is_enterprise_install="true"),
            TenantRef(team_id="T2", enterprise_id="E1", org_install=True),
        ),
        (
            command(team_id="T1", enterprise_id="E1", is_enterprise_install="false"),
            TenantRef(team_id="T1", enterprise_id="E1"),
        ),
    ],
)
def test_slash_commands(body: dict[str, Any], tenant: TenantRef) -> None:
    assert tenant_ref(body) == tenant


def interactive(kind: str, *, org: bool, team: dict[str, Any] | None, **more: Any) -> dict[str, Any]:
    """A shortcut / block action / view submission payload."""
    return {
        "type": kind,
        "team": team,
        "user": {"id": "W1", "username": "ana", "name": "ana", "team_id": "T2"},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "1.2.x",
        "enterprise": {"id": "E1", "name": "Acme"} if org else None,
        "is_enterprise_install": org,
        **more,
    }


GRID_TEAM = {"id": "T2", "domain": "acme-eng", "enterprise_id": "E1", "enterprise_name": "Acme"}
ORG_T2 = TenantRef(team_id="T2", enterprise_id="E1", org_install=True)


@pytest.mark.parametrize(
    ("body", "tenant"),
    [
        (interactive("message_action", org=True, team=GRID_TEAM, callback_id="techspec"), ORG_T2),
        # With org-wide installs Slack may send team: null; the person's workspace (user.team_id) is next.
        (interactive("block_actions", org=True, team=None, actions=[]), ORG_T2),
        (
            interactive("view_submission", org=True, team=None, view={"team_id": "T2", "app_installed_team_id": "E1"}),
            ORG_T2,
        ),
        (interactive("block_actions", org=False, team={"id": "T1", "domain": "acme"}), TenantRef(team_id="T1")),
        # A modal opened through a shared channel: app_installed_team_id names the installing workspace.
        (
            interactive(
                "view_submission", org=False, team={"id": "T9"}, view={"team_id": "T9", "app_installed_team_id": "T1"}
            ),
            TenantRef(team_id="T1"),
        ),
    ],
)
def test_interactivity(body: dict[str, Any], tenant: TenantRef) -> None:
    assert tenant_ref(body) == tenant


def test_the_person_behind_each_kind() -> None:
    assert person_of(envelope({**MENTION, "user_team": "T9"}, WORKSPACE_AUTH)) == Affiliation(team_id="T9")
    assert person_of(envelope({**MENTION, "user_team": "E9"}, WORKSPACE_AUTH)) == Affiliation(enterprise_id="E9")
    profile = {**MENTION, "user_profile": {"team": "T1", "real_name": "Ana"}}
    assert person_of(envelope(profile, WORKSPACE_AUTH)) == Affiliation(team_id="T1")
    # `team` / source_team can be the workspace the message was posted in: never taken for the person's.
    unknown = person_of(envelope({**MENTION, "team": "T1", "source_team": "T1"}, WORKSPACE_AUTH))
    assert not unknown.known
    assert person_of(command(team_id="T2", enterprise_id="E1")) == Affiliation(team_id="T2", enterprise_id="E1")
    assert person_of(interactive("block_actions", org=True, team=None)) == Affiliation(team_id="T2")


def test_slack_connect_outsiders_are_told_apart_from_the_fields() -> None:
    body = envelope({**MENTION, "user_team": "T9"}, WORKSPACE_AUTH, team_id="T9", is_ext_shared_channel=True)
    home = home_of(TenantRef(team_id="T1"))
    assert home == Home(team_id="T1") and is_insider(person_of(body), home) is False
    inside = envelope({**MENTION, "user_team": "T1"}, WORKSPACE_AUTH, team_id="T1")
    assert is_insider(person_of(inside), home_of(TenantRef(team_id="T1"))) is True
    org = envelope({**MENTION, "user_team": "E9"}, ORG_AUTH, team_id="T2", enterprise_id="E1")
    assert home_of(tenant_ref(org)) == Home(enterprise_id="E1", org_install=True)
    assert is_insider(person_of(org), home_of(tenant_ref(org))) is False


def test_revoked_workspaces_are_forgotten_under_their_org_scope() -> None:
    # bolt-python's test_events_org_apps.py: no authorizations, no team_id, the enterprise at the top.
    body = {"enterprise_id": "E1", "event": {"type": "team_access_revoked", "team_ids": ["T1", "T2"]}}
    assert revoked_scopes(body["event"], body, None) == ["E1.T1", "E1.T2"]
    assert revoked_scopes(body["event"], {}, "E1") == ["E1.T1", "E1.T2"]
    assert revoked_scopes(body["event"], {}, None) == []


def bolt_context(body: dict[str, Any], authorized: tuple[str | None, str | None] | None) -> Any:
    """Bolt's context for a payload as Bolt builds it: ids from the payload, and the authorize result
    (enterprise, team of the installation's token as auth.test names them: an org token's team is the org)."""
    from slack_bolt import BoltContext
    from slack_bolt.authorization import AuthorizeResult

    from bot.listeners.payloads import _first_authorization
    from bot.listeners.tenants import PAYLOAD

    auth = _first_authorization(body) or {}
    context = BoltContext(
        {
            "enterprise_id": auth.get("enterprise_id") or body.get("enterprise_id"),
            "team_id": auth.get("team_id") if auth else body.get("team_id"),
            "is_enterprise_install": bool(auth.get("is_enterprise_install")),
            PAYLOAD: body,
        }
    )
    if authorized is not None:
        result = AuthorizeResult(enterprise_id=authorized[0], team_id=authorized[1], bot_token="xoxb-1")
        context["authorize_result"] = result
    return context


def test_one_resolver_takes_the_authorized_installation_and_the_payloads_workspace() -> None:
    from slack_bolt.authorization import AuthorizeResult

    from bot.listeners.tenants import tenant_of

    org = envelope(MENTION, ORG_AUTH, team_id="T2", enterprise_id="E1", context_team_id="T2")
    assert tenant_of(bolt_context(org, ("E1", "E1"))).scope == "E1.T2"
    assert tenant_of(bolt_context(org, None)).scope == "E1.T2"  # no authorize (uninstall events): the payload
    # app_uninstalled of an org-wide install: Bolt's stand-in result copies the payload's ids (no token).
    gone = envelope({"type": "app_uninstalled"}, ORG_AUTH, team_id="T2", enterprise_id="E1")
    stand_in = bolt_context(gone, None)
    stand_in["authorize_result"] = AuthorizeResult(enterprise_id="E1", team_id="T2")
    assert tenant_of(stand_in) == TenantRef(team_id="T2", enterprise_id="E1", org_install=True)
    # Slack Connect: the installation's own workspace, never the other side's.
    shared = envelope(MENTION, {**WORKSPACE_AUTH, "team_id": "T1"}, team_id="T9")
    assert tenant_of(bolt_context(shared, (None, "T1"))).scope == "T1"


def test_an_org_installs_channel_deleted_is_keyed_by_its_org_scope() -> None:
    from bot.listeners.tenants import tenant_of

    # authorizations[0] of an org-wide install has no team: the envelope's team_id is the workspace.
    gone = {"type": "channel_deleted", "channel": "C1"}
    body = envelope(gone, ORG_AUTH, team_id="T1", enterprise_id="E1")
    assert tenant_of(bolt_context(body, ("E1", "E1"))) == TenantRef(team_id="T1", enterprise_id="E1", org_install=True)


def test_a_payload_without_is_enterprise_install_still_gets_the_org_scope() -> None:
    from bot.listeners.tenants import tenant_of

    # The installation store falls back to the org's record; the org's token is what Bolt authorized with.
    bare = {"type": "event_callback", "team_id": "T5", "enterprise_id": "E1", "event": MENTION}
    assert tenant_of(bolt_context(bare, ("E1", "E1"))).scope == "E1.T5"
    block = interactive("block_actions", org=False, team={"id": "T5"})
    del block["is_enterprise_install"]
    assert tenant_of(bolt_context({**block, "enterprise": {"id": "E1"}}, ("E1", None))).scope == "E1.T5"
