"""Running a live session: start it, order its agenda, open, close and reopen questions, check organisations in,
set the quorum. Each action writes an audit row; services never commit.

Every change to which question is open takes the draft's lock first (`consult.drafts.locks`), the lock a
vote takes before it reads the open question (`consult.votes.live_gate`): a vote is judged by the agenda
as it stands when the vote is written, never by one the chair has changed meanwhile."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from consult.audit.services import record
from consult.core.refusals import InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.locks import lock_draft_in, lock_open_draft
from consult.drafts.models import Draft, Phase
from consult.drafts.revision import touch_tally
from consult.extensions import db
from consult.live.models import AgendaItem, CheckIn, ItemState, LiveSession
from consult.live.permissions import can_chair, can_check_in_for
from consult.live.queries import active_session, proposed_agenda, quorum

NOT_VOTING = _l("A live session runs only while the draft is open for votes.")
ONLY_OFFICE = _l("Only the board and the moderators run a live session.")
ALREADY = _l("This draft already has a live session.")
NO_QUORUM = _l("The quorum is not met: a question cannot be opened.")
ONE_OPEN = _l("Another question is open: close it first.")
MAX_COUNTDOWN = 120  # minutes


def _subject(item: AgendaItem) -> str:
    return f"agenda_item:{item.id}"


def _as_it_stands(item: AgendaItem) -> None:
    """Read the item again after taking the draft's lock: another chair may have changed it meanwhile."""
    db.session.flush()
    db.session.refresh(item)


def _require_chair(user) -> None:
    if not can_chair(user):
        raise NotAllowed(ONLY_OFFICE)


def start_session(user, draft: Draft, now: datetime) -> LiveSession:
    """Start the draft's live session with the proposed agenda (`proposed_agenda`). From now on the online
    voting of the phase is over: votes count only on the question the chair opens.

    Refuses people who are not the office, a draft not open for votes, and a second active session."""
    _require_chair(user)
    lock_open_draft(draft.id, Phase.VOTING, now, NOT_VOTING)
    if active_session(draft.id) is not None:
        raise InvalidInput(ALREADY)
    session = LiveSession(draft_id=draft.id, started_at=now, started_by_id=user.id)
    session.items = [
        AgendaItem(position=number, paragraph_id=paragraph_id, amendment_id=amendment_id)
        for number, (paragraph_id, amendment_id) in enumerate(proposed_agenda(draft), start=1)
    ]
    db.session.add(session)
    db.session.flush()
    record(user, "live.start", f"live_session:{session.id}", now, draft_id=draft.id, items=len(session.items))
    return session


def move_item(user, draft: Draft, session: LiveSession, item: AgendaItem, up: bool, now: datetime) -> None:
    """Swap the item with its neighbour above (`up`) or below; nothing at either end. Only waiting
    questions move: the order of what happened stays as it was."""
    _require_chair(user)
    lock_draft_in(draft, Phase.VOTING, NOT_VOTING)
    items = list(session.items)
    index = items.index(item)
    other_index = index - 1 if up else index + 1
    if not 0 <= other_index < len(items):
        return
    other = items[other_index]
    if item.state != ItemState.WAITING or other.state != ItemState.WAITING:
        raise InvalidInput(_l("Only questions that have not been opened yet can be moved."))
    item.position, other.position = other.position, item.position
    record(user, "live.move", _subject(item), now, draft_id=draft.id, position=item.position)


def _refuse_opening(draft: Draft, session: LiveSession, item: AgendaItem, now: datetime) -> None:
    # Read as it stands under the draft's lock (another chair may have opened a question meanwhile).
    current = db.session.scalar(
        select(AgendaItem)
        .where(AgendaItem.session_id == session.id, AgendaItem.state == ItemState.OPEN)
        .execution_options(populate_existing=True)
    )
    if current is not None and current is not item:
        if current.closes_at is not None and current.closes_at <= now:
            # Its countdown has run out: it closed then, whether or not the chair pressed the button.
            current.state, current.closed_at = ItemState.CLOSED, current.closes_at
            db.session.flush()
        else:
            raise InvalidInput(ONE_OPEN)
    if not quorum(draft, session.id).met:
        raise PhaseClosed(NO_QUORUM)


