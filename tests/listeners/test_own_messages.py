"""The bot knows its own messages by the installation's bot user (Bolt's context), per workspace or org."""

from __future__ import annotations

from bot.listeners.payloads import mention_trigger, thread_change


def reply(text: str) -> dict[str, str]:
    """A reply in a thread, as a message event."""
    return {"type": "message", "user": "W1", "text": text, "ts": "2.000100", "thread_ts": "1.000100", "channel": "C1"}


def test_a_mention_of_this_installations_bot_is_a_trigger_not_a_reply() -> None:
    # The org-wide install's bot is WORG in every workspace of the org; another installation's bot is UBOT.
    assert thread_change(reply("<@WORG> go ahead"), "E1.T2", "WORG") is None
    other = thread_change(reply("<@UBOT> is another app"), "E1.T2", "WORG")
    assert other is not None and other.team_id == "E1.T2"


def test_the_mention_text_loses_this_installations_bot() -> None:
    event = {"user": "W1", "text": "<@WORG> add a cache", "ts": "2.000100", "thread_ts": "1.000100", "channel": "C1"}
    trigger = mention_trigger(event, "E1.T2", "WORG")
    assert trigger.text.strip() == "add a cache" and trigger.team_id == "E1.T2"


def test_bot_posts_are_never_replies_whoever_the_bot_is() -> None:
    assert thread_change({**reply("status"), "bot_id": "B2"}, "T1", "UBOT") is None
