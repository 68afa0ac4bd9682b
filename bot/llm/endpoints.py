"""Checks on a model endpoint a workspace admin chose: where it may point, and whether it takes the key.

An admin must not be able to point the bot (which runs inside the operator's network) at the cloud
metadata service or at internal hosts: every address the host resolves to must be public, unless the
operator allows private endpoints. The check is made when the admin saves it.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit


class EndpointRefused(ValueError):
    """Why an endpoint may not be used, in words for the admin."""


def check_endpoint(url: str, *, allow_http: bool, allow_private: bool) -> str:
    """The endpoint URL (without a trailing slash) if the bot may call it; EndpointRefused if not."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise EndpointRefused("give a URL like https://api.example.com/v1")
    if parts.scheme == "http" and not allow_http:
        raise EndpointRefused("use https (the operator does not allow plain http endpoints)")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise EndpointRefused("give the URL without a user name, password, query or fragment")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise EndpointRefused("the port is not a number between 1 and 65535") from None
    if not allow_private:
        for address in resolve(parts.hostname, port):
            if not address.is_global or address.is_multicast:
                raise EndpointRefused(
                    f"{parts.hostname} is a private, local or reserved address: the operator does not allow those"
                )
    return url.strip().rstrip("/")


def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address host resolves to; EndpointRefused when it resolves to none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise EndpointRefused(f"{host} could not be found (DNS)") from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:169.254.169.254 is the metadata service too
        addresses.append(address)
    if not addresses:
        raise EndpointRefused(f"{host} has no address")
    return addresses


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could lead the probe (and the key) to a host that was never checked: not followed."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        """Never follow."""
        return None


def probe_models(endpoint: str, api_key: str, timeout: float) -> str | None:
    """None when GET <endpoint>/models answers with the key; else what went wrong, in words."""
    request = urllib.request.Request(f"{endpoint}/models", headers={"Authorization": f"Bearer {api_key}"})
    opener = urllib.request.build_opener(_NoRedirects())
    try:
        with opener.open(request, timeout=timeout) as response:
            json.loads(response.read(1_000_000) or b"{}")
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            return f"the endpoint refused the key (HTTP {exc.code})"
        return f"the endpoint answered HTTP {exc.code} for /models"
    except (OSError, ValueError) as exc:
        reason = "it did not answer in time" if isinstance(exc, TimeoutError) else type(exc).__name__
        return f"the endpoint could not be reached ({reason})"
    return None
