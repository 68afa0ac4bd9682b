"""Enterprise Grid through the real processes: one org-wide install answering in two workspaces of the org.

OAuth mode (no SLACK_BOT_TOKEN): the org's installation is saved in the bot's installation store the way
the OAuth redirect saves it (the redirect itself is tested with the OAuth install); the emulator serves
the org "umbrella" (E0001) with workspaces research (T0101) and sales (T0102) behind one URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from slack_sdk.oauth.installation_store import Installation

from bot.store.crypto import SecretBox, new_key
from bot.store.installations import RedisInstallationStore
from tests.e2e.conftest import Stack, bot_env, start_emulators
from tests.e2e.helpers import is_questions_message
from tests.fakes.slack.handle import WorkspaceHandle
from tests.fakes.slack.payloads import org_envelope
from tests.support.processes import BotProcess, wait_http_ok
from tests.support.redis_server import free_port
from tests.support.waiting import wait_until

ORG, RESEARCH, SALES = "E0001", "T0101", "T0102"
Grid = tuple[Stack, WorkspaceHandle, WorkspaceHandle]
BOT = "W0001BOT"
DESIGN = [
    "We need per-tenant rate limits on the items API; today one tenant can starve the others.",
    "Token bucket in Redis, keyed by tenant; limits editable by support without a deploy.",
]


@pytest.fixture(scope="module")
def grid(redis_url: str) -> Iterator[Grid]:
    """The stack in OAuth mode with the org installed org-wide; research and sales with their people."""
    connection = redis.Redis.from_url(redis_url.rsplit("/", 1)[0] + "/2")
    connection.flushdb()
    slack, model = start_emulators()
    slack.add_org(ORG, "umbrella", name="Umbrella Corp")
    research = slack.add_workspace(RESEARCH, "umbrella-research", enterprise_id=ORG)
    sales = slack.add_workspace(SALES, "umbrella-sales", enterprise_id=ORG)
    research.add_user("W0RITA", "rita", real_name="Rita Ruiz", display_name="Rita")
    sales.add_user("W0SAM", "sam", real_name="Sam Sato", display_name="Sam")
    key = new_key()
    installed = slack.install(ORG, user="W0RITA")
    RedisInstallationStore(connection, SecretBox([key])).save(
        Installation(
            app_id="A0001",
            enterprise_id=ORG,
            enterprise_name="Umbrella Corp",
            team_id=None,
            is_enterprise_install=True,
            user_id="W0RITA",
            bot_token=installed.token,
            bot_id=installed.bot_id,
            bot_user_id=installed.bot_user_id,
            bot_scopes=installed.scope,
        )
    )
    port = free_port()
    env = bot_env(slack.api_url, model.base_url, redis_url.rsplit("/", 1)[0] + "/2", port)
    del env["SLACK_BOT_TOKEN"]
    env.update(SLACK_CLIENT_ID=slack.client_id, SLACK_CLIENT_SECRET=slack.client_secret, TECHSPEC_ENCRYPTION_KEYS=key)
    stack = Stack(slack=slack, model=model, redis=connection, env=env, port=port)
    stack.processes += [BotProcess("web", env).start(), BotProcess("worker", env).start()]
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/healthz", process=stack.processes[0])
        slack.events_url = f"http://127.0.0.1:{port}/slack/events"
        yield stack, research, sales
    finally:
        for process in stack.processes:
            process.stop()
        slack.stop()
        model.stop()
        connection.flushdb()
        connection.close()


def thread(ws: WorkspaceHandle, channel: str, members: list[str]) -> str:
    """A channel of `ws` with a short design thread in it; returns the root's ts."""
    ws.add_channel(channel, channel.lower(), members=[*members, BOT])
    root = ws.seed_message(channel, members[0], DESIGN[0])
    ws.seed_message(channel, members[-1], DESIGN[1], thread_ts=root)
    return root


def questions_in(ws: WorkspaceHandle, channel: str, root: str, stack: Stack) -> dict[str, Any]:
    """The bot's questions message in the thread, once it is there."""

    def found() -> dict[str, Any] | None:
        return next((m for m in ws.bot_messages(channel, root) if is_questions_message(m)), None)

    return wait_until(found, 30, message=f"questions in {channel}\n{stack.logs()}")


