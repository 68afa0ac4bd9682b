"""`/techspec forget …` is the forget command only with nothing or a link after it: other words are a topic."""

from __future__ import annotations

import pytest

from bot.flow.forget import is_forget


@pytest.mark.parametrize(
    "text",
    ["forget", " Forget ", "forget https://acme.slack.com/archives/C1/p1700000000000100", "forget <https://a.b/x|x>"],
)
def test_the_forget_command(text: str) -> None:
    assert is_forget(text)


@pytest.mark.parametrize("text", ["Forget-password flow for the app", "forget password reset emails", "", "help"])
def test_a_topic_that_starts_with_forget_starts_a_spec(text: str) -> None:
    assert not is_forget(text)
