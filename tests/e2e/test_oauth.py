"""End to end in OAuth mode: installs through the redirect (state checked), two workspaces at once with no
cross-talk, a token rotation, and an uninstall that deletes one workspace's installation and data only."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from rq import Queue

from bot.flow.jobs import run_session
from bot.store.crypto import new_key
from bot.store.keys import session_key
from tests.e2e.conftest import Stack, running_stack
from tests.e2e.helpers import DESIGN, questions_messages, wait_for_pinned_spec
from tests.fakes.slack import SlackEmulator
from tests.fakes.slack.handle import WorkspaceHandle
from tests.support.redis_dump import every_key_and_value, where_found
from tests.support.waiting import wait_until

STATE_COOKIE = "slack-app-oauth-state"


def oauth_env(slack: SlackEmulator, port: int) -> dict[str, str]:
    """OAuth mode against the emulator: no SLACK_BOT_TOKEN, the emulator's app credentials and pages."""
    return {
        "SLACK_BOT_TOKEN": "",
        "SLACK_CLIENT_ID": slack.client_id,
        "SLACK_CLIENT_SECRET": slack.client_secret,
        "SLACK_OAUTH_AUTHORIZE_URL": f"{slack.base_url}/oauth/v2/authorize",
        "SLACK_REDIRECT_URI": f"http://127.0.0.1:{port}/slack/oauth_redirect",
        "SLACK_INSTALL_PAGE_ENABLED": "false",
        "TECHSPEC_ENCRYPTION_KEYS": new_key(),
        # One session at a time per workspace: a second one in the same workspace is refused.
        "TECHSPEC_MAX_ACTIVE_PER_WORKSPACE": "1",
    }


@pytest.fixture(scope="module")
def stack(redis_url: str) -> Iterator[Stack]:
    """The real web and worker in OAuth mode (database 1 of the session's redis-server)."""
    with running_stack(redis_url.rsplit("/", 1)[0] + "/1", oauth_env) as running:
        yield running


