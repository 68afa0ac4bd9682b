"""Ask an OpenAI-compatible server what it is: /v1/models and llama.cpp's /props, both optional."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

import httpx2

from bot.llm.capabilities import MODES, CallOptions, Capability, from_props, server_kind, window_from_models

log = logging.getLogger(__name__)
PROBE_TIMEOUT = 5.0


def discover(
    base_url: object, api_key: str, model: str, options: CallOptions, http: httpx2.Client | None = None
) -> Capability:
    """What the server says about itself, completed by settings; the mode starts at the best one.

    http: the checked client of a workspace-chosen endpoint (bot.llm.egress), used instead of urllib.
    """
    base = str(base_url).rstrip("/")
    root = base[: -len("/v1")] if base.endswith("/v1") else base
    headers = {"Authorization": f"Bearer {api_key}"}
    models = _get_json(f"{base}/models", headers, http)
    props = _get_json(f"{root}/props", headers, http)
    window = window_from_models(models, model) if models else None
    slots = None
    if props is not None:
        props_window, slots = from_props(props)
        window = props_window or window
    kind = server_kind(models, props)
    if kind == "llama-cpp-python":
        slots = 1  # one Llama object behind a lock: requests queue, one generation at a time
    fixed = options.mode != "auto"
    return Capability(
        mode=options.mode if fixed else MODES[0],
        context_window=window or options.context_window,
        slots=options.slots or slots,
        server=kind,
        confirmed=fixed,
    )


def _get_json(url: str, headers: Mapping[str, str], http: httpx2.Client | None = None) -> dict[str, Any] | None:
    """The JSON object at url, or None (absent, refused, not JSON): metadata is a bonus, never required."""
    if not url.startswith(("http://", "https://")):
        return None
    if http is not None:
        try:
            response = http.get(url, headers=dict(headers), timeout=PROBE_TIMEOUT)
            body = json.loads(response.content[:1_000_000]) if response.status_code == 200 else None
        except (httpx2.HTTPError, ValueError) as exc:
            log.info("model metadata unavailable", extra={"url": url, "error_type": type(exc).__name__})
            return None
        return body if isinstance(body, dict) else None
    request = urllib.request.Request(url, headers=dict(headers))  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT) as response:  # noqa: S310
            body = json.loads(response.read(1_000_000))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.info("model metadata unavailable", extra={"url": url, "error_type": type(exc).__name__})
        return None
    return body if isinstance(body, dict) else None
