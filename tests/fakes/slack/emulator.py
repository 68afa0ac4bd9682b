"""SlackEmulator: a real local HTTP server standing in for Slack's Web API and event delivery."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import payloads
from .accounts import Installation
from .activity import ActivityMixin
from .delivery import Deliverer
from .inspection import InspectionMixin
from .models import Fault
from .server import EmulatorHTTPServer
from .store import Channel
from .tenants import TenantsMixin
from .tiers import ReplyPacer
from .workspace import Identity, Workspace

if TYPE_CHECKING:
    from .handle import WorkspaceHandle
    from .socket_mode import SocketModeRelay


class SlackEmulator(TenantsMixin, ActivityMixin, InspectionMixin):
    """Slack for tests: Web API at `api_url`, signed deliveries to `events_url`, state inspection.

    One emulator is one Slack app seen by many workspaces: `emu.ws` is the default workspace (installed
    with the fixed `bot_token`); `add_workspace`/`add_org` add more behind the same `api_url` (tenants.py).
    """

    def __init__(
        self,
        signing_secret: str = "s3cr3t",
        bot_token: str = "xoxb-test-token",
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        team_domain: str = "acme",
        *,
        team_name: str | None = None,
        bot_name: str = "techspec",
        app_id: str = "A0TECHSPEC",
    ) -> None:
        self.signing_secret = signing_secret
        self.bot_token = bot_token
        team = team_name or team_domain.capitalize()
        ident = Identity(team_id, team_domain, team, bot_user_id, bot_id, bot_name, app_id, bot_token, signing_secret)
        self.ws = Workspace(ident)
        self._init_tenancy()  # the default workspace, installed with the fixed bot token (tenants.py)
        self.events_url: str | None = None
        self.socket_mode: SocketModeRelay | None = None  # set by a Socket Mode test (socket_mode.py)
        self.deliver_bot_events = True
        self.retry_policy = "none"  # or "slack"
        self.retry_delays: list[float] = [0.5, 1.0, 2.0]
        self.delivery_timeout = 3.0  # Slack gives up on an unanswered request after 3 s
        self.share_delay = 0.3
        self.latency = 0.0
        self.method_latency: dict[str, float] = {}
        # Seconds to hold a method's answer AFTER it took effect (e.g. a message visible to people while
        # the bot still waits for chat.postMessage to return): for races between the bot and people.
        self.answer_latency: dict[str, float] = {}
        self.deliverer = Deliverer(self)
        # conversations.replies at "normal" (Tier 3) or "limited" (a non-Marketplace app: 15 a page,
        # one call a window per workspace, 429 + Retry-After past it); tiers.py.
        self.replies_tier = "normal"
        self.limited_window_seconds = 60.0
        self.reply_pacer = ReplyPacer()
        self.server_errors: list[BaseException] = []  # exceptions raised by handlers (emulator bugs)
        self.background_errors: list[BaseException] = []  # exceptions from echo events, retries, shares
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> SlackEmulator:
        """Bind 127.0.0.1 on an ephemeral port and serve in a daemon thread."""
        if self._server is None:
            self._server = EmulatorHTTPServer(self)
            for ws in self.tenancy.workspaces.values():
                ws.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-emulator", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cancel background work (pending retries and shares are dropped)."""
        self.deliverer.stop()
        # A fresh deliverer lets the emulator be started again; old background threads see their own stop flag.
        self.deliverer = Deliverer(self)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The server root, e.g. http://127.0.0.1:<port> (empty before start())."""
        return self.ws.base_url

    @property
    def trigger_ttl(self) -> float:
        """Seconds a trigger_id stays usable (Slack: 3)."""
        return self.ws.trigger_ttl

    @trigger_ttl.setter
    def trigger_ttl(self, value: float) -> None:
        """Shorten or lengthen trigger validity (e.g. -1 makes every trigger already expired)."""
        self.ws.trigger_ttl = value

    @property
    def api_url(self) -> str:
        """The WebClient base_url, with the trailing slash slack_sdk expects."""
        if not self.ws.base_url:
            raise RuntimeError("call SlackEmulator.start() first")
        return f"{self.ws.base_url}/api/"

    # -- workspace set-up (no events) ---------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str | None = None,
        display_name: str | None = None,
        is_bot: bool = False,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
    ) -> dict[str, Any]:
        """Add a user that users.info will return (is_admin/is_owner as Slack sets them for workspace admins)."""
        return copy.deepcopy(
            self.ws.add_user(user_id, name, real_name, display_name, is_bot, is_admin=is_admin, is_owner=is_owner)
        )

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: list[str] | None = None,
        is_private: bool = False,
        is_archived: bool = False,
        is_im: bool = False,
    ) -> Channel:
        """Add a conversation; include the bot user id in `members` to make the bot a member."""
        chan = Channel(
            channel_id,
            name,
            list(dict.fromkeys(members or [])),
            is_private,
            is_archived,
            is_im,
            created=int(time.time()),
        )
        with self.ws.lock:
            self.ws.channels[channel_id] = chan
        return chan

    def add_member(self, channel: str, user: str) -> None:
        """Add a user to a conversation (no channel_join event is sent)."""
        with self.ws.lock:
            chan = self.ws.channel(channel)
            if user not in chan.members:
                chan.members.append(user)

    def remove_member(self, channel: str, user: str) -> None:
        """Remove a user from a conversation (no channel_leave event is sent)."""
        with self.ws.lock:
            chan = self.ws.channel(channel)
            chan.members = [m for m in chan.members if m != user]

    def archive_channel(self, channel: str, archived: bool = True) -> None:
        """Archive (or unarchive) a conversation."""
        with self.ws.lock:
            self.ws.channel(channel).is_archived = archived

    def seed_message(
        self,
        channel: str,
        user: str,
        text: str,
        thread_ts: str | None = None,
        files: list[dict[str, Any]] | None = None,
        subtype: str | None = None,
        bot_id: str | None = None,
        ts: str | None = None,
    ) -> str:
        """Store a message without delivering any event; returns its ts."""
        _, msg = self.ws.human_message(
            channel, user, text, thread_ts=thread_ts, files=files, subtype=subtype, bot_id=bot_id, ts=ts
        )
        return str(msg["ts"])

    # -- faults -------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        count: int = 1,
        http_status: int = 200,
        retry_after: int | None = None,
        *,
        team_id: str | None = None,
    ) -> None:
        """Make the next `count` calls of `method` fail (429 + Retry-After, 5xx HTML, or 200 ok:false);
        with team_id, only calls served by that workspace (after the token is checked)."""
        with self.ws.lock:
            queue = self.ws.faults.setdefault(f"{method}@{team_id}" if team_id else method, deque())
            queue.extend(Fault(error, http_status, retry_after) for _ in range(count))

    def clear_faults(self) -> None:
        """Drop pending faults and reset latency settings."""
        with self.ws.lock:
            self.ws.faults.clear()
        self.latency = 0.0
        self.method_latency.clear()
        self.answer_latency.clear()

    # -- background work ----------------------------------------------------------------------------

    def served(
        self, ws: Workspace, installation: Installation | None = None, token: str | None = None
    ) -> WorkspaceHandle:
        """This emulator acting in workspace `ws` (for one request: with the caller's install and token)."""
        from .handle import WorkspaceHandle

        return WorkspaceHandle(getattr(self, "root", self), ws, installation, token)

    def emit_bot_event(self, chan: Channel, event: dict[str, Any]) -> None:
        """Echo an event caused by the bot's own call back to it, asynchronously, as Slack does."""
        if not self.deliver_bot_events or not self.events_url or not chan.is_member(self.ws.ident.bot_user_id):
            return
        if self.ws.installation is None:
            return
        body = payloads.envelope(self.ws, event)
        raw = json.dumps(body).encode()
        self.deliverer.enqueue(lambda: self.deliverer.deliver_event(raw, body["event_id"]))

    def schedule(self, delay: float, job: Callable[[], object]) -> None:
        """Run `job` after `delay` seconds on a background thread (tracked by wait_idle)."""
        self.deliverer.schedule(delay, job)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until echo events, retries and pending file shares are all done; False on timeout."""
        return self.deliverer.wait_idle(timeout)
