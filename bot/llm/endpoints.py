"""Checks on a model endpoint a workspace admin chose: where it may point, and whether it takes the key.

An admin must not be able to point the bot (which runs inside the operator's network) at the cloud
metadata service or at internal hosts: every address the host resolves to must be public, unless the
operator allows private endpoints (the cloud metadata services never). The check is made when the admin
saves it, and again on every connection the bot makes to it (bot.llm.egress).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx2

from bot.llm.addresses import AddressRefused, checked_addresses
from bot.llm.egress import checked_client

MAX_MODELS_BYTES = 1_000_000


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
    try:
        checked_addresses(parts.hostname, port, allow_private=allow_private)
    except AddressRefused as exc:
        raise EndpointRefused(str(exc)) from None
    return url.strip().rstrip("/")


def probe_models(endpoint: str, api_key: str, timeout: float, *, allow_private: bool) -> str | None:
    """None when GET <endpoint>/models answers with the key; else what went wrong, in words.

    Through the same checked client the model calls use: no redirects, only the addresses allowed.
    """
    try:
        headers = {"Authorization": f"Bearer {api_key}"}
        with (
            checked_client(allow_private=allow_private, timeout=timeout) as client,
            client.stream("GET", f"{endpoint}/models", headers=headers) as response,
        ):
            if response.status_code in (401, 403):
                return f"the endpoint refused the key (HTTP {response.status_code})"
            if response.status_code != 200:
                return f"the endpoint answered HTTP {response.status_code} for /models"
            json.loads(_first_bytes(response, MAX_MODELS_BYTES) or b"{}")
    except httpx2.TimeoutException:
        return "the endpoint could not be reached (it did not answer in time)"
    except httpx2.HTTPError as exc:
        return f"the endpoint could not be reached ({exc or type(exc).__name__})"
    except ValueError:
        return "the endpoint's /models answer is not JSON (or longer than 1 MB)"
    return None


def _first_bytes(response: httpx2.Response, most: int) -> bytes:
    """At most `most` bytes of the body (a hostile endpoint could send an endless one)."""
    body = b""
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > most:
            raise ValueError("the /models answer is too long")
    return body
