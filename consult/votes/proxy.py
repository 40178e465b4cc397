"""Casting another organisation's vote through its proxy, in the live session.

A delegate of the organisation holding the proxy (the holder) casts the vote of the organisation that gave it
(the giver): the vote is the giver's (`Vote.organisation_id`), marked `Channel.PROXY` with the holder in
`via_organisation_id` and the delegate in `cast_by_id`. The proxy must be confirmed and not withdrawn when the
vote is written, checked under the draft's lock inside `consult.votes.services.write_vote` (its `check`), the
lock that confirmations and withdrawals take too (`consult.live.proxies`): a withdrawal cannot slip between
the check and the write."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.accounts.permissions import speaks_for_member_organisation
from consult.core.refusals import NotAllowed, PhaseClosed
from consult.drafts.models import Draft, Phase
from consult.drafts.permissions import can_view_draft, phase_is_open
from consult.extensions import db
from consult.votes.models import Channel, Choice
from consult.votes.proxy_gate import in_force, live_proxy
from consult.votes.services import CLOSED, write_vote

ONLY_DELEGATES = _l("Only delegates of member organisations can vote.")
ONLY_LIVE = _l("A proxy is used only in the live session, on the question the chair has opened.")
NO_PROXY = _l("Your organisation holds no confirmed proxy of this organisation.")


def given_to(session_id: int, holder_id: int) -> list[int]:
    """The organisations whose proxy in force `holder_id` holds in the session, by id (one query)."""
    return list(
        db.session.scalars(
            select(live_proxy.c.organisation_id)
            .where(live_proxy.c.session_id == session_id, live_proxy.c.holder_id == holder_id, in_force())
            .order_by(live_proxy.c.organisation_id)
        )
    )


def cast_by_proxy(
    user,
    draft: Draft,
    paragraph_id: int | None,
    amendment_id: int | None,
    organisation_id: int,
    choice: Choice,
    now: datetime,
) -> Choice:
    """Cast the vote of `organisation_id` (the giver) on one question, by a delegate of the organisation
    holding its proxy (`user.organisation_id`).

    Refuses people who do not speak for an active member organisation and a draft outside its voting phase;
    then, under the draft's lock, anything but the live session's open question (`write_vote`, which also
    keeps proxies to the live session) and a proxy not confirmed or withdrawn. The vote is the giver's: one
    vote per organisation, the latest cast counts, whether it came directly, by proxy or on paper.
    Returns the giver's choice on record."""
    if not speaks_for_member_organisation(user) or not can_view_draft(user, draft):
        raise NotAllowed(ONLY_DELEGATES)
    if not phase_is_open(draft, Phase.VOTING, now):
        raise PhaseClosed(CLOSED)
    holder_id = user.organisation_id

    def check(session_id: int | None) -> None:
        if session_id is None:
            raise PhaseClosed(ONLY_LIVE)
        if organisation_id not in given_to(session_id, holder_id):
            raise NotAllowed(NO_PROXY)

    return write_vote(
        user,
        draft.id,
        paragraph_id,
        amendment_id,
        organisation_id,
        choice,
        now,
        channel=Channel.PROXY,
        via_organisation_id=holder_id,
        check=check,
    )
