"""SlackEmulator methods for many workspaces: Grid orgs, installs (direct or OAuth), rotation, uninstalls.

emu = SlackEmulator().start()                    # default workspace T0001, installed with bot_token
globex = emu.add_workspace("T0002", "globex")    # a WorkspaceHandle: add_user, add_channel, post_message…
emu.add_org("E0001", "umbrella")
lab = emu.add_workspace("T0101", "umbrella-lab", enterprise_id="E0001")
redirect = emu.approve(install_url, globex)      # or "E0001" for an org-wide install; GET it on the bot
emu.install("E0001")                             # or install directly, no OAuth
emu.share_channel("C100", globex)                # Slack Connect
emu.uninstall(globex)                            # tokens_revoked + app_uninstalled delivered
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import payloads
from .accounts import Installation, Org
from .api_oauth import approve
from .models import Delivery
from .tenancy import Tenancy
from .workspace import Identity, Workspace

if TYPE_CHECKING:
    from .delivery import Deliverer
    from .handle import WorkspaceHandle


def team_of(target: Any) -> str:
    """A team id from a team id or a workspace handle."""
    return target if isinstance(target, str) else str(target.team_id)


class TenantsMixin:
    """Workspaces, orgs and installations of one emulated Slack app, all behind one `api_url`."""

    ws: Workspace
    tenancy: Tenancy
    deliverer: Deliverer
    events_url: str | None

    def _init_tenancy(self) -> None:
        self.tenancy = Tenancy(self.ws)
        self.tenancy.install([self.ws.ident.team_id], token=self.ws.ident.bot_token)
        # The app's OAuth identity (tests configure the bot with the same values).
        self.client_id = "1111111111.2222222222"
        self.client_secret = "emulated-client-secret"
        self.redirect_urls: list[str] = []  # the app's configured Redirect URLs; empty accepts any
        self.org_deploy_enabled = True  # the manifest's org_deploy_enabled: org-wide installs allowed

    # -- the app's token rotation switch ------------------------------------------------------------

    @property
    def token_rotation(self) -> bool:
        """Whether installs get expiring `xoxe.xoxb-…` tokens with `xoxe-1-…` refresh tokens."""
        return self.tenancy.token_rotation

    @token_rotation.setter
    def token_rotation(self, on: bool) -> None:
        """Turn the app's token rotation on or off (affects tokens issued from now on)."""
        self.tenancy.token_rotation = on

    @property
    def authorize_url(self) -> str:
        """Slack's authorize page on the emulator (the bot's authorization URL setting points here)."""
        return f"{self.ws.base_url}/oauth/v2/authorize"

    # -- orgs and workspaces ------------------------------------------------------------------------

    def add_org(
        self, enterprise_id: str, domain: str, *, name: str | None = None, bot_user_id: str | None = None
    ) -> Org:
        """An Enterprise Grid org (no workspaces yet: add_workspace(..., enterprise_id=...))."""
        org = Org(
            enterprise_id,
            domain,
            name or domain.capitalize(),
            bot_user_id or f"W{enterprise_id[1:]}BOT",
            f"B{enterprise_id[1:]}BOT",
        )
        with self.ws.lock:
            self.tenancy.orgs[enterprise_id] = org
        return org

    def add_workspace(
        self,
        team_id: str,
        domain: str,
        *,
        enterprise_id: str | None = None,
        name: str | None = None,
        bot_user_id: str | None = None,
        install: bool = False,
    ) -> WorkspaceHandle:
        """A workspace (standalone, or of a Grid org) behind the same api_url; not installed unless install=True."""
        base = self.ws.ident
        org = self.tenancy.orgs[enterprise_id] if enterprise_id else None
        bot_user = org.bot_user_id if org else (bot_user_id or f"U{team_id[1:]}BOT")
        bot_id = org.bot_id if org else f"B{team_id[1:]}BOT"
        ident = Identity(
            team_id,
            domain,
            name or domain.capitalize(),
            bot_user,
            bot_id,
            base.bot_name,
            base.app_id,
            "",
            base.signing_secret,
            enterprise_id,
            org.name if org else None,
        )
        with self.ws.lock:
            self.tenancy.add(Workspace(ident, shared=self.ws))
            if install:
                self.tenancy.install([team_id])
        return self.workspace(team_id)

    def workspace(self, team_id: str) -> WorkspaceHandle:
        """The handle of a workspace: add_user, add_channel, post_message, send_slash_command… act there."""
        from .handle import WorkspaceHandle

        return WorkspaceHandle(getattr(self, "root", self), self.tenancy.workspace(team_id))

    def share_channel(self, channel: str, guest: Any, host: Any = None) -> None:
        """Slack Connect (other org) or org-shared channel: the same conversation id in `guest` too."""
        with self.ws.lock:
            owner = self.tenancy.workspace(team_of(host)) if host is not None else self.ws
            self.tenancy.share_channel(owner.channel(channel), owner, self.tenancy.workspace(team_of(guest)))

    # -- installs -----------------------------------------------------------------------------------

    def install(self, target: Any, *, teams: list[str] | None = None, user: str | None = None) -> Installation:
        """Install directly (no OAuth): a team id/handle, or an org (enterprise id/Org: its workspaces or `teams`)."""
        with self.ws.lock:
            enterprise_id = _enterprise_of(target)
            if enterprise_id is not None:
                reached = list(self.tenancy.orgs[enterprise_id].teams if teams is None else teams)
                return self.tenancy.install(reached, enterprise_id=enterprise_id, installer=user)
            return self.tenancy.install([team_of(target)], installer=user)

    def installation(self, target: Any) -> Installation:
        """The active install of a workspace (team id/handle) or the org-wide install of an org."""
        with self.ws.lock:
            enterprise_id = _enterprise_of(target)
            if enterprise_id is not None:
                return self.tenancy.installation_of(enterprise_id=enterprise_id)
            return self.tenancy.installation_of(team_id=team_of(target))

    def add_app_to(self, team: Any, org: Any) -> None:
        """An org admin adds the org-wide app to one more workspace of the org."""
        with self.ws.lock:
            self.tenancy.attach(self.installation(org), team_of(team))

    def remove_app_from(self, team: Any, org: Any) -> None:
        """An org admin removes the org-wide app from one workspace: its token no longer reaches it."""
        with self.ws.lock:
            inst, team_id = self.installation(org), team_of(team)
            inst.teams = [t for t in inst.teams if t != team_id]
            self.tenancy.workspace(team_id).installation = None

    def approve(
        self,
        install_url: str,
        target: Any,
        *,
        user: str | None = None,
        teams: list[str] | None = None,
        deny: bool = False,
    ) -> str:
        """Play the browser on Slack's authorize page; returns the bot's redirect URL with code and state."""
        enterprise_id = _enterprise_of(target)
        with self.ws.lock:
            if enterprise_id is not None:
                return approve(self, install_url, enterprise_id=enterprise_id, user=user, teams=teams, deny=deny)  # type: ignore[arg-type]
            return approve(self, install_url, team_id=team_of(target), user=user, deny=deny)  # type: ignore[arg-type]

    def expire_token(self, target: Any) -> str:
        """Make a token (or the current token of a workspace/org install) answer token_expired now."""
        with self.ws.lock:
            token = (
                target if isinstance(target, str) and target in self.tenancy.tokens else self.installation(target).token
            )
            self.tenancy.expire(token)
        return token

    # -- uninstall ----------------------------------------------------------------------------------

    def uninstall(self, target: Any) -> list[Delivery]:
        """Remove the app from a workspace or an org: tokens answer token_revoked; tokens_revoked and
        app_uninstalled are delivered (synchronously; the deliveries are returned)."""
        return self.revoke_installation(self.installation(target), uninstalled=True)

    def revoke_installation(
        self, inst: Installation, *, uninstalled: bool = True, background: bool = False
    ) -> list[Delivery]:
        """Revoke every token of an install and deliver `tokens_revoked` (+ `app_uninstalled`)."""
        with self.ws.lock:
            bodies = [self._lifecycle_body(inst, _tokens_revoked(inst))]
            if uninstalled:
                bodies.append(self._lifecycle_body(inst, {"type": "app_uninstalled"}))
            self.tenancy.revoke(inst)
        if not self.events_url:
            return []
        raws = [(json.dumps(body).encode(), str(body["event_id"])) for body in bodies]
        if background:  # after an API call: Slack sends the events once it has answered
            for raw, event_id in raws:
                self.deliverer.enqueue(lambda raw=raw, event_id=event_id: self.deliverer.deliver_event(raw, event_id))
            return []
        return [self.deliverer.deliver_event(raw, event_id) for raw, event_id in raws]

    def _lifecycle_body(self, inst: Installation, event: dict[str, Any]) -> dict[str, Any]:
        if inst.is_enterprise_install:
            return payloads.org_envelope(inst, self.ws.ident.app_id, self.ws.ids.next("Ev"), event)
        return payloads.envelope(self.tenancy.workspace(str(inst.team_id)), event, inst)


def _tokens_revoked(inst: Installation) -> dict[str, Any]:
    return {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [inst.bot_user_id]}}


def _enterprise_of(target: Any) -> str | None:
    if isinstance(target, Org):
        return target.enterprise_id
    if isinstance(target, str) and target.startswith("E"):
        return target
    return None
