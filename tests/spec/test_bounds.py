"""Bounding a thread's reading: message and character limits, and what is said to be left out."""

from __future__ import annotations

from bot.spec.bounds import bound_thread


def thread(n: int, size: int = 10) -> list[dict]:
    root = {"ts": "1.000000", "text": "r" * size, "reply_count": n - 1}
    return [root, *({"ts": f"1.{i:06d}", "text": "x" * size} for i in range(1, n))]


def test_a_thread_within_the_limits_is_read_whole() -> None:
    kept, gap = bound_thread(thread(5), 10, 1000)
    assert len(kept) == 5 and gap is None


def test_the_message_limit_keeps_the_first_messages_and_counts_the_rest_from_reply_count() -> None:
    raw = thread(1200)[:400]  # reading stopped after two pages; the root says how long the thread is
    kept, gap = bound_thread(raw, 300, 10**6)
    assert len(kept) == 300 and gap is not None
    assert (gap.kept, gap.left_out, gap.by, gap.last_kept_ts) == (300, 900, "messages", "1.000299")


def test_the_character_limit_stops_early_but_always_keeps_the_root() -> None:
    kept, gap = bound_thread(thread(10, size=400), 100, 1000)
    assert len(kept) == 2 and gap is not None and gap.by == "characters" and gap.left_out == 8
    kept, gap = bound_thread(thread(3, size=5000), 100, 1000)
    assert len(kept) == 1 and gap is not None
