"""Parsing the links people paste into /techspec, and building the ones the spec cites."""

from __future__ import annotations

import pytest

from bot.spec.permalinks import build_permalink, looks_like_link, parse_permalink


@pytest.mark.parametrize(
    ("text", "channel", "ts", "thread"),
    [
        ("https://acme.slack.com/archives/C0123ABC/p1732400000000100", "C0123ABC", "1732400000.000100", None),
        (
            "https://acme.slack.com/archives/C0123ABC/p1732400000000200?thread_ts=1732400000.000100&cid=C0123ABC",
            "C0123ABC",
            "1732400000.000200",
            "1732400000.000100",
        ),
        ("<https://acme.slack.com/archives/G0PRIV/p1732400000000100>", "G0PRIV", "1732400000.000100", None),
        ("<https://acme.slack.com/archives/C1/p1732400000000100|link>", "C1", "1732400000.000100", None),
        ("  https://acme.enterprise.slack.com/archives/C9/p1732400000123456  ", "C9", "1732400000.123456", None),
    ],
)
def test_parse_permalink(text: str, channel: str, ts: str, thread: str | None) -> None:
    link = parse_permalink(text)
    assert link is not None
    assert (link.channel_id, link.ts, link.thread_ts) == (channel, ts, thread)


@pytest.mark.parametrize(
    "text", ["", "design the export service", "https://example.com/docs", "http://acme.slack.com/archives/C1/"]
)
def test_not_a_message_link(text: str) -> None:
    assert parse_permalink(text) is None


def test_looks_like_link() -> None:
    assert looks_like_link("https://example.com/x")
    assert looks_like_link("<https://example.com/x>")
    assert not looks_like_link("export service")


def test_build_permalink_round_trips() -> None:
    url = build_permalink("https://acme.slack.com/", "C1", "1732400000.000200", "1732400000.000100")
    link = parse_permalink(url)
    assert link is not None and link.ts == "1732400000.000200" and link.thread_ts == "1732400000.000100"


def test_a_thread_ts_that_is_not_a_slack_ts_is_ignored() -> None:
    link = parse_permalink("https://acme.slack.com/archives/C1/p1732400000000200?thread_ts=1:2:3&cid=C1")
    assert link is not None and link.thread_ts is None and link.ts == "1732400000.000200"
