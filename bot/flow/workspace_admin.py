"""Workspace settings on the App Home tab: only workspace (or org) admins and owners see or change them.

Whether someone is an admin is asked of Slack again when they open the modal and when they submit it
(never only when the Home tab was drawn): a forged click or submission from anyone else changes nothing.
Every change is logged with who made it and which settings changed, never the key.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk.models.blocks import Block

from bot.config import Settings, WorkspaceSettings
from bot.flow import settings_checks as checks
from bot.flow.trigger import Outcome
from bot.slack import settings_view
from bot.slack.settings_view import LIMIT_FIELDS, SettingsForm
from bot.store.crypto import SecretBox
from bot.store.workspace_settings import WorkspaceSettingsStore
from bot.wiring import Runtime

log = logging.getLogger(__name__)
NOT_ADMIN = "Only workspace admins and owners can change these settings."
OTHER_WORKSPACE = "This form belongs to another workspace: open it again from my Home tab here."
# The Settings field behind each number of the modal (its default is shown beside it).
DEFAULTS = dict(
    zip(
        [block for block, _ in LIMIT_FIELDS],
        ["max_active_per_user", "max_active_per_channel", "max_active_per_workspace", "max_starts_per_user_hour"]
        + ["monthly_budget_usd", "monthly_budget_tokens"],
        strict=True,
    )
)


def is_admin_now(rt: Runtime, user_id: str) -> bool:
    """Ask Slack (not the hour-long cache) whether the person is an admin or owner, and refresh the cache."""
    return rt.users.is_admin(rt.scope, user_id, rt.admins, fresh=True)


def box_of(settings: Settings) -> SecretBox | None:
    """The box sealing model keys, or None when the operator set no TECHSPEC_ENCRYPTION_KEYS."""
    keys = settings.encryption_key_list()
    return SecretBox(keys) if keys else None


def stored(rt: Runtime) -> WorkspaceSettings:
    """The workspace's settings as stored now (not the few-seconds-old copy the runtime carries)."""
    return WorkspaceSettingsStore(rt.redis).get(rt.scope) or WorkspaceSettings()


def home_blocks(rt: Runtime) -> list[Block]:
    """The admins' section of the Home tab: what this workspace uses now."""
    ws = stored(rt)
    s = rt.settings.for_workspace(ws)  # what was just saved, not the runtime's copy from a few seconds ago
    default = " (default)"
    lines = [
        f"*Model:* `{s.openai_model}`{'' if ws.openai_model else default}",
        f"*Endpoint:* {'its own' if ws.openai_base_url else 'the operator' + chr(39) + 's'}"
        f" · *API key:* {'set' if ws.api_key_sealed else 'not set'}",
        f"*Template:* {'`' + ws.template_name + '`' if ws.template_name else 'the default'}",
        f"*Limits:* {s.techspec_max_active_per_user} per person, {s.techspec_max_active_per_channel} per channel, "
        f"{s.techspec_max_active_per_workspace} in the workspace, {s.techspec_max_starts_per_user_hour} new per "
        f"person per hour",
        f"*Budget:* {_budget_text(s)}",
        f"*Channels:* {_channels_text(ws)}",
    ]
    return settings_view.home_section("\n".join(lines))


def _budget_text(s: Settings) -> str:
    parts = []
    if s.techspec_monthly_budget_usd:
        parts.append(f"${s.techspec_monthly_budget_usd:,.2f} a month")
    if s.techspec_monthly_budget_tokens:
        parts.append(f"{s.techspec_monthly_budget_tokens:,} tokens a month")
    return " and ".join(parts) or "none"


def _channels_text(ws: WorkspaceSettings) -> str:
    listed = ", ".join(f"<#{c}>" for c in ws.channels[:20])
    if ws.channel_mode == "allow":
        return f"only {listed}"
    if ws.channel_mode == "deny":
        return f"every channel except {listed}" if listed else "every channel"
    return "every channel I'm in"