def _countdown(now: datetime, minutes: int | None) -> datetime | None:
    if minutes is None:
        return None
    if not 1 <= minutes <= MAX_COUNTDOWN:
        raise InvalidInput(_l("A countdown is between 1 and 120 minutes."))
    return now + timedelta(minutes=minutes)


def open_question(
    user, draft: Draft, session: LiveSession, item: AgendaItem, now: datetime, countdown: int | None = None
) -> None:
    """Open a waiting question, optionally closing by itself after `countdown` minutes.

    Refuses when another question is open (one at a time; a unique index too), when the quorum is not
    met (`consult.live.queries.quorum`), and a question already opened (a closed one is reopened)."""
    _require_chair(user)
    lock_open_draft(draft.id, Phase.VOTING, now, NOT_VOTING)
    _as_it_stands(item)
    if item.state != ItemState.WAITING:
        raise InvalidInput(_l("This question has been opened already."))
    _refuse_opening(draft, session, item, now)
    item.state, item.opened_at, item.closes_at = ItemState.OPEN, now, _countdown(now, countdown)
    db.session.flush()
    record(
        user,
        "live.open",
        _subject(item),
        now,
        draft_id=draft.id,
        position=item.position,
        closes_at=item.closes_at.isoformat() if item.closes_at else None,
    )


def close_question(user, draft: Draft, session: LiveSession, item: AgendaItem, now: datetime) -> None:
    """Close the open question: no vote on it counts from now on (nor after its countdown ran out)."""
    _require_chair(user)
    lock_draft_in(draft, Phase.VOTING, NOT_VOTING)
    _as_it_stands(item)
    if item.state != ItemState.OPEN:
        raise InvalidInput(_l("This question is not open."))
    item.state = ItemState.CLOSED
    item.closed_at = min(now, item.closes_at) if item.closes_at is not None else now
    record(user, "live.close", _subject(item), now, draft_id=draft.id, position=item.position)


def reopen_question(
    user, draft: Draft, session: LiveSession, item: AgendaItem, reason: str, now: datetime, countdown: int | None = None
) -> None:
    """Open a closed question again, once, with a reason (kept on the item and in the audit log).

    Refuses an item that is not closed, one reopened before, a missing reason, and (as opening) another
    open question or an unmet quorum."""
    _require_chair(user)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Please give a reason for reopening the question."))
    lock_open_draft(draft.id, Phase.VOTING, now, NOT_VOTING)
    _as_it_stands(item)
    if item.state != ItemState.CLOSED:
        raise InvalidInput(_l("Only a closed question can be reopened."))
    if item.reopened:
        raise InvalidInput(_l("A question can be reopened only once."))
    _refuse_opening(draft, session, item, now)
    item.state, item.opened_at, item.closes_at, item.closed_at = ItemState.OPEN, now, _countdown(now, countdown), None
    item.reopened, item.reopen_reason = True, reason
    db.session.flush()
    record(user, "live.reopen", _subject(item), now, draft_id=draft.id, reason=reason, position=item.position)


def check_in(user, session: LiveSession, organisation, now: datetime) -> bool:
    """Confirm the organisation's presence in the session: by one of its delegates, or ticked by the office.

    One row per organisation and session (a unique constraint; a second confirmation changes nothing:
    returns False). Refuses anybody else, and organisations that are not active members."""
    if not can_check_in_for(user, organisation):
        raise NotAllowed(_l("You can confirm the presence of your own organisation only."))
    by_office = user.organisation_id != organisation.id
    table = CheckIn.__table__
    connection = db.session.connection()
    statement = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)
    added = (
        connection.execute(
            statement.values(
                session_id=session.id,
                organisation_id=organisation.id,
                user_id=user.id,
                by_office=by_office,
                at=now,
            )
            .on_conflict_do_nothing(index_elements=["session_id", "organisation_id"])
            .returning(table.c.id)
        ).scalar()
        is not None
    )
    if added:
        touch_tally(connection, session.draft_id)
        record(
            user,
            "live.check_in",
            f"organisation:{organisation.id}",
            now,
            draft_id=session.draft_id,
            session=session.id,
            by_office=by_office,
        )
    return added


