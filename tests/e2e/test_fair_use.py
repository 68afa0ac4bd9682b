"""End to end, fair use: a flood by one person is refused and told while another team is served next,
a full queue refuses at once, and the monthly budget warns at 80%, refuses at 100% and shows on App Home."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator

import pytest
from rq import Queue

from bot.store.usage import PeriodUsage, UsageLedger
from tests.e2e.conftest import Stack, running_stack
from tests.e2e.helpers import design_thread, session_of, spec_files, wait_for_pinned_spec, wait_for_questions
from tests.fakes.model.completion import count_tokens
from tests.support.waiting import wait_until

SHARDS = 16
LIMITS = {
    "TECHSPEC_MAX_ACTIVE_PER_USER": "2",
    "TECHSPEC_MAX_ACTIVE_PER_CHANNEL": "10",
    "TECHSPEC_MAX_ACTIVE_PER_WORKSPACE": "50",
    "TECHSPEC_MAX_STARTS_PER_USER_HOUR": "10",
    "TECHSPEC_MAX_QUEUE_DEPTH": "5",
    "TECHSPEC_QUEUE_SHARDS": str(SHARDS),
    "TECHSPEC_THREAD_MAX_MESSAGES": "10",
    "TECHSPEC_MONTHLY_BUDGET_USD": "1",
    # $1 per million tokens either way: a workspace's micro-dollars equal its tokens.
    "TECHSPEC_MODEL_PRICES": json.dumps({"test-model": {"input": 1, "output": 1}}),
}
BUDGET_MICRO_USD = 1_000_000
QUIET = [
    ("UBOB", "Billing team: the invoice webhook must retry with backoff when the ledger service is down."),
    ("UCAT", "It posts to the ledger's REST API; we keep an outbox table in Postgres."),
]


@pytest.fixture(scope="module")
def stack(redis_url: str) -> Iterator[Stack]:
    """The real processes with small limits and a $1 monthly budget."""
    with running_stack(redis_url.rsplit("/", 1)[0] + "/1", **LIMITS) as running:
        running.slack.add_user("UDAN", "dan", display_name="Dan")
        running.slack.add_user("UEVE", "eve", display_name="Eve")
        running.slack.add_user("UFAY", "fay", display_name="Fay")
        running.slack.add_user("UADM", "adm", display_name="Admin", is_admin=True)
        yield running


def shard(team: str, user: str) -> int:
    """The shard a person's jobs go to (bot.store.queue.JobQueue.shard_for)."""
    return zlib.crc32(f"{team}:{user}".encode()) % SHARDS


def queued(stack: Stack) -> int:
    """Jobs waiting on every queue the worker reads."""
    return sum(int(stack.redis.llen(k)) for k in stack.redis.keys("rq:queue:techspec*"))  # type: ignore[arg-type]


def ephemerals_to(stack: Stack, user: str, words: str) -> list[dict]:
    """Private messages to one person containing words."""
    return [e for e in stack.slack.ephemerals if e["user"] == user and words in e["text"]]


