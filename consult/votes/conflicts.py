"""Conflicts between a paper ballot and a vote from a phone of one organisation on one question in a live session.

One vote per organisation: the latest cast counts, however it came in. But a paper ballot the office enters
after the organisation's delegate voted on their phone (or a phone vote after the paper ballot) may be a
mistake of either side, so the pair is written down as a `live_vote_conflict` row for the office to see and
confirm ("Gesehen, gilt"). Only casts in the same live session count (from its start on): a vote of the
online weeks is not a conflict, the live session ended that voting.

`live/` stands above `votes/`: the live tables are named here as lightweight tables, like
`consult.votes.live_gate` does (tests/live check they match the models)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, column, insert, select, table

from consult.core.db import UTCDateTime
from consult.votes.models import Channel, VoteCast

_cast = VoteCast.__table__
live_session = table("live_session", column("id"), column("started_at", UTCDateTime()))
live_vote_conflict = table(
    "live_vote_conflict",
    column("session_id"),
    column("organisation_id"),
    column("paragraph_id"),
    column("amendment_id"),
    column("earlier_cast_id"),
    column("later_cast_id"),
    column("detected_at", UTCDateTime()),
)


def _same_question(paragraph_id: int | None, amendment_id: int | None):
    if amendment_id is not None:
        return _cast.c.amendment_id == amendment_id
    if paragraph_id is not None:
        return and_(_cast.c.paragraph_id == paragraph_id, _cast.c.amendment_id.is_(None))
    return and_(_cast.c.paragraph_id.is_(None), _cast.c.amendment_id.is_(None))


def note_conflict(connection, session_id: int, cast_id: int, values: dict, now: datetime) -> bool:
    """After cast `cast_id` (its `values` as written to vote_cast) in live session `session_id`: when the
    organisation's previous cast on the same question in this session came in on paper and this one did
    not, or the reverse, write a conflict row naming both casts. Returns whether it did. One query, and
    one insert for a conflict. Call it under the draft's lock, in the vote's transaction."""
    previous = connection.execute(
        select(_cast.c.id, _cast.c.channel)
        .join(live_session, live_session.c.id == session_id)
        .where(
            _cast.c.draft_id == values["draft_id"],
            _cast.c.organisation_id == values["organisation_id"],
            _same_question(values["paragraph_id"], values["amendment_id"]),
            _cast.c.cast_at >= live_session.c.started_at,
            _cast.c.id < cast_id,
        )
        .order_by(_cast.c.id.desc())
        .limit(1)
    ).first()
    if previous is None:
        return False
    earlier_on_paper = previous.channel == Channel.PAPER
    if earlier_on_paper == (values["channel"] == Channel.PAPER):
        return False
    connection.execute(
        insert(live_vote_conflict).values(
            session_id=session_id,
            organisation_id=values["organisation_id"],
            paragraph_id=values["paragraph_id"],
            amendment_id=values["amendment_id"],
            earlier_cast_id=previous.id,
            later_cast_id=cast_id,
            detected_at=now,
        )
    )
    return True
