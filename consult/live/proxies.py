"""Proxies in a live session (Stimmübertragung): an organisation hands its vote for the session to another
member organisation, the office confirms it, the giver or the office withdraws it. Each step writes an
audit row; services never commit.

Every step takes the draft's lock first (`consult.drafts.locks.lock_open_draft` with `tally`, which also raises
the draft's tally revision, so that the live pages following the session show the change), the lock a vote
takes before it checks the proxy (`consult.votes.proxy`) and the chair takes to open a question. So:

- a holder never holds more than the draft's `live_proxy_limit` proxies in force: confirmations are counted
  one after the other, however many of the office confirm at once;
- a proxy in force changes only between questions: while a question is open, who votes for whom stays as it
  was when the question opened (a confirmation and the withdrawal of a confirmed proxy wait for its closing);
- an organisation's vote is in one hand at a time: the holder's while the proxy is in force, else its own
  delegates' (`consult.votes.proxy_gate`); no chains (an organisation that handed over its vote holds none,
  and one that holds another's does not hand over its own), so that every vote has one named hand."""

from __future__ import annotations

from datetime import datetime
from typing import TypeGuard

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from consult.accounts.permissions import speaks_for_member_organisation
from consult.audit.services import record
from consult.core.refusals import InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.locks import lock_open_draft
from consult.drafts.models import Draft, Phase
from consult.extensions import db
from consult.live.models import AgendaItem, ItemState, LiveSession, Proxy
from consult.live.permissions import can_chair
from consult.organisations.models import Organisation

NOT_VOTING = _l("A live session runs only while the draft is open for votes.")
ONLY_DELEGATES = _l("Only delegates of member organisations can hand over their organisation's vote.")
ONLY_OFFICE = _l("Only the board and the moderators confirm a proxy.")
NOT_YOURS = _l("Only a delegate of the organisation that handed over its vote, or the office, can withdraw it.")
NOT_A_MEMBER = _l("A vote can be handed over only to another active member organisation.")
ALREADY_GIVEN = _l("Your organisation has already handed over its vote in this session. Withdraw that first.")
HOLDS_OTHERS = _l("Your organisation holds the vote of another organisation, so it cannot hand over its own.")
HOLDER_GAVE = _l("This organisation has handed over its own vote, so it cannot hold another's.")
LIMIT = _l("This organisation already holds as many votes of others as allowed (%(limit)d).")
QUESTION_OPEN = _l("Proxies change only between questions: wait until the open question is closed.")
WITHDRAWN = _l("This proxy has been withdrawn.")
CONFIRMED = _l("This proxy is confirmed already.")


def _subject(proxy: Proxy) -> str:
    return f"live_proxy:{proxy.id}"


def _lock(draft: Draft, now: datetime) -> None:
    """The draft's lock for a change of proxies (and its tally revision raised: live pages show proxies)."""
    lock_open_draft(draft.id, Phase.VOTING, now, NOT_VOTING, tally=True)


def _as_it_stands(proxy: Proxy) -> None:
    """Read the proxy again after taking the draft's lock: the office or the giver may have changed it."""
    db.session.flush()
    db.session.refresh(proxy)


def _not_withdrawn():
    return Proxy.withdrawn_at.is_(None)


def _question_open(session: LiveSession, now: datetime) -> bool:
    """Whether a question of the session takes votes now (open, its countdown if any not run out): read anew."""
    return db.session.execute(
        select(
            select(AgendaItem.id)
            .where(
                AgendaItem.session_id == session.id,
                AgendaItem.state == ItemState.OPEN,
                or_(AgendaItem.closes_at.is_(None), AgendaItem.closes_at > now),
            )
            .exists()
        )
    ).scalar_one()


def _active_member(organisation: Organisation | None) -> TypeGuard[Organisation]:
    return organisation is not None and organisation.is_member and organisation.is_active


def held_in_force(session_id: int, holder_id: int) -> int:
    """How many proxies in force (confirmed, not withdrawn) `holder_id` holds in the session."""
    return db.session.execute(
        select(func.count(Proxy.id)).where(
            Proxy.session_id == session_id,
            Proxy.holder_id == holder_id,
            Proxy.confirmed_at.is_not(None),
            _not_withdrawn(),
        )
    ).scalar_one()


