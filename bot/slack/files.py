"""Downloading a file's text with the bot token, which only ever goes to Slack's own file hosts.

A file's `url_private` comes from the message; a hostile or misconfigured one could name any host.
The token is sent only to an origin on the allow-list (TECHSPEC_SLACK_FILE_HOSTS), and a redirect is
followed only to another allowed origin: urllib would otherwise copy the Authorization header to
wherever the redirect points.
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterable
from http.client import HTTPMessage
from typing import IO
from urllib.parse import urlsplit

log = logging.getLogger(__name__)
Origin = tuple[str, str, int]
_DEFAULT_PORTS = {"https": 443, "http": 80}


def origin_of(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL or a bare host (https assumed); None when it is neither."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[parts.scheme]


class _AllowListRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an allowed origin, and puts the token back on it there."""

    def __init__(self, fetcher: FileFetcher) -> None:
        self.fetcher = fetcher

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage, newurl: str
    ) -> urllib.request.Request | None:
        """The request for the redirect target, or None (the download fails) when it is not a Slack host."""
        if not self.fetcher.allowed(newurl):
            log.warning("file download redirected off Slack's file hosts: not followed")
            return None
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            new.add_unredirected_header("Authorization", self.fetcher.authorization)
        return new


class FileFetcher:
    """Reads small text files from Slack with the bot token, only from the allowed origins."""

    def __init__(self, token: str, allowed_origins: Iterable[str], timeout: float = 15) -> None:
        self.authorization = f"Bearer {token}"
        self.origins = {o for o in (origin_of(entry) for entry in allowed_origins) if o is not None}
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_AllowListRedirects(self))

    def allowed(self, url: str) -> bool:
        """True when url is on one of Slack's file hosts (the allow-list)."""
        return origin_of(url) in self.origins

    def data(self, url: str, size_limit: int, timeout: float | None = None) -> bytes | None:
        """The file's bytes, or None if it is not on an allowed host, bigger than size_limit or unreadable."""
        if not self.allowed(url):
            log.warning("file not on an allowed Slack file host: not downloaded")
            return None
        request = urllib.request.Request(url)
        # Unredirected: urllib copies ordinary headers onto a redirect's request, this one it never does.
        request.add_unredirected_header("Authorization", self.authorization)
        try:
            with self._opener.open(request, timeout=timeout or self.timeout) as response:
                data = response.read(size_limit + 1)
        except (OSError, ValueError) as exc:
            log.warning("file download failed", extra={"error_type": type(exc).__name__})
            return None
        if len(data) > size_limit:
            return None
        # Slack answers an expired or unauthorised url_private with its HTML login page, not an error.
        return None if data.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")) else data

    def text(self, url: str, size_limit: int) -> str | None:
        """The file's text, or None if it is not on an allowed host, too big, binary or unreadable."""
        data = self.data(url, size_limit)
        if data is None or b"\x00" in data:
            return None
        return data.decode("utf-8", errors="replace")
