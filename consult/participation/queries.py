"""Who has taken part in a draft: per active member organisation, its comments, amendments, supports and votes.

What counts is what the public and moderation rules make an organisation's contribution: published comments
(not held, rejected or withdrawn), amendments that are published and not withdrawn or hidden, supports of such
amendments, and votes. An organisation's internal drafts (consult.workspace) are never read here: they are not
a contribution until submitted, when they become a comment or an amendment like any other.

"Responded" depends on the phase asked about: in commenting and editing any counted comment, amendment or
support on the draft; in voting any vote on the draft. Everything is read in a fixed number of grouped queries,
however many organisations and paragraphs there are (`overview`: eight).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import CompoundSelect, Select, func, select, union

from consult.amendments.models import Amendment, AmendmentStatus, AmendmentSupport
from consult.amendments.queries import PUBLISHED
from consult.comments.models import Comment, CommentStatus
from consult.drafts.models import Draft, Paragraph, ParagraphText, Phase, Version, VersionStatus
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.participation.models import Reminder
from consult.votes.models import Vote

# The phases the overview is asked about; editing counts as commenting does (amendments may still come in).
PHASES = (Phase.COMMENTING, Phase.EDITING, Phase.VOTING)
# The phases an organisation is reminded in: the ones with something to do before a deadline.
REMINDER_PHASES = (Phase.COMMENTING, Phase.VOTING)
# An amendment counts as the organisation's contribution while the public sees it.
COUNTED_AMENDMENT = PUBLISHED & Amendment.status.not_in([AmendmentStatus.WITHDRAWN, AmendmentStatus.HIDDEN])


def overview_phase(draft: Draft, asked: str | None) -> Phase:
    """The phase the overview shows: the one asked for (?phase=) when it is one of PHASES, else the draft's
    current phase; before commenting that is commenting, after voting voting."""
    if asked in {p.value for p in PHASES}:
        return Phase(asked)
    if draft.phase in PHASES:
        return draft.phase
    return Phase.COMMENTING if draft.phase == Phase.PREPARATION else Phase.VOTING


def counts_votes(phase: Phase) -> bool:
    return phase == Phase.VOTING


@dataclass(frozen=True)
class Column:
    """A paragraph of the current version: its id and § number."""

    paragraph_id: int
    position: int
    heading: bool


@dataclass
class OrganisationParticipation:
    """What one organisation did on the draft (see the module's rules)."""

    id: int
    name: str
    short_name: str
    comments: dict[int, int] = field(default_factory=dict)  # paragraph id -> published comments
    proposed: dict[int, list[int]] = field(default_factory=dict)  # paragraph id -> amendment ids
    supported: dict[int, list[int]] = field(default_factory=dict)  # paragraph id -> amendment ids
    votes: dict[int | None, int] = field(default_factory=dict)  # paragraph id (None: whole text) -> votes
    voted_amendments: list[int] = field(default_factory=list)
    last_contribution: datetime | None = None  # comment, amendment or support
    last_vote: datetime | None = None
    last_reminded: date | None = None
    responded: bool = False

    @property
    def comment_count(self) -> int:
        return sum(self.comments.values())

    @property
    def vote_count(self) -> int:
        return sum(self.votes.values()) + len(self.voted_amendments)

    @property
    def proposed_ids(self) -> list[int]:
        return sorted(i for ids in self.proposed.values() for i in ids)

    @property
    def supported_ids(self) -> list[int]:
        return sorted(i for ids in self.supported.values() for i in ids)

    def last_acted(self, phase: Phase) -> datetime | None:
        return self.last_vote if counts_votes(phase) else self.last_contribution


@dataclass
class Overview:
    draft: Draft
    phase: Phase
    columns: list[Column]
    organisations: list[OrganisationParticipation]
    amendment_paragraphs: dict[int, int] = field(default_factory=dict)  # amendment voted on -> its paragraph

    @property
    def responded(self) -> int:
        return sum(1 for o in self.organisations if o.responded)

    @property
    def not_responded(self) -> list[OrganisationParticipation]:
        return [o for o in self.organisations if not o.responded]


def sort_key(name: str) -> tuple[str, str]:
    """Names in dictionary order, the same on every database: "Ärzte" beside "Arbeit", not after "Z"."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)), name


def active_members() -> list[OrganisationParticipation]:
    """The active member organisations, by name (one query)."""
    o = Organisation.__table__.c
    rows = db.session.execute(select(o.id, o.name, o.short_name).where(o.is_member.is_(True), o.is_active.is_(True)))
    result = [OrganisationParticipation(r.id, r.name, r.short_name) for r in rows]
    result.sort(key=lambda org: (sort_key(org.name), org.id))
    return result


def current_columns(draft_id: int) -> list[Column]:
    """The paragraphs of the draft's current (latest published) version in order (one query)."""
    latest = (
        select(Version.id)
        .where(Version.draft_id == draft_id, Version.status == VersionStatus.PUBLISHED)
        .order_by(Version.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    t = ParagraphText.__table__.c
    rows = db.session.execute(
        select(t.paragraph_id, t.position, func.substr(func.ltrim(t.text), 1, 1))
        .where(t.version_id == latest)
        .order_by(t.position)
    )
    return [Column(pid, position, first == "#") for pid, position, first in rows]


def _max(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None or (b is not None and b > a) else a


def overview(draft: Draft, phase: Phase) -> Overview:
    """Every active member organisation's participation in `draft`, judged for `phase` (eight queries)."""
    organisations = active_members()
    by_id: dict[int | None, OrganisationParticipation] = {o.id: o for o in organisations}  # None: no organisation
    columns = current_columns(draft.id)

    comments = db.session.execute(
        select(Comment.organisation_id, Comment.paragraph_id, func.count(), func.max(Comment.created_at))
        .join(Paragraph, Paragraph.id == Comment.paragraph_id)
        .where(
            Paragraph.draft_id == draft.id,
            Comment.status == CommentStatus.PUBLISHED,
            Comment.organisation_id.is_not(None),
        )
        .group_by(Comment.organisation_id, Comment.paragraph_id)
    )
    for organisation_id, paragraph_id, n, last in comments:
        org = by_id.get(organisation_id)
        if org is not None:
            org.comments[paragraph_id] = n
            org.last_contribution = _max(org.last_contribution, last)

    amendments = db.session.execute(
        select(
            Amendment.organisation_id,
            Amendment.paragraph_id,
            Amendment.id,
            func.coalesce(Amendment.published_at, Amendment.created_at),
        ).where(Amendment.draft_id == draft.id, COUNTED_AMENDMENT, Amendment.organisation_id.is_not(None))
    )
    for organisation_id, paragraph_id, amendment_id, at in amendments:
        org = by_id.get(organisation_id)
        if org is not None:
            org.proposed.setdefault(paragraph_id, []).append(amendment_id)
            org.last_contribution = _max(org.last_contribution, at)

    supports = db.session.execute(
        select(AmendmentSupport.organisation_id, Amendment.paragraph_id, Amendment.id, AmendmentSupport.created_at)
        .join(Amendment, Amendment.id == AmendmentSupport.amendment_id)
        .where(Amendment.draft_id == draft.id, COUNTED_AMENDMENT)
    )
    for organisation_id, paragraph_id, amendment_id, at in supports:
        org = by_id.get(organisation_id)
        if org is not None:
            org.supported.setdefault(paragraph_id, []).append(amendment_id)
            org.last_contribution = _max(org.last_contribution, at)

    votes = db.session.execute(
        select(Vote.organisation_id, Vote.paragraph_id, Vote.amendment_id, Vote.cast_at, Amendment.paragraph_id)
        .outerjoin(Amendment, Amendment.id == Vote.amendment_id)
        .where(Vote.draft_id == draft.id)
    )
    amendment_paragraphs: dict[int, int] = {}
    for organisation_id, voted_paragraph_id, voted_amendment_id, at, amendment_paragraph in votes:
        org = by_id.get(organisation_id)
        if org is None:
            continue
        if voted_amendment_id is not None:
            assert amendment_paragraph is not None, "the vote's amendment is joined: its paragraph is read"
            amendment_paragraphs[voted_amendment_id] = amendment_paragraph
            org.voted_amendments.append(voted_amendment_id)
        else:
            org.votes[voted_paragraph_id] = org.votes.get(voted_paragraph_id, 0) + 1
        org.last_vote = _max(org.last_vote, at)

    reminded = db.session.execute(
        select(Reminder.organisation_id, func.max(Reminder.day))
        .where(Reminder.draft_id == draft.id)
        .group_by(Reminder.organisation_id)
    )
    for organisation_id, day in reminded:
        org = by_id.get(organisation_id)
        if org is not None:
            org.last_reminded = day

    for org in organisations:
        org.voted_amendments.sort()
        org.responded = (
            bool(org.votes or org.voted_amendments)
            if counts_votes(phase)
            else bool(org.comments or org.proposed or org.supported)
        )
    return Overview(draft, phase, columns, organisations, amendment_paragraphs)


def not_responded_ids(draft: Draft, phase: Phase) -> list[int]:
    """The active member organisations that have not responded in `phase` (by name): one query each for the
    organisations and for those that responded."""
    organisations = active_members()
    acted: Select | CompoundSelect
    if counts_votes(phase):
        acted = select(Vote.organisation_id).where(Vote.draft_id == draft.id)
    else:
        acted = union(
            select(Comment.organisation_id)
            .join(Paragraph, Paragraph.id == Comment.paragraph_id)
            .where(
                Paragraph.draft_id == draft.id,
                Comment.status == CommentStatus.PUBLISHED,
                Comment.organisation_id.is_not(None),
            ),
            select(Amendment.organisation_id).where(
                Amendment.draft_id == draft.id, COUNTED_AMENDMENT, Amendment.organisation_id.is_not(None)
            ),
            select(AmendmentSupport.organisation_id)
            .join(Amendment, Amendment.id == AmendmentSupport.amendment_id)
            .where(Amendment.draft_id == draft.id, COUNTED_AMENDMENT),
        )
    responded = set(db.session.scalars(acted))
    return [o.id for o in organisations if o.id not in responded]
