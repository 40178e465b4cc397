"""Which question a live session leaves open for votes: the one rule the vote service and the pages share.

While a draft has an active live session (`consult.live`), the online voting of the phase is over:
a vote counts only on the question whose agenda item the chair has opened (and whose countdown, if
any, has not run out). `live/` stands above `votes/`, so this module does not import its models: it
names the few columns it reads as lightweight tables, (tests/live checks they match the models)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, column, or_, select, table

from consult.core.db import UTCDateTime
from consult.extensions import db

live_session = table("live_session", column("id"), column("draft_id"), column("ended_at", UTCDateTime()))
agenda_item = table(
    "agenda_item",
    column("session_id"),
    column("paragraph_id"),
    column("amendment_id"),
    column("state"),
    column("closes_at", UTCDateTime()),
)

NOTHING_OPEN = _l(
    "In the live session only the question the chair has opened can be voted on; no question is open now."
)
NOT_YET = _l("This question is not open yet in the live session: wait until the chair opens it.")
CLOSED = _l("This question is closed in the live session.")
NOT_ON_AGENDA = _l("This question is not on the agenda of the live session.")


def _question(paragraph_id: int | None, amendment_id: int | None):
    if amendment_id is not None:
        return agenda_item.c.amendment_id == amendment_id
    if paragraph_id is not None:
        return and_(agenda_item.c.paragraph_id == paragraph_id, agenda_item.c.amendment_id.is_(None))
    return and_(agenda_item.c.paragraph_id.is_(None), agenda_item.c.amendment_id.is_(None))


def live_refusal(draft_id: int, paragraph_id: int | None, amendment_id: int | None, now: datetime):
    """Why a vote on this question is refused by the draft's live session, or None when it is not.

    None when the draft has no active live session (the online rules apply alone) or when the
    question's agenda item is open and its countdown has not run out. One query."""
    return live_gate(draft_id, paragraph_id, amendment_id, now)[1]


def live_gate(draft_id: int, paragraph_id: int | None, amendment_id: int | None, now: datetime):
    """(the id of the draft's active live session or None, why a vote on this question is refused or None):
    see `live_refusal`. One query."""
    row = db.session.execute(
        select(agenda_item.c.state, agenda_item.c.closes_at, live_session.c.id)
        .select_from(
            live_session.outerjoin(
                agenda_item, and_(agenda_item.c.session_id == live_session.c.id, _question(paragraph_id, amendment_id))
            )
        )
        .where(live_session.c.draft_id == draft_id, live_session.c.ended_at.is_(None))
    ).first()
    if row is None:
        return None, None
    state, closes_at, session_id = row
    if state == "open":
        return session_id, None if closes_at is None or closes_at > now else CLOSED
    if state == "closed":
        return session_id, CLOSED
    if state == "waiting":
        return session_id, NOT_YET if _anything_open(session_id, now) else NOTHING_OPEN
    return session_id, NOT_ON_AGENDA


def _anything_open(session_id: int, now: datetime) -> bool:
    return db.session.execute(
        select(
            select(agenda_item.c.session_id)
            .where(
                agenda_item.c.session_id == session_id,
                agenda_item.c.state == "open",
                or_(agenda_item.c.closes_at.is_(None), agenda_item.c.closes_at > now),
            )
            .exists()
        )
    ).scalar_one()


def live_session_active(draft_id: int) -> bool:
    """Whether the draft has an active live session: then the online voting is over and the draft page
    offers no vote buttons, only the way to the live session's page (one query)."""
    return db.session.execute(
        select(
            select(live_session.c.id)
            .where(live_session.c.draft_id == draft_id, live_session.c.ended_at.is_(None))
            .exists()
        )
    ).scalar_one()
