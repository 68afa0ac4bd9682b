"""The Slack emulator's OAuth v2 install, token rotation and per-token auth, through real HTTP (slack_sdk, urllib)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlparse

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack import SlackEmulator
from tests.fakes.slack.handle import WorkspaceHandle

REDIRECT = "https://bot.example/slack/oauth_redirect"


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator(team_id="T0001", team_domain="acme").start()
    emulator.redirect_urls = [REDIRECT]
    emulator.add_user("UANA", "ana")
    yield emulator
    emulator.stop()


@pytest.fixture
def globex(emu: SlackEmulator) -> WorkspaceHandle:
    ws = emu.add_workspace("T0002", "globex", name="Globex Corp")
    ws.add_user("UZED", "zed", is_admin=True)
    ws.add_channel("C200", "plans", members=["UZED", ws.bot_user_id])
    return ws


def install_url(emu: SlackEmulator, state: str = "st-1", **extra: str) -> str:
    """What the bot's /slack/install page redirects the browser to (slack_sdk's AuthorizeUrlGenerator shape)."""
    args = {"state": state, "client_id": emu.client_id, "scope": "chat:write,commands", "user_scope": ""}
    args.update({"redirect_uri": REDIRECT, **extra})
    return f"{emu.base_url}/oauth/v2/authorize?{urlencode(args)}"


def code_of(redirect: str) -> dict[str, str]:
    """The query of the redirect URL the browser is sent back to."""
    assert redirect.startswith(REDIRECT + "?")
    return dict(parse_qsl(urlparse(redirect).query))


def access(emu: SlackEmulator, **args: str | None) -> dict:
    """oauth.v2.access with client id + secret as HTTP Basic auth (what slack_sdk sends)."""
    client = WebClient(base_url=emu.api_url)
    kwargs = {"client_id": emu.client_id, "client_secret": emu.client_secret, **args}
    return client.oauth_v2_access(**kwargs).data  # type: ignore[arg-type,return-value]


def error_of(call) -> str:  # type: ignore[no-untyped-def]
    """The Slack error of a call that must fail."""
    with pytest.raises(SlackApiError) as info:
        call()
    return str(info.value.response["error"])


def test_authorize_page_is_served_and_checks_the_client(emu: SlackEmulator) -> None:
    with urllib.request.urlopen(install_url(emu)) as resp:  # noqa: S310 - the local emulator
        assert resp.status == 200 and b"chat:write" in resp.read()
    bad = install_url(emu).replace(emu.client_id, "999.999")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(bad)  # noqa: S310
    assert info.value.code == 400
    with pytest.raises(ValueError, match="invalid_client_id"):
        emu.approve(bad, "T0001")
    with pytest.raises(ValueError, match="bad_redirect_uri"):
        emu.approve(install_url(emu, redirect_uri="https://evil.example/cb"), "T0001")
    with pytest.raises(ValueError, match="not the emulator's authorize page"):
        emu.approve("https://slack.com/oauth/v2/authorize?client_id=x", "T0001")


def test_install_with_a_code_then_the_token_works_in_its_workspace_only(
    emu: SlackEmulator, globex: WorkspaceHandle
) -> None:
    redirect = emu.approve(install_url(emu, state="s-42"), globex)
    query = code_of(redirect)
    assert query["state"] == "s-42" and query["code"]
    answer = access(emu, code=query["code"], redirect_uri=REDIRECT)
    assert answer["token_type"] == "bot" and answer["access_token"].startswith("xoxb-")
    assert answer["team"] == {"id": "T0002", "name": "Globex Corp"} and answer["enterprise"] is None
    assert answer["is_enterprise_install"] is False and answer["authed_user"] == {"id": "UZED"}
    assert answer["bot_user_id"] == globex.bot_user_id and answer["app_id"] == emu.ws.ident.app_id
    assert answer["scope"] == "chat:write,commands" and "refresh_token" not in answer
    client = WebClient(base_url=emu.api_url, token=answer["access_token"])
    me = client.auth_test()
    assert (me["team_id"], me["user_id"], me["url"]) == ("T0002", globex.bot_user_id, "https://globex.slack.com/")
    assert me["is_enterprise_install"] is False
    client.chat_postMessage(channel="C200", text="hello globex")
    assert error_of(lambda: client.chat_postMessage(channel="C100", text="x")) == "channel_not_found"
    assert [c.team_id for c in emu.calls("chat.postMessage")] == ["T0002", "T0002"]
    assert error_of(lambda: access(emu, code=query["code"], redirect_uri=REDIRECT)) == "invalid_code"  # single use


def test_code_exchange_errors_like_slack(emu: SlackEmulator, globex: WorkspaceHandle) -> None:
    code = code_of(emu.approve(install_url(emu), globex))["code"]
    assert error_of(lambda: access(emu, code=code, client_secret="wrong")) == "bad_client_secret"
    assert error_of(lambda: access(emu, code=code, client_id="1.2")) == "invalid_client_id"
    assert error_of(lambda: access(emu, code=code, redirect_uri=REDIRECT + "/other")) == "bad_redirect_uri"
    assert error_of(lambda: access(emu, code="nope")) == "invalid_code"
    assert error_of(lambda: access(emu, code=code, grant_type="password")) == "invalid_grant_type"
    emu.tenancy.code_ttl = -1  # every code is already past Slack's ten minutes
    assert error_of(lambda: access(emu, code=code, redirect_uri=REDIRECT)) == "invalid_code"


def test_client_credentials_as_form_fields(emu: SlackEmulator, globex: WorkspaceHandle) -> None:
    code = code_of(emu.approve(install_url(emu), globex))["code"]
    form = {"client_id": emu.client_id, "client_secret": emu.client_secret, "code": code, "redirect_uri": REDIRECT}
    request = urllib.request.Request(f"{emu.api_url}oauth.v2.access", data=urlencode(form).encode())
    with urllib.request.urlopen(request) as resp:  # noqa: S310
        answer = json.loads(resp.read())
    assert answer["ok"] and answer["team"]["id"] == "T0002"
    basic = base64.b64encode(f"{emu.client_id}:wrong".encode()).decode()
    request = urllib.request.Request(
        f"{emu.api_url}oauth.v2.access", data=b"code=x", headers={"Authorization": f"Basic {basic}"}
    )
    with urllib.request.urlopen(request) as resp:  # noqa: S310
        assert json.loads(resp.read())["error"] == "bad_client_secret"


def test_denied_install_redirects_with_access_denied(emu: SlackEmulator, globex: WorkspaceHandle) -> None:
    assert code_of(emu.approve(install_url(emu), globex, deny=True)) == {"error": "access_denied", "state": "st-1"}


def test_token_rotation_refresh_and_expiry(emu: SlackEmulator, globex: WorkspaceHandle) -> None:
    emu.token_rotation = True
    emu.tenancy.rotation_grace = 0.0
    first = access(emu, code=code_of(emu.approve(install_url(emu), globex))["code"], redirect_uri=REDIRECT)
    assert first["access_token"].startswith("xoxe.xoxb-1-") and first["refresh_token"].startswith("xoxe-1-")
    assert 43_000 < first["expires_in"] <= 43_200
    old = WebClient(base_url=emu.api_url, token=first["access_token"])
    assert old.auth_test()["expires_in"] > 0
    second = access(emu, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second["access_token"] != first["access_token"] and second["refresh_token"] != first["refresh_token"]
    assert second["team"]["id"] == "T0002" and second["token_type"] == "bot"
    assert error_of(old.auth_test) == "token_expired"
    again = lambda: access(emu, grant_type="refresh_token", refresh_token=first["refresh_token"])  # noqa: E731
    assert error_of(again) == "invalid_refresh_token"
    new = WebClient(base_url=emu.api_url, token=second["access_token"])
    assert new.auth_test()["team_id"] == "T0002"
    assert emu.expire_token(globex) == second["access_token"]
    assert error_of(new.auth_test) == "token_expired"
    third = access(emu, grant_type="refresh_token", refresh_token=second["refresh_token"])  # still refreshable
    assert WebClient(base_url=emu.api_url, token=third["access_token"]).auth_test()["ok"]


def test_rotation_grace_keeps_the_old_token_briefly(emu: SlackEmulator, globex: WorkspaceHandle) -> None:
    emu.token_rotation = True
    emu.tenancy.rotation_grace = 30.0
    first = access(emu, code=code_of(emu.approve(install_url(emu), globex))["code"], redirect_uri=REDIRECT)
    access(emu, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert WebClient(base_url=emu.api_url, token=first["access_token"]).auth_test()["ok"]


def test_unknown_revoked_and_default_tokens(emu: SlackEmulator, globex: WorkspaceHandle) -> None:
    assert WebClient(base_url=emu.api_url, token="xoxb-test-token").auth_test()["team_id"] == "T0001"
    assert error_of(WebClient(base_url=emu.api_url, token="xoxb-nobody").auth_test) == "invalid_auth"
    inst = emu.install(globex)
    client = WebClient(base_url=emu.api_url, token=inst.token)
    assert client.auth_test()["team_id"] == "T0002"
    emu.uninstall(globex)
    assert error_of(client.auth_test) == "token_revoked"
    assert [c.token for c in emu.calls("auth.test")][-1] == inst.token


def test_auth_revoke_and_apps_uninstall(emu: SlackEmulator, globex: WorkspaceHandle) -> None:
    client = WebClient(base_url=emu.api_url, token=emu.install(globex).token)
    assert client.auth_revoke(test=True)["revoked"] is False
    assert client.auth_revoke()["revoked"] is True
    assert error_of(client.auth_test) == "token_revoked"
    other = WebClient(base_url=emu.api_url, token=emu.install(globex).token)
    args = {"client_id": emu.client_id, "client_secret": "wrong"}
    assert error_of(lambda: other.apps_uninstall(**args)) == "bad_client_secret"
    other.apps_uninstall(client_id=emu.client_id, client_secret=emu.client_secret)
    assert error_of(other.auth_test) == "token_revoked"
