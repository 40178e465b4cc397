"""Tallies and an organisation's current choices, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from flask import current_app
from sqlalchemy import ColumnElement, bindparam, case, func, select

from consult.drafts.models import Draft, Phase
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.votes.models import Choice, Vote
from consult.votes.services import question_filter

_UNSET = object()


@dataclass
class Tally:
    counts: dict[str, int] = field(default_factory=lambda: {c.value: 0 for c in Choice})
    entitled: int = 0

    @property
    def voted(self) -> int:
        return sum(self.counts.values())


def entitlement() -> tuple[int, tuple[int, ...]]:
    """(number of organisations entitled to vote, ids of those that are not): one query.
    Entitled are active members; votes of others stay in the database but do not count."""
    entitled, others = 0, []
    for organisation_id, is_member, is_active in db.session.execute(
        select(Organisation.id, Organisation.is_member, Organisation.is_active)
    ):
        if is_member and is_active:
            entitled += 1
        else:
            others.append(organisation_id)
    return entitled, tuple(others)


def _counted(draft_id: int, key, *conditions) -> tuple[int, Sequence]:
    """The number of entitled organisations, and (question key, choice, count) rows of the draft's votes of
    entitled organisations that meet `conditions`, grouped by `key`: two queries."""
    entitled, others = entitlement()
    votes = Vote.__table__.c
    query = (
        select(key, votes.choice, func.count())
        .where(votes.draft_id == draft_id, *conditions)
        .group_by(key, votes.choice)
    )
    if others:
        query = query.where(votes.organisation_id.not_in(others))
    return entitled, db.session.execute(query).all()


def tallies(draft_id: int, paragraph_ids: list[int | None]) -> dict[int | None, Tally]:
    """Counts per question of a draft (key None: the whole draft), two queries.

    The counting query reads only the covering index `ix_vote_tally`, so a draft
    with 100 organisations x 200 paragraphs of votes stays cheap."""
    votes = Vote.__table__.c
    wanted = [pid for pid in paragraph_ids if pid is not None]
    asked: ColumnElement[bool] = votes.paragraph_id.in_(wanted)
    if len(wanted) < len(paragraph_ids):
        asked = asked | votes.paragraph_id.is_(None)
    entitled, rows = _counted(draft_id, votes.paragraph_id, votes.amendment_id.is_(None), asked)
    result = {pid: Tally(entitled=entitled) for pid in paragraph_ids}
    for paragraph_id, choice, count in rows:
        if paragraph_id in result:
            result[paragraph_id].counts[choice] = count
    return result


_votes, _organisations = Vote.__table__, Organisation.__table__
_entitled = _organisations.c.is_member.is_(True) & _organisations.c.is_active.is_(True)


def _tally_of_one(question):
    """Entitled organisations and the counts of one question, as one row (an aggregate without GROUP BY)."""
    return (
        select(
            select(func.count()).select_from(_organisations).where(_entitled).scalar_subquery(),
            *(func.count(case((_votes.c.choice == choice, 1))) for choice in Choice),
        )
        .select_from(_votes.join(_organisations, _organisations.c.id == _votes.c.organisation_id))
        .where(_votes.c.draft_id == bindparam("draft_id"), question, _entitled)
    )


_TALLY_PARAGRAPH = _tally_of_one(_votes.c.paragraph_id == bindparam("paragraph_id"))
_TALLY_AMENDMENT = _tally_of_one(_votes.c.amendment_id == bindparam("amendment_id"))
_TALLY_WHOLE = _tally_of_one(_votes.c.paragraph_id.is_(None) & _votes.c.amendment_id.is_(None))


def tally(draft_id: int, paragraph_id: int | None, amendment_id: int | None = None) -> Tally:
    """The counts of one question (None: the whole draft; or the amendment `amendment_id`), as `tallies`
    counts them, in one query (the answer to a vote shows one box)."""
    if amendment_id is not None:
        statement, params = _TALLY_AMENDMENT, {"draft_id": draft_id, "amendment_id": amendment_id}
    elif paragraph_id is None:
        statement, params = _TALLY_WHOLE, {"draft_id": draft_id}
    else:
        statement, params = _TALLY_PARAGRAPH, {"draft_id": draft_id, "paragraph_id": paragraph_id}
    entitled, *counts = db.session.connection().execute(statement, params).one()
    return Tally(counts={choice.value: n for choice, n in zip(Choice, counts, strict=True)}, entitled=entitled)


def choices_of(organisation_id: int | None, draft_id: int, paragraph_id=_UNSET) -> dict[int | None, str]:
    """The organisation's current choice ("yes", "no", "abstain") per question of the draft,
    or only for one question when `paragraph_id` is given (None: the whole draft); one query."""
    if organisation_id is None:
        return {}
    votes = Vote.__table__.c
    query = select(votes.paragraph_id, votes.choice).where(
        votes.draft_id == draft_id, votes.amendment_id.is_(None), votes.organisation_id == organisation_id
    )
    if paragraph_id is not _UNSET:
        query = query.where(
            votes.paragraph_id.is_(None) if paragraph_id is None else votes.paragraph_id == paragraph_id
        )
    return {pid: choice for pid, choice in db.session.execute(query)}


def question_choices(draft_id: int, paragraph_id: int | None, amendment_id: int | None) -> dict[int, str]:
    """Every organisation's current choice on one question (organisation id -> choice), as `choices_of` /
    `amendment_choices_of` read one organisation's; one query. The live screens read it once per tally
    revision instead of one organisation's choice per poll."""
    votes = Vote.__table__.c
    query = select(votes.organisation_id, votes.choice).where(
        votes.draft_id == draft_id, question_filter(paragraph_id, amendment_id)
    )
    return {organisation_id: choice for organisation_id, choice in db.session.execute(query)}


