"""Who is inside an installation's organisation: the one decision behind Slack Connect safety.

A channel shared with another organisation (Slack Connect) has members of both. Only members of the
organisation that installed techspec may start or steer its work there: anyone else would read (or
make the bot read) the installing organisation's threads, or spend its budget. Pure: the listeners
extract the fields, the flow looks people up when the payload can't tell.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Affiliation(BaseModel):
    """The workspace and Enterprise Grid org a person (or an installation) belongs to, as far as known."""

    team_id: str | None = None
    enterprise_id: str | None = None
    # users.info says is_stranger for someone from an organisation the workspace isn't connected with.
    stranger: bool = False

    @classmethod
    def of_id(cls, team_or_enterprise: str | None, enterprise_id: str | None = None) -> Affiliation:
        """From a team field that may hold an enterprise id (Slack puts one in `user_team` of Grid users)."""
        value = team_or_enterprise or None
        if value is not None and value.startswith("E"):
            return cls(team_id=None, enterprise_id=value)
        return cls(team_id=value, enterprise_id=enterprise_id or None)

    @property
    def known(self) -> bool:
        """True when anything at all is known."""
        return bool(self.team_id or self.enterprise_id or self.stranger)


class Home(BaseModel):
    """The installation: its workspace (for a workspace install), its org, and whether it is org-wide."""

    team_id: str | None = None
    enterprise_id: str | None = None
    org_install: bool = False


def is_insider(person: Affiliation, home: Home) -> bool | None:
    """True inside the installation's organisation, False outside, None when the fields can't tell
    (then users.info decides: team_id and enterprise_user.enterprise_id)."""
    if person.stranger:
        return False
    if home.enterprise_id and person.enterprise_id:
        # Grid: the organisation is the enterprise, whichever of its workspaces the person is in.
        return person.enterprise_id == home.enterprise_id
    if not home.org_install and home.team_id and person.team_id == home.team_id:
        return True  # the installing workspace itself (never a guess: both ids are Slack's)
    if home.enterprise_id is None and person.enterprise_id:
        return False  # a Grid user, and this install is on a workspace outside any Grid org
    if home.enterprise_id is None and home.team_id and person.team_id:
        return False  # two different standalone workspaces are two organisations
    return None


def affiliation_of_user(user: dict[str, Any]) -> Affiliation:
    """A person's affiliation from users.info's `user` object."""
    enterprise = (user.get("enterprise_user") or {}).get("enterprise_id")
    team = user.get("team_id") or (user.get("profile") or {}).get("team")
    found = Affiliation.of_id(str(team) if team else None, str(enterprise) if enterprise else None)
    return found.model_copy(update={"stranger": bool(user.get("is_stranger"))})