def _refuse_chains_and_limit(
    draft: Draft, session: LiveSession, giver_id: int, holder_id: int, exclude: int | None = None
) -> None:
    """The rules a proxy must meet when it is asked for and again when it is confirmed (read under the lock)."""
    others = select(Proxy.id).where(Proxy.session_id == session.id, _not_withdrawn())
    if exclude is not None:
        others = others.where(Proxy.id != exclude)
    if db.session.scalar(select(others.where(Proxy.holder_id == giver_id).exists())):
        raise InvalidInput(HOLDS_OTHERS)
    if db.session.scalar(select(others.where(Proxy.organisation_id == holder_id).exists())):
        raise InvalidInput(HOLDER_GAVE)
    limit = db.session.execute(select(Draft.live_proxy_limit).where(Draft.id == draft.id)).scalar_one()
    if held_in_force(session.id, holder_id) >= limit:
        raise InvalidInput(LIMIT % {"limit": limit})


def grant_proxy(user, draft: Draft, session: LiveSession, holder: Organisation | None, now: datetime) -> Proxy:
    """A delegate hands their organisation's vote for the session to `holder`; in force once the office confirms.

    Refuses people who do not speak for an active member organisation, a holder that is not another active
    member organisation, a second proxy of the organisation (withdraw the first), chains (see the module), and
    a holder that already holds the draft's limit of proxies in force."""
    if not speaks_for_member_organisation(user):
        raise NotAllowed(ONLY_DELEGATES)
    giver_id = user.organisation_id
    if not _active_member(holder) or holder.id == giver_id:
        raise InvalidInput(NOT_A_MEMBER)
    _lock(draft, now)
    if db.session.scalar(
        select(
            select(Proxy.id)
            .where(Proxy.session_id == session.id, Proxy.organisation_id == giver_id, _not_withdrawn())
            .exists()
        )
    ):
        raise InvalidInput(ALREADY_GIVEN)
    _refuse_chains_and_limit(draft, session, giver_id, holder.id)
    proxy = Proxy(
        session_id=session.id, organisation_id=giver_id, holder_id=holder.id, requested_by_id=user.id, requested_at=now
    )
    db.session.add(proxy)
    db.session.flush()
    record(
        user,
        "live.proxy.grant",
        _subject(proxy),
        now,
        draft_id=draft.id,
        session=session.id,
        organisation=giver_id,
        holder=holder.id,
    )
    return proxy


def confirm_proxy(user, draft: Draft, session: LiveSession, proxy: Proxy, now: datetime) -> None:
    """The office confirms a proxy asked for: from now on the holder's delegates cast the giver's vote.

    Refuses anybody but the office, a proxy withdrawn or confirmed already, an open question, organisations
    no longer active members, chains, and a holder at the draft's limit (counted under the draft's lock)."""
    if not can_chair(user):
        raise NotAllowed(ONLY_OFFICE)
    _lock(draft, now)
    _as_it_stands(proxy)
    if proxy.withdrawn_at is not None:
        raise InvalidInput(WITHDRAWN)
    if proxy.confirmed_at is not None:
        raise InvalidInput(CONFIRMED)
    if _question_open(session, now):
        raise PhaseClosed(QUESTION_OPEN)
    if not (_active_member(proxy.organisation) and _active_member(proxy.holder)):
        raise InvalidInput(NOT_A_MEMBER)
    _refuse_chains_and_limit(draft, session, proxy.organisation_id, proxy.holder_id, exclude=proxy.id)
    proxy.confirmed_by_id, proxy.confirmed_at = user.id, now
    record(
        user,
        "live.proxy.confirm",
        _subject(proxy),
        now,
        draft_id=draft.id,
        session=session.id,
        organisation=proxy.organisation_id,
        holder=proxy.holder_id,
    )


def can_withdraw(user, proxy: Proxy) -> bool:
    """The office, or a delegate of the organisation that handed over its vote."""
    return can_chair(user) or (speaks_for_member_organisation(user) and user.organisation_id == proxy.organisation_id)


def withdraw_proxy(user, draft: Draft, session: LiveSession, proxy: Proxy, now: datetime) -> None:
    """The giver's delegate or the office withdraws a proxy: the giver's own delegates vote again.

    A proxy asked for but not confirmed can be withdrawn at any time (the office's way to turn a request
    down, too); one in force only while no question is open, so that nobody's vote on the open question
    changes hands."""
    if not can_withdraw(user, proxy):
        raise NotAllowed(NOT_YOURS)
    _lock(draft, now)
    _as_it_stands(proxy)
    if proxy.withdrawn_at is not None:
        raise InvalidInput(WITHDRAWN)
    if proxy.confirmed_at is not None and _question_open(session, now):
        raise PhaseClosed(QUESTION_OPEN)
    proxy.withdrawn_by_id, proxy.withdrawn_at = user.id, now
    record(
        user,
        "live.proxy.withdraw",
        _subject(proxy),
        now,
        draft_id=draft.id,
        session=session.id,
        organisation=proxy.organisation_id,
        holder=proxy.holder_id,
        confirmed=proxy.confirmed_at is not None,
    )
