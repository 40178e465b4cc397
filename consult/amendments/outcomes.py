"""The organisations' vote decides the amendments put to it (issue 15, points 4-6), when the board moves
the draft from its voting phase back to editing.

A single amendment is accepted when its question met the draft's majority rule, else rejected. An
alternatives set is decided in its voting order, as assemblies do: the first alternative that passed
wins, the ones before it are rejected, the ones after it lapse (they are settled by the winner, whatever
their own figures). So at most one amendment of a set is accepted, and the next version never meets a
collision between them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from consult.amendments.models import Amendment, AmendmentStatus, DecidedHow, LapseReason
from consult.audit.services import record
from consult.drafts.models import AmendmentProcedure, Draft, Phase
from consult.extensions import db
from consult.results.queries import results


def put_to_vote_count(draft: Draft) -> int:
    """How many of the draft's amendments are put to the vote now (one query)."""
    return (
        db.session.scalar(
            select(func.count(Amendment.id)).where(
                Amendment.draft_id == draft.id, Amendment.status == AmendmentStatus.PUT_TO_VOTE
            )
        )
        or 0
    )


def in_amendment_round(draft: Draft) -> bool:
    """The voting phase of a draft where the organisations decide, with amendments put to the vote: only
    the amendment questions are open; the next step closes and counts them (VOTING -> EDITING)."""
    return (
        draft.amendment_procedure == AmendmentProcedure.ORGANISATIONS
        and draft.phase == Phase.VOTING
        and put_to_vote_count(draft) > 0
    )


def _settle(user, amendment: Amendment, status: AmendmentStatus, now: datetime, question, **details) -> None:
    amendment.status, amendment.decided_how, amendment.decided_at = status, DecidedHow.VOTE, now
    if status == AmendmentStatus.LAPSED:
        amendment.lapse_reason = LapseReason.ALTERNATIVE
    figures = question.deciding if question is not None else None
    record(
        user,
        "amendment.vote_outcome",
        f"amendment:{amendment.id}",
        now,
        draft_id=amendment.draft_id,
        status=status.value,
        carried=bool(question and question.carried),
        yes=figures.yes if figures else 0,
        no=figures.no if figures else 0,
        abstain=figures.abstain if figures else 0,
        **details,
    )


def decide_by_vote(user, draft: Draft, now: datetime) -> None:
    """Called when the draft leaves its voting phase for editing, under the draft's lock (so the figures
    read here are exactly the votes on record when the vote closed). Every amendment put to the vote is
    decided (`decided_how` VOTE, `decided_at` now), with an audit row carrying its figures."""
    amendments = list(
        db.session.scalars(
            select(Amendment)
            .where(Amendment.draft_id == draft.id, Amendment.status == AmendmentStatus.PUT_TO_VOTE)
            .order_by(Amendment.alternative_set_id, Amendment.alternative_position, Amendment.created_at, Amendment.id)
        )
    )
    if not amendments:
        return
    outcome = results(draft)
    sets: dict[int, list[Amendment]] = {}
    for amendment in amendments:
        question = outcome.amendment(amendment.id)
        if amendment.alternative_set_id is None:
            status = AmendmentStatus.ACCEPTED if question and question.carried else AmendmentStatus.REJECTED
            _settle(user, amendment, status, now, question)
        else:
            sets.setdefault(amendment.alternative_set_id, []).append(amendment)
    for set_id, members in sets.items():
        winner = next((a for a in members if (q := outcome.amendment(a.id)) is not None and q.carried), None)
        passed = False
        for amendment in members:
            if amendment is winner:
                status, passed = AmendmentStatus.ACCEPTED, True
            else:
                status = AmendmentStatus.LAPSED if passed else AmendmentStatus.REJECTED
            _settle(
                user,
                amendment,
                status,
                now,
                outcome.amendment(amendment.id),
                alternative_set=set_id,
                position=amendment.alternative_position,
                winner=winner.id if winner else None,
            )
    db.session.flush()
