"""All emulated Slack state (users, channels, files, views, records) behind one lock."""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .accounts import Installation
from .models import TS_RE, ApiError, Delivery, Fault, FileRecord, IdGen, RecordedCall, TsClock
from .store import Channel


@dataclass
class Identity:
    """Who the emulated workspace and bot are."""

    team_id: str
    team_domain: str
    team_name: str
    bot_user_id: str
    bot_id: str
    bot_name: str
    app_id: str
    bot_token: str
    signing_secret: str
    enterprise_id: str | None = None
    enterprise_name: str | None = None

    @property
    def host(self) -> str:
        """The workspace's web host: Grid workspaces live under enterprise.slack.com."""
        return f"{self.team_domain}.enterprise.slack.com" if self.enterprise_id else f"{self.team_domain}.slack.com"


class Workspace:
    """Mutable workspace state. Every access from request threads and tests goes through `lock`."""

    def __init__(self, ident: Identity, shared: Workspace | None = None) -> None:
        self.ident = ident
        # Re-entrant so helpers that take the lock can call each other. Workspaces of one emulator share
        # the lock, clock, ids and records (`shared`): a Slack Connect channel is one object in two of them.
        self.lock = shared.lock if shared else threading.RLock()
        self.clock = shared.clock if shared else TsClock()
        self.ids = shared.ids if shared else IdGen()
        self.installation: Installation | None = None  # the install that reaches this workspace, if any
        # Looks up users of other workspaces this one can see (its Grid org, Slack Connect partners).
        self.directory: Callable[[str], dict[str, Any] | None] = lambda _user: None
        self.base_url = shared.base_url if shared else ""  # "http://127.0.0.1:<port>", set when the server starts
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, Channel] = {}
        self.files: dict[str, FileRecord] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.home_views: dict[str, dict[str, Any]] = {}
        self.responses: list[tuple[str, dict[str, Any]]] = []
        self.response_urls: dict[str, dict[str, Any]] = {}
        self.triggers: dict[str, dict[str, Any]] = {}
        self.trigger_ttl = 3.0
        self.violations: list[str] = shared.violations if shared else []
        self.requests: list[RecordedCall] = shared.requests if shared else []
        self.deliveries: list[Delivery] = shared.deliveries if shared else []
        self.faults: dict[str, deque[Fault]] = shared.faults if shared else {}
        if shared:  # response_url ids are unique emulator-wide; each origin names its workspace
            self.responses, self.response_urls = shared.responses, shared.response_urls
        self.add_user(ident.bot_user_id, ident.bot_name, real_name=ident.bot_name, is_bot=True)

    # -- users and channels -------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str | None = None,
        display_name: str | None = None,
        is_bot: bool = False,
        is_admin: bool = False,
        is_owner: bool = False,
    ) -> dict[str, Any]:
        """Create or replace a user record shaped like users.info's `user`."""
        real = real_name or name
        user = {
            "id": user_id,
            "team_id": self.ident.team_id,
            "name": name,
            "real_name": real,
            "is_bot": is_bot,
            "is_admin": is_admin or is_owner,  # Slack: owners are admins too
            "is_owner": is_owner,
            "is_primary_owner": False,
            "deleted": False,
            "is_app_user": False,
            "tz": "Europe/London",
            "profile": {
                "display_name": display_name if display_name is not None else name,
                "real_name": real,
                "team": self.ident.team_id,
            },
        }
        if self.ident.enterprise_id:  # Grid users are org users, seen from every workspace of the org
            user["enterprise_user"] = self._enterprise_user(user_id, is_admin or is_owner, is_owner)
        with self.lock:
            self.users[user_id] = user
        return user

    def _enterprise_user(self, user_id: str, is_admin: bool, is_owner: bool) -> dict[str, Any]:
        ident = self.ident
        return {
            "id": user_id,
            "enterprise_id": ident.enterprise_id,
            "enterprise_name": ident.enterprise_name,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "teams": [ident.team_id],
        }

    def user(self, user_id: str | None) -> dict[str, Any]:
        """The stored user (or one this workspace can see elsewhere) or `user_not_found`."""
        user = self.users.get(user_id or "") or self.directory(user_id or "")
        if user is None:
            raise ApiError("user_not_found")
        return user

    def channel(self, ref: str | None) -> Channel:
        """Resolve a channel id (or "#name"/name, as chat.postMessage allows) or raise channel_not_found."""
        if not ref:
            raise ApiError("channel_not_found")
        found = self.channels.get(ref)
        if found is None:
            name = ref.lstrip("#")
            found = next((c for c in self.channels.values() if c.name == name and not c.is_im), None)
        if found is None:
            raise ApiError("channel_not_found")
        return found

    def visible_channel(self, ref: str | None) -> Channel:
        """Like `channel`, but private conversations the bot is not in are hidden, as Slack hides them."""
        chan = self.channel(ref)
        if (chan.is_private or chan.is_im) and not chan.is_member(self.ident.bot_user_id):
            raise ApiError("channel_not_found")
        return chan

    def member_channel(self, ref: str | None) -> Channel:
        """A visible channel the bot belongs to, else channel_not_found / not_in_channel."""
        chan = self.visible_channel(ref)
        if not chan.is_member(self.ident.bot_user_id):
            raise ApiError("not_in_channel")
        return chan

    # -- messages -----------------------------------------------------------------------------------

    def store_message(
        self,
        chan: Channel,
        user: str | None,
        text: str,
        *,
        thread_ts: str | None = None,
        ts: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Build a Slack-shaped message, attach it to its thread (resolving a reply ts to its root)."""
        if ts is None:
            ts = self.clock.next()
        elif not TS_RE.match(ts):
            raise ValueError(f"ts must look like 1732400000.000100, got {ts!r}")
        else:
            self.clock.observe(ts)
        msg: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts, "team": self.ident.team_id}
        if user is None:
            del msg["user"]
        msg.update({k: v for k, v in fields.items() if v is not None})
        if thread_ts:
            msg["thread_ts"] = chan.root_of(thread_ts) or thread_ts
        chan.add(msg)
        return msg

    def human_message(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        files: list[dict[str, Any]] | None = None,
        subtype: str | None = None,
        bot_id: str | None = None,
        ts: str | None = None,
    ) -> tuple[Channel, dict[str, Any]]:
        """Store a message authored by a person (or a seeded bot message); no events are sent."""
        with self.lock:
            chan = self.channel(channel)
            if thread_ts and chan.root_of(thread_ts) is None:
                raise ValueError(f"no message {thread_ts} in {channel} to reply to")
            author = self.users.get(user) or self.directory(user) or {}
            team = author.get("team_id") or self.ident.team_id
            extra: dict[str, Any] = {"subtype": subtype, "bot_id": bot_id, "team": team}
            if bot_id is None:  # people's messages name the author's own team (Slack Connect: the other org)
                extra.update(client_msg_id=str(uuid.uuid4()), user_team=team, source_team=team)
            elif bot_id == self.ident.bot_id:
                extra["app_id"] = self.ident.app_id
            if files:
                extra["files"] = [self._register_file(f, user) for f in files]
                extra["upload"] = False
                extra["subtype"] = subtype or "file_share"
            return chan, self.store_message(chan, user, text, thread_ts=thread_ts, ts=ts, **extra)

    def bot_message(self, chan: Channel, text: str, **fields: Any) -> dict[str, Any]:
        """Store a message authored by the bot the way chat.postMessage does (user + bot_id + app_id)."""
        ident = self.ident
        profile = {
            "id": ident.bot_id,
            "app_id": ident.app_id,
            "name": ident.bot_name,
            "team_id": ident.team_id,
            "deleted": False,
        }
        return self.store_message(
            chan, ident.bot_user_id, text, bot_id=ident.bot_id, app_id=ident.app_id, bot_profile=profile, **fields
        )

    def _register_file(self, spec: dict[str, Any], user: str) -> dict[str, Any]:
        # Files attached to human messages become files.info-able, and url_private points at the
        # emulator so the bot can really download them with its token.
        info = {k: v for k, v in spec.items() if k != "content"}
        file_id = info.setdefault("id", self.ids.next("F"))
        name = info.setdefault("name", f"{file_id}.txt")
        info.setdefault("title", name)
        info.setdefault("url_private", f"{self.base_url}/files/{file_id}/{name}")
        info.setdefault("url_private_download", info["url_private"])
        content = spec.get("content", b"")
        content = content.encode() if isinstance(content, str) else content
        info.setdefault("size", len(content))
        self.files[file_id] = FileRecord(
            id=file_id,
            filename=name,
            title=info["title"],
            content=content,
            user=user,
            created=int(time.time()),
            completed=True,
            channel_id=None,
            thread_ts=None,
            initial_comment=None,
            shares={},
            channels=[],
            groups=[],
            ims=[],
        )
        return info

    # -- triggers, response urls, faults ------------------------------------------------------------

    def issue_trigger(self, user: str) -> str:
        """A new trigger_id, usable once within `trigger_ttl` seconds."""
        trigger_id = f"{int(time.time())}.{self.ids.next('')}.{uuid.uuid4().hex[:20]}"
        with self.lock:
            self.triggers[trigger_id] = {"issued": time.monotonic(), "used": False, "user": user}
        return trigger_id

    def exchange_trigger(self, trigger_id: str | None) -> dict[str, Any]:
        """Consume a trigger for views.open/push, enforcing single use and the 3-second expiry."""
        trig = self.triggers.get(trigger_id or "")
        if trig is None:
            raise ApiError("invalid_trigger_id")
        if trig["used"]:
            raise ApiError("trigger_exchanged")
        if time.monotonic() - trig["issued"] > self.trigger_ttl:
            raise ApiError("trigger_expired")
        trig["used"] = True
        return trig

    def issue_response_url(self, origin: dict[str, Any]) -> str:
        """A response_url pointing back at the emulator, remembering which request it belongs to."""
        rid = self.ids.next("R")
        with self.lock:
            self.response_urls[rid] = {**origin, "uses": 0}
        return f"{self.base_url}/response_url/{rid}"

    def take_fault(self, method: str) -> Fault | None:
        """Pop the next injected fault for `method`, if any."""
        with self.lock:
            queue = self.faults.get(method)
            return queue.popleft() if queue else None

    def violation(self, text: str) -> None:
        """Record a call that real Slack would accept but that this bot must never make."""
        with self.lock:
            self.violations.append(text)
