"""The office's side of paper ballots in a live session: what the chair's page shows of them (the paper
ballots of the open question, the conflicts between paper and phone), and the confirmation of a conflict.

The paper vote itself is written by `consult.votes.paper.enter_paper_ballot` (the one write path of every
vote), and its conflicts are detected there too (`consult.votes.conflicts`): this module only reads them
and lets the office confirm that it has seen one ("Gesehen, gilt": the later vote counts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import aliased

from consult.accounts.models import User
from consult.audit.services import record
from consult.core.refusals import AlreadyChanged, NotAllowed
from consult.extensions import db
from consult.live.models import AgendaItem, LiveSession, VoteConflict
from consult.live.permissions import can_chair
from consult.organisations.models import Organisation
from consult.votes.models import Channel, Vote, VoteCast

SEEN_ALREADY = _l("Someone else has confirmed this conflict already.")


@dataclass(frozen=True)
class PaperBallot:
    organisation: Organisation
    choice: str
    at: datetime
    entered_by: str | None


@dataclass(frozen=True)
class ConflictRow:
    conflict: VoteConflict
    earlier: VoteCast | None
    later: VoteCast | None
    counts: str | None  # the organisation's vote on record now (the later cast, unless a newer came)
    seen_by: str | None  # who confirmed it (None: not yet, or their account was deleted)


def _same_question(model, paragraph_id: int | None, amendment_id: int | None):
    if amendment_id is not None:
        return model.amendment_id == amendment_id
    if paragraph_id is not None:
        return and_(model.paragraph_id == paragraph_id, model.amendment_id.is_(None))
    return and_(model.paragraph_id.is_(None), model.amendment_id.is_(None))


def paper_ballots(session: LiveSession, item: AgendaItem | None) -> list[PaperBallot]:
    """The paper ballots entered on the open question in this session, newest first (one query)."""
    if item is None:
        return []
    rows = db.session.execute(
        select(VoteCast, Organisation, User.name)
        .join(Organisation, Organisation.id == VoteCast.organisation_id)
        .outerjoin(User, User.id == VoteCast.cast_by_id)
        .where(
            VoteCast.draft_id == session.draft_id,
            VoteCast.channel == Channel.PAPER,
            VoteCast.cast_at >= session.started_at,
            _same_question(VoteCast, item.paragraph_id, item.amendment_id),
        )
        .order_by(VoteCast.id.desc())
    ).all()
    return [PaperBallot(organisation, cast.choice.value, cast.cast_at, name) for cast, organisation, name in rows]


def conflicts(session: LiveSession) -> list[ConflictRow]:
    """The session's conflicts between paper and phone, those not yet confirmed first, then newest first."""
    earlier, later = aliased(VoteCast), aliased(VoteCast)
    rows = db.session.execute(
        select(VoteConflict, earlier, later, User.name)
        .outerjoin(earlier, earlier.id == VoteConflict.earlier_cast_id)
        .outerjoin(User, User.id == VoteConflict.confirmed_by_id)
        .outerjoin(later, later.id == VoteConflict.later_cast_id)
        .where(VoteConflict.session_id == session.id)
        .order_by(VoteConflict.confirmed_at.is_not(None), VoteConflict.id.desc())
    ).all()
    if not rows:
        return []
    on_record = {}
    for conflict, *_ in rows:
        key = (conflict.organisation_id, conflict.paragraph_id, conflict.amendment_id)
        if key not in on_record:
            on_record[key] = db.session.scalar(
                select(Vote.choice).where(
                    Vote.draft_id == session.draft_id,
                    Vote.organisation_id == conflict.organisation_id,
                    _same_question(Vote, conflict.paragraph_id, conflict.amendment_id),
                )
            )
    return [
        ConflictRow(
            conflict,
            first,
            second,
            getattr(on_record[(conflict.organisation_id, conflict.paragraph_id, conflict.amendment_id)], "value", None),
            seen_by,
        )
        for conflict, first, second, seen_by in rows
    ]


def confirm_conflict(user, session: LiveSession, conflict: VoteConflict, now: datetime) -> None:
    """The office confirms it has seen a conflict ("Gesehen, gilt"): the later vote counts, as it already
    does; the confirmation (who, when) is kept on the row and in the audit log.

    Once per conflict: a conditional update, so two people confirming at once leave one confirmation (the
    second is told). Refuses anybody but the office."""
    if not can_chair(user):
        raise NotAllowed(_l("Only the board and the moderators confirm vote conflicts."))
    table = VoteConflict.__table__
    result = db.session.execute(
        update(table)
        .where(table.c.id == conflict.id, table.c.confirmed_at.is_(None))
        .values(confirmed_by_id=user.id, confirmed_at=now)
    )
    assert isinstance(result, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    if result.rowcount != 1:
        raise AlreadyChanged(SEEN_ALREADY)
    db.session.expire(conflict)
    record(
        user,
        "live.conflict_seen",
        f"live_vote_conflict:{conflict.id}",
        now,
        draft_id=session.draft_id,
        organisation_id=conflict.organisation_id,
        paragraph_id=conflict.paragraph_id,
        amendment_id=conflict.amendment_id,
    )


@dataclass(frozen=True)
class PaperPanel:
    """What the chair's page shows of paper ballots: the open question (None: nothing to enter a ballot on),
    its paper ballots, and the session's conflicts (`waiting`: not yet confirmed; `version`: see
    `conflicts_version`)."""

    item: AgendaItem | None
    ballots: list[PaperBallot]
    conflicts: list[ConflictRow]
    version: str

    @property
    def waiting(self) -> int:
        return sum(1 for row in self.conflicts if row.conflict.confirmed_at is None)


def paper_panel(session: LiveSession, item: AgendaItem | None, *, conflicts_only: bool = False) -> PaperPanel:
    ballots = [] if conflicts_only else paper_ballots(session, item)
    return PaperPanel(item, ballots, conflicts(session), conflicts_version(session.id))


def conflicts_version(session_id: int) -> str:
    """What the chair's list of conflicts shows, in a few characters (how many, how many confirmed, the newest):
    the list asks every 2 s with the version it has and gets `204 No Content` while it is the same (one query)."""
    count, confirmed, newest = db.session.execute(
        select(func.count(VoteConflict.id), func.count(VoteConflict.confirmed_at), func.max(VoteConflict.id)).where(
            VoteConflict.session_id == session_id
        )
    ).one()
    return f"{count}-{confirmed}-{newest or 0}"
