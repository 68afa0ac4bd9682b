"""Slack Connect at the door: who asked, for which installation, and their refusal when they are outside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

from bot.flow.members import Asker, outsider_refusal
from bot.flow.trigger import Outcome
from bot.listeners.payloads import home_of, person_of
from bot.listeners.tenants import tenant_of
from bot.wiring import Runtime


def asker_of(body: dict[str, Any], context: BoltContext, user_id: str) -> Asker:
    """The person behind a payload and the installation that received it (Bolt's authorize result: the
    installation's own ids, never the other side of a shared channel)."""
    tenant, result = tenant_of(context), context.authorize_result
    name = (result.team if result else None) or str(body.get("team_domain") or "")
    return Asker(user_id=user_id, person=person_of(body), home=home_of(tenant), scope=tenant.scope, home_name=name)


def members_only(
    rt: Runtime, asker: Asker, action: Callable[[], Outcome], refuse: Callable[[str], None]
) -> Callable[[], Outcome]:
    """The action, run only for a member of the installation's organisation; anyone else hears `refuse`."""

    def run() -> Outcome:
        refused = outsider_refusal(rt, asker)
        if refused is not None:
            refuse(refused)
            return "refused"
        return action()

    return run