def amendment_tallies(draft_id: int) -> dict[int, Tally]:
    """Counts per amendment question of a draft (amendment id -> Tally), two queries whatever their number.
    A question nobody voted on yet reads as an empty tally."""
    votes = Vote.__table__.c
    entitled, rows = _counted(draft_id, votes.amendment_id, votes.amendment_id.is_not(None))
    result: dict[int, Tally] = _EntitledTallies(entitled)
    for amendment_id, choice, count in rows:
        result[amendment_id].counts[choice] = count
    return result


class _EntitledTallies(dict):
    """Tallies by question that answer an empty tally (with the entitled count) for a question without votes."""

    def __init__(self, entitled: int):
        super().__init__()
        self.entitled = entitled

    def __missing__(self, key):
        tally = self[key] = Tally(entitled=self.entitled)
        return tally


def amendment_choices_of(organisation_id: int | None, draft_id: int, amendment_id: int | None = None) -> dict[int, str]:
    """The organisation's current choice per amendment question of the draft (or only on `amendment_id`); one query."""
    if organisation_id is None:
        return {}
    votes = Vote.__table__.c
    query = select(votes.amendment_id, votes.choice).where(
        votes.draft_id == draft_id, votes.amendment_id.is_not(None), votes.organisation_id == organisation_id
    )
    if amendment_id is not None:
        query = query.where(votes.amendment_id == amendment_id)
    return {aid: choice for aid, choice in db.session.execute(query)}


def signature(entitled: tuple[int, tuple[int, ...]]) -> tuple[int, int, int]:
    """`entitlement()` in three numbers (entitled, how many others, the sum of their ids), as the feed reads it
    in its one query (`feed_state`): who counts is part of what a tally sheet and its ETag name."""
    count, others = entitled
    return count, len(others), sum(others)


