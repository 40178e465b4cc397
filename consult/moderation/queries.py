"""What waits for the moderation: held comments, submitted amendments, open reports (fixed number of queries).

The queue is shown in pages of `PAGE_SIZE` items (`waiting_page`): with 1,400 waiting items one page of
all of them was 2.7 MB. Which items a page holds is decided in the database (their kind, id and time,
ordered and cut there), and only those items are loaded with their authors, organisations and texts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, literal_column, or_, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from consult.amendments.models import Amendment, AmendmentStatus
from consult.amendments.queries import PUBLISHED
from consult.comments.models import Comment, CommentStatus
from consult.drafts.models import Draft, Paragraph, ParagraphText, Version, VersionStatus
from consult.extensions import db
from consult.moderation.models import Report, ReportStatus

KINDS = ("comment", "amendment", "report")
PAGE_SIZE = 50  # about 100 KB of HTML, 15 KB compressed


@dataclass
class QueueItem:
    kind: str
    obj: Comment | Amendment | Report
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
        return self.obj.content if isinstance(self.obj, Report) else self.obj


# Comments in the discussion of an amendment still collecting support wait until it is published: the
# moderation does not see unpublished amendments of other organisations (consult.amendments.queries.visible_to).
_ON_PUBLISHED = or_(Comment.amendment_id.is_(None), exists().where(Amendment.id == Comment.amendment_id, PUBLISHED))


def _waiting_comments(draft_id: int | None, *columns):
    query = (
        select(*columns)
        .join(Paragraph, Comment.paragraph_id == Paragraph.id)
        .where(Comment.status == CommentStatus.PENDING, _ON_PUBLISHED)
    )
    return query if draft_id is None else query.where(Paragraph.draft_id == draft_id)


def _waiting_amendments(draft_id: int | None, *columns):
    # One with a procedural recommendation no longer needs the moderation: consent or the vote decides it.
    query = select(*columns).where(
        Amendment.status == AmendmentStatus.SUBMITTED, PUBLISHED, Amendment.recommendation.is_(None)
    )
    return query if draft_id is None else query.where(Amendment.draft_id == draft_id)


def _open_reports(draft_id: int | None, *columns):
    query = select(*columns).where(Report.status == ReportStatus.OPEN)
    return query if draft_id is None else query.where(Report.draft_id == draft_id)


def _comments(draft_id: int | None, ids: list[int] | None = None):
    query = _waiting_comments(draft_id, Comment, Paragraph.draft_id).options(
        joinedload(Comment.author), joinedload(Comment.organisation), selectinload(Comment.co_authors)
    )
    if ids is not None:
        query = query.where(Comment.id.in_(ids))
    return db.session.execute(query).unique().all()


def _amendments(draft_id: int | None, ids: list[int] | None = None):
    query = _waiting_amendments(draft_id, Amendment).options(
        joinedload(Amendment.organisation), selectinload(Amendment.co_authors)
    )
    if ids is not None:
        query = query.where(Amendment.id.in_(ids))
    return db.session.scalars(query).unique().all()


def _reports(draft_id: int | None, ids: list[int] | None = None):
    query = _open_reports(draft_id, Report).options(
        joinedload(Report.comment).joinedload(Comment.organisation),
        joinedload(Report.comment).selectinload(Comment.co_authors),
        joinedload(Report.amendment).joinedload(Amendment.organisation),
        joinedload(Report.amendment).selectinload(Amendment.co_authors),
        joinedload(Report.reporter),
    )
    if ids is not None:
        query = query.where(Report.id.in_(ids))
    return db.session.scalars(query).unique().all()


def _positions(paragraph_ids: set[int]) -> dict[int, int]:
    """The number (§) of each paragraph in its draft's latest published version (one query)."""
    if not paragraph_ids:
        return {}
    rows = db.session.execute(
        select(ParagraphText.paragraph_id, ParagraphText.position)
        .join(Version, ParagraphText.version_id == Version.id)
        .where(ParagraphText.paragraph_id.in_(sorted(paragraph_ids)), Version.status == VersionStatus.PUBLISHED)
        .order_by(Version.number)
    )
    return dict(rows.all())  # later versions overwrite earlier ones


