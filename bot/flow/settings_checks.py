"""Checking what an admin submitted in "Workspace settings" against the operator's bounds.

Each check returns the value to store or raises Invalid naming the modal's field, so every problem is
shown next to the field it is about (Slack's `response_action: errors`). All of it runs before the
submission is acked, within Slack's 3 s: downloads, renders and the endpoint probe are bounded.
"""

from __future__ import annotations

import re
from typing import Any

from bot.config import ChannelMode, Settings, WorkspaceSettings
from bot.llm.endpoints import EndpointRefused, check_endpoint, probe_models
from bot.llm.prices import PriceTable
from bot.slack.settings_view import TEMPLATE_TYPES, SettingsInput
from bot.spec.sandbox import TemplateProblem, check_template
from bot.store.crypto import SecretBox
from bot.store.workspace_settings import open_key, seal_key
from bot.wiring import Runtime

MODEL_NAME = re.compile(r"^[\w.:/@+-]{1,200}$")
DOWNLOAD_SECONDS = 1.0
# (modal field, WorkspaceSettings field, the Settings field holding its default, the largest value allowed)
ACTIVE = (
    ("max_user", "max_active_per_user", "techspec_max_active_per_user", 1000),
    ("max_channel", "max_active_per_channel", "techspec_max_active_per_channel", 10_000),
    ("max_workspace", "max_active_per_workspace", "techspec_max_active_per_workspace", 100_000),
)


class Invalid(ValueError):
    """A submitted value that cannot be saved: the modal field and what to say next to it."""

    def __init__(self, block: str, message: str) -> None:
        super().__init__(message)
        self.block = block
        self.message = message


def checked_model(form: SettingsInput) -> str | None:
    """The model name (None: the default)."""
    if not form.model:
        return None
    if not MODEL_NAME.fullmatch(form.model):
        raise Invalid("model", "Use the model's id as the endpoint lists it, e.g. gpt-4.1 or llama3.1:8b.")
    return form.model


def checked_endpoint(settings: Settings, form: SettingsInput) -> str | None:
    """The endpoint URL (None: the operator's), once it is known to point somewhere allowed."""
    if not form.endpoint or not settings.techspec_workspace_endpoints:
        return None
    try:
        return check_endpoint(
            form.endpoint,
            allow_http=settings.techspec_workspace_allow_http,
            allow_private=settings.techspec_workspace_allow_private_endpoints,
        )
    except EndpointRefused as exc:
        raise Invalid("endpoint", f"Not saved: {exc}.") from None


def checked_key(
    box: SecretBox | None, form: SettingsInput, current: WorkspaceSettings, endpoint: str | None = None
) -> str | None:
    """The sealed key to store: a new one, none (removed), or the one stored before.

    A stored key never follows a change of endpoint (another admin could point it at their own host): a
    changed endpoint keeps a key only when one is entered in the same submission.
    """
    if "key" in form.resets:
        return None
    if not form.api_key:
        return current.api_key_sealed if endpoint == current.openai_base_url else None
    if box is None:
        raise Invalid(
            "api_key", "Not saved: the operator must set TECHSPEC_ENCRYPTION_KEYS before a key can be stored."
        )
    if len(form.api_key) > 500 or any(c.isspace() for c in form.api_key):
        raise Invalid("api_key", "That doesn't look like an API key (no spaces, at most 500 characters).")
    return seal_key(box, form.api_key)


def probe(rt: Runtime, box: SecretBox | None, chosen: WorkspaceSettings) -> None:
    """Ask the chosen endpoint's /models with the chosen key (bounded); Invalid when it refuses."""
    seconds = rt.settings.techspec_workspace_probe_seconds
    if not seconds or chosen.openai_base_url is None:
        return
    key = open_key(box, chosen) if box is not None and chosen.api_key_sealed else None
    effective = rt.settings.for_workspace(chosen, key)
    private = rt.settings.techspec_workspace_allow_private_endpoints
    problem = probe_models(
        chosen.openai_base_url, effective.openai_api_key.get_secret_value(), seconds, allow_private=private
    )
    if problem is not None:
        raise Invalid("api_key" if "refused the key" in problem else "endpoint", f"Not saved: {problem}.")


