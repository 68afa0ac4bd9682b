"""The listeners of the workspace settings an admin changes from the Home tab."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.flow import home, workspace_admin
from bot.flow.members import outsider_refusal
from bot.flow.trigger import Outcome
from bot.listeners.connect import asker_of
from bot.listeners.guard import guarded
from bot.listeners.tenants import as_workspace
from bot.wiring import Runtime

log = logging.getLogger(__name__)
Listener = Callable[..., None]
SETTINGS_FAILED = "Something went wrong on my side and nothing was saved. Please try again in a minute."
UNAVAILABLE = "I can't reach this workspace's installation right now; nothing was saved. Please try again."


def on_settings_button(rt: Runtime) -> Listener:
    """ "Change settings" on an admin's Home tab: open the modal at once (the trigger_id lasts 3 s)."""

    def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        user_id, trigger_id = str(body["user"]["id"]), str(body.get("trigger_id"))
        tenant = as_workspace(rt, context)
        # Someone of another organisation never gets the form, whatever users.info says of them.
        if tenant is None or outsider_refusal(tenant, asker_of(body, context, user_id)) is not None:
            return
        guarded(tenant, None, lambda: workspace_admin.open_settings(tenant, user_id, trigger_id), None)

    return listener


def on_settings_submit(rt: Runtime) -> Listener:
    """The settings modal's submission: checked (member, admin, values, template, endpoint) before the ack, so
    problems show next to their fields; saved, and the admin's Home tab redrawn, after it."""

    def listener(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        user_id = str(body["user"]["id"])
        tenant = as_workspace(rt, context)
        if tenant is None:
            ack(response_action="errors", errors={"model": UNAVAILABLE})
            return
        refused = outsider_refusal(tenant, asker_of(body, context, user_id))
        try:
            chosen, errors = (
                (None, {"model": refused}) if refused else workspace_admin.check_submission(tenant, user_id, view)
            )
        except Exception:  # noqa: BLE001 - the modal must always get an answer, or Slack shows its own error
            log.exception("workspace settings could not be checked")
            chosen, errors = None, {"model": SETTINGS_FAILED}
        if chosen is None:
            ack(response_action="errors", errors=errors)
            return
        ack()

        def save() -> Outcome:
            workspace_admin.save_settings(tenant, user_id, chosen)
            return home.publish_home(tenant, user_id)

        guarded(tenant, None, save, None)

    return listener