def get(stack: Stack, url: str, cookie: str | None = None) -> http.client.HTTPResponse:
    """One GET to the web process, redirects not followed (the browser's first hop)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=15)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.read()
    return response


def start_install(stack: Stack) -> tuple[str, str]:
    """GET /slack/install: (Slack's authorize URL, the state cookie the browser keeps)."""
    response = get(stack, f"http://127.0.0.1:{stack.port}/slack/install")
    assert response.status == 302, response.status
    cookie = (response.getheader("Set-Cookie") or "").split(";", 1)[0]
    assert cookie.startswith(f"{STATE_COOKIE}=")
    return str(response.getheader("Location")), cookie


def install(stack: Stack, ws: WorkspaceHandle) -> str:
    """The whole browser round trip for one workspace; returns the redirect URL that was used."""
    location, cookie = start_install(stack)
    redirect = stack.slack.approve(location, ws)
    response = get(stack, redirect, cookie)
    assert response.status == 200, (response.status, stack.logs())
    return redirect


def workspace(stack: Stack, team_id: str, domain: str) -> tuple[WorkspaceHandle, str, tuple[str, str]]:
    """A workspace with two people and a channel the bot is in: (handle, channel, people)."""
    ws = stack.slack.add_workspace(team_id, domain)
    people = (f"UA{team_id[1:]}", f"UB{team_id[1:]}")
    for user in people:
        ws.add_user(user, user.lower(), display_name=user.title())
    channel = f"C{team_id[1:]}X"
    ws.add_channel(channel, "design", members=[*people, ws.bot_user_id])
    return ws, channel, people


def ask(ws: WorkspaceHandle, channel: str, people: tuple[str, str]) -> str:
    """A design thread in ws, then @techspec in it; returns the root ts."""
    root = ws.seed_message(channel, people[0], DESIGN[0][1])
    for index, (_, text) in enumerate(DESIGN[1:]):
        ws.seed_message(channel, people[(index + 1) % 2], text, thread_ts=root)
    ws.post_message(channel, people[0], f"<@{ws.bot_user_id}> spec", thread_ts=root)
    return root


def tokens_used(stack: Stack, team_id: str) -> set[str | None]:
    """Every token the bot used for calls that team's workspace served."""
    methods = ("conversations.replies", "chat.postMessage", "users.info", "auth.test", "chat.update")
    return {c.token for m in methods for c in stack.slack.calls(m, team_id=team_id)}


def test_install_through_the_redirect_checks_the_state(stack: Stack) -> None:
    ws, _, _ = workspace(stack, "T0002", "globex")
    location, cookie = start_install(stack)
    forged = stack.slack.approve(location, ws).replace(cookie.split("=", 1)[1], "forged-state")
    assert get(stack, forged, f"{STATE_COOKIE}=forged-state").status in (400, 401)
    assert stack.redis.keys("techspec:installation:*") == []

    redirect = install(stack, ws)
    assert get(stack, redirect, f"{STATE_COOKIE}={dict_query(redirect)['state']}").status in (400, 401)  # replayed
    token = stack.slack.installation(ws).token
    assert stack.redis.exists("techspec:installation:T0002:bot")
    assert where_found(stack.redis, [token]) == []  # stored only encrypted


def dict_query(url: str) -> dict[str, str]:
    """The query arguments of a URL."""
    return dict(pair.split("=", 1) for pair in urlsplit(url).query.split("&"))


def test_two_workspaces_at_once_without_cross_talk(stack: Stack) -> None:
    acme, acme_channel, acme_people = workspace(stack, "T0003", "initech")
    globex = stack.slack.workspace("T0002")
    install(stack, acme)
    globex_channel, globex_people = "C0002X", ("UA0002", "UB0002")
    roots = {
        "T0003": ask(acme, acme_channel, acme_people),
        "T0002": ask(globex, globex_channel, globex_people),
    }
    for ws, channel in ((acme, acme_channel), (globex, globex_channel)):
        root = roots[ws.team_id]
        wait_until(lambda: questions_messages(ws, channel, root), 30, message=stack.logs())  # noqa: B023
        assert stack.redis.exists(session_key(ws.team_id, channel, root))
        assert tokens_used(stack, ws.team_id) == {stack.slack.installation(ws).token}
    # Each workspace's limit is its own: a second spec in T0003 is refused while T0002's first one runs.
    again = acme.seed_message(acme_channel, acme_people[1], "Another design: a webhook retry queue.")
    acme.post_message(acme_channel, acme_people[1], f"<@{acme.bot_user_id}> spec", thread_ts=again)
    wait_until(lambda: '"session refused"' in stack.full_logs(), 20, message=stack.logs())
    assert not stack.redis.exists(session_key("T0003", acme_channel, again))
    assert stack.redis.keys("techspec:user:T0002:*") and stack.redis.keys("techspec:user:T0003:*")
    for ws, channel in ((acme, acme_channel), (globex, globex_channel)):
        ws.post_message(channel, channel_people(ws)[0], f"<@{ws.bot_user_id}> go ahead", thread_ts=roots[ws.team_id])
        wait_for_pinned_spec_in(stack, ws, channel, roots[ws.team_id])


def channel_people(ws: WorkspaceHandle) -> tuple[str, str]:
    """The two people workspace() added."""
    return (f"UA{ws.team_id[1:]}", f"UB{ws.team_id[1:]}")


def wait_for_pinned_spec_in(stack: Stack, ws: WorkspaceHandle, channel: str, root: str) -> None:
    """wait_for_pinned_spec, looking at one workspace of the emulator."""
    view = Stack(slack=ws, model=stack.model, redis=stack.redis, env=stack.env, port=stack.port)
    view.processes = stack.processes
    wait_for_pinned_spec(view, channel, root, timeout=40)


def test_a_token_rotation_is_refreshed_once_and_work_carries_on(stack: Stack) -> None:
    stack.slack.token_rotation = True
    stack.slack.tenancy.rotation_grace = 0.0
    ws, channel, people = workspace(stack, "T0004", "hooli")
    install(stack, ws)
    first = stack.slack.installation(ws).token
    assert first.startswith("xoxe.xoxb-")
    stack.slack.expire_token(ws)
    root = ask(ws, channel, people)
    wait_until(lambda: questions_messages(ws, channel, root), 30, message=stack.logs())
    refreshes = [c for c in stack.slack.calls("oauth.v2.access") if c.params.get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1 and all(c.response.get("ok") for c in refreshes)
    second = stack.slack.installation(ws).token
    assert second != first and where_found(stack.redis, [second]) == []
    posts = stack.slack.calls("chat.postMessage", team_id="T0004")
    assert posts and {c.token for c in posts} == {second}
    # The worker's turn: the token expires while it writes; its next Slack call refreshes it, once.
    hold = stack.model.hold("TechnicalSpecDraft")
    ws.post_message(channel, people[0], f"<@{ws.bot_user_id}> go ahead", thread_ts=root)
    assert hold.wait_started(20), stack.logs()
    stack.slack.expire_token(ws)
    hold.release()
    wait_for_pinned_spec_in(stack, ws, channel, root)
    refreshes = [c for c in stack.slack.calls("oauth.v2.access") if c.params.get("grant_type") == "refresh_token"]
    assert len(refreshes) == 2 and all(c.response.get("ok") for c in refreshes), stack.logs()
    third = stack.slack.installation(ws).token
    assert third not in (first, second)
    assert {c.token for c in stack.slack.calls("pins.add", team_id="T0004")} == {third}


def test_uninstall_deletes_that_workspace_and_nothing_else(stack: Stack) -> None:
    globex = stack.slack.workspace("T0002")
    assert where_found(stack.redis, ["T0002"]) != [] and where_found(stack.redis, ["T0003"]) != []
    others = {k for k in every_key_and_value(stack.redis) if "T0003" in k}
    stack.slack.uninstall(globex)
    wait_until(lambda: where_found(stack.redis, ["T0002"]) == [], 40, message=stack.logs())
    assert not stack.redis.exists("techspec:installation:T0002:bot")
    assert others <= set(every_key_and_value(stack.redis)) and stack.redis.exists("techspec:installation:T0003:bot")
    # A late event from the uninstalled workspace does nothing (its installation is gone).
    globex.post_message("C0002X", "UA0002", f"<@{globex.bot_user_id}> spec")
    wait_until(lambda: stack.slack.wait_idle(5), 10)
    assert where_found(stack.redis, ["T0002"]) == []
    # A job queued before the uninstall ends quietly: one log line, no retry, nothing stored.
    job = Queue("techspec:shard:0", connection=stack.redis).enqueue(run_session, session_key("T0002", "C0002X", "1.2"))
    wait_until(lambda: job.get_status() == "finished", 20, message=stack.logs())
    assert stack.full_logs().count("no longer installed: dropped") == 1
    job.delete()
    assert where_found(stack.redis, ["T0002"]) == []


def test_an_org_wide_install_answers_in_two_workspaces_and_its_uninstall_forgets_them_all(stack: Stack) -> None:
    stack.slack.token_rotation = False
    stack.slack.add_org("E0001", "bigco")
    teams = {}
    for team_id, domain in (("T0101", "bigco-eng"), ("T0102", "bigco-ops")):
        ws = stack.slack.add_workspace(team_id, domain, enterprise_id="E0001")
        people = (f"WA{team_id[1:]}", f"WB{team_id[1:]}")
        for user in people:
            ws.add_user(user, user.lower(), display_name=user.title())
        ws.add_channel(f"C{team_id[1:]}X", "design", members=[*people, ws.bot_user_id])
        teams[team_id] = (ws, f"C{team_id[1:]}X", people)
    location, cookie = start_install(stack)
    assert get(stack, stack.slack.approve(location, "E0001"), cookie).status == 200, stack.logs()
    assert stack.redis.exists("techspec:installation:E0001:bot")
    roots = {team_id: ask(*found) for team_id, found in teams.items()}
    for team_id, (ws, channel, _) in teams.items():
        wait_until(lambda: questions_messages(ws, channel, roots[team_id]), 30, message=stack.logs())  # noqa: B023
        assert stack.redis.exists(session_key(f"E0001.{team_id}", channel, roots[team_id]))
    assert tokens_used(stack, "T0101") == tokens_used(stack, "T0102") == {stack.slack.installation("E0001").token}
    kept = {k for k in every_key_and_value(stack.redis) if "T0003" in k}
    stack.slack.uninstall("E0001")
    wait_until(lambda: where_found(stack.redis, ["E0001"]) == [], 40, message=stack.logs())
    assert where_found(stack.redis, ["T0101", "T0102"]) == []
    assert kept <= set(every_key_and_value(stack.redis))
