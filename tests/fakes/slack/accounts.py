"""Who may call the emulator: Enterprise Grid orgs, app installations, tokens and OAuth grants (plain data)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field


@dataclass
class Org:
    """An Enterprise Grid org: its workspaces share users, and an org-wide install reaches them all."""

    enterprise_id: str
    domain: str
    name: str
    # One bot user for the whole org: on Grid, users (bots included) are org-level "W…" users.
    bot_user_id: str
    bot_id: str
    teams: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The org's own URL (what auth.test answers for an org-wide token)."""
        return f"https://{self.domain}.enterprise.slack.com/"


@dataclass
class Installation:
    """One install of the app: a workspace, or a whole org (`is_enterprise_install`)."""

    team_id: str | None  # None for an org-wide install (Slack answers `team: null`)
    enterprise_id: str | None
    is_enterprise_install: bool
    bot_user_id: str
    bot_id: str
    scope: str
    installer: str | None
    teams: list[str]  # the workspaces this install reaches (an org install: where the app was added)
    token: str = ""  # the newest access token
    refresh_token: str | None = None  # the newest, unused refresh token (token rotation only)
    active: bool = True

    def reaches(self, team_id: str) -> bool:
        """Whether this install may act in the workspace."""
        return self.active and team_id in self.teams

    def authorization(self, team_id: str) -> dict[str, object]:
        """The `authorizations[0]` entry Slack puts in event envelopes for this install."""
        return {
            "enterprise_id": self.enterprise_id,
            "team_id": team_id,
            "user_id": self.bot_user_id,
            "is_bot": True,
            "is_enterprise_install": self.is_enterprise_install,
        }


@dataclass
class TokenRecord:
    """An access token and its fate: revoked (uninstall, auth.revoke) or expiring (rotation)."""

    installation: Installation
    expires_at: float | None = None  # time.time() deadline; None = never (rotation off)
    revoked: bool = False

    def status(self) -> str | None:
        """The Slack error for using this token now, or None when it works."""
        if self.revoked or not self.installation.active:
            return "token_revoked"
        if self.expires_at is not None and time.time() >= self.expires_at:
            return "token_expired"
        return None


@dataclass
class Grant:
    """An authorization code handed to the redirect URI: single use, short-lived."""

    code: str
    team_id: str | None  # the workspace approved, or None for an org-wide approval
    enterprise_id: str | None
    teams: list[str]  # the workspaces the install reaches
    installer: str
    scope: str
    redirect_uri: str | None  # as sent to the authorize page (oauth.v2.access must repeat it)
    issued: float = field(default_factory=time.monotonic)
    used: bool = False


def new_secret(prefix: str, size: int = 12) -> str:
    """A random Slack-looking credential such as `xoxb-…` (never a fixed value, so tests can't guess it)."""
    return f"{prefix}{secrets.token_hex(size)}"
