"""Reading the proxies of a live session for its pages: the delegate's (hand over, withdraw, the votes they
cast for others) and the office's (confirm, withdraw)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consult.accounts.permissions import speaks_for_member_organisation
from consult.extensions import db
from consult.live.models import AgendaItem, LiveSession, Proxy
from consult.live.queries import member_organisations
from consult.votes.permissions import can_vote_on_question
from consult.votes.queries import amendment_choices_of, choices_of


def session_proxies(session_id: int) -> list[Proxy]:
    """The session's proxies not withdrawn, with both organisations, in the order they were asked for."""
    return list(
        db.session.scalars(
            select(Proxy)
            .where(Proxy.session_id == session_id, Proxy.withdrawn_at.is_(None))
            .options(joinedload(Proxy.organisation), joinedload(Proxy.holder))
            .order_by(Proxy.requested_at, Proxy.id)
        )
    )


def _choice(organisation_id: int, draft_id: int, item: AgendaItem) -> str | None:
    if item.amendment_id is not None:
        return amendment_choices_of(organisation_id, draft_id, item.amendment_id).get(item.amendment_id)
    return choices_of(organisation_id, draft_id, item.paragraph_id).get(item.paragraph_id)


def proxy_context(user, draft, live: LiveSession | None, item: AgendaItem | None, chair: bool, now) -> dict:
    """What templates/live/_proxies.html and _proxy_votes.html show the person:

    - `rows`: the session's proxies not withdrawn (the office sees all; a delegate those their organisation
      gave or holds);
    - `given`: the proxy the person's organisation gave (waiting or in force), or None;
    - `candidates`: the organisations a delegate may hand the vote to (the other active members), when
      their organisation gave none and holds none;
    - `boxes`: on the open question, per proxy in force the person's organisation holds, the giver, its
      choice on record and whether the person can vote now."""
    empty = {"rows": [], "given": None, "candidates": [], "boxes": [], "limit": draft.live_proxy_limit}
    if live is None:
        return empty
    rows = session_proxies(live.id)
    if chair:
        return {**empty, "rows": rows}
    if not speaks_for_member_organisation(user):
        return empty
    own = user.organisation_id
    mine = [p for p in rows if own in (p.organisation_id, p.holder_id)]
    given = next((p for p in mine if p.organisation_id == own), None)
    holds = [p for p in mine if p.holder_id == own]
    candidates = [] if given or holds else [o for o in member_organisations() if o.id != own]
    boxes = []
    in_force = [p for p in holds if p.confirmed_at is not None]
    if item is not None and in_force:
        can = can_vote_on_question(user, draft, item.paragraph_id, item.amendment_id, now)
        boxes = [
            {"proxy": p, "giver": p.organisation, "choice": _choice(p.organisation_id, draft.id, item), "can_vote": can}
            for p in in_force
        ]
    return {**empty, "rows": mine, "given": given, "candidates": candidates, "boxes": boxes}
