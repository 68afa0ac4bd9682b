"""Reading a session's thread at each of Slack's rate tiers, against the Slack emulator and a real Redis:
what is read again, what is kept, and what a trigger does while a slow read waits for Slack."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from pydantic import SecretStr

from bot.config import Settings
from bot.flow.intake import READING_SLOWLY, handle_trigger
from bot.flow.jobs import JOBS
from bot.flow.paced import thread_copies
from bot.flow.read import read_step
from bot.flow.thread import load_thread
from bot.flow.trigger import Trigger
from bot.store.sessions import Phase, Session
from bot.wiring import Runtime, build_runtime
from tests.fakes.slack import SlackEmulator


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator(bot_token="xoxb-read", team_id="T1", bot_user_id="UBOT", bot_id="BBOT").start()
    emulator.add_user("UANA", "ana")
    emulator.add_channel("C1", "design", members=["UANA", "UBOT"])
    yield emulator
    emulator.stop()


def runtime(slack: SlackEmulator, redis_conn: redis.Redis, tier: str, **more: object) -> Runtime:
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-read"),
        slack_api_url=slack.api_url,
        openai_api_key=SecretStr("k"),
        techspec_slack_read_tier=tier,
        **more,
    )  # type: ignore[call-arg]
    return build_runtime(settings, redis_conn, JOBS)


def thread(slack: SlackEmulator, replies: int) -> tuple[str, list[str]]:
    """A thread in C1 with its root and replies seeded (no events): (root ts, reply ts)."""
    root = slack.seed_message("C1", "UANA", "Design: CSV export for the dashboard.")
    return root, [
        slack.seed_message("C1", "UANA", f"Point {i:02d} of the export.", thread_ts=root) for i in range(replies)
    ]


def session(rt: Runtime, root: str, **fields: object) -> Session:
    started = Session(team_id="T1", channel_id="C1", thread_ts=root, requested_by="UANA", trigger_ts=root, **fields)  # type: ignore[arg-type]
    assert rt.store.create(started)
    return started


def texts(rt: Runtime, started: Session) -> list[str]:
    return [m.text for m in load_thread(rt, started).messages]


def test_at_the_standard_tier_each_read_is_the_whole_thread_and_no_copy_is_kept(
    slack: SlackEmulator, redis_conn: redis.Redis
) -> None:
    rt = runtime(slack, redis_conn, "standard")
    root, replies = thread(slack, 5)
    started = session(rt, root)
    assert any("Point 02" in t for t in texts(rt, started))
    assert thread_copies(rt).get(started.key) is None  # nothing of the thread stays in Redis
    # Deleted and edited while the bot heard nothing (web down, Slack gave up retrying): the thread is the truth.
    slack.delete_message("C1", replies[2], deliver=False)
    slack.edit_message("C1", replies[3], "Point 03: CHANGED to Parquet.", deliver=False)
    again = texts(rt, started)
    assert not any("Point 02" in t for t in again) and any("CHANGED to Parquet" in t for t in again)
    assert not any("Point 03 of" in t for t in again)
    assert thread_copies(rt).get(started.key) is None


def test_a_trigger_during_a_paused_slow_read_starts_no_second_read(
    slack: SlackEmulator, redis_conn: redis.Redis
) -> None:
    slack.replies_tier, slack.limited_window_seconds = "limited", 60.0
    rt = runtime(slack, redis_conn, "limited")
    root, _ = thread(slack, 40)
    # The read began 11 minutes ago (a long thread at one page a minute): no page since touched the session.
    started = session(rt, root, updated_at=time.time() - 660)
    read_step(rt, started.key)  # one page, then Slack wants a minute: the step ends and is scheduled again
    assert len(thread_copies(rt).get(started.key).messages) == 15  # type: ignore[union-attr]
    assert len({j for q in rt.queue.shards for j in q.scheduled_job_registry.get_job_ids()}) == 1
    assert (rt.store.get(started.key) or started).updated_at > time.time() - 60  # the pause moved the session

    mention = slack.seed_message("C1", "UANA", "<@UBOT> where is the spec?", thread_ts=root)
    trigger = Trigger(team_id="T1", channel_id="C1", thread_ts=root, trigger_ts=mention, user_id="UANA", text="x")
    assert handle_trigger(rt, trigger) == "busy"
    now = rt.store.get(started.key)
    assert now is not None and now.phase == Phase.READING
    queued = {j for q in [rt.queue.queue, *rt.queue.shards] for j in q.get_job_ids()}
    assert queued == set()  # no second read of the thread shares Slack's one call a minute
    told = [c.params.get("text") for c in slack.calls("chat.postEphemeral")]
    assert told == [READING_SLOWLY]


def test_a_slow_read_capped_at_the_message_limit_ends_and_a_later_read_calls_slack_no_more(
    slack: SlackEmulator, redis_conn: redis.Redis
) -> None:
    slack.replies_tier, slack.limited_window_seconds = "limited", 0.0
    rt = runtime(slack, redis_conn, "limited", techspec_thread_max_messages=10)
    root, _ = thread(slack, 40)
    started = session(rt, root)
    loaded = load_thread(rt, started)
    assert loaded.left_out is not None and loaded.left_out.kept == 10 and loaded.left_out.left_out == 31
    copy = thread_copies(rt).get(started.key)
    assert copy is not None and copy.complete and copy.cursor == "" and copy.oldest == ""
    calls = len(slack.calls("conversations.replies"))
    assert load_thread(rt, started).left_out == loaded.left_out  # the same first messages, as at the standard tier
    assert len(slack.calls("conversations.replies")) == calls