def open_settings(rt: Runtime, user_id: str, trigger_id: str) -> Outcome:
    """Open the settings modal for an admin; anyone else gets nothing (they never saw the button)."""
    if not is_admin_now(rt, user_id):
        log.warning("workspace settings refused: not an admin", extra={"team": rt.scope, "user": user_id})
        return "refused"
    rt.slack.open_view(trigger_id, settings_view.settings_modal(rt.scope, _form(rt, stored(rt))))
    return "started"


def _form(rt: Runtime, ws: WorkspaceSettings) -> SettingsForm:
    s = rt.settings
    defaults = s.operator_defaults()
    numbers = {block: _shown(getattr(ws, name)) for block, name in DEFAULTS.items()}
    hints = {block: f"Default: {_shown(getattr(defaults, 'techspec_' + name))}." for block, name in DEFAULTS.items()}
    offered = ", ".join(sorted(s.workspace_models()))
    hints["model"] = f"Default: {defaults.openai_model}. With the operator's endpoint and key: {offered}."
    hints["endpoint"] = (
        "https, on a public address. Leave blank for the operator's endpoint."
        " Changing it removes the stored key unless you enter a key with it."
    )
    return SettingsForm(
        model=ws.openai_model or "",
        endpoint=ws.openai_base_url or "",
        key_set=ws.api_key_sealed is not None,
        can_store_key=box_of(s) is not None,
        endpoints_allowed=s.techspec_workspace_endpoints,
        template_name=ws.template_name,
        numbers=numbers,
        hints=hints,
        channel_mode=ws.channel_mode,
        channels=ws.channels,
    )


def _shown(value: Any) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def check_submission(
    rt: Runtime, user_id: str, view: dict[str, Any]
) -> tuple[WorkspaceSettings | None, dict[str, str]]:
    """The settings to save, or the errors to show in the modal (by block id)."""
    first = "model"
    if str(view.get("private_metadata") or "") != rt.scope:
        return None, {first: OTHER_WORKSPACE}
    if not is_admin_now(rt, user_id):
        log.warning("workspace settings submission refused: not an admin", extra={"team": rt.scope, "user": user_id})
        return None, {first: NOT_ADMIN}
    form = settings_view.read_settings((view.get("state") or {}).get("values") or {})
    current, box = stored(rt), box_of(rt.settings)
    try:
        mode, channels = checks.checked_channels(form)
        template, template_name = checks.checked_template(rt, form, current)
        endpoint = checks.checked_endpoint(rt.settings, form)
        allowed = rt.settings.techspec_workspace_endpoints
        chosen = WorkspaceSettings(
            openai_model=checks.checked_model(form),
            openai_base_url=endpoint,
            api_key_sealed=checks.checked_key(box, form, current, endpoint) if allowed else None,
            spec_template=template,
            template_name=template_name,
            channel_mode=mode,
            channels=channels,
            updated_by=user_id,
            updated_at=time.time(),
            **checks.checked_limits(rt.settings, form),
        )
        checks.checked_choice(rt.settings, chosen)
        if chosen.openai_base_url != current.openai_base_url or chosen.api_key_sealed != current.api_key_sealed:
            checks.probe(rt, box, chosen)
    except checks.Invalid as exc:
        # Slack refuses errors for a block the modal does not have (the key field is absent without keys).
        shown = {str(block.get("block_id")) for block in view.get("blocks") or []}
        return None, {exc.block if exc.block in shown else first: exc.message[:1000]}
    return chosen, {}


def save_settings(rt: Runtime, user_id: str, chosen: WorkspaceSettings) -> Outcome:
    """Store the workspace's new settings, log what changed (never the key), and redraw the admin's Home tab."""
    before = stored(rt)
    WorkspaceSettingsStore(rt.redis).put(rt.scope, chosen)
    changed = changed_fields(before, chosen)
    log.info("workspace settings changed", extra={"team": rt.scope, "user": user_id, "changed": changed})
    return "started"


def changed_fields(before: WorkspaceSettings, after: WorkspaceSettings) -> list[str]:
    """The names of the settings that differ (the key as "api_key", without its value)."""
    skip = {"updated_by", "updated_at"}
    old, new = before.model_dump(exclude=skip), after.model_dump(exclude=skip)
    names = [name for name in new if old.get(name) != new[name]]
    return sorted("api_key" if name == "api_key_sealed" else name for name in names)
