"""OAuth v2 as Slack runs it: the authorize page, oauth.v2.access (codes and refresh tokens), auth.*, apps.uninstall.

Flow (docs.slack.dev "Installing with OAuth"): the bot's /slack/install page sends the browser to
`<authorize URL>?client_id=…&scope=…&state=…&redirect_uri=…`; the installer approves; Slack redirects to
`redirect_uri?code=…&state=…`; the bot exchanges the code with oauth.v2.access (client id + secret), then
calls auth.test with the new token (Bolt does, for bot_id and the org URL).
"""

from __future__ import annotations

import html
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from .accounts import Grant, Installation
from .models import ApiError, Params

if TYPE_CHECKING:
    from .emulator import SlackEmulator
    from .server import Reply

AUTHORIZE_PATH = "/oauth/v2/authorize"


def check_client(emu: SlackEmulator, client_id: str | None, client_secret: str | None) -> None:
    """Slack's answers for a wrong app identity: invalid_client_id, then bad_client_secret."""
    if client_id != emu.client_id:
        raise ApiError("invalid_client_id")
    if client_secret != emu.client_secret:
        raise ApiError("bad_client_secret")


def redirect_allowed(emu: SlackEmulator, uri: str) -> bool:
    """A redirect_uri must be one of the app's Redirect URLs (or below one); none configured: any."""
    return not emu.redirect_urls or any(uri.startswith(allowed) for allowed in emu.redirect_urls)


def authorize_query(emu: SlackEmulator, url: str) -> dict[str, str]:
    """The arguments of an authorize URL, checked the way Slack's authorize page checks them (ValueError)."""
    base, _, query = url.partition("?")
    if base != emu.base_url + AUTHORIZE_PATH:
        raise ValueError(f"{base!r} is not the emulator's authorize page {emu.base_url + AUTHORIZE_PATH!r}")
    args = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if args.get("client_id") != emu.client_id:
        raise ValueError(f"Slack: invalid_client_id ({args.get('client_id')!r})")
    if not args.get("scope") and not args.get("user_scope"):
        raise ValueError("Slack: invalid_scope (no scope requested)")
    uri = args.get("redirect_uri")
    if uri and not redirect_allowed(emu, uri):
        raise ValueError(f"Slack: bad_redirect_uri ({uri!r} is not among {emu.redirect_urls})")
    if not uri and not emu.redirect_urls:
        raise ValueError("Slack: no redirect_uri given and none configured for the app")
    return args


def authorize_page(emu: SlackEmulator, query: str) -> Reply:
    """GET of the authorize page: what a person would see before clicking Allow (tests use `approve`)."""
    from .server import Reply

    try:
        args = authorize_query(emu, f"{emu.base_url}{AUTHORIZE_PATH}?{query}")
    except ValueError as exc:
        return Reply(400, f"<html><body>{html.escape(str(exc))}</body></html>".encode(), "text/html; charset=utf-8")
    page = f"<html><body>techspec is requesting permission: {html.escape(args.get('scope', ''))}</body></html>"
    return Reply(200, page.encode(), "text/html; charset=utf-8")


def approve(
    emu: SlackEmulator,
    url: str,
    *,
    team_id: str | None = None,
    enterprise_id: str | None = None,
    user: str | None = None,
    teams: list[str] | None = None,
    deny: bool = False,
) -> str:
    """Play the browser: approve (or deny) an authorize URL; returns `redirect_uri?code=…&state=…`."""
    args = authorize_query(emu, url)
    redirect = args.get("redirect_uri") or emu.redirect_urls[0]
    state = {"state": args["state"]} if "state" in args else {}
    sep = "&" if "?" in redirect else "?"
    if deny:
        return f"{redirect}{sep}{urlencode({'error': 'access_denied', **state})}"
    tenancy = emu.tenancy
    if enterprise_id is not None:
        if not emu.org_deploy_enabled:
            raise ValueError("Slack: this app is not enabled for org-wide installs (org_deploy_enabled)")
        reached = list(tenancy.orgs[enterprise_id].teams if teams is None else teams)
        first = reached[0] if reached else None
    elif team_id is not None:
        ws = tenancy.workspace(team_id)
        org = ws.ident.enterprise_id
        if org and any(i.active and i.is_enterprise_install and i.enterprise_id == org for i in tenancy.installations):
            raise ValueError("Slack: cannot_install_an_org_installed_app")
        reached, first = [team_id], team_id
    else:
        raise ValueError("approve() needs team_id= (a workspace install) or enterprise_id= (an org-wide install)")
    installer = user or _first_person(emu, first)
    code = f"{int(time.time())}.{secrets.token_hex(16)}"
    tenancy.grants[code] = Grant(
        code, team_id, enterprise_id, reached, installer, args.get("scope", ""), args.get("redirect_uri")
    )
    return f"{redirect}{sep}{urlencode({'code': code, **state})}"


