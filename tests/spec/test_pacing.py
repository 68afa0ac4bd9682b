"""Reading at Slack's rate tiers, the pure parts: page sizes, the tier seen from Slack's answers, when the
next call may go, how long the rest takes, and the redacted copy that no page is read into twice."""

from __future__ import annotations

from typing import Any

from bot.spec import pacing
from bot.spec.pacing import ThreadCopy

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


def msgs(*numbers: int, reply_count: int | None = None) -> list[dict[str, Any]]:
    found = [{"ts": f"1700000000.{n:06d}", "user": "UANA", "text": f"m{n}"} for n in numbers]
    if reply_count is not None:
        found[0]["reply_count"] = reply_count
    return found


def test_auto_finds_the_slow_tier_from_a_page_cut_short_with_more_to_come() -> None:
    copy = ThreadCopy()
    assert pacing.page_size(copy, "auto") == 200
    pacing.absorb(copy, msgs(*range(15), reply_count=199), "c1", asked=200, tier="auto", now=100.0)
    assert copy.limited and copy.total == 200 and copy.cursor == "c1"
    assert pacing.page_size(copy, "auto") == 15 and pacing.page_size(copy, "standard") == 200
    # A short last page (no more to come) says nothing about the tier.
    fresh = ThreadCopy()
    pacing.absorb(fresh, msgs(1, 2, reply_count=1), "", asked=200, tier="auto", now=100.0)
    assert not fresh.limited and fresh.complete and pacing.page_size(fresh, "auto") == 200
    assert pacing.page_size(ThreadCopy(), "limited") == 15
    # Slack may answer a little short of the limit at Tier 3: that is not the slow tier.
    tier3 = ThreadCopy()
    pacing.absorb(tier3, msgs(*range(190), reply_count=400), "c1", asked=200, tier="auto", now=1.0)
    assert not tier3.limited
    pacing.refused(tier3, retry_after=3, tier="auto", now=2.0)  # Tier 3's own 429
    assert not tier3.limited and pacing.page_size(tier3, "auto") == 200


def test_a_429_teaches_the_window_and_the_next_call_waits_for_it() -> None:
    copy = ThreadCopy()
    pacing.absorb(copy, msgs(*range(15), reply_count=44), "c1", asked=200, tier="auto", now=100.0)
    assert pacing.wait_before_call(copy, "auto", 100.5) == 0  # window not known yet: just try
    pacing.refused(copy, retry_after=59, tier="auto", now=101.0)
    assert copy.window == 60.0
    assert pacing.wait_before_call(copy, "auto", 130.0) == 30.0
    pacing.absorb(copy, msgs(*range(15, 30)), "c2", asked=15, tier="auto", now=161.0)
    assert pacing.wait_before_call(copy, "auto", 161.0) == 60.0
    assert pacing.wait_before_call(copy, "standard", 161.0) == 0  # the standard tier never waits ahead
    # A 429 long after the last page (another reader used the window) does not stretch the window.
    pacing.refused(copy, retry_after=5, tier="auto", now=1000.0)
    assert copy.window == 60.0


def test_a_429_at_the_standard_setting_never_switches_to_the_slow_tier() -> None:
    copy = ThreadCopy()
    pacing.refused(copy, retry_after=3, tier="standard", now=1.0)
    assert not copy.limited and pacing.page_size(copy, "standard") == 200


def test_progress_and_time_left() -> None:
    copy = ThreadCopy()
    pacing.absorb(copy, msgs(*range(15), reply_count=199), "c1", asked=15, tier="limited", now=1.0)
    assert pacing.read_count(copy) == 15
    assert pacing.seconds_left(copy) == 13 * 60  # 185 left: 13 pages of a minute
    copy.window = 2.0
    assert pacing.seconds_left(copy) == 26.0


