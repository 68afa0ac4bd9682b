"""The bot token goes only to Slack's file hosts: two real local HTTP servers, one allowed, one not, both
recording every request's headers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.slack.files import FileFetcher, origin_of
from tests.support.header_recorder import HeaderRecorder as Recorder

TOKEN = "xoxb-files-test-token"


@pytest.fixture
def hosts() -> Iterator[tuple[Recorder, Recorder]]:
    slack, elsewhere = Recorder().start(), Recorder().start()
    yield slack, elsewhere
    slack.stop()
    elsewhere.stop()


def test_slack_host_gets_the_token(hosts: tuple[Recorder, Recorder]) -> None:
    slack, _ = hosts
    fetcher = FileFetcher(TOKEN, [slack.origin])
    assert fetcher.text(f"{slack.origin}/files/F1/a.txt", 1000) == "file body"
    assert slack.seen == [("/files/F1/a.txt", f"Bearer {TOKEN}")]


def test_other_host_is_never_contacted(hosts: tuple[Recorder, Recorder]) -> None:
    slack, elsewhere = hosts
    fetcher = FileFetcher(TOKEN, [slack.origin])
    assert fetcher.text(f"{elsewhere.origin}/files/F1/a.txt", 1000) is None
    # Same host, other port: a different origin, so no token either.
    assert fetcher.text(f"http://localhost:{elsewhere.server_address[1]}/x", 1000) is None
    assert elsewhere.seen == []


def test_redirect_off_slack_is_not_followed(hosts: tuple[Recorder, Recorder]) -> None:
    slack, elsewhere = hosts
    fetcher = FileFetcher(TOKEN, [slack.origin])
    assert fetcher.text(f"{slack.origin}/go?to={elsewhere.origin}/steal", 1000) is None
    assert elsewhere.seen == []


def test_redirect_within_slack_keeps_the_token(hosts: tuple[Recorder, Recorder]) -> None:
    slack, _ = hosts
    fetcher = FileFetcher(TOKEN, [slack.origin])
    assert fetcher.text(f"{slack.origin}/go?to={slack.origin}/files/F2/b.txt", 1000) == "file body"
    assert slack.seen[-1] == ("/files/F2/b.txt", f"Bearer {TOKEN}")


def test_origins_are_exact() -> None:
    assert origin_of("files.slack.com") == ("https", "files.slack.com", 443)
    assert origin_of("https://files.slack.com/files-pri/T1-F1/a.txt") == ("https", "files.slack.com", 443)
    fetcher = FileFetcher(TOKEN, ["https://files.slack.com"])
    assert fetcher.allowed("https://files.slack.com/files-pri/T1-F1/a.txt")
    for url in (
        "http://files.slack.com/a",
        "https://files.slack.com.evil.example/a",
        "https://evil.example/files.slack.com/a",
        "https://files.slack.com@evil.example/a",
        "https://files.slack.com:8443/a",
        "file:///etc/passwd",
    ):
        assert not fetcher.allowed(url), url
