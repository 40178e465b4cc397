"""What a draft's live sessions add to its results: which questions were decided in a session, and the proxies
the office confirmed.

A question counts as **decided in the live session** when an agenda item for it was closed in a live session
of the draft (the chair closed it, or the session ended while it was open); every other question was decided
online. A reopened question is decided live again once it is closed again.

`live/` stands above `votes/` and `results/` (the amendments' outcomes read the results), so this module does
not import its models: like `consult.votes.live_gate` it names the few columns it reads as lightweight tables
(tests/results/test_live_marks.py checks that they match the models). Two queries, whatever the number of
sessions, questions and proxies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, column, select, table
from sqlalchemy.orm import aliased

from consult.core.db import UTCDateTime
from consult.extensions import db
from consult.organisations.models import Organisation

live_session = table(
    "live_session",
    column("id"),
    column("draft_id"),
    column("started_at", UTCDateTime()),
    column("ended_at", UTCDateTime()),
)
agenda_item = table(
    "agenda_item", column("session_id"), column("paragraph_id"), column("amendment_id"), column("state")
)
live_proxy = table(
    "live_proxy",
    column("id"),
    column("session_id"),
    column("organisation_id"),
    column("holder_id"),
    column("confirmed_at", UTCDateTime()),
    column("withdrawn_at", UTCDateTime()),
)

# A question as the vote rows name it: (paragraph id, amendment id); (None, None) is the whole draft.
QuestionKey = tuple[int | None, int | None]


@dataclass(frozen=True)
class NamedOrganisation:
    """An organisation as the results name it where it need not be entitled to vote (a proxy's holder)."""

    id: int
    name: str
    short_name: str


@dataclass(frozen=True)
class ProxyRecord:
    """A proxy the office confirmed: `giver`'s vote for the session went to `holder` (until `withdrawn_at`)."""

    giver: NamedOrganisation
    holder: NamedOrganisation
    confirmed_at: datetime
    withdrawn_at: datetime | None


@dataclass(frozen=True)
class SessionRecord:
    """One live session of the draft: when it ran and the proxies confirmed in it, in order of confirmation."""

    started_at: datetime
    ended_at: datetime | None
    proxies: tuple[ProxyRecord, ...]

    def as_json(self) -> dict:
        """The session as the API and the JSON export give it: organisations by short name, no people."""
        return {
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "proxies": [
                {
                    "organisation": p.giver.short_name,
                    "holder": p.holder.short_name,
                    "confirmed_at": p.confirmed_at.isoformat(),
                    "withdrawn_at": p.withdrawn_at.isoformat() if p.withdrawn_at else None,
                }
                for p in self.proxies
            ],
        }


def question_key(paragraph_id: int | None, amendment_id: int | None) -> QuestionKey:
    """The key of a question: an amendment's vote names only the amendment (its paragraph is not part of it)."""
    return (None, amendment_id) if amendment_id is not None else (paragraph_id, None)


def decided_live(draft_id: int) -> frozenset[QuestionKey]:
    """The questions of the draft an agenda item was closed for in one of its live sessions (one query)."""
    rows = db.session.execute(
        select(agenda_item.c.paragraph_id, agenda_item.c.amendment_id)
        .distinct()
        .join(live_session, live_session.c.id == agenda_item.c.session_id)
        .where(live_session.c.draft_id == draft_id, agenda_item.c.state == "closed")
    )
    return frozenset(question_key(paragraph_id, amendment_id) for paragraph_id, amendment_id in rows)


def sessions(draft_id: int) -> tuple[SessionRecord, ...]:
    """The draft's live sessions, oldest first, each with the proxies the office confirmed in it (withdrawn ones
    included, with the time of withdrawal): one query. Requests the office never confirmed are left out: they
    carried no vote."""
    giver, holder = aliased(Organisation), aliased(Organisation)
    rows = db.session.execute(
        select(
            live_session.c.id,
            live_session.c.started_at,
            live_session.c.ended_at,
            giver.id,
            giver.name,
            giver.short_name,
            holder.id,
            holder.name,
            holder.short_name,
            live_proxy.c.confirmed_at,
            live_proxy.c.withdrawn_at,
        )
        .select_from(live_session)
        .outerjoin(
            live_proxy, and_(live_proxy.c.session_id == live_session.c.id, live_proxy.c.confirmed_at.is_not(None))
        )
        .outerjoin(giver, giver.id == live_proxy.c.organisation_id)
        .outerjoin(holder, holder.id == live_proxy.c.holder_id)
        .where(live_session.c.draft_id == draft_id)
        .order_by(live_session.c.started_at, live_session.c.id, live_proxy.c.confirmed_at, live_proxy.c.id)
    )
    found: dict[int, tuple[datetime, datetime | None, list[ProxyRecord]]] = {}
    for (
        session_id,
        started_at,
        ended_at,
        giver_id,
        giver_name,
        giver_short,
        holder_id,
        holder_name,
        holder_short,
        confirmed_at,
        withdrawn_at,
    ) in rows:
        proxies = found.setdefault(session_id, (started_at, ended_at, []))[2]
        if confirmed_at is not None:
            proxies.append(
                ProxyRecord(
                    NamedOrganisation(giver_id, giver_name, giver_short),
                    NamedOrganisation(holder_id, holder_name, holder_short),
                    confirmed_at,
                    withdrawn_at,
                )
            )
    return tuple(
        SessionRecord(started_at, ended_at, tuple(proxies)) for started_at, ended_at, proxies in found.values()
    )
