"""Many workspaces behind one Web API URL: who a token is, which workspace serves a call, token lifecycles."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from .accounts import Grant, Installation, Org, TokenRecord, new_secret
from .models import ApiError
from .store import Channel
from .workspace import Workspace

# Methods that act on the token itself, not inside one workspace.
NO_WORKSPACE = frozenset({"auth.test", "auth.revoke", "apps.uninstall"})
# Methods an org-wide token may call without saying which workspace: Grid files are org-level, and the
# upload is placed in a channel later, by files.completeUploadExternal.
ORG_LEVEL = frozenset({"files.getUploadURLExternal"})
DEFAULT_SCOPE = "app_mentions:read,channels:history,chat:write,commands,files:read,files:write,pins:write,users:read"


class Tenancy:
    """Every workspace, org, installation and token of one emulator (guarded by the workspaces' shared lock)."""

    def __init__(self, default: Workspace) -> None:
        self.default = default
        self.workspaces: dict[str, Workspace] = {default.ident.team_id: default}
        self.orgs: dict[str, Org] = {}
        self.installations: list[Installation] = []
        self.tokens: dict[str, TokenRecord] = {}
        self.refresh_tokens: dict[str, Installation] = {}
        self.used_refresh_tokens: set[str] = set()
        self.token_rotation = False  # the app's "token rotation" switch: xoxe tokens that expire
        self.token_ttl = 43_200.0  # Slack: rotated tokens live 12 hours
        self.rotation_grace = 1.0  # seconds an access token keeps working after it was refreshed
        self.grants: dict[str, Grant] = {}  # OAuth codes by value
        self.code_ttl = 600.0  # Slack: an authorization code expires after ten minutes
        default.directory = lambda user: self.lookup_user(default, user)

    # -- set-up -------------------------------------------------------------------------------------

    def workspace(self, team_id: str) -> Workspace:
        """The workspace with this team id (a KeyError names the known ones)."""
        if team_id not in self.workspaces:
            raise KeyError(f"no workspace {team_id}; known: {sorted(self.workspaces)}")
        return self.workspaces[team_id]

    def add(self, ws: Workspace) -> Workspace:
        """Register a workspace; a Grid workspace joins its org (shared users and files)."""
        team_id, enterprise_id = ws.ident.team_id, ws.ident.enterprise_id
        if team_id in self.workspaces:
            raise ValueError(f"workspace {team_id} already exists")
        if enterprise_id:
            org = self.orgs[enterprise_id]
            if org.teams:  # Grid files live at the org level: any workspace of the org can see them
                ws.files = self.workspaces[org.teams[0]].files
            org.teams.append(team_id)
        ws.directory = lambda user: self.lookup_user(ws, user)
        self.workspaces[team_id] = ws
        return ws

    def lookup_user(self, ws: Workspace, user_id: str) -> dict[str, Any] | None:
        """A user of another workspace that `ws` can see: same Grid org, or a Slack Connect channel partner."""
        for other in self.workspaces.values():
            user = other.users.get(user_id)
            if other is ws or user is None:
                continue
            same_org = ws.ident.enterprise_id is not None and other.ident.enterprise_id == ws.ident.enterprise_id
            if same_org or any(user_id in c.members and ws.ident.team_id in c.teams for c in other.channels.values()):
                return user
        return None

    def share_channel(self, chan: Channel, host: Workspace, guest: Workspace) -> None:
        """Make `chan` (hosted by `host`) one conversation of both workspaces, as Slack Connect does."""
        chan.teams = list(dict.fromkeys([*(chan.teams or [host.ident.team_id]), guest.ident.team_id]))
        orgs = {self.workspaces[t].ident.enterprise_id or t for t in chan.teams}
        chan.ext_shared = len(orgs) > 1  # shared with another org (or a workspace outside any org)
        guest.channels[chan.id] = chan

    # -- installations and tokens -------------------------------------------------------------------

    def install(
        self,
        teams: list[str],
        *,
        enterprise_id: str | None = None,
        installer: str | None = None,
        token: str | None = None,
    ) -> Installation:
        """Install the app on one workspace (`teams=[T]`) or org-wide (`enterprise_id`, the org's workspaces)."""
        org_wide = enterprise_id is not None
        first = self.workspace(teams[0]) if teams else None
        bot_user, bot_id = self._bot_of(enterprise_id, first)
        inst = Installation(
            team_id=None if org_wide else teams[0],
            enterprise_id=enterprise_id if org_wide else (first.ident.enterprise_id if first else None),
            is_enterprise_install=org_wide,
            bot_user_id=bot_user,
            bot_id=bot_id,
            scope=DEFAULT_SCOPE,
            installer=installer,
            teams=list(teams),
        )
        self.installations.append(inst)
        self.issue(inst, token)
        for team in teams:
            self.attach(inst, team)
        return inst

    def _bot_of(self, enterprise_id: str | None, ws: Workspace | None) -> tuple[str, str]:
        if enterprise_id is not None:
            org = self.orgs[enterprise_id]
            return org.bot_user_id, org.bot_id
        assert ws is not None
        return ws.ident.bot_user_id, ws.ident.bot_id

    def attach(self, inst: Installation, team_id: str) -> None:
        """Let an install act in one more workspace (an org admin adding an org-wide app to a workspace)."""
        ws = self.workspace(team_id)
        if team_id not in inst.teams:
            inst.teams.append(team_id)
        ws.installation = inst
        if inst.token and ws is not self.default:
            ws.ident.bot_token = inst.token

    def issue(self, inst: Installation, token: str | None = None) -> str:
        """A fresh access token for the install (and a refresh token when rotation is on)."""
        if token is None:
            digits = f"{secrets.randbelow(10**12):012d}-{secrets.randbelow(10**12):012d}"
            token = new_secret(f"xoxe.xoxb-1-{digits}-" if self.token_rotation else f"xoxb-{digits}-")
        expires = time.time() + self.token_ttl if self.token_rotation else None
        self.tokens[token] = TokenRecord(inst, expires)
        inst.token = token
        if self.token_rotation:
            inst.refresh_token = new_secret("xoxe-1-", 24)
            self.refresh_tokens[inst.refresh_token] = inst
        for team in inst.teams:
            if team in self.workspaces and self.workspaces[team] is not self.default:
                self.workspaces[team].ident.bot_token = token
        return token

    def authenticate(self, token: str | None) -> Installation:
        """The install behind a token, or Slack's not_authed / invalid_auth / token_revoked / token_expired."""
        if not token:
            raise ApiError("not_authed")
        record = self.tokens.get(token)
        if record is None:
            raise ApiError("invalid_auth")
        error = record.status()
        if error:
            raise ApiError(error)
        return record.installation

    def refresh(self, refresh_token: str | None) -> Installation:
        """grant_type=refresh_token: a new token pair; the old access token dies after `rotation_grace`."""
        inst = self.refresh_tokens.get(refresh_token or "")
        if inst is None or refresh_token in self.used_refresh_tokens or not inst.active:
            raise ApiError("invalid_refresh_token")
        self.used_refresh_tokens.add(str(refresh_token))
        old = self.tokens[inst.token]
        deadline = time.time() + self.rotation_grace
        old.expires_at = deadline if old.expires_at is None else min(old.expires_at, deadline)
        self.issue(inst)
        return inst

    def expire(self, token: str) -> None:
        """Make a token answer token_expired from now on (the test switch for rotation)."""
        self.tokens[token].expires_at = time.time() - 1

    def revoke(self, inst: Installation) -> None:
        """Uninstall: every token of the install answers token_revoked; its workspaces lose the app."""
        inst.active = False
        for record in self.tokens.values():
            if record.installation is inst:
                record.revoked = True
        for team in inst.teams:
            ws = self.workspaces.get(team)
            if ws is not None and ws.installation is inst:
                ws.installation = None

    def installation_of(self, team_id: str | None = None, enterprise_id: str | None = None) -> Installation:
        """The active install of a workspace, or the org-wide install of an org."""
        for inst in reversed(self.installations):
            if not inst.active:
                continue
            if enterprise_id and inst.is_enterprise_install and inst.enterprise_id == enterprise_id:
                return inst
            if team_id and inst.reaches(team_id) and not enterprise_id:
                return inst
        raise KeyError(f"no active installation for team={team_id} enterprise={enterprise_id}")

    # -- routing ------------------------------------------------------------------------------------

    def route(self, inst: Installation, method: str, data: dict[str, Any]) -> Workspace | None:
        """The workspace that serves a call made with `inst`'s token, or channel_not_found & co like Slack."""
        reachable = [self.workspaces[t] for t in inst.teams if t in self.workspaces]
        if method in NO_WORKSPACE:
            return reachable[0] if reachable else None
        if not reachable:
            raise ApiError("team_access_not_granted")
        if inst.is_enterprise_install and data.get("team_id"):
            # Org-wide tokens say which workspace to act in; workspace tokens' team_id is ignored (Slack docs).
            chosen = self.workspaces.get(str(data["team_id"]))
            if chosen is None or not inst.reaches(chosen.ident.team_id):
                raise ApiError("team_access_not_granted")
            return chosen
        if len(reachable) == 1 or method in ORG_LEVEL:
            return reachable[0]
        return _pick(reachable, data)


def _refs(data: dict[str, Any]) -> dict[str, str]:
    refs = {k: str(data[k]) for k in ("channel", "channel_id", "trigger_id", "view_id", "external_id") if data.get(k)}
    if data.get("channels"):
        refs["channel"] = str(data["channels"]).split(",")[0].strip()
    if data.get("file"):
        refs["file"] = str(data["file"])
    elif data.get("files"):
        try:
            specs = json.loads(data["files"]) if isinstance(data["files"], str) else data["files"]
            refs["file"] = str(specs[0]["id"])
        except (ValueError, LookupError, TypeError):
            pass
    user = data.get("user") or data.get("user_id")
    if user:
        refs["user"] = str(user)
    return refs


def _holds(ws: Workspace, kind: str, ref: str) -> bool:
    if kind in ("channel", "channel_id"):
        try:
            ws.channel(ref)
        except ApiError:
            return False
        return True
    if kind == "trigger_id":
        return ref in ws.triggers
    if kind in ("view_id", "external_id"):
        views = [r["view"] for r in ws.views] + list(ws.home_views.values())
        return any(v.get("id") == ref or v.get("external_id") == ref for v in views)
    if kind == "file":
        return ref in ws.files
    return ref in ws.users


def _pick(reachable: list[Workspace], data: dict[str, Any]) -> Workspace:
    refs = _refs(data)
    for kind, ref in refs.items():
        found = [ws for ws in reachable if _holds(ws, kind, ref)]
        if found:
            return found[0]
        if kind in ("channel", "channel_id"):
            raise ApiError("channel_not_found")  # a conversation none of the token's workspaces has
    if refs:
        return reachable[0]  # let the handler answer its own not-found error
    raise ApiError("missing_argument", ["[ERROR] missing required field: team_id (an org-wide token)"])