def test_a_flood_is_refused_and_told_while_another_team_is_served_next(stack: Stack) -> None:
    assert shard("T0001", "UANA") != shard("T0001", "UBOB")  # different people, different shard queues
    hold = stack.model.hold("ClarifyResult")
    flood = []
    for _ in range(3):
        channel = stack.new_channel(members=("UANA", "UBOT"))
        for _ in range(2):
            root = design_thread(stack, channel)
            stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
            flood.append((channel, root))
    assert hold.wait_started(20), stack.logs()
    started = lambda: [t for t in flood if session_of(stack, *t) is not None]  # noqa: E731
    wait_until(
        lambda: stack.full_logs().count('"session refused"') == 4 and len(started()) == 2, 20, message="see logs"
    )

    quiet_channel = stack.new_channel(members=("UBOB", "UCAT", "UBOT"))
    quiet_root = design_thread(stack, quiet_channel, QUIET)
    stack.slack.post_message(quiet_channel, "UBOB", "<@UBOT> spec please", thread_ts=quiet_root)
    # The flood's second reading and the quiet team's both wait while the flood's first is in the model.
    wait_until(lambda: session_of(stack, quiet_channel, quiet_root) and queued(stack) == 2, 20, message="see logs")
    hold.release()

    wait_for_questions(stack, quiet_channel, quiet_root)
    readings = stack.model.calls("ClarifyResult")
    assert "invoice webhook" in stack.model.prompt_text(readings[1]), "the quiet team waited behind the flood"

    told = ephemerals_to(stack, "UANA", "specs under way")
    assert len(told) == 1, stack.slack.ephemerals  # one notice per flood, not one per mention
    assert "at the latest" in told[0]["text"] and "<!date^" in told[0]["text"]
    refused = [t for t in flood if t not in started()]
    assert len(refused) == 4
    for channel, root in refused:
        assert all("eyes" not in stack.slack.reactions(channel, m["ts"]) for m in stack.slack.thread(channel, root))
    for channel, root in started():
        wait_for_questions(stack, channel, root)
    # `/techspec <words>` would start a new thread: refused before its root is posted, and said privately.
    channel = flood[0][0]
    stack.slack.send_slash_command("UANA", channel, "yet another idea")
    said = wait_until(lambda: [p for _, p in stack.slack.responses if "specs under way" in str(p.get("text"))], 20)
    assert said and not [m for m in stack.slack.messages(channel) if "yet another idea" in str(m.get("text"))]


def test_a_full_queue_refuses_new_sessions_at_once(stack: Stack) -> None:
    hold = stack.model.hold("ClarifyResult")
    busy = stack.new_channel(members=("UDAN", "UCAT", "UBOT"))
    first = design_thread(stack, busy)
    stack.slack.post_message(busy, "UDAN", "<@UBOT> spec", thread_ts=first)
    assert hold.wait_started(20), stack.logs()
    legacy = Queue("techspec", connection=stack.redis)
    stack.redis.rpush(legacy.key, *[f"placeholder-{n}" for n in range(5)])  # jobs the worker cannot reach yet
    try:
        second = design_thread(stack, busy)
        stack.slack.post_message(busy, "UCAT", "<@UBOT> spec", thread_ts=second)
        told = wait_until(lambda: ephemerals_to(stack, "UCAT", "too busy"), 20, message="see logs")
        assert "5 jobs are already waiting" in told[0]["text"]
        assert session_of(stack, busy, second) is None
        ack = stack.slack.send_slash_command("UCAT", busy, "a new idea for exports")
        assert "too busy" in ack.body
    finally:
        stack.redis.delete(legacy.key)
        hold.release()
    wait_for_questions(stack, busy, first)


def test_thousands_of_mentions_cost_no_slack_calls_and_leave_no_cache_keys(stack: Stack) -> None:
    channel = stack.new_channel(members=("UANA", "UBOB", "UCAT", "UEVE", "UBOT"))
    plain = design_thread(stack, channel)
    stack.slack.post_message(channel, "UEVE", "<@UBOT> spec", thread_ts=plain)
    wait_for_questions(stack, channel, plain)  # the authors' names are cached now
    crowd = " ".join(f"<@UX{n:05d}>" for n in range(3000))
    busy = design_thread(stack, channel, [*QUIET, ("UANA", f"Looping in <@UCAT> and everyone else: {crowd}")])
    lookups, names = len(stack.slack.calls("users.info")), len(stack.redis.keys("techspec:user:*"))
    stack.slack.post_message(channel, "UEVE", "<@UBOT> spec", thread_ts=busy)
    wait_for_questions(stack, channel, busy)
    assert len(stack.slack.calls("users.info")) == lookups  # the same authors, the same (zero) look-ups
    assert len(stack.redis.keys("techspec:user:*")) == names
    prompt = stack.model.prompt_text(stack.model.calls("ClarifyResult")[-1])
    assert "@Cat and everyone else: @UX00000 @UX00001" in prompt  # cached names used, the rest left as ids


