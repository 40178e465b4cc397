"""What waits for the moderation: held comments, submitted amendments, open reports (fixed number of queries)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload

from consult.amendments.models import Amendment, AmendmentStatus
from consult.amendments.queries import PUBLISHED
from consult.comments.models import Comment, CommentStatus
from consult.drafts.models import Draft, Paragraph, ParagraphText, Version, VersionStatus
from consult.extensions import db
from consult.moderation.models import Report, ReportStatus

KINDS = ("comment", "amendment", "report")


@dataclass
class QueueItem:
    kind: str
    obj: object
    draft: Draft
    paragraph_id: int | None
    since: datetime
    position: int | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.obj.id}"

    @property
    def content(self):
        """What a decision on this item decides on: the comment or amendment itself, or what a report is about."""
        return self.obj.content if self.kind == "report" else self.obj


# Comments in the discussion of an amendment still collecting support wait until it is published: the
# moderation does not see unpublished amendments of other organisations (consult.amendments.queries.visible_to).
_ON_PUBLISHED = or_(Comment.amendment_id.is_(None),
                    exists().where(Amendment.id == Comment.amendment_id, PUBLISHED))


def _comments(draft_id: int | None):
    query = (select(Comment, Paragraph.draft_id).join(Paragraph, Comment.paragraph_id == Paragraph.id)
             .options(joinedload(Comment.author), joinedload(Comment.organisation))
             .where(Comment.status == CommentStatus.PENDING, _ON_PUBLISHED))
    if draft_id is not None:
        query = query.where(Paragraph.draft_id == draft_id)
    return db.session.execute(query).unique().all()


def _amendments(draft_id: int | None):
    # One with a procedural recommendation no longer needs the moderation: consent or the vote decides it.
    query = (select(Amendment).options(joinedload(Amendment.organisation))
             .where(Amendment.status == AmendmentStatus.SUBMITTED, PUBLISHED, Amendment.recommendation.is_(None)))
    if draft_id is not None:
        query = query.where(Amendment.draft_id == draft_id)
    return db.session.scalars(query).unique().all()


def _reports(draft_id: int | None):
    query = (select(Report).options(joinedload(Report.comment).joinedload(Comment.organisation),
                                    joinedload(Report.amendment).joinedload(Amendment.organisation),
                                    joinedload(Report.reporter))
             .where(Report.status == ReportStatus.OPEN))
    if draft_id is not None:
        query = query.where(Report.draft_id == draft_id)
    return db.session.scalars(query).unique().all()


def _positions(paragraph_ids: set[int]) -> dict[int, int]:
    """The number (§) of each paragraph in its draft's latest published version (one query)."""
    if not paragraph_ids:
        return {}
    rows = db.session.execute(
        select(ParagraphText.paragraph_id, ParagraphText.position)
        .join(Version, ParagraphText.version_id == Version.id)
        .where(ParagraphText.paragraph_id.in_(sorted(paragraph_ids)), Version.status == VersionStatus.PUBLISHED)
        .order_by(Version.number))
    return dict(rows.all())  # later versions overwrite earlier ones


def waiting(draft_id: int | None = None, kind: str | None = None) -> list[QueueItem]:
    """Everything that waits, oldest first; at most five queries, however many items."""
    drafts = {d.id: d for d in db.session.scalars(select(Draft))}
    items: list[QueueItem] = []
    if kind in (None, "comment"):
        items += [QueueItem("comment", c, drafts[d], c.paragraph_id, c.created_at) for c, d in _comments(draft_id)]
    if kind in (None, "amendment"):
        items += [QueueItem("amendment", a, drafts[a.draft_id], a.paragraph_id, a.created_at)
                  for a in _amendments(draft_id)]
    if kind in (None, "report"):
        items += [QueueItem("report", r, drafts[r.draft_id],
                            (r.comment or r.amendment).paragraph_id if (r.comment or r.amendment) else None,
                            r.created_at) for r in _reports(draft_id)]
    positions = _positions({i.paragraph_id for i in items if i.paragraph_id is not None})
    for item in items:
        item.position = positions.get(item.paragraph_id)
    items.sort(key=lambda i: (i.since, i.kind, i.obj.id))
    return items


def waiting_count() -> int:
    """How many items wait, for the navigation (one query)."""
    comments = select(func.count()).select_from(Comment).where(Comment.status == CommentStatus.PENDING, _ON_PUBLISHED)
    amendments = select(func.count()).select_from(Amendment).where(Amendment.status == AmendmentStatus.SUBMITTED,
                                                                   PUBLISHED, Amendment.recommendation.is_(None))
    reports = select(func.count()).select_from(Report).where(Report.status == ReportStatus.OPEN)
    return db.session.scalar(select(comments.scalar_subquery() + amendments.scalar_subquery()
                                    + reports.scalar_subquery()))


def recommended(draft_id: int | None = None) -> list[QueueItem]:
    """Amendments with a procedural recommendation that wait for consent or the vote, oldest recommendation
    first: no longer in the queue, but shown under it, so that a moderator can still change the recommendation
    until voting begins (two queries)."""
    query = (select(Amendment).options(joinedload(Amendment.organisation), joinedload(Amendment.recommended_by),
                                       joinedload(Amendment.draft))
             .where(Amendment.status == AmendmentStatus.SUBMITTED, Amendment.recommendation.is_not(None))
             .order_by(Amendment.recommended_at, Amendment.id))
    if draft_id is not None:
        query = query.where(Amendment.draft_id == draft_id)
    items = [QueueItem("amendment", a, a.draft, a.paragraph_id, a.recommended_at)
             for a in db.session.scalars(query).unique()]
    positions = _positions({i.paragraph_id for i in items})
    for item in items:
        item.position = positions.get(item.paragraph_id)
    return items


def drafts_for_filter() -> list[Draft]:
    return list(db.session.scalars(select(Draft).order_by(Draft.title)))
