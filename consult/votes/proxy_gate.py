"""Whose hand an organisation's vote is in during a live session: the rule the vote service, the permissions
and the pages share.

In a live session an organisation may hand its vote to another member organisation (`consult.live.proxies`).
Once the office has confirmed the proxy and until it is withdrawn, a delegate of the holder casts the giver's
vote (`consult.votes.proxy`) and the giver's own delegates do not: one organisation's vote is given by one hand
at a time, so that neither undoes the other's vote unseen. `live/` stands above `votes/`, so this module names
the few columns it reads as a lightweight table, as `consult.votes.live_gate` does (tests/live/test_proxies.py
checks they match the model)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import column, select, table

from consult.core.db import UTCDateTime
from consult.core.refusals import PhaseClosed
from consult.extensions import db

live_proxy = table(
    "live_proxy",
    column("id"),
    column("session_id"),
    column("organisation_id"),
    column("holder_id"),
    column("confirmed_at", UTCDateTime()),
    column("withdrawn_at", UTCDateTime()),
)

HANDED_OVER = _l(
    "Your organisation has handed its vote in this live session to another organisation: its "
    "delegate votes for you. To vote yourselves, withdraw the proxy before the next question opens."
)


def in_force():
    """The proxies in force: confirmed by the office and not withdrawn."""
    return live_proxy.c.confirmed_at.is_not(None) & live_proxy.c.withdrawn_at.is_(None)


def holder_of(session_id: int, organisation_id: int) -> int | None:
    """The organisation holding `organisation_id`'s proxy in force in the session, or None (one query)."""
    return db.session.scalar(
        select(live_proxy.c.holder_id).where(
            live_proxy.c.session_id == session_id, live_proxy.c.organisation_id == organisation_id, in_force()
        )
    )


def own_vote_refusal(session_id: int | None, organisation_id: int | None):
    """Why the organisation's own delegates may not vote now (another organisation holds its vote), or None.
    Outside a live session (`session_id` None) no vote is handed over, and no query is made."""
    if session_id is None or organisation_id is None:
        return None
    return HANDED_OVER if holder_of(session_id, organisation_id) is not None else None


def check_own_vote(organisation_id: int):
    """The `check` of `consult.votes.services.write_vote` for a delegate's vote for their own organisation:
    refused while the organisation's proxy is in force (read under the draft's lock)."""

    def check(session_id: int | None) -> None:
        refusal = own_vote_refusal(session_id, organisation_id)
        if refusal is not None:
            raise PhaseClosed(refusal)

    return check
