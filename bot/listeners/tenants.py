"""Which workspace a request is from (the tenant scope), and the runtime as that workspace sees it."""

from __future__ import annotations

import logging

from slack_bolt import BoltContext

from bot.store.keys import TenantRef
from bot.wiring import Runtime, WorkspaceNotInstalled

log = logging.getLogger(__name__)


def tenant_of(context: BoltContext) -> TenantRef:
    """The request's workspace, and its org when the app is installed org-wide (Bolt's context has both)."""
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
