"""The one document model every export format writes: title page, consolidated text, appendix.

`build_document(draft, version)` reads everything a document shows in a fixed
number of queries; the writers (markdown, html, pdf, docx) only format it, so
that every format says the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, union
from sqlalchemy.orm import joinedload, selectinload

from consult.amendments.models import (
    DECIDED,
    Amendment,
    AmendmentConsent,
    AmendmentStatus,
    AmendmentSupport,
    ConsentKind,
    DecidedHow,
)
from consult.comments.models import Comment, CommentStatus
from consult.core.db import utcnow
from consult.drafts.models import Draft, Paragraph, ParagraphText, Version, VersionConflict
from consult.drafts.services import paragraph_rows
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.results.queries import DraftResults, results
from consult.votes.models import Vote

FEDERATION = "Bundeskonferenz der Migrantenorganisationen"


@dataclass(frozen=True)
class Block:
    paragraph_id: int
    position: int
    markdown: str
    html: str  # rendered once when the version was built (line markers included)
    first_line: int
    line_count: int


@dataclass(frozen=True)
class DecidedAmendment:
    number: int
    position: int | None  # the paragraph's number in the document's version (None: not in it)
    kind: str  # replace / delete / insert
    status: str  # accepted / accepted_modified / rejected / merged / lapsed
    organisation: str  # "Name (KURZ)", or "" when the author's organisation is unknown
    base_text: str
    proposed_text: str | None
    adopted_text: str | None  # only when accepted in modified form
    justification: str
    reason: str | None
    decided_at: datetime | None
    paragraph_id: int = 0  # the paragraph it changes (for an insertion: the one it follows)
    inserted_paragraph_id: int | None = None  # an insertion taken up in a version: the paragraph it became
    supporters: tuple[str, ...] = ()  # co-signing organisations, "Name (KURZ)", in order of support
    decided_by: str = ""  # the person who decided it ("" when unknown)
    applied_in_version: int | None = None  # the number of the version that took it up
    # Where the organisations decide: how it was decided (moderators / consent / vote, "" unknown), the
    # moderation's procedural recommendation (who, when; "settled by amendment N") and the requests for a vote.
    decided_how: str = ""
    recommendation: str = ""  # accept / accept_modified / reject / merge, "" none
    recommended_by: str = ""
    recommended_at: datetime | None = None
    recommended_merge_into: int | None = None
    vote_requests: tuple[tuple[str, datetime], ...] = ()  # ("Name (KURZ)", when), oldest first
    # A lapsed one: why ("quorum" / "alternative", "" none) and the amendment whose adoption settled it; a member
    # of an alternatives set the organisations voted on: its place in the voting order and the set's size.
    lapse_reason: str = ""
    settled_by: int | None = None
    alternative_place: int | None = None
    alternatives: int = 0

    @property
    def adopted(self) -> bool:
        return self.status in ("accepted", "accepted_modified")

    @property
    def changed_paragraph_id(self) -> int | None:
        """The paragraph this amendment's adoption shaped: the new one for an insertion."""
        return self.inserted_paragraph_id if self.kind == "insert" else self.paragraph_id


@dataclass(frozen=True)
class ResolvedCollision:
    """Accepted amendments to one paragraph collided; the moderation wrote the common text (None: it
    removed the paragraph) in the version numbered `version`."""

    paragraph_id: int
    version: int
    amendment_numbers: tuple[int, ...]
    text: str | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class Document:
    federation: str
    draft: Draft
    version: Version
    adopted: bool
    dated: date
    blocks: tuple[Block, ...]
    results: DraftResults | None  # None before the voting phase
    amendments: tuple[DecidedAmendment, ...]
    organisations: tuple[Organisation, ...]  # those that took part: voted, commented or proposed
    collisions: tuple[ResolvedCollision, ...] = ()
    show_ballots: bool = False  # the appendix says which organisation voted how

    def changed_by(self, paragraph_id: int) -> tuple[DecidedAmendment, ...]:
        """The adopted amendments that shaped this paragraph (its insertion included), oldest first."""
        return tuple(a for a in self.amendments if a.adopted and a.changed_paragraph_id == paragraph_id)

    @property
    def rejected(self) -> tuple[DecidedAmendment, ...]:
        """Amendments not adopted (rejected, or merged into another), with their reasons."""
        return tuple(a for a in self.amendments if not a.adopted)

    @property
    def removed(self) -> tuple[DecidedAmendment, ...]:
        """Adopted deletions: their paragraphs are not in the document's text."""
        return tuple(a for a in self.amendments if a.adopted and a.kind == "delete")

    @property
    def positions(self) -> dict[int, int]:
        """Paragraph id -> its number (§) in the document's version."""
        return {block.paragraph_id: block.position for block in self.blocks}

    @property
    def filename_stem(self) -> str:
        """slug-YYYY-MM-DD (and -fassung-N for a preview): never user text unfiltered."""
        stem = f"{self.draft.slug}-{self.dated.isoformat()}"
        return stem if self.adopted else f"{stem}-fassung-{self.version.number}"