def test_a_thread_over_the_reading_limit_is_read_in_part_and_the_bot_says_what_it_left_out(stack: Stack) -> None:
    channel = stack.new_channel(members=("UANA", "UBOB", "UFAY", "UBOT"))
    lines = [("UANA" if n % 2 else "UBOB", f"Point {n}: the export keeps {n} days of files.") for n in range(25)]
    root = design_thread(stack, channel, lines)
    replies_before = len(stack.slack.calls("conversations.replies"))
    stack.slack.post_message(channel, "UFAY", "<@UBOT> spec", thread_ts=root)
    wait_for_questions(stack, channel, root)
    notes = [m for m in stack.slack.bot_messages(channel, root) if ":scissors:" in str(m.get("text"))]
    assert len(notes) == 1
    # 25 seeded, the mention, and the bot's status line: the first 10 read, 17 left out.
    assert "first 10 messages and left out the 17 after them" in notes[0]["text"]
    assert len(stack.slack.calls("conversations.replies")) - replies_before == 1  # one page, not the whole thread
    prompt = stack.model.prompt_text(stack.model.calls("ClarifyResult")[-1])
    assert "Point 9:" in prompt and "Point 10:" not in prompt


def test_the_budget_warns_at_80_percent_refuses_at_100_and_shows_on_app_home(stack: Stack) -> None:
    ledger = UsageLedger(stack.redis)
    seeded = int(0.85 * BUDGET_MICRO_USD) - ledger.month("T0001").micro_usd
    ledger.add("T0001", PeriodUsage(period="", micro_usd=seeded))  # what earlier sessions this month spent
    before, calls_before = ledger.month("T0001"), len(stack.model.calls("*"))
    channel = stack.new_channel(members=("UDAN", "UCAT", "UBOT"))
    root = design_thread(stack, channel)
    stack.slack.post_message(channel, "UCAT", "<@UBOT> spec", thread_ts=root)
    questions = wait_for_questions(stack, channel, root)
    warning = wait_until(lambda: ephemerals_to(stack, "UCAT", "Heads-up"), 10, message="see logs")
    assert "85%" in warning[0]["text"] and "$0.85 of $1.00" in warning[0]["text"]

    # Every model call of the session was counted against the workspace as it was made.
    made = stack.model.calls("*")[calls_before:]
    after = ledger.month("T0001")
    assert after.calls - before.calls == len(made) > 0
    assert after.prompt_tokens - before.prompt_tokens == sum(count_tokens(stack.model.prompt_text(r)) for r in made)
    assert after.micro_usd - before.micro_usd == after.tokens - before.tokens

    ledger.add("T0001", PeriodUsage(period="", micro_usd=BUDGET_MICRO_USD))  # the month's budget is spent
    other = design_thread(stack, channel)
    stack.slack.post_message(channel, "UDAN", "<@UBOT> spec", thread_ts=other)
    refusal = wait_until(lambda: ephemerals_to(stack, "UDAN", "model budget"), 20, message="see logs")
    assert "New specs can start again on 1 " in refusal[0]["text"]
    assert session_of(stack, channel, other) is None
    assert "model budget" in stack.slack.send_slash_command("UDAN", channel, "another idea").body

    # The session already under way finishes.
    stack.slack.send_block_action("UCAT", channel, questions["ts"], "techspec_generate_now", "x")
    wait_for_pinned_spec(stack, channel, root)
    assert len(spec_files(stack.slack, channel, root)) == 1

    for user in ("UADM", "UCAT"):
        stack.slack.send_app_home_opened(user)
    homes = wait_until(lambda: all(u in stack.slack.home_views for u in ("UADM", "UCAT")) and stack.slack.home_views)
    admin_home, member_home = json.dumps(homes["UADM"]), json.dumps(homes["UCAT"])
    assert "Model usage this month" in admin_home and "% of the budget" in admin_home
    assert "Model usage this month" not in member_home
