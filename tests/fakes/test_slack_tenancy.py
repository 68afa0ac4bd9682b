"""The Slack emulator serving many workspaces, a Grid org and Slack Connect behind one api_url (real HTTP)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack import SlackEmulator
from tests.fakes.slack.handle import WorkspaceHandle
from tests.fakes.test_slack_emulator import Receiver


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator(team_id="T0001", team_domain="acme").start()
    emulator.add_user("UANA", "ana")
    emulator.add_channel("C100", "design", members=["UANA", "UBOT"])
    emulator.share_delay = 0.05
    yield emulator
    emulator.stop()


@pytest.fixture
def receiver(emu: SlackEmulator) -> Iterator[Receiver]:
    rec = Receiver()
    emu.events_url = rec.url
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


@pytest.fixture
def grid(emu: SlackEmulator) -> tuple[WorkspaceHandle, WorkspaceHandle]:
    """Org E0001 ("umbrella") with workspaces T0101 (research) and T0102 (sales), installed org-wide."""
    emu.add_org("E0001", "umbrella", name="Umbrella Corp")
    research = emu.add_workspace("T0101", "umbrella-research", enterprise_id="E0001")
    sales = emu.add_workspace("T0102", "umbrella-sales", enterprise_id="E0001")
    research.add_user("W0RITA", "rita", is_admin=True)
    sales.add_user("W0SAM", "sam")
    research.add_channel("C101", "lab", members=["W0RITA", "W0SAM", research.bot_user_id])
    sales.add_channel("C102", "deals", members=["W0SAM", sales.bot_user_id])
    return research, sales


def client(emu: SlackEmulator, token: str) -> WebClient:
    """A WebClient on the emulator's single api_url."""
    return WebClient(base_url=emu.api_url, token=token)


def error_of(call: Any) -> str:
    """The Slack error of a call that must fail."""
    with pytest.raises(SlackApiError) as info:
        call()
    return str(info.value.response["error"])