def waiting(
    draft_id: int | None = None, kind: str | None = None, ids: dict[str, list[int]] | None = None
) -> list[QueueItem]:
    """Everything that waits (or, with `ids`, those of it: kind -> ids), oldest first; at most five
    queries, however many items."""
    drafts = {d.id: d for d in db.session.scalars(select(Draft))}
    items: list[QueueItem] = []

    def wanted(name: str) -> bool:
        return kind in (None, name) and (ids is None or bool(ids.get(name)))

    def only(name: str) -> list[int] | None:
        return None if ids is None else ids[name]

    if wanted("comment"):
        items += [
            QueueItem("comment", c, drafts[d], c.paragraph_id, c.created_at)
            for c, d in _comments(draft_id, only("comment"))
        ]
    if wanted("amendment"):
        items += [
            QueueItem("amendment", a, drafts[a.draft_id], a.paragraph_id, a.created_at)
            for a in _amendments(draft_id, only("amendment"))
        ]
    if wanted("report"):
        items += [
            QueueItem(
                "report",
                r,
                drafts[r.draft_id],
                (r.comment or r.amendment).paragraph_id if (r.comment or r.amendment) else None,
                r.created_at,
            )
            for r in _reports(draft_id, only("report"))
        ]
    positions = _positions({i.paragraph_id for i in items if i.paragraph_id is not None})
    for item in items:
        item.position = None if item.paragraph_id is None else positions.get(item.paragraph_id)
    items.sort(key=lambda i: (i.since, i.kind, i.obj.id))
    return items


@dataclass
class QueuePage:
    """One page of the queue: its items, which page of how many, and how many items wait in all."""

    items: list[QueueItem]
    number: int
    pages: int
    total: int
    size: int = PAGE_SIZE

    @property
    def first(self) -> int:
        """The place in the queue of the page's first item (counted from 1)."""
        return (self.number - 1) * self.size + 1


def _keys(draft_id: int | None, kind: str | None):
    """Every waiting item as (kind, id, since), one subquery for all three kinds."""
    parts = []
    if kind in (None, "comment"):
        parts.append(
            _waiting_comments(
                draft_id,
                literal_column("'comment'").label("kind"),
                Comment.id.label("id"),
                Comment.created_at.label("since"),
            )
        )
    if kind in (None, "amendment"):
        parts.append(
            _waiting_amendments(
                draft_id,
                literal_column("'amendment'").label("kind"),
                Amendment.id.label("id"),
                Amendment.created_at.label("since"),
            )
        )
    if kind in (None, "report"):
        parts.append(
            _open_reports(
                draft_id,
                literal_column("'report'").label("kind"),
                Report.id.label("id"),
                Report.created_at.label("since"),
            )
        )
    return union_all(*parts).subquery("waiting")


