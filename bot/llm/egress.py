"""The HTTP client for a workspace-chosen model endpoint: checks the address it actually connects to.

Checking the endpoint's host when it is saved is not enough: httpx resolves it again for every new
connection (a DNS answer can change between the check and the call, "DNS rebinding"), and the openai SDK
follows redirects (a 307 would re-post the transcript to another host). So the client never follows a
redirect, and its connection pool uses a network backend (httpcore's extension point for connecting)
that resolves the host once per connection, checks those addresses, and connects to the checked address
itself. TLS still verifies the certificate against the host name (httpcore passes it as the SNI name).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpcore2
import httpx2

from bot.llm.addresses import AddressRefused, checked_addresses


class CheckedBackend(httpcore2.NetworkBackend):
    """Connects only to addresses a workspace-chosen endpoint may reach, resolving the host once."""

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private
        self.inner = httpcore2.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        """A connection to one of host's addresses (tried in order), once all of them are known to be allowed."""
        try:
            addresses = checked_addresses(host, port, allow_private=self.allow_private)
        except AddressRefused as exc:
            raise httpcore2.ConnectError(str(exc)) from None
        for address in addresses[:-1]:
            try:
                return self.inner.connect_tcp(str(address), port, timeout, local_address, socket_options)
            except httpcore2.ConnectError:
                continue  # e.g. an IPv6 address on a host without IPv6: the next one may answer
        return self.inner.connect_tcp(str(addresses[-1]), port, timeout, local_address, socket_options)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.NetworkStream:
        """Never: a workspace's endpoint is a URL, not a socket on the bot's host."""
        raise httpcore2.ConnectError("unix sockets are not allowed for a workspace's endpoint")

    def sleep(self, seconds: float) -> None:
        """As the standard backend."""
        self.inner.sleep(seconds)


class CheckedTransport(httpx2.HTTPTransport):
    """httpx's transport with its connection pool on CheckedBackend (no proxy from the environment either:
    a proxy would make the connection on our behalf to an address we never saw)."""

    def __init__(self, *, allow_private: bool) -> None:
        super().__init__(trust_env=False)
        # HTTPTransport takes no network backend, so its pool is made again with one (same defaults).
        self._pool.close()
        self._pool = httpcore2.ConnectionPool(
            ssl_context=httpx2.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=CheckedBackend(allow_private=allow_private),
        )


def checked_client(*, allow_private: bool, timeout: float) -> httpx2.Client:
    """An HTTP client for a workspace-chosen endpoint: no redirects, only allowed addresses."""
    return httpx2.Client(
        follow_redirects=False,
        timeout=timeout,
        trust_env=False,
        transport=CheckedTransport(allow_private=allow_private),
    )