def test_two_workspaces_no_cross_talk(emu: SlackEmulator, receiver: Receiver) -> None:
    globex = emu.add_workspace("T0002", "globex", install=True)
    globex.add_user("UZED", "zed")
    globex.add_channel("C200", "plans", members=["UZED", globex.bot_user_id])
    acme, other = client(emu, "xoxb-test-token"), client(emu, globex.bot_token)
    acme.chat_postMessage(channel="C100", text="acme")
    other.chat_postMessage(channel="C200", text="globex")
    assert error_of(lambda: other.conversations_replies(channel="C100", ts="1.0")) == "channel_not_found"
    assert error_of(lambda: other.users_info(user="UANA")) == "user_not_found"
    assert [m["text"] for m in globex.bot_messages("C200")] == ["globex"]
    assert [c.params["channel"] for c in emu.calls("chat.postMessage", "T0001")] == ["C100"]
    assert [c.params["channel"] for c in globex.calls("chat.postMessage")] == ["C200"]
    assert {c.token for c in globex.calls("chat.postMessage")} == {globex.bot_token}
    posted = globex.post_message("C200", "UZED", f"<@{globex.bot_user_id}> spec please")
    bodies = [json.loads(d.request_body) for d in posted.deliveries]
    assert [b["event"]["type"] for b in bodies] == ["message", "app_mention"]
    for body in bodies:
        assert body["team_id"] == body["context_team_id"] == "T0002" and body["context_enterprise_id"] is None
        assert body["authorizations"] == [
            {
                "enterprise_id": None,
                "team_id": "T0002",
                "user_id": "U0002BOT",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ]
        assert body["event"]["team"] == body["event"]["user_team"] == body["event"]["source_team"] == "T0002"
    assert receiver.events()[-1]["event"]["type"] == "app_mention"


def test_not_installed_workspace_gets_nothing(emu: SlackEmulator, receiver: Receiver) -> None:
    quiet = emu.add_workspace("T0003", "quiet")
    quiet.add_user("UQ", "q")
    quiet.add_channel("C300", "x", members=["UQ", quiet.bot_user_id])
    assert quiet.post_message("C300", "UQ", f"<@{quiet.bot_user_id}> hi").deliveries == []
    assert quiet.bot_token == ""


def test_org_wide_install_reaches_the_org_workspaces(
    emu: SlackEmulator, receiver: Receiver, grid: tuple[WorkspaceHandle, WorkspaceHandle]
) -> None:
    research, sales = grid
    org_token = emu.install("E0001").token
    org = client(emu, org_token)
    me = org.auth_test()
    assert (me["team_id"], me["enterprise_id"], me["is_enterprise_install"]) == ("E0001", "E0001", True)
    assert me["url"] == "https://umbrella.enterprise.slack.com/" and me["user_id"] == "W0001BOT"
    org.chat_postMessage(channel="C101", text="in research")
    org.chat_postMessage(channel="C102", text="in sales")
    assert [c.team_id for c in emu.calls("chat.postMessage")] == ["T0101", "T0102"]
    assert error_of(lambda: org.chat_postMessage(channel="C100", text="x")) == "channel_not_found"
    assert org.users_info(user="W0SAM", team_id="T0101")["user"]["team_id"] == "T0102"  # org users, org-wide
    link = org.chat_getPermalink(channel="C101", message_ts=research.bot_messages("C101")[0]["ts"])["permalink"]
    assert link.startswith("https://umbrella-research.enterprise.slack.com/archives/C101/p")
    body = json.loads(sales.post_message("C102", "W0SAM", "<@W0001BOT> go").deliveries[0].request_body)
    assert (body["team_id"], body["enterprise_id"], body["context_enterprise_id"]) == ("T0102", "E0001", "E0001")
    assert body["authorizations"][0] == {
        "enterprise_id": "E0001",
        "team_id": "T0102",
        "user_id": "W0001BOT",
        "is_bot": True,
        "is_enterprise_install": True,
    }
    emu.remove_app_from(sales, "E0001")
    assert error_of(lambda: org.chat_postMessage(channel="C102", text="x")) == "channel_not_found"


def test_grid_workspace_install_only_reaches_its_workspace(
    emu: SlackEmulator, grid: tuple[WorkspaceHandle, WorkspaceHandle]
) -> None:
    research, _ = grid
    token = emu.install(research).token
    ws_client = client(emu, token)
    me = ws_client.auth_test()
    assert (me["team_id"], me["enterprise_id"], me["is_enterprise_install"]) == ("T0101", "E0001", False)
    assert me["url"] == "https://umbrella-research.enterprise.slack.com/"
    assert error_of(lambda: ws_client.chat_postMessage(channel="C102", text="x")) == "channel_not_found"


def test_org_install_through_oauth(emu: SlackEmulator, grid: tuple[WorkspaceHandle, WorkspaceHandle]) -> None:
    url = f"{emu.base_url}/oauth/v2/authorize?state=s&client_id={emu.client_id}&scope=chat:write"
    url += "&redirect_uri=https://bot.example/cb"
    code = dict(parse_qsl(emu.approve(url, "E0001", user="W0RITA").split("?", 1)[1]))["code"]
    answer = WebClient(base_url=emu.api_url).oauth_v2_access(
        client_id=emu.client_id, client_secret=emu.client_secret, code=code, redirect_uri="https://bot.example/cb"
    )
    assert answer["team"] is None and answer["enterprise"] == {"id": "E0001", "name": "Umbrella Corp"}
    assert answer["is_enterprise_install"] is True and answer["authed_user"] == {"id": "W0RITA"}
    assert emu.calls("oauth.v2.access")[0].response["ok"]
    with pytest.raises(ValueError, match="cannot_install_an_org_installed_app"):
        emu.approve(url, grid[0])
    emu.org_deploy_enabled = False
    with pytest.raises(ValueError, match="org_deploy_enabled"):
        emu.approve(url, "E0001")


def test_payloads_carry_grid_fields(
    emu: SlackEmulator, receiver: Receiver, grid: tuple[WorkspaceHandle, WorkspaceHandle]
) -> None:
    research, _ = grid
    emu.install("E0001")
    form = research.send_slash_command("W0SAM", "C101", "draft").payload()
    assert (form["team_id"], form["enterprise_id"], form["is_enterprise_install"]) == ("T0101", "E0001", "true")
    assert form["user_id"] == "W0SAM" and form["enterprise_name"] == "Umbrella Corp"
    ts = research.seed_message("C101", "W0RITA", "hello")
    action = research.send_block_action("W0SAM", "C101", ts, "go", "1").payload()
    assert action["enterprise"] == {"id": "E0001", "name": "Umbrella Corp"} and action["is_enterprise_install"]
    assert action["user"]["team_id"] == "T0102" and action["team"]["id"] == "T0101"
    shortcut = research.send_message_shortcut("W0RITA", "C101", ts).payload()
    assert shortcut["user"] == {"id": "W0RITA", "name": "rita", "team_id": "T0101"}


def test_slack_connect_channel(emu: SlackEmulator, receiver: Receiver) -> None:
    initech = emu.add_workspace("T0003", "initech", install=True)
    initech.add_user("UIVY", "ivy")
    emu.add_member("C100", "UIVY")
    emu.share_channel("C100", initech)
    initech.add_member("C100", initech.bot_user_id)
    for token in ("xoxb-test-token", initech.bot_token):
        info = client(emu, token).conversations_info(channel="C100")["channel"]
        assert info["id"] == "C100" and info["is_shared"] and info["is_ext_shared"]
        assert info["shared_team_ids"] == ["T0001", "T0003"] and info["conversation_host_id"] == "T0001"
    user = client(emu, "xoxb-test-token").users_info(user="UIVY")["user"]
    assert user["team_id"] == "T0003"
    posted = emu.post_message("C100", "UIVY", "<@UBOT> what about us")
    bodies = [json.loads(d.request_body) for d in posted.deliveries]
    assert [(b["team_id"], b["event"]["type"]) for b in bodies] == [
        ("T0001", "message"),
        ("T0001", "app_mention"),
        ("T0003", "message"),
    ]
    assert all(b["is_ext_shared_channel"] for b in bodies)
    assert bodies[1]["event"]["user_team"] == bodies[1]["event"]["source_team"] == "T0003"


def test_uninstall_delivers_lifecycle_events(
    emu: SlackEmulator, receiver: Receiver, grid: tuple[WorkspaceHandle, WorkspaceHandle]
) -> None:
    globex = emu.add_workspace("T0002", "globex", install=True)
    token = globex.bot_token
    events = [json.loads(d.request_body) for d in emu.uninstall(globex)]
    assert [e["event"]["type"] for e in events] == ["tokens_revoked", "app_uninstalled"]
    assert events[0]["event"]["tokens"] == {"oauth": [], "bot": ["U0002BOT"]}
    assert all(e["team_id"] == "T0002" and e["authorizations"][0]["team_id"] == "T0002" for e in events)
    assert error_of(client(emu, token).auth_test) == "token_revoked"
    org_token = emu.install("E0001").token
    org_events = [json.loads(d.request_body) for d in emu.uninstall("E0001")]
    assert all(e["enterprise_id"] == "E0001" and e["authorizations"][0]["is_enterprise_install"] for e in org_events)
    assert error_of(client(emu, org_token).auth_test) == "token_revoked"


def test_files_stay_in_their_workspace(emu: SlackEmulator) -> None:
    globex = emu.add_workspace("T0002", "globex", install=True)
    globex.add_channel("C200", "plans", members=[globex.bot_user_id])
    other = client(emu, globex.bot_token)
    upload = other.files_upload_v2(channel="C200", content="# spec", filename="SPEC.md")
    file_id = upload["file"]["id"]
    assert emu.wait_idle(5)
    url = other.files_info(file=file_id)["file"]["url_private"]
    assert error_of(lambda: client(emu, "xoxb-test-token").files_info(file=file_id)) == "file_not_found"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {globex.bot_token}"})
    with urllib.request.urlopen(request) as resp:  # noqa: S310 - the local emulator
        assert resp.read() == b"# spec"
    wrong = urllib.request.Request(url, headers={"Authorization": "Bearer xoxb-test-token"})
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(wrong)  # noqa: S310


def test_org_token_uploads_into_a_grid_channel(
    emu: SlackEmulator, grid: tuple[WorkspaceHandle, WorkspaceHandle]
) -> None:
    research, sales = grid
    org = client(emu, emu.install("E0001").token)
    upload = org.files_upload_v2(channel="C102", content="# spec", filename="SPEC.md", title="spec")
    assert emu.wait_idle(5)
    assert org.files_info(file=upload["file"]["id"])["file"]["permalink"].startswith("https://umbrella-")
    assert [c.team_id for c in emu.calls("files.completeUploadExternal")] == ["T0102"]
    # An org-wide token must say which workspace when nothing in the call does.
    assert error_of(lambda: org.api_call("conversations.members")) == "missing_argument"
    assert org.api_call("users.info", params={"user": "W0SAM", "team_id": "T0101"})["ok"]


def test_handle_settings_write_through(emu: SlackEmulator) -> None:
    globex = emu.add_workspace("T0002", "globex")
    globex.events_url = "http://127.0.0.1:9/none"
    assert emu.events_url == "http://127.0.0.1:9/none"
    globex.trigger_ttl = -1
    assert globex.ws.trigger_ttl == -1 and emu.trigger_ttl == 3.0
    assert globex.api_url == emu.api_url and globex.root is emu


def test_faults_for_one_workspace_and_an_org_install_without_workspaces(emu: SlackEmulator) -> None:
    globex = emu.add_workspace("T0002", "globex", install=True)
    globex.add_channel("C200", "plans", members=[globex.bot_user_id])
    emu.fail_next("chat.postMessage", "fatal_error", team_id="T0002")
    client(emu, "xoxb-test-token").chat_postMessage(channel="C100", text="unaffected")
    other = client(emu, globex.bot_token)
    assert error_of(lambda: other.chat_postMessage(channel="C200", text="x")) == "fatal_error"
    assert other.chat_postMessage(channel="C200", text="y")["ok"]
    emu.add_org("E0009", "empty")
    lonely = client(emu, emu.install("E0009").token)
    assert lonely.auth_test()["team_id"] == "E0009"
    assert error_of(lambda: lonely.chat_postMessage(channel="C100", text="x")) == "team_access_not_granted"
    assert emu.authorize_url == f"{emu.base_url}/oauth/v2/authorize"