def _first_person(emu: SlackEmulator, team_id: str | None) -> str:
    ws = emu.tenancy.workspace(team_id) if team_id else emu.ws
    person = next((u for u, rec in ws.users.items() if not rec.get("is_bot")), None)
    if person is None:
        raise ValueError(f"no person in {ws.ident.team_id} to install the app: add_user() first or pass user=")
    return person


def oauth_v2_access(emu: SlackEmulator, p: Params, basic: tuple[str, str] | None) -> dict[str, Any]:
    """oauth.v2.access: a code for a new install, or grant_type=refresh_token for a rotated token pair."""
    client_id, secret = basic if basic else (p.text("client_id"), p.text("client_secret"))
    check_client(emu, client_id, secret)
    tenancy = emu.tenancy
    grant_type = p.text("grant_type")
    if grant_type == "refresh_token":
        inst = tenancy.refresh(p.text("refresh_token"))
        return access_response(emu, inst, inst.installer)
    if grant_type not in (None, "authorization_code"):
        raise ApiError("invalid_grant_type")
    grant = tenancy.grants.get(p.text("code") or "")
    if grant is None or grant.used or time.monotonic() - grant.issued > tenancy.code_ttl:
        raise ApiError("invalid_code")
    uri = p.text("redirect_uri")
    if (grant.redirect_uri and uri != grant.redirect_uri) or (uri and not redirect_allowed(emu, uri)):
        raise ApiError("bad_redirect_uri")
    grant.used = True
    return access_response(emu, _install(emu, grant), grant.installer)


def _install(emu: SlackEmulator, grant: Grant) -> Installation:
    tenancy = emu.tenancy
    for inst in tenancy.installations:  # a reinstall keeps the install (and, without rotation, its token)
        same = inst.enterprise_id == grant.enterprise_id if grant.enterprise_id else inst.team_id == grant.team_id
        if inst.active and same and inst.is_enterprise_install == (grant.enterprise_id is not None):
            inst.scope, inst.installer = grant.scope or inst.scope, grant.installer
            for team in grant.teams:
                tenancy.attach(inst, team)
            if tenancy.token_rotation:
                tenancy.issue(inst)
            return inst
    inst = tenancy.install(grant.teams, enterprise_id=grant.enterprise_id, installer=grant.installer)
    inst.scope = grant.scope or inst.scope
    return inst


def access_response(emu: SlackEmulator, inst: Installation, installer: str | None) -> dict[str, Any]:
    """The oauth.v2.access answer, shaped like Slack's (team null for an org-wide install)."""
    tenancy = emu.tenancy
    team = None
    if inst.team_id:
        ws = tenancy.workspace(inst.team_id)
        team = {"id": ws.ident.team_id, "name": ws.ident.team_name}
    org = tenancy.orgs.get(inst.enterprise_id or "")
    answer: dict[str, Any] = {
        "ok": True,
        "app_id": emu.ws.ident.app_id,
        "authed_user": {"id": installer},
        "scope": inst.scope,
        "token_type": "bot",
        "access_token": inst.token,
        "bot_user_id": inst.bot_user_id,
        "team": team,
        "enterprise": {"id": org.enterprise_id, "name": org.name} if org else None,
        "is_enterprise_install": inst.is_enterprise_install,
    }
    expires_at = tenancy.tokens[inst.token].expires_at
    if inst.refresh_token and expires_at is not None:
        answer.update(refresh_token=inst.refresh_token, expires_in=max(0, int(expires_at - time.time())))
    return answer


def auth_test(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """auth.test for the calling token: its workspace, or its org for an org-wide token."""
    inst, ident = emu.installation, emu.ws.ident
    answer: dict[str, Any] = {"ok": True, "url": f"https://{ident.host}/", "team": ident.team_name}
    answer.update(user=ident.bot_name, team_id=ident.team_id, user_id=inst.bot_user_id, bot_id=inst.bot_id)
    if inst.is_enterprise_install:
        org = emu.tenancy.orgs[str(inst.enterprise_id)]
        answer.update(url=org.url, team=org.name, team_id=org.enterprise_id)
    if inst.enterprise_id:
        answer["enterprise_id"] = inst.enterprise_id
    answer["is_enterprise_install"] = inst.is_enterprise_install
    record = emu.tenancy.tokens.get(emu.token or "")
    if record is not None and record.expires_at is not None:
        answer["expires_in"] = max(0, int(record.expires_at - time.time()))
    return answer


def auth_revoke(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """auth.revoke of the calling bot token: the bot is gone (`tokens_revoked` follows); test=true only checks."""
    if p.flag("test"):
        return {"ok": True, "revoked": False}
    emu.revoke_installation(emu.installation, uninstalled=False, background=True)
    return {"ok": True, "revoked": True}


def apps_uninstall(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """apps.uninstall (token + client_id + client_secret): removes the app where the token's install is."""
    check_client(emu, p.text("client_id"), p.text("client_secret"))
    emu.revoke_installation(emu.installation, uninstalled=True, background=True)
    return {"ok": True}


HANDLERS = {"auth.test": auth_test, "auth.revoke": auth_revoke, "apps.uninstall": apps_uninstall}