def waiting_page(
    draft_id: int | None = None, kind: str | None = None, page: int = 1, size: int = PAGE_SIZE
) -> QueuePage:
    """Page `page` of what waits, oldest first, as `waiting` orders it; a page after the last is the
    last page (after decisions the queue gets shorter under a person's feet). Seven queries at most:
    the count, the page's keys, and `waiting` for those keys."""
    keys = _keys(draft_id, kind)
    total = db.session.execute(select(func.count()).select_from(keys)).scalar_one()
    pages = max(1, -(-total // size))
    number = min(max(1, page), pages)
    rows = db.session.execute(
        select(keys.c.kind, keys.c.id)
        .order_by(keys.c.since, keys.c.kind, keys.c.id)
        .offset((number - 1) * size)
        .limit(size)
    ).all()
    ids: dict[str, list[int]] = {name: [] for name in KINDS}
    for row_kind, row_id in rows:
        ids[row_kind].append(row_id)
    items = waiting(draft_id, kind, ids) if rows else []
    return QueuePage(items, number, pages, total, size)


def _parties():
    """Every waiting item's author and organisation as `can_decide_item` reads them (for a report: the
    reported content's), one subquery for all three kinds."""
    reported_author = func.coalesce(Comment.author_id, Amendment.author_id)
    reported_organisation = func.coalesce(Comment.organisation_id, Amendment.organisation_id)
    reports = (
        select(reported_author.label("author_id"), reported_organisation.label("organisation_id"))
        .select_from(Report)
        .where(Report.status == ReportStatus.OPEN)
        .outerjoin(Comment, Report.comment_id == Comment.id)
        .outerjoin(Amendment, Report.amendment_id == Amendment.id)
        .where(or_(Comment.id.is_not(None), Amendment.id.is_not(None)))
    )
    return union_all(
        _waiting_comments(None, Comment.author_id, Comment.organisation_id),
        _waiting_amendments(None, Amendment.author_id, Amendment.organisation_id),
        reports,
    ).subquery("parties")


def decidable_count(user, moderator: bool, moderator_organisations: frozenset) -> int:
    """How many waiting items `user` may decide, counted in the database (one query): what
    `can_decide_item` says item by item, for the navigation's count on every page. Nobody counts
    their own or their organisation's items; a moderator counts all others; a board member (not a
    moderator) only those of an organisation that no active moderator outside it can decide, i.e.
    all when there is no moderator, those of X when every moderator belongs to X, else none."""
    parties = _parties()
    query = (
        select(func.count())
        .select_from(parties)
        .where(or_(parties.c.author_id.is_(None), parties.c.author_id != user.id))
    )
    if user.organisation_id is not None:
        query = query.where(or_(parties.c.organisation_id.is_(None), parties.c.organisation_id != user.organisation_id))
    if not moderator and moderator_organisations:
        if None in moderator_organisations or len(moderator_organisations) > 1:
            return 0
        (only,) = moderator_organisations
        query = query.where(parties.c.organisation_id == only)
    return db.session.execute(query).scalar_one()


def waiting_count() -> int:
    """How many items wait, for the navigation (one query)."""
    comments = select(func.count()).select_from(Comment).where(Comment.status == CommentStatus.PENDING, _ON_PUBLISHED)
    amendments = (
        select(func.count())
        .select_from(Amendment)
        .where(Amendment.status == AmendmentStatus.SUBMITTED, PUBLISHED, Amendment.recommendation.is_(None))
    )
    reports = select(func.count()).select_from(Report).where(Report.status == ReportStatus.OPEN)
    return db.session.execute(
        select(comments.scalar_subquery() + amendments.scalar_subquery() + reports.scalar_subquery())
    ).scalar_one()


def recommended(draft_id: int | None = None) -> list[QueueItem]:
    """Amendments with a procedural recommendation that wait for consent or the vote, oldest recommendation
    first: no longer in the queue, but shown under it, so that a moderator can still change the recommendation
    until voting begins (two queries)."""
    query = (
        select(Amendment)
        .options(
            joinedload(Amendment.organisation),
            joinedload(Amendment.recommended_by),
            joinedload(Amendment.draft),
            selectinload(Amendment.co_authors),
        )
        .where(Amendment.status == AmendmentStatus.SUBMITTED, Amendment.recommendation.is_not(None))
        .order_by(Amendment.recommended_at, Amendment.id)
    )
    if draft_id is not None:
        query = query.where(Amendment.draft_id == draft_id)
    items = [_recommended_item(a) for a in db.session.scalars(query).unique()]
    positions = _positions({i.paragraph_id for i in items if i.paragraph_id is not None})
    for item in items:
        item.position = None if item.paragraph_id is None else positions.get(item.paragraph_id)
    return items


def _recommended_item(amendment: Amendment) -> QueueItem:
    assert amendment.recommended_at is not None, "a recommendation is recorded with its time"
    return QueueItem("amendment", amendment, amendment.draft, amendment.paragraph_id, amendment.recommended_at)


def drafts_for_filter() -> list[Draft]:
    return list(db.session.scalars(select(Draft).order_by(Draft.title)))
