"""Which workspace a request is from (the tenant scope), and the runtime as that workspace sees it.

tenant_of is the one place every listener (lifecycle events included) learns its tenant from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

from bot.listeners.payloads import payload_team, tenant_ref
from bot.spec.tenancy import TenantRef
from bot.wiring import Runtime, WorkspaceNotInstalled

log = logging.getLogger(__name__)


# Where remember_payload leaves the request's payload in Bolt's context, for tenant_of.
PAYLOAD = "techspec_payload"


def remember_payload(body: dict[str, Any], context: BoltContext, next_: Callable[[], None]) -> None:
    """Bolt middleware: keep the payload in the context, so tenant_of can read the workspace it names."""
    context[PAYLOAD] = body
    next_()


def tenant_of(context: BoltContext) -> TenantRef:
    """The request's tenant: the installation Bolt authorized (its org, whether it is org-wide, its own
    workspace) and, for an org-wide install, the workspace the payload happened in."""
    body = context.get(PAYLOAD)
    body = body if isinstance(body, dict) else {}
    result = context.authorize_result
    if result is None or not (result.bot_token or result.user_token):
        # No authorize, or Bolt's stand-in for the uninstall events (their token is gone already: no auth.test,
        # ids copied from the payload): the payload is all there is.
        named = tenant_ref(body)
        enterprise = context.enterprise_id or named.enterprise_id
        org_install = bool(context.is_enterprise_install or named.org_install) and bool(enterprise)
        named_team = context.team_id if not org_install and context.team_id else named.team_id
        return TenantRef(team_id=named_team or context.team_id or "", enterprise_id=enterprise, org_install=org_install)
    enterprise = result.enterprise_id or context.enterprise_id
    # An org-wide token's auth.test names the org as its team (or no team): it is never a workspace's own.
    org_install = bool(enterprise) and (result.team_id is None or result.team_id == enterprise)
    if org_install:
        where = payload_team(body, org_install=True) or (context.team_id if context.team_id != enterprise else None)
        return TenantRef(team_id=where or "", enterprise_id=enterprise, org_install=True)
    team = result.team_id or payload_team(body, org_install=False) or context.team_id
    return TenantRef(team_id=team or "", enterprise_id=enterprise)


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
