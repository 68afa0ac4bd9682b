"""`/techspec forget …` is the forget command whatever follows; a first word that only starts with it is a topic."""

from __future__ import annotations

import pytest

from bot.flow.forget import is_forget


@pytest.mark.parametrize(
    "text",
    [
        "forget",
        " Forget ",
        "forget https://acme.slack.com/archives/C1/p1700000000000100",
        "forget <https://a.b/x|x>",
        "forget that thread about exports",  # no link: the command's usage, never a spec about forgetting
    ],
)
def test_the_forget_command(text: str) -> None:
    assert is_forget(text)


@pytest.mark.parametrize("text", ["Forget-password flow for the app", "forgetful caches", "", "help"])
def test_a_topic_that_starts_with_forget_starts_a_spec(text: str) -> None:
    assert not is_forget(text)
