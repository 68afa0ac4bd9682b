"""Who is inside an installation's organisation (Slack Connect safety), decided from ids alone."""

from __future__ import annotations

import pytest

from bot.spec.orgs import Affiliation, Home, affiliation_of_user, is_insider

WORKSPACE = Home(team_id="T1")  # a standalone workspace's install
GRID_WORKSPACE = Home(team_id="T1", enterprise_id="E1")  # one workspace of a Grid org, installed alone
ORG = Home(team_id=None, enterprise_id="E1", org_install=True)  # the whole org


@pytest.mark.parametrize(
    ("person", "home", "inside"),
    [
        (Affiliation(team_id="T1"), WORKSPACE, True),
        (Affiliation(team_id="T9"), WORKSPACE, False),  # another company's workspace, through Slack Connect
        (Affiliation(enterprise_id="E9"), WORKSPACE, False),  # a Grid org's member, in a standalone workspace
        (Affiliation(), WORKSPACE, None),  # Slack left user_team out: users.info decides
        (Affiliation(team_id="T1"), GRID_WORKSPACE, True),
        (Affiliation(team_id="T2"), GRID_WORKSPACE, None),  # maybe a sister workspace of the org: look up
        (Affiliation(team_id="T2", enterprise_id="E1"), GRID_WORKSPACE, True),
        (Affiliation(team_id="T9", enterprise_id="E9"), GRID_WORKSPACE, False),
        (Affiliation(team_id="T2", enterprise_id="E1"), ORG, True),  # any workspace of the org
        (Affiliation(enterprise_id="E9"), ORG, False),
        (Affiliation(team_id="T2"), ORG, None),  # a team alone doesn't say which org: look up
        (Affiliation(team_id="T1", stranger=True), WORKSPACE, False),
        (Affiliation(team_id="T1"), Home(), None),  # nothing known about the installation: never a guess
    ],
)
def test_is_insider(person: Affiliation, home: Home, inside: bool | None) -> None:
    assert is_insider(person, home) is inside


def test_an_enterprise_id_in_a_team_field_is_read_as_the_org() -> None:
    # app_mention's user_team holds the enterprise id for some Grid users (bolt-python's internals note it).
    assert Affiliation.of_id("E1") == Affiliation(team_id=None, enterprise_id="E1")
    assert Affiliation.of_id("T1", "E1") == Affiliation(team_id="T1", enterprise_id="E1")
    assert not Affiliation.of_id(None).known and not Affiliation.of_id("").known


def test_affiliation_from_users_info() -> None:
    grid_user = {"id": "W1", "team_id": "T2", "enterprise_user": {"id": "W1", "enterprise_id": "E1", "teams": ["T2"]}}
    assert affiliation_of_user(grid_user) == Affiliation(team_id="T2", enterprise_id="E1")
    assert affiliation_of_user({"id": "U1", "profile": {"team": "T1"}}) == Affiliation(team_id="T1")
    stranger = affiliation_of_user({"id": "U9", "team_id": "T9", "is_stranger": True})
    assert stranger.stranger and is_insider(stranger, WORKSPACE) is False
    assert is_insider(affiliation_of_user(grid_user), ORG) is True
