"""Casting an organisation's vote: one current vote per question, every cast kept."""

from __future__ import annotations

import enum
from datetime import datetime
from functools import lru_cache
from typing import Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite

from consult.accounts.permissions import speaks_for_member_organisation
from consult.amendments.models import Amendment, AmendmentStatus
from consult.amendments.queries import amendment_round
from consult.core.refusals import InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.locks import lock_open_draft
from consult.drafts.models import Draft, ParagraphText, Phase
from consult.drafts.permissions import can_view_draft, phase_is_open
from consult.drafts.queries import CurrentText, DraftState
from consult.drafts.services import current_text, is_heading
from consult.extensions import db
from consult.votes.conflicts import note_conflict
from consult.votes.live_gate import live_gate
from consult.votes.models import Channel, Choice, Vote, VoteCast
from consult.votes.proxy_gate import check_own_vote


class _LookUp(enum.Enum):
    """`cast_vote`'s default `text`: the paragraph's current text is read (None means "no text")."""

    LOOK_UP = enum.auto()


CLOSED = _l("Voting is not possible now: this draft is not open for votes.")
AMENDMENTS_FIRST = _l(
    "The amendments are voted on first; then come the new version and the votes on the paragraphs and the whole text."
)
NOT_PUT_TO_VOTE = _l("This amendment is not put to the vote.")
_vote, _cast = Vote.__table__, VoteCast.__table__
_HISTORY = insert(_cast).returning(_cast.c.id)


# The kinds of question, each with the columns of its unique index and the index's condition.
_QUESTIONS = {
    "paragraph": (["organisation_id", "paragraph_id"], _vote.c.paragraph_id.is_not(None)),
    "amendment": (["organisation_id", "amendment_id"], _vote.c.amendment_id.is_not(None)),
    "whole": (["organisation_id", "draft_id"], _vote.c.paragraph_id.is_(None) & _vote.c.amendment_id.is_(None)),
}


def question_kind(paragraph_id: int | None, amendment_id: int | None) -> str:
    return "amendment" if amendment_id is not None else "paragraph" if paragraph_id is not None else "whole"


