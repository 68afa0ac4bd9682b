"""A workspace handle: the whole SlackEmulator API, acting in one workspace of a multi-workspace emulator."""

from __future__ import annotations

from typing import Any

from .accounts import Installation
from .emulator import SlackEmulator
from .models import RecordedCall
from .workspace import Workspace


class WorkspaceHandle(SlackEmulator):
    """`emu.add_workspace(...)` returns one; Web API handlers get one per request (with the caller's install).

    Everything but `ws` (and `installation`) is the root emulator's: settings such as `events_url` or
    `latency` read and write through to it, so a handle never holds a stale copy.
    """

    _OWN = frozenset({"_root", "ws", "installation", "token"})

    def __init__(
        self, root: SlackEmulator, ws: Workspace, installation: Installation | None = None, token: str | None = None
    ) -> None:
        # Deliberately no super().__init__(): all other state is the root's. `installation` and `token`
        # are the caller's when a Web API request is being served.
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "ws", ws)
        object.__setattr__(self, "installation", installation)
        object.__setattr__(self, "token", token)

    def __getattr__(self, name: str) -> Any:
        """Anything not on the handle comes from the root emulator."""
        return getattr(object.__getattribute__(self, "_root"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        """Settings are the root's: write them there (properties such as trigger_ttl act on this workspace)."""
        if name in self._OWN or isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)
        else:
            setattr(self._root, name, value)

    def __repr__(self) -> str:
        return f"<WorkspaceHandle {self.team_id} ({self.ws.ident.team_domain})>"

    # -- identity -----------------------------------------------------------------------------------

    @property
    def root(self) -> SlackEmulator:
        """The emulator this workspace belongs to."""
        return self._root

    @property
    def team_id(self) -> str:
        """This workspace's team id."""
        return self.ws.ident.team_id

    @property
    def enterprise_id(self) -> str | None:
        """The Grid org of this workspace, if any."""
        return self.ws.ident.enterprise_id

    @property
    def bot_token(self) -> str:
        """The newest access token of the install that reaches this workspace ("" when not installed)."""
        inst = self.ws.installation
        return inst.token if inst is not None and inst.active else ""

    @property
    def bot_user_id(self) -> str:
        """The bot user as people of this workspace see it."""
        return self.ws.ident.bot_user_id

    # -- lifecycle: the root's ----------------------------------------------------------------------

    def start(self) -> SlackEmulator:
        """Start the root emulator."""
        return self._root.start()

    def stop(self) -> None:
        """Stop the root emulator."""
        self._root.stop()

    # -- records: this workspace's by default -------------------------------------------------------

    def calls(self, method: str, team_id: str | None = None, *, token: str | None = None) -> list[RecordedCall]:
        """Recorded calls of one method served by this workspace (pass team_id to look at another)."""
        return self._root.calls(method, team_id or self.team_id, token=token)