def _organisation_label(organisation: Organisation | None) -> str:
    return f"{organisation.name} ({organisation.short_name})" if organisation else ""


def _participants(draft: Draft) -> tuple[Organisation, ...]:
    voted = select(Vote.organisation_id).where(Vote.draft_id == draft.id)
    commented = (
        select(Comment.organisation_id)
        .join(Paragraph, Comment.paragraph_id == Paragraph.id)
        .where(Paragraph.draft_id == draft.id, Comment.status == CommentStatus.PUBLISHED)
    )
    proposed = select(Amendment.organisation_id).where(Amendment.draft_id == draft.id)
    ids = union(voted, commented, proposed).subquery()
    return tuple(
        db.session.scalars(
            select(Organisation).where(Organisation.id.in_(select(ids.c[0]))).order_by(Organisation.name)
        )
    )


def build_document(draft: Draft, version: Version | None = None) -> Document:
    """The adopted position (or, with `version`, a preview of that version) as a document."""
    adopted_id = draft.adopted_version_id if version is None else None
    adopted = adopted_id is not None
    if version is None:
        version = draft.versions[-1] if adopted_id is None else db.session.get_one(Version, adopted_id)
    rows = paragraph_rows(version)
    positions = {row.paragraph_id: row.position for row in rows}
    amendments = (
        db.session.scalars(
            select(Amendment)
            .options(
                joinedload(Amendment.organisation),
                joinedload(Amendment.decided_by),
                joinedload(Amendment.recommended_by),
                selectinload(Amendment.supports).joinedload(AmendmentSupport.organisation),
            )
            .where(Amendment.draft_id == draft.id, Amendment.status.in_(DECIDED), Amendment.published_at.is_not(None))
            .order_by(Amendment.id)
        )
        .unique()
        .all()
    )
    numbers: dict[int | None, int] = {v.id: v.number for v in draft.versions}  # None: applied in none
    requests = _vote_requests([a.id for a in amendments])
    sets = _voted_sets(amendments)
    decided = tuple(
        DecidedAmendment(
            number=a.id,
            position=positions.get(a.inserted_paragraph_id if a.inserted_paragraph_id else a.paragraph_id),
            kind=a.kind.value,
            status=a.status.value,
            organisation=_organisation_label(a.organisation),
            base_text=a.base_text,
            proposed_text=a.proposed_text,
            adopted_text=a.adopted_text,
            justification=a.justification,
            reason=a.decision_reason,
            decided_at=a.decided_at,
            paragraph_id=a.paragraph_id,
            inserted_paragraph_id=a.inserted_paragraph_id,
            supporters=tuple(_organisation_label(s.organisation) for s in a.supports),
            decided_by=a.decided_by.name if a.decided_by else "",
            applied_in_version=numbers.get(a.applied_in_version_id),
            decided_how=a.decided_how.value if a.decided_how else "",
            recommendation=a.recommendation.value if a.recommendation else "",
            recommended_by=a.recommended_by.name if a.recommended_by else "",
            recommended_at=a.recommended_at,
            recommended_merge_into=a.recommended_merge_into_id,
            vote_requests=requests.get(a.id, ()),
            lapse_reason=a.lapse_reason.value if a.lapse_reason else "",
            **_alternative_fields(a, sets),
        )
        for a in amendments
    )
    voting_started = draft.phase.value in ("voting", "adopted", "archived")
    moment = draft.adopted_at if adopted and draft.adopted_at else utcnow()
    return Document(
        federation=FEDERATION,
        draft=draft,
        version=version,
        adopted=adopted,
        dated=moment.date(),
        blocks=tuple(Block(r.paragraph_id, r.position, r.text, r.html, r.first_line, r.line_count) for r in rows),
        results=results(draft) if voting_started else None,
        amendments=decided,
        organisations=_participants(draft),
        collisions=_collisions(draft, version, numbers),
        show_ballots=draft.appendix_shows_ballots,
    )