@lru_cache(maxsize=None)
def _upsert(dialect: str, kind: str):
    """The upsert of a vote, built once per database and kind of question (its cache key is then computed once).

    One statement, so parallel casts from several processes leave one vote. It returns
    the choice on record when this cast was recorded, and nothing when it was not."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_vote)
    columns, condition = _QUESTIONS[kind]
    return statement.on_conflict_do_update(
        index_elements=columns,
        index_where=condition,
        set_={
            "choice": statement.excluded.choice,
            "cast_by_id": statement.excluded.cast_by_id,
            "cast_at": statement.excluded.cast_at,
            "channel": statement.excluded.channel,
            "via_organisation_id": statement.excluded.via_organisation_id,
        },
        # Two casts in flight may commit in the other order than they were made:
        # the vote on record is the latest cast, whichever commits last.
        where=_vote.c.cast_at <= statement.excluded.cast_at,
    ).returning(_vote.c.choice)


def _choice_on_record(
    connection, draft_id: int, paragraph_id: int | None, amendment_id: int | None, organisation_id: int
) -> Choice:
    return connection.execute(
        select(_vote.c.choice).where(
            _vote.c.draft_id == draft_id,
            _vote.c.organisation_id == organisation_id,
            question_filter(paragraph_id, amendment_id),
        )
    ).scalar_one()


def question_filter(paragraph_id: int | None, amendment_id: int | None = None):
    """The votes of one question: a paragraph, an amendment, or (both None) the whole draft."""
    if amendment_id is not None:
        return _vote.c.amendment_id == amendment_id
    if paragraph_id is not None:
        return _vote.c.paragraph_id == paragraph_id
    return _vote.c.paragraph_id.is_(None) & _vote.c.amendment_id.is_(None)


def cast_vote(
    user,
    draft: Draft | DraftState,
    paragraph_id: int | None,
    choice: Choice,
    now: datetime,
    *,
    text: CurrentText | ParagraphText | None | Literal[_LookUp.LOOK_UP] = _LookUp.LOOK_UP,
    amendment: Amendment | None = None,
) -> Choice:
    """Set the organisation's vote on a paragraph (or, with None, on the whole draft), or with `amendment`
    on that amendment (`paragraph_id` then None): only one put to the vote (`AmendmentStatus.PUT_TO_VOTE`).

    Refuses people who do not speak for an active member organisation, a draft
    outside its voting phase or past its voting deadline, a paragraph or the whole draft during the
    amendment round (`consult.amendments.queries.amendment_round`: the amendments are voted on first) (checked again as
    the vote is written,
    under the draft's lock: `consult.drafts.locks`), and while the draft has an active live session any
    question but the one the chair has opened (`consult.votes.live_gate.live_refusal`) and any vote of an
    organisation whose proxy another organisation holds (`consult.votes.proxy_gate`), a paragraph that is
    not in the draft's current version, and headings. A later cast by any delegate of the same
    organisation replaces the vote; each cast is kept in VoteCast, and the draft's tally revision
    is raised in the same transaction. The upsert is a single statement, so parallel casts
    from several processes leave one vote. `text` is the paragraph as it reads in the current
    version, when the caller has read it already (`consult.drafts.queries.draft_and_text`).
    Returns the organisation's choice on record: this cast's, unless a later cast of the
    organisation was recorded first.
    """
    if not speaks_for_member_organisation(user) or not can_view_draft(user, draft):
        raise NotAllowed(_l("Only delegates of member organisations can vote."))
    if not phase_is_open(draft, Phase.VOTING, now):
        raise PhaseClosed(CLOSED)
    if amendment is not None:
        if paragraph_id is not None or amendment.draft_id != draft.id:
            raise InvalidInput(_l("This amendment does not belong to this draft."))
        if amendment.status != AmendmentStatus.PUT_TO_VOTE:
            raise PhaseClosed(NOT_PUT_TO_VOTE)
        text = None
    if text is _LookUp.LOOK_UP:
        text = current_text(draft, paragraph_id) if paragraph_id is not None else None
    if paragraph_id is not None and text is None:
        raise InvalidInput(_l("This paragraph does not belong to this draft."))
    if text is not None and is_heading(text.text):
        raise InvalidInput(_l("Headings are not put to the vote."))
    amendment_id = amendment.id if amendment is not None else None
    # In a live session, not while the organisation's vote is in another's hand (`consult.votes.proxy_gate`).
    return write_vote(
        user,
        draft.id,
        paragraph_id,
        amendment_id,
        user.organisation_id,
        choice,
        now,
        check=check_own_vote(user.organisation_id),
    )


def write_vote(
    user,
    draft_id: int,
    paragraph_id: int | None,
    amendment_id: int | None,
    organisation_id: int,
    choice: Choice,
    now: datetime,
    *,
    channel: Channel | None = None,
    via_organisation_id: int | None = None,
    check=None,
) -> Choice:
    """Write the vote of `organisation_id` on one question, cast by `user`, after the checks every vote
    passes under the draft's lock: the voting phase open at `now`, the amendment round, and the live
    session's open question (`consult.votes.live_gate`). The callers check who may cast it first
    (`cast_vote`: a delegate for their own organisation; a proxy's holder; the office's paper ballot).

    `channel` None is `Channel.LIVE` while the draft has an active live session, else `Channel.ONLINE`.
    `check(session_id)`, when given, runs under the lock too (after the live session's rules; `session_id`
    is the active session's or None) and may raise a Refusal: a proxy still in force, for example.
    In a live session, a cast on paper after the organisation's cast from a phone on the same question in
    that session, or the reverse, is also written down as a conflict for the office (`consult.votes.conflicts`);
    the later cast counts all the same.
    Returns the organisation's choice on record (see `cast_vote`)."""
    values = {
        "draft_id": draft_id,
        "paragraph_id": paragraph_id,
        "amendment_id": amendment_id,
        "organisation_id": organisation_id,
        "choice": choice,
        "cast_by_id": user.id,
        "cast_at": now,
    }
    # The vote is written only while voting is still open at this moment: the draft row is locked
    # (and its tally revision raised) first, so an adoption or phase change cannot come in between.
    lock_open_draft(draft_id, Phase.VOTING, now, CLOSED, tally=True)
    # Read under the lock: the step into voting puts amendments to the vote under the same lock.
    if amendment_id is None and amendment_round(draft_id):
        raise PhaseClosed(AMENDMENTS_FIRST)
    # A live session ends the online voting: only its open question takes votes (read under the same lock,
    # which the chair's open and close take too).
    session_id, refusal = live_gate(draft_id, paragraph_id, amendment_id, now)
    if refusal is not None:
        raise PhaseClosed(refusal)
    if check is not None:
        check(session_id)
    if channel is None:
        channel = Channel.LIVE if session_id is not None else Channel.ONLINE
    values["channel"], values["via_organisation_id"] = channel, via_organisation_id
    # Core statements on the session's connection and transaction: no objects to load or flush.
    connection = db.session.connection()
    on_record = connection.execute(
        _upsert(connection.dialect.name, question_kind(paragraph_id, amendment_id)), values
    ).scalar()
    cast_id = connection.execute(_HISTORY, values).scalar_one()
    if session_id is not None:
        # A paper ballot after a phone vote of the organisation in this session, or the reverse: a conflict
        # the office confirms (the later cast counts all the same).
        note_conflict(connection, session_id, cast_id, values, now)
    if on_record is None:
        on_record = _choice_on_record(connection, draft_id, paragraph_id, amendment_id, organisation_id)
    return on_record