@dataclass(frozen=True)
class TallySheet:
    """Every question's counts of one draft as of one tally revision: what the vote boxes of its pages show and
    what polling pages ask for (`votes.views.tallies`)."""

    draft_id: int
    revision: int
    entitled: tuple[int, int, int]  # signature()
    counts: dict[tuple[int | None, int | None], dict[str, int]]  # (paragraph id, amendment id) -> counts

    @property
    def etag(self) -> str:
        return tally_etag(self.draft_id, self.revision, self.entitled)

    def tally(self, paragraph_id: int | None, amendment_id: int | None = None) -> Tally:
        """A fresh Tally of one question (None, None: the whole draft); empty when nobody voted on it yet."""
        counts = self.counts.get((paragraph_id if amendment_id is None else None, amendment_id))
        return Tally(counts=dict(counts), entitled=self.entitled[0]) if counts else Tally(entitled=self.entitled[0])

    def shown(self, key: str) -> tuple[int, int, int]:
        """(yes, no, abstain) of the question with this vote-box key ("whole", "<paragraph id>", "a<id>")."""
        return self._by_key.get(key, (0, 0, 0))

    @cached_property
    def _by_key(self) -> dict[str, tuple[int, int, int]]:
        by_key: dict[str, tuple[int, int, int]] = {}
        for (paragraph_id, amendment_id), counts in self.counts.items():
            key = f"a{amendment_id}" if amendment_id is not None else str(paragraph_id or "whole")
            by_key[key] = (counts[Choice.YES.value], counts[Choice.NO.value], counts[Choice.ABSTAIN.value])
        return by_key

    def as_json(self) -> dict:
        """{"questions": {"whole" | "<paragraph id>" | "a<amendment id>": [yes, no, abstain]}, "entitled": n}:
        keyed as the vote boxes are (`vote-<key>`); a question nobody voted on is left out."""
        return {"entitled": self.entitled[0], "questions": {key: list(n) for key, n in self._by_key.items()}}


def tally_etag(draft_id: int, tally_revision: int, entitled: tuple[int, int, int]) -> str:
    """The ETag of the draft's tallies: its tally revision and who counts."""
    return "t{}.{}.{}.{}.{}".format(draft_id, tally_revision, *entitled)


def tally_sheet(draft_id: int, tally_revision: int, entitled: tuple[int, int, int]) -> TallySheet:
    """The draft's tally sheet as of `tally_revision` (read from the draft row first) and `entitled`
    (`signature()`): counted once per process, revision and entitlement (one query), then kept until the next
    vote. Every vote raises the tally revision in its own transaction, so a sheet is never older than its
    revision (one counted while a later vote commits may be newer, which is harmless: the next revision counts
    again). Kept per app: tests run several apps on different databases in one process."""
    sheets = current_app.extensions.setdefault("consult_tally_sheets", {})
    known = sheets.get(draft_id)
    if known is not None and known.revision == tally_revision and known.entitled == entitled:
        return known
    query = (
        select(_votes.c.paragraph_id, _votes.c.amendment_id, _votes.c.choice, func.count())
        .select_from(_votes.join(_organisations, _organisations.c.id == _votes.c.organisation_id))
        .where(_votes.c.draft_id == draft_id, _entitled)
        .group_by(_votes.c.paragraph_id, _votes.c.amendment_id, _votes.c.choice)
    )
    counts: dict[tuple[int | None, int | None], dict[str, int]] = {}
    for paragraph_id, amendment_id, choice, n in db.session.execute(query):
        counts.setdefault((paragraph_id, amendment_id), {c.value: 0 for c in Choice})[choice] = n
    sheet = sheets[draft_id] = TallySheet(draft_id, tally_revision, entitled, counts)
    return sheet


_draft = Draft.__table__
_others = ~_entitled
# The feed's one query: what decides who may read the draft's tallies, its tally revision and who counts.
_FEED_STATE = select(
    _draft.c.id,
    _draft.c.phase,
    _draft.c.is_public,
    _draft.c.tally_revision,
    select(func.count()).select_from(_organisations).where(_entitled).scalar_subquery().label("entitled"),
    select(func.count()).select_from(_organisations).where(_others).scalar_subquery().label("others"),
    select(func.coalesce(func.sum(_organisations.c.id), 0)).where(_others).scalar_subquery().label("others_sum"),
).where(_draft.c.slug == bindparam("slug"))


@dataclass(frozen=True)
class FeedState:
    """What the tally feed reads of a draft (`can_view_draft` reads phase and is_public)."""

    id: int
    phase: Phase
    is_public: bool
    tally_revision: int
    entitled: tuple[int, int, int]


def feed_state(slug: str) -> FeedState | None:
    """The draft with this slug as the tally feed needs it, or None; one query."""
    row = db.session.connection().execute(_FEED_STATE, {"slug": slug}).first()
    if row is None:
        return None
    return FeedState(row.id, row.phase, row.is_public, row.tally_revision, (row.entitled, row.others, row.others_sum))