def checked_template(rt: Runtime, form: SettingsInput, current: WorkspaceSettings) -> tuple[str | None, str | None]:
    """(template source, file name) to store: a new upload once it passed the checks, none, or the old one."""
    if not form.files:
        if "template" in form.resets:
            return None, None
        return current.spec_template, current.template_name
    upload = form.files[0]
    name = str(upload.get("name") or "template")
    if name.rpartition(".")[2].lower() not in TEMPLATE_TYPES:
        raise Invalid("template", "Upload a Jinja2 template saved as .j2 (or .md / .txt).")
    limit = rt.settings.techspec_workspace_template_max_bytes
    url = str(upload.get("url_private_download") or upload.get("url_private") or "")
    if int(upload.get("size") or 0) > limit:
        raise Invalid("template", f"The file is bigger than {limit:,} bytes.")
    data = rt.files.data(url, limit, timeout=DOWNLOAD_SECONDS)
    if data is None:
        raise Invalid("template", f"I couldn't download the file from Slack (or it is over {limit:,} bytes).")
    try:
        return check_template(data, limit), name[:200]
    except TemplateProblem as exc:
        raise Invalid("template", f"Not saved: {exc}") from None


def _number(form: SettingsInput, block: str, decimal: bool = False) -> float | None:
    text = form.numbers.get(block, "").replace(",", "").replace("$", "").strip()
    if not text:
        return None
    try:
        value = float(text) if decimal else int(text)
    except ValueError:
        raise Invalid(block, "Give a whole number." if not decimal else "Give a number, e.g. 150 or 75.5.") from None
    if value < 0:
        raise Invalid(block, "Give a number of 0 or more.")
    return value


def checked_limits(settings: Settings, form: SettingsInput) -> dict[str, Any]:
    """The limits and budgets to store (None: the default), each within the operator's ceiling.

    Without a TECHSPEC_WORKSPACE_MAX_* ceiling, the ceiling is the operator's own value: anyone can install
    the app and is admin of their own workspace, so an admin may lower what the operator set, never raise it.
    """
    most = settings.workspace_ceilings()
    chosen: dict[str, Any] = {}
    for block, name, _default, _most in ACTIVE:
        chosen[name] = _at_most(form, block, int(most[name] or 1))
    chosen["max_starts_per_user_hour"] = _at_most(form, "max_hour", int(most["max_starts_per_user_hour"] or 1))
    chosen["monthly_budget_usd"] = _budget(form, "budget_usd", most["monthly_budget_usd"], True)
    chosen["monthly_budget_tokens"] = _budget(form, "budget_tokens", most["monthly_budget_tokens"])
    return chosen


def checked_choice(settings: Settings, chosen: WorkspaceSettings) -> None:
    """Invalid when the workspace would run a model the operator did not offer on the operator's own key.

    On the operator's endpoint and key the operator pays: only OPENAI_MODEL and TECHSPEC_WORKSPACE_MODELS,
    and (with a USD budget on) only priced ones, or an unpriced model would be counted at another's price.
    """
    s = settings.operator_defaults()
    model = chosen.openai_model
    if model is None or model == s.openai_model or chosen.openai_base_url or chosen.api_key_sealed:
        return
    offered = sorted(settings.workspace_models())
    if model not in offered:
        raise Invalid("model", f"On the operator's endpoint and key, pick one of: {', '.join(offered)}.")
    budget = s.techspec_monthly_budget_usd if chosen.monthly_budget_usd is None else chosen.monthly_budget_usd
    if budget and not PriceTable(s.techspec_model_prices).is_listed(model):
        raise Invalid("model", f"{model} has no listed price, so the budget could not count it: ask the operator.")


def _at_most(form: SettingsInput, block: str, most: int) -> int | None:
    value = _number(form, block)
    if value is None:
        return None
    if not 1 <= value <= most:
        raise Invalid(block, f"Give a number from 1 to {most:,} (the operator's ceiling).")
    return int(value)


def _budget(form: SettingsInput, block: str, ceiling: float | None, decimal: bool = False) -> float | int | None:
    value = _number(form, block, decimal)
    if value is None or ceiling is None:
        return value
    if value == 0 or value > ceiling:
        # With a ceiling, 0 (no budget at all) would be above it too.
        raise Invalid(block, f"Give a budget above 0 and at most {ceiling:,g} (the operator's ceiling).")
    return value


def checked_channels(form: SettingsInput) -> tuple[ChannelMode, list[str]]:
    """(mode, channels): an allow-list needs at least one channel, or the bot could work nowhere."""
    modes: dict[str, ChannelMode] = {"all": "all", "allow": "allow", "deny": "deny"}
    mode = modes.get(form.channel_mode, "all")
    if mode == "allow" and not form.channels:
        raise Invalid("channels", "Pick at least one channel for the allow-list (or choose every channel).")
    return mode, form.channels[:100] if mode != "all" else []
