"""Bolt's authorize for OAuth mode, with one more try when Slack says the stored token has expired."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_sdk.errors import SlackApiError

from bot.slack.failures import slack_error_code
from bot.spec.tenancy import TenantRef
from bot.wiring import RefreshingInstallationStore


class RefreshingAuthorize(InstallationStoreAuthorize):
    """Bolt's InstallationStoreAuthorize; when the stored token fails with `token_expired` (Slack expired
    it before its time, or a clock is off), the token is refreshed once and the authorize tried again."""

    def __init__(self, *, installation_store: RefreshingInstallationStore, **kwargs: Any) -> None:
        super().__init__(installation_store=installation_store, **kwargs)
        self.refreshing = installation_store

    def __call__(
        self, *, context: BoltContext, enterprise_id: str | None, team_id: str | None, user_id: str | None, **kw: Any
    ) -> AuthorizeResult | None:
        """The authorize result for the request's workspace (None: not installed, or its token is dead)."""
        ids = {"context": context, "enterprise_id": enterprise_id, "team_id": team_id, "user_id": user_id, **kw}
        result = super().__call__(**ids)
        if result is not None:
            return result
        tenant = TenantRef(
            team_id=team_id or "", enterprise_id=enterprise_id, org_install=bool(context.is_enterprise_install)
        )
        found = self.refreshing.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=tenant.org_install
        )
        if found is None or not found.bot_token or not found.bot_refresh_token:
            return None
        try:
            context.client.auth_test(token=found.bot_token)
            return None  # the token works: whatever failed, a refresh would not help
        except SlackApiError as exc:
            if slack_error_code(exc) != "token_expired":
                return None
        if self.refreshing.refresh_expired(tenant, found.bot_token) is None:
            return None
        return super().__call__(**ids)
