"""Slack Connect safety: only members of the installing organisation start or steer techspec's work.

In a channel shared with another organisation, a mention, the shortcut, `/techspec`, a button or the
answers form from someone of the other organisation is refused privately, before anything is read.
Their plain replies in a session's thread are still recorded as answers (everyone in the channel sees
them anyway), but they can never start, go ahead, revise, regenerate, cancel or forget.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.slack import texts
from bot.spec.orgs import Affiliation, Home, affiliation_of_user, is_insider
from bot.store.caches import Memberships
from bot.wiring import Runtime

log = logging.getLogger(__name__)
# How the refusal names the installing organisation when Slack gave no name for it.
SOMEONE_ELSE = "the organisation that installed it"


@dataclass(frozen=True)
class Asker:
    """Who asked for something, and which installation (tenant) received the request."""

    user_id: str
    person: Affiliation  # what the payload's fields say about the person's organisation
    home: Home  # the installation's workspace / org
    scope: str  # the tenant's scope (bot.spec.tenancy.TenantRef.scope): whose cache remembers the answer
    home_name: str = ""


def outsider_refusal(rt: Runtime, asker: Asker) -> str | None:
    """The private refusal for someone outside the installation's organisation; None for a member."""
    if is_inside(rt, asker):
        return None
    log.info("refused a request from outside the installation's organisation")
    return texts.outsider_refusal(asker.home_name or SOMEONE_ELSE)


def is_inside(rt: Runtime, asker: Asker) -> bool:
    """True for a member of the installation's organisation: the payload's fields first, then users.info
    (cached a day per tenant and person). Whoever Slack won't describe is treated as outside."""
    verdict = is_insider(asker.person, asker.home)
    if verdict is not None:
        return verdict
    cache = Memberships(rt.redis)
    cached = cache.get(asker.scope, asker.user_id)
    if cached is not None:
        return cached
    record = rt.slack.user_record(asker.user_id)
    if record is None:
        return False  # not cached: Slack may answer next time (a rate limit, a blip)
    inside = bool(is_insider(affiliation_of_user(record), asker.home))
    cache.put(asker.scope, asker.user_id, inside)
    return inside