def _voted_sets(amendments) -> dict[int, list[Amendment]]:
    """The alternatives sets the organisations voted on, from the decided amendments (no query): set id ->
    its members in voting order."""
    sets: dict[int, list[Amendment]] = {}
    for amendment in amendments:
        if amendment.alternative_set_id is not None and amendment.decided_how == DecidedHow.VOTE:
            sets.setdefault(amendment.alternative_set_id, []).append(amendment)
    for members in sets.values():
        members.sort(key=lambda a: (a.alternative_position or 0, a.id))
    return {set_id: members for set_id, members in sets.items() if len(members) > 1}


def _alternative_fields(amendment: Amendment, sets: dict[int, list[Amendment]]) -> dict:
    """An alternative's place in its set's voting order, the set's size, and for one that lapsed the winner."""
    members = sets.get(amendment.alternative_set_id) if amendment.alternative_set_id is not None else None
    if not members:
        return {}
    winner = next(
        (a.id for a in members if a.status in (AmendmentStatus.ACCEPTED, AmendmentStatus.ACCEPTED_MODIFIED)), None
    )
    return {
        "alternative_place": members.index(amendment) + 1,
        "alternatives": len(members),
        "settled_by": winner if amendment.status == AmendmentStatus.LAPSED else None,
    }


def _vote_requests(amendment_ids: list[int]) -> dict[int, tuple[tuple[str, datetime], ...]]:
    """Amendment id -> the organisations that asked for a vote on it, and when (one query)."""
    found: dict[int, list[tuple[str, datetime]]] = {}
    if amendment_ids:
        for row in db.session.scalars(
            select(AmendmentConsent)
            .options(joinedload(AmendmentConsent.organisation))
            .where(AmendmentConsent.amendment_id.in_(amendment_ids), AmendmentConsent.kind == ConsentKind.REQUEST_VOTE)
            .order_by(AmendmentConsent.created_at, AmendmentConsent.id)
        ):
            found.setdefault(row.amendment_id, []).append((_organisation_label(row.organisation), row.created_at))
    return {key: tuple(value) for key, value in found.items()}


def _collisions(draft: Draft, version: Version, numbers: dict[int | None, int]) -> tuple[ResolvedCollision, ...]:
    """The collisions resolved in the versions up to the document's, in order."""
    rows = db.session.scalars(
        select(VersionConflict)
        .join(Version, VersionConflict.version_id == Version.id)
        .where(Version.draft_id == draft.id, Version.number <= version.number, VersionConflict.resolved_at.is_not(None))
        .order_by(Version.number, VersionConflict.id)
    ).all()
    return tuple(
        ResolvedCollision(
            paragraph_id=c.paragraph_id,
            version=numbers.get(c.version_id, 0),
            amendment_numbers=tuple(c.amendment_ids or ()),
            text=c.resolved_text or None,
            resolved_at=c.resolved_at,
        )
        for c in rows
    )


def first_version_texts(draft: Draft) -> list[tuple[int, str]]:
    """(paragraph id, markdown) of version 1 in order: the base of the change document."""
    first = db.session.scalars(select(Version).where(Version.draft_id == draft.id, Version.number == 1)).one()
    return [
        (t.paragraph_id, t.text)
        for t in db.session.scalars(
            select(ParagraphText).where(ParagraphText.version_id == first.id).order_by(ParagraphText.position)
        )
    ]