QUESTION_OPEN = _l("A question is open: an organisation can be checked out once it is closed.")


def check_out(user, draft: Draft, session: LiveSession, organisation, now: datetime) -> None:
    """Undo an organisation's check-in ("Abmelden"; the office only): ticked by mistake, or its delegates left.
    The check-in row goes, the audit log keeps that it was there and who checked it out; checking in again is
    possible.

    Refused while a question is open (read under the draft's lock, which opening takes too): the question
    was opened with the quorum the room saw, and the projector counts its votes against the organisations
    checked in; both stay as they were until it closes. (A check-out would not take the organisation's vote
    away either: votes do not depend on the check-in.) Refuses an organisation that is not checked in."""
    _require_chair(user)
    lock_draft_in(draft, Phase.VOTING, NOT_VOTING)
    current = db.session.scalar(
        select(AgendaItem)
        .where(AgendaItem.session_id == session.id, AgendaItem.state == ItemState.OPEN)
        .execution_options(populate_existing=True)
    )
    if current is not None and (current.closes_at is None or current.closes_at > now):
        raise InvalidInput(QUESTION_OPEN)
    row = db.session.scalar(
        select(CheckIn).where(CheckIn.session_id == session.id, CheckIn.organisation_id == organisation.id)
    )
    if row is None:
        raise InvalidInput(_l("This organisation is not checked in."))
    record(
        user,
        "live.check_out",
        f"organisation:{organisation.id}",
        now,
        draft_id=draft.id,
        session=session.id,
        checked_in_at=row.at.isoformat(),
        by_office=row.by_office,
    )
    db.session.delete(row)
    db.session.flush()
    touch_tally(db.session.connection(), draft.id)


def set_quorum(user, draft: Draft, number: int, is_share: bool, now: datetime, proxy_limit: int | None = None) -> None:
    """Set the draft's quorum for live sessions: a number of organisations, or a share in percent of the
    active member organisations (0: none); with `proxy_limit`, how many votes of others one organisation may
    hold (`consult.live.proxies`; 0: no proxies). A lower limit leaves the proxies in force as they are."""
    _require_chair(user)
    if number < 0 or (is_share and number > 100):
        raise InvalidInput(_l("A share is between 0 and 100 percent."))
    if proxy_limit is not None and proxy_limit < 0:
        raise InvalidInput(_l("The number of proxies is 0 or more."))
    draft.live_quorum, draft.live_quorum_is_share = number, is_share
    if proxy_limit is not None:
        draft.live_proxy_limit = proxy_limit
    record(
        user,
        "live.quorum",
        f"draft:{draft.id}",
        now,
        draft_id=draft.id,
        quorum=number,
        share=is_share,
        proxy_limit=draft.live_proxy_limit,
    )


def end_with_voting(user, draft: Draft, now: datetime) -> None:
    """End the draft's live session when the draft leaves the voting phase (a phase change or the adoption,
    under the draft's lock): its open question closes now. A later voting phase (after the new version of
    the amendment round) starts online again and may have a session of its own."""
    session = active_session(draft.id)
    if session is None:
        return
    for item in session.items:
        if item.state == ItemState.OPEN:
            item.state = ItemState.CLOSED
            item.closed_at = min(now, item.closes_at) if item.closes_at is not None else now
    session.ended_at = now
    record(user, "live.end", f"live_session:{session.id}", now, draft_id=draft.id)
