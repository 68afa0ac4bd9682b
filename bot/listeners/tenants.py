"""Which workspace a request is from (the tenant scope), and the runtime as that workspace sees it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

from bot.listeners.payloads import tenant_ref
from bot.spec.tenancy import TenantRef
from bot.wiring import Runtime, WorkspaceNotInstalled

log = logging.getLogger(__name__)


# Where remember_tenant leaves the payload's own tenant in Bolt's context.
PAYLOAD_TENANT = "techspec_payload_tenant"


def remember_tenant(body: dict[str, Any], context: BoltContext, next_: Callable[[], None]) -> None:
    """Bolt middleware: the tenant as the payload names it (bot.listeners.payloads.tenant_ref), for tenant_of."""
    context[PAYLOAD_TENANT] = tenant_ref(body)
    next_()


def tenant_of(context: BoltContext) -> TenantRef:
    """The request's workspace, and its org when the app is installed org-wide (Bolt's context has both)."""
    if not context.team_id:
        # Events to an org-wide install carry authorizations[0].team_id = null (bolt-python's
        # test_events_org_apps.py), so Bolt's context has no workspace: the payload's context_team_id /
        # team_id names the workspace the event happened in.
        found = context.get(PAYLOAD_TENANT)
        if isinstance(found, TenantRef) and found.team_id:
            return found
    return TenantRef(
        team_id=context.team_id or "",
        enterprise_id=context.enterprise_id,
        org_install=bool(context.is_enterprise_install),
    )


def scope_of(context: BoltContext) -> str:
    """The id the flow keys the request's data by (where its team_id goes)."""
    return tenant_of(context).scope


def as_workspace(rt: Runtime, context: BoltContext) -> Runtime | None:
    """rt as the request's workspace sees it (its bot token, its settings); None, logged, when that fails."""
    try:
        return rt.for_tenant(scope_of(context))
    except WorkspaceNotInstalled:
        # Slack may still deliver a few events after an uninstall: nothing is stored for them.
        log.info("request from a workspace without an installation: ignored")
    except Exception:  # noqa: BLE001 - a listener must never crash; Bolt has acked already
        log.exception("could not prepare the workspace's clients for a request")
    return None