def test_at_the_slow_tier_no_page_is_read_twice_and_a_later_read_starts_after_the_newest_message() -> None:
    copy = ThreadCopy()
    pacing.begin(copy, "limited")
    pacing.absorb(copy, msgs(0, 1, 2, reply_count=4), "c1", asked=3, tier="limited", now=1.0)
    pacing.begin(copy, "limited")  # a resumed read keeps its cursor
    assert copy.cursor == "c1" and not copy.complete
    pacing.absorb(copy, msgs(3, 4), "", asked=3, tier="limited", now=2.0)
    assert copy.complete and [m["text"] for m in copy.messages] == ["m0", "m1", "m2", "m3", "m4"]
    pacing.begin(copy, "limited")
    assert copy.oldest == "1700000000.000004" and copy.cursor == "" and not copy.complete
    # Slack sends the parent first again (whatever `oldest` says): it replaces its older self.
    parent = msgs(0, reply_count=5)[0] | {"text": "m0 edited"}
    pacing.absorb(copy, [parent, *msgs(5)], "", asked=3, tier="limited", now=3.0)
    assert [m["text"] for m in copy.messages] == ["m0 edited", "m1", "m2", "m3", "m4", "m5"]
    assert copy.oldest == "" and copy.total == 6


def test_at_the_standard_tier_every_read_reads_the_whole_thread_again() -> None:
    # Slack's thread is the truth: a reply deleted or edited while its event was lost is seen by the next read.
    copy = ThreadCopy()
    pacing.absorb(copy, msgs(0, 1, 2, reply_count=2), "", asked=200, tier="auto", now=1.0)
    assert copy.complete and not copy.limited
    pacing.begin(copy, "auto")
    assert copy == ThreadCopy()
    limited = ThreadCopy()
    pacing.absorb(limited, msgs(0, 1, 2, reply_count=2), "", asked=15, tier="limited", now=1.0)
    pacing.begin(limited, "standard")  # the setting changed: the slow tier's copy is not trusted any more
    assert limited.messages == [] and limited.oldest == ""


def test_a_read_capped_at_the_message_limit_is_done_and_the_next_read_reads_nothing() -> None:
    copy = ThreadCopy()
    pacing.absorb(copy, msgs(*range(15), reply_count=99), "c1", asked=15, tier="limited", now=1.0)
    pacing.cap(copy)
    assert copy.complete and copy.cursor == "" and copy.oldest == ""
    pacing.begin(copy, "limited")
    assert not copy.complete and copy.oldest == "1700000000.000014" and copy.cursor == ""


def test_the_stored_copy_is_redacted_and_keeps_only_what_the_transcript_uses() -> None:
    raw = {
        "ts": "1.000001",
        "user": "UANA",
        "text": f"the key is {AWS_KEY}",
        "blocks": [{"type": "rich_text", "elements": [{"text": AWS_KEY}]}],
        "files": [{"id": "F1", "name": "notes.txt", "preview": AWS_KEY, "url_private": "https://files.slack.com/x"}],
        "attachments": [{"text": f"deploy {AWS_KEY}", "image_url": "https://x"}],
    }
    kept, found = pacing.stored_message(raw)
    assert AWS_KEY not in str(kept) and "[REDACTED:" in kept["text"] and len(found) == 1
    assert "blocks" not in kept and kept["files"] == [
        {"id": "F1", "name": "notes.txt", "url_private": "https://files.slack.com/x"}
    ]
    copy = ThreadCopy()
    pacing.absorb(copy, [raw], "", asked=200, tier="auto", now=1.0)
    assert AWS_KEY not in copy.model_dump_json() and len(copy.secrets) == 1


def test_edits_and_deletions_apply_to_the_copy() -> None:
    copy = ThreadCopy(messages=msgs(0, 1, 2))
    assert pacing.edit(copy, "1700000000.000001", "changed") and copy.messages[1]["text"] == "changed"
    assert copy.messages[1]["edited"]
    assert not pacing.edit(copy, "1700000000.000001", "changed")  # nothing new
    assert pacing.drop(copy, "1700000000.000002") and len(copy.messages) == 2
    assert not pacing.drop(copy, "1700000000.000002")


def test_a_page_in_flight_during_a_deletion_or_an_edit_does_not_undo_it() -> None:
    # The page was read before the events; it arrives after them, with the deleted reply and the old text.
    copy = ThreadCopy(messages=msgs(0), cursor="c1")
    assert pacing.drop(copy, "1700000000.000002") and copy.deleted == ["1700000000.000002"]
    assert pacing.edit(copy, "1700000000.000003", "m3 changed")
    pacing.absorb(copy, msgs(1, 2, 3, 4), "", asked=15, tier="limited", now=1.0)
    assert [m["text"] for m in copy.messages] == ["m0", "m1", "m3 changed", "m4"]
    assert copy.messages[2]["edited"] and copy.edits == {}
