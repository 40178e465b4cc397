"""What the screens of the room show: the delegate's phone and the projector follow the chair.

A question is *running* while its agenda item is open and its countdown (if any) has not run out; a question
whose countdown ran out counts as closed at that moment, whether or not the chair pressed "close" (votes on
it are refused then: `consult.votes.live_gate`). When nothing runs, the screens show the result of the
question closed last, so that the room sees the outcome until the chair opens the next one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from consult.drafts.models import Draft, MajorityRule
from consult.extensions import db
from consult.live.models import AgendaItem, CheckIn, ItemState, LiveSession, Proxy
from consult.organisations.models import Organisation
from consult.results.queries import Figures, majority_met
from consult.votes.models import Channel, Vote
from consult.votes.queries import Tally
from consult.votes.services import question_filter


def running(item: AgendaItem | None, now: datetime) -> bool:
    """Whether votes on the item count now: open, and its countdown (if any) not run out."""
    return item is not None and item.state == ItemState.OPEN and (item.closes_at is None or item.closes_at > now)


def _closed_at(item: AgendaItem) -> datetime | None:
    if item.state == ItemState.CLOSED:
        return item.closed_at
    if item.state == ItemState.OPEN and item.closes_at is not None:
        return item.closes_at  # its countdown closes it (the caller knows it ran out)
    return None


def last_closed(session: LiveSession, now: datetime) -> AgendaItem | None:
    """The question closed last: closed by the chair, or open with its countdown run out; None before the
    first one closes. The session's items are loaded once for the page anyway (no query of its own)."""
    closed = [
        item
        for item in session.items
        if item.state == ItemState.CLOSED or (item.state == ItemState.OPEN and not running(item, now))
    ]
    closed = [item for item in closed if _closed_at(item) is not None]
    return max(closed, key=lambda item: (_closed_at(item), item.position), default=None)


@dataclass(frozen=True)
class Bar:
    """One bar of the result's chart: the choice, its count and its share (0–100, of all that voted)."""

    choice: str
    count: int
    percent: int


def bars(counts: Tally) -> list[Bar]:
    """The result as bars: yes, no, abstain with their shares of everything that voted (whole percent)."""
    voted = counts.voted
    return [
        Bar(choice, counts.counts[choice], round(100 * counts.counts[choice] / voted) if voted else 0)
        for choice in ("yes", "no", "abstain")
    ]


def carried(draft: Draft, counts: Tally) -> bool | None:
    """Whether the draft's majority rule is met by these counts (`consult.results.queries.majority_met`);
    None when the draft weighs votes: the weighted result is on the results page, not on the screens."""
    if draft.weighted_votes:
        return None
    figures = Figures(counts.counts["yes"], counts.counts["no"], counts.counts["abstain"])
    return majority_met(draft.majority_rule or MajorityRule.SIMPLE, figures)


def present_organisations(session_id: int) -> set[int]:
    """The active member organisations in the room: checked in, or represented by a confirmed proxy that is
    not withdrawn (its holder votes for it). Two queries."""
    members = select(Organisation.id).where(Organisation.is_member.is_(True), Organisation.is_active.is_(True))
    checked_in = set(
        db.session.scalars(
            select(CheckIn.organisation_id).where(
                CheckIn.session_id == session_id, CheckIn.organisation_id.in_(members)
            )
        )
    )
    represented = set(
        db.session.scalars(
            select(Proxy.organisation_id).where(
                Proxy.session_id == session_id,
                Proxy.confirmed_at.is_not(None),
                Proxy.withdrawn_at.is_(None),
                Proxy.organisation_id.in_(members),
            )
        )
    )
    return checked_in | represented


def voted_in_room(draft_id: int, paragraph_id: int | None, amendment_id: int | None, present: set[int]) -> int:
    """How many of the organisations `present` have a vote on the question (`question_filter`) that came in during the
    live session (from a phone, by proxy or on paper; a vote from the online phase alone is not counted
    here, though it counts in the tally). One query."""
    if not present:
        return 0
    return db.session.execute(
        select(func.count(Vote.id)).where(
            Vote.draft_id == draft_id,
            question_filter(paragraph_id, amendment_id),
            Vote.channel != Channel.ONLINE,
            Vote.organisation_id.in_(present),
        )
    ).scalar_one()
