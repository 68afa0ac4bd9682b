"""Whose data something is: a workspace, or a workspace reached through its org's org-wide install."""

from __future__ import annotations

from pydantic import BaseModel


class TenantRef(BaseModel):
    """Whose data a record is: a workspace, or a workspace reached through its org's org-wide install."""

    team_id: str
    enterprise_id: str | None = None
    org_install: bool = False

    @property
    def scope(self) -> str:
        """The id sessions, caches, limits, budgets and settings are keyed by (in place of a team id).

        A workspace install is keyed by its team id alone (Slack's team ids are unique, and the keys of
        deployments from before many workspaces stay valid); an org-wide install by enterprise and team.
        """
        if self.org_install and self.enterprise_id:
            return f"{self.enterprise_id}{SCOPE_SEPARATOR}{self.team_id}"
        return self.team_id


# Neither ":" (the key separator) nor a glob character; Slack ids are upper-case letters and digits.
SCOPE_SEPARATOR = "."


def parse_tenant_scope(scope: str) -> TenantRef:
    """The tenant a scope names (the inverse of TenantRef.scope)."""
    enterprise_id, separator, team_id = scope.rpartition(SCOPE_SEPARATOR)
    if separator:
        return TenantRef(team_id=team_id, enterprise_id=enterprise_id, org_install=True)
    return TenantRef(team_id=scope)
