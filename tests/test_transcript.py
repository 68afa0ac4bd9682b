"""Slack markup made plain, and the thread turned into transcript entries."""

from __future__ import annotations

import pytest

from bot.transcript import format_line, mentioned_user_ids, plain_text, relative_age, to_thread_messages

NAMES = {"UANA": "Ana", "UBOB": "Bob"}


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("<@UANA> what do you think?", "@Ana what do you think?"),
        ("<@UZZZ|zed> hi", "@zed hi"),
        ("see <#C123|design>", "see #design"),
        ("<!here> standup", "@here standup"),
        ("<!subteam^S123|@platform> please review", "@platform please review"),
        ("docs: <https://example.com/spec|the spec>", "docs: the spec (https://example.com/spec)"),
        ("<https://example.com>", "https://example.com"),
        ("<mailto:ana@example.com|ana@example.com>", "ana@example.com (mailto:ana@example.com)"),
        ("a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"),
        ("```if a &lt; b:\n    run()```", "```if a < b:\n    run()```"),
        ("&gt; quoted line", "> quoted line"),
    ],
)
def test_plain_text(raw: str, plain: str) -> None:
    assert plain_text(raw, NAMES) == plain


def test_to_thread_messages_drops_noise_and_marks_bots() -> None:
    raw = [
        {"ts": "1.0", "user": "UANA", "text": "Root <@UBOB>"},
        {"ts": "2.0", "user": "UBOB", "subtype": "channel_join", "text": "joined"},
        {"ts": "3.0", "user": "UBOT", "bot_id": "BBOT", "text": "my questions"},
        {"ts": "4.0", "bot_id": "BOTHER", "username": "ci-bot", "text": "build green"},
        {"ts": "5.0", "user": "UBOB", "text": "", "files": [{"name": "design.png", "filetype": "png"}]},
        {"ts": "5.0", "user": "UBOB", "text": "duplicate broadcast"},
    ]
    messages = to_thread_messages(raw, NAMES, bot_user_id="UBOT", bot_id="BBOT")
    assert [m.ts for m in messages] == ["1.0", "3.0", "4.0", "5.0"]
    assert messages[0].text == "Root @Bob" and messages[0].author == "Ana"
    assert messages[1].is_bot and not messages[2].is_bot and messages[2].author == "ci-bot (bot)"
    assert messages[3].files == ["design.png (png)"]
    assert mentioned_user_ids(raw) == {"UANA", "UBOB", "UBOT"}


def test_format_line_and_age() -> None:
    message = to_thread_messages([{"ts": "1000.0", "user": "UANA", "text": "hi"}], NAMES, bot_user_id=None, bot_id=None)
    assert format_line("M1", message[0], now=1000.0 + 7200) == "[M1] Ana (2 h ago): hi"
    assert relative_age("1000.0", 1030.0) == "just now"
    assert relative_age("1000.0", 1000.0 + 3 * 86400) == "3 d ago"
