"""Tallies and an organisation's current choices, each in one query."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from consult.extensions import db
from consult.organisations.models import Organisation
from consult.votes.models import Choice, Vote

WHOLE = None  # the key of the question on the whole draft


@dataclass
class Tally:
    counts: dict[Choice, int] = field(default_factory=lambda: {c: 0 for c in Choice})
    entitled: int = 0

    @property
    def voted(self) -> int:
        return sum(self.counts.values())


def entitled_count() -> int:
    """Organisations entitled to vote: active members."""
    return db.session.scalar(
        select(func.count()).select_from(Organisation).where(Organisation.is_member, Organisation.is_active))


def tallies(draft_id: int, paragraph_ids: list[int | None] | None = None) -> dict[int | None, Tally]:
    """Counts per question of a draft (key None: the whole draft); two queries."""
    entitled = entitled_count()
    query = (select(Vote.paragraph_id, Vote.choice, func.count())
             .join(Organisation, Organisation.id == Vote.organisation_id)
             .where(Vote.draft_id == draft_id, Organisation.is_member, Organisation.is_active)
             .group_by(Vote.paragraph_id, Vote.choice))
    result: dict[int | None, Tally] = {}
    if paragraph_ids is not None:
        result = {pid: Tally(entitled=entitled) for pid in paragraph_ids}
        wanted = [pid for pid in paragraph_ids if pid is not None]
        if None in paragraph_ids:
            query = query.where((Vote.paragraph_id.in_(wanted)) | (Vote.paragraph_id.is_(None)))
        else:
            query = query.where(Vote.paragraph_id.in_(wanted))
    for paragraph_id, choice, count in db.session.execute(query):
        result.setdefault(paragraph_id, Tally(entitled=entitled)).counts[choice] = count
    return result


def choices_of(organisation_id: int | None, draft_id: int) -> dict[int | None, Choice]:
    """The organisation's current choice per question of the draft (one query)."""
    if organisation_id is None:
        return {}
    rows = db.session.execute(
        select(Vote.paragraph_id, Vote.choice).where(Vote.draft_id == draft_id, Vote.organisation_id == organisation_id))
    return {paragraph_id: choice for paragraph_id, choice in rows}