def test_the_org_install_answers_in_two_workspaces_without_cross_talk(grid: Grid) -> None:
    stack, research, sales = grid
    lab = thread(research, "CLAB1", ["W0RITA"])
    deals = thread(sales, "CDEAL1", ["W0SAM"])
    research.post_message("CLAB1", "W0RITA", f"<@{BOT}> spec please", thread_ts=lab)
    sales.post_message("CDEAL1", "W0SAM", f"<@{BOT}> spec please", thread_ts=deals)
    questions_in(research, "CLAB1", lab, stack)
    questions_in(sales, "CDEAL1", deals, stack)
    # Each workspace's session lives under the org and that workspace.
    assert stack.redis.exists(f"techspec:session:{ORG}.{RESEARCH}:CLAB1:{lab}")
    assert stack.redis.exists(f"techspec:session:{ORG}.{SALES}:CDEAL1:{deals}")
    # The one org token did the work in both, each post in its own workspace.
    posts = stack.slack.calls("chat.postMessage")
    assert {c.team_id for c in posts if c.params.get("channel") == "CLAB1"} == {RESEARCH}
    assert {c.team_id for c in posts if c.params.get("channel") == "CDEAL1"} == {SALES}


def test_a_permalink_into_another_workspace_of_the_org_is_read_there(grid: Grid) -> None:
    stack, research, sales = grid
    deals = thread(sales, "CDEAL2", ["W0SAM"])
    research.add_channel("CLAB2", "lab2", members=["W0RITA", "W0SAM", BOT])
    link = f"https://umbrella-sales.enterprise.slack.com/archives/CDEAL2/p{deals.replace('.', '')}"
    research.send_slash_command("W0SAM", "CLAB2", link)
    questions_in(sales, "CDEAL2", deals, stack)
    # Kept under the sales workspace, where the thread's replies come from.
    assert stack.redis.exists(f"techspec:session:{ORG}.{SALES}:CDEAL2:{deals}")


def test_a_workspace_taken_out_of_the_org_install_is_forgotten(grid: Grid) -> None:
    stack, research, sales = grid
    lab = thread(research, "CLAB3", ["W0RITA"])
    deals = thread(sales, "CDEAL3", ["W0SAM"])
    research.post_message("CLAB3", "W0RITA", f"<@{BOT}> spec please", thread_ts=lab)
    sales.post_message("CDEAL3", "W0SAM", f"<@{BOT}> spec please", thread_ts=deals)
    questions_in(research, "CLAB3", lab, stack)
    questions_in(sales, "CDEAL3", deals, stack)
    installed = stack.slack.installation(ORG)
    event = {"type": "team_access_revoked", "team_ids": [SALES], "event_ts": "1700000000.000100"}
    body = org_envelope(installed, "A0001", "Ev0REVOKE1", event)
    stack.slack.deliver(body)
    gone = f"techspec:session:{ORG}.{SALES}:CDEAL3:{deals}"
    wait_until(lambda: not stack.redis.exists(gone), 20, message=stack.logs())
    assert stack.redis.keys(f"techspec:*{ORG}.{SALES}*") == []
    assert stack.redis.exists(f"techspec:session:{ORG}.{RESEARCH}:CLAB3:{lab}")  # the org's other workspace stays


def test_a_partner_organisation_in_a_shared_channel_is_refused(grid: Grid) -> None:
    stack, research, _ = grid
    partner = stack.slack.add_workspace("T0901", "initech")  # another company, not on the org
    partner.add_user("U0IVY", "ivy", real_name="Ivy Ito", display_name="Ivy")
    lab = thread(research, "CLAB4", ["W0RITA"])
    stack.slack.share_channel("CLAB4", partner, host=research)
    research.add_member("CLAB4", "U0IVY")
    research.post_message("CLAB4", "U0IVY", f"<@{BOT}> summarise this for us", thread_ts=lab)

    def refusal() -> dict[str, Any] | None:
        return next((e for e in research.ephemerals if e.get("user") == "U0IVY"), None)

    told = wait_until(refusal, 20, message=stack.logs())
    assert "shared with another organisation" in told["text"] and told["thread_ts"] == lab
    assert not stack.redis.exists(f"techspec:session:{ORG}.{RESEARCH}:CLAB4:{lab}")
    # Rita, of the org, is served in the same shared channel.
    research.post_message("CLAB4", "W0RITA", f"<@{BOT}> spec please", thread_ts=lab)
    questions_in(research, "CLAB4", lab, stack)
