"""Reading a draft's live session: the active one, its proposed agenda, its check-ins and its quorum."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, select

from consult.amendments.models import Amendment, AmendmentStatus
from consult.amendments.queries import amendment_round
from consult.core.markdown import plain_text
from consult.drafts.models import Draft
from consult.drafts.queries import DraftState, draft_state, draft_state_columns
from consult.drafts.services import current_version, is_heading
from consult.extensions import db
from consult.live.models import AgendaItem, CheckIn, ItemState, LiveSession
from consult.organisations.models import Organisation


def active_session(draft_id: int) -> LiveSession | None:
    """The draft's live session that has not ended (at most one: a unique index)."""
    return db.session.scalar(
        select(LiveSession).where(LiveSession.draft_id == draft_id, LiveSession.ended_at.is_(None))
    )


def proposed_agenda(draft: Draft) -> list[tuple[int | None, int | None]]:
    """The open questions of the draft in the order proposed for the session, as (paragraph id, amendment id).

    In the amendment round (`amendment_round`: amendments are put to the vote) the amendments put to the
    vote, by their paragraph's place in the text, the members of an alternatives set in their voting order;
    otherwise the paragraphs that are not headings, in order, and the whole text last ((None, None))."""
    version = current_version(draft)
    positions = {text.paragraph_id: text.position for text in version.texts} if version else {}
    if amendment_round(draft.id):
        amendments = db.session.scalars(
            select(Amendment).where(Amendment.draft_id == draft.id, Amendment.status == AmendmentStatus.PUT_TO_VOTE)
        )
        ordered = sorted(
            amendments,
            key=lambda a: (
                positions.get(a.paragraph_id, 0),
                a.alternative_set_id or 0,
                a.alternative_position or 0,
                a.created_at,
                a.id,
            ),
        )
        return [(None, amendment.id) for amendment in ordered]
    texts = sorted(version.texts, key=lambda text: text.position) if version else []
    return [(text.paragraph_id, None) for text in texts if not is_heading(text.text)] + [(None, None)]


def open_item(session: LiveSession) -> AgendaItem | None:
    """The session's open question, if any (at most one: a unique index)."""
    return next((item for item in session.items if item.state == ItemState.OPEN), None)


def member_organisations() -> list[Organisation]:
    """The active member organisations, by name: the check-in list and the base of a quorum's share."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.is_member.is_(True), Organisation.is_active.is_(True))
            .order_by(Organisation.name)
        )
    )


def check_ins(session_id: int) -> dict[int, CheckIn]:
    """The session's check-ins by organisation id."""
    return {
        row.organisation_id: row for row in db.session.scalars(select(CheckIn).where(CheckIn.session_id == session_id))
    }


@dataclass(frozen=True)
class Quorum:
    present: int  # active member organisations checked in
    needed: int  # how many must be present
    members: int  # active member organisations

    @property
    def met(self) -> bool:
        return self.present >= self.needed


def needed(draft: Draft, members: int) -> int:
    """The draft's quorum in organisations: `live_quorum` itself, or with `live_quorum_is_share` that
    percentage of the active member organisations, rounded up (0: no quorum)."""
    if draft.live_quorum_is_share:
        return math.ceil(members * draft.live_quorum / 100)
    return draft.live_quorum


def quorum(draft: Draft, session_id: int | None) -> Quorum:
    """Whether the session is quorate: the active member organisations checked in against the draft's quorum."""
    members = db.session.execute(
        select(func.count(Organisation.id)).where(Organisation.is_member.is_(True), Organisation.is_active.is_(True))
    ).scalar_one()
    present = (
        0
        if session_id is None
        else db.session.execute(
            select(func.count(CheckIn.id))
            .join(Organisation, Organisation.id == CheckIn.organisation_id)
            .where(CheckIn.session_id == session_id, Organisation.is_member.is_(True), Organisation.is_active.is_(True))
        ).scalar_one()
    )
    return Quorum(present=present, needed=needed(draft, members), members=members)


def live_version(draft_id: int, now) -> tuple | None:
    """What a live page's ETag is made of, in one query: the draft's revision (the chair's actions raise it),
    its tally revision (votes, check-ins, proxies) and whether the open question's countdown has run out;
    None for an unknown draft. Polling pages answer `304 Not Modified` while it stays the same."""
    row = db.session.execute(
        select(Draft.revision, Draft.tally_revision, AgendaItem.closes_at)
        .select_from(Draft)
        .outerjoin(LiveSession, and_(LiveSession.draft_id == Draft.id, LiveSession.ended_at.is_(None)))
        .outerjoin(AgendaItem, and_(AgendaItem.session_id == LiveSession.id, AgendaItem.state == ItemState.OPEN))
        .where(Draft.id == draft_id)
    ).first()
    if row is None:
        return None
    revision, tally_revision, closes_at = row
    return revision, tally_revision, closes_at is not None and closes_at <= now


# Built once: the polled state's one statement (its cache key computed once, not on every poll).
_LIVE_STATE = (
    select(*draft_state_columns(), Draft.revision, Draft.tally_revision, AgendaItem.closes_at)
    .select_from(Draft)
    .outerjoin(LiveSession, and_(LiveSession.draft_id == Draft.id, LiveSession.ended_at.is_(None)))
    .outerjoin(AgendaItem, and_(AgendaItem.session_id == LiveSession.id, AgendaItem.state == ItemState.OPEN))
    .where(Draft.slug == bindparam("slug"))
)


def live_state(slug: str, now) -> tuple[DraftState, tuple] | None:
    """The draft with this slug as a `DraftState` (what `can_view_draft` reads) and its `live_version`, in one
    query: all a polled screen reads before it answers `304 Not Modified`. None for an unknown draft."""
    row = db.session.connection().execute(_LIVE_STATE, {"slug": slug}).first()
    if row is None:
        return None
    return draft_state(row), (row.revision, row.tally_revision, row.closes_at is not None and row.closes_at <= now)


def agenda_starts(draft: Draft) -> dict[int, str]:
    """The words of each paragraph of the current version as plain text, by paragraph id: the agenda shows how
    each question begins (the template cuts it short), so the chair need not count paragraphs."""
    version = current_version(draft)
    return {text.paragraph_id: plain_text(text.text) for text in version.texts} if version else {}
