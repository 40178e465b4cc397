"""Read-only questions about comments: counts, threads and quoted passages, as a given person may see them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from consult.accounts.permissions import is_moderator
from consult.comments.models import Comment, CommentStatus
from consult.drafts.models import Paragraph
from consult.extensions import db


def published_count_by_draft(draft_ids: Iterable[int]) -> dict[int, int]:
    """Published comments per draft, in one query."""
    ids = list(draft_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Paragraph.draft_id, func.count(Comment.id))
        .join(Comment, Comment.paragraph_id == Paragraph.id)
        .where(Paragraph.draft_id.in_(ids), Comment.status == CommentStatus.PUBLISHED, Comment.amendment_id.is_(None))
        .group_by(Paragraph.draft_id)
    )
    return {draft_id: count for draft_id, count in rows}


def published_count_by_paragraph(draft_id: int, paragraph_ids: list[int] | None = None) -> dict[int, int]:
    """Published comments per paragraph of a draft (or of the given paragraphs), in one query."""
    query = (
        select(Comment.paragraph_id, func.count(Comment.id))
        .join(Paragraph, Comment.paragraph_id == Paragraph.id)
        .where(
            Paragraph.draft_id == draft_id, Comment.status == CommentStatus.PUBLISHED, Comment.amendment_id.is_(None)
        )
        .group_by(Comment.paragraph_id)
    )
    if paragraph_ids is not None:
        query = query.where(Comment.paragraph_id.in_(paragraph_ids))
    rows = db.session.execute(query)
    return {paragraph_id: count for paragraph_id, count in rows}


PAGE_SIZE = 20


def _visible(user):
    """Published comments, and withdrawn ones as markers; the author's and moderators' also held and rejected."""
    if is_moderator(user):
        return true()
    shown = [Comment.status.in_([CommentStatus.PUBLISHED, CommentStatus.WITHDRAWN])]
    if user.is_authenticated:
        shown.append(Comment.author_id == user.id)
    return or_(*shown)


@dataclass
class ThreadPage:
    comments: list[Comment]
    replies: dict[int, list[Comment]]
    page: int
    has_more: bool


def thread_page(user, paragraph_id: int, page: int = 1, amendment_id: int | None = None) -> ThreadPage:
    """One page of a paragraph's thread as `user` may see it: top-level comments oldest first,
    each with its replies (three queries, whatever the number of comments). With `amendment_id`:
    the discussion of that amendment instead of the paragraph's own thread. Each comment comes with
    the version it was written on, to mark comments on an earlier version."""
    page = max(1, page)
    top = list(
        db.session.scalars(
            select(Comment)
            .options(
                joinedload(Comment.author),
                joinedload(Comment.organisation),
                joinedload(Comment.version),
                selectinload(Comment.co_authors),
            )
            .where(
                Comment.paragraph_id == paragraph_id,
                Comment.parent_id.is_(None),
                _visible(user),
                Comment.amendment_id == amendment_id if amendment_id is not None else Comment.amendment_id.is_(None),
            )
            .order_by(Comment.created_at, Comment.id)
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        ).unique()
    )
    has_more = len(top) > PAGE_SIZE
    top = top[:PAGE_SIZE]
    replies: dict[int, list[Comment]] = {c.id: [] for c in top}
    if top:
        for reply in db.session.scalars(
            select(Comment)
            .options(
                joinedload(Comment.author),
                joinedload(Comment.organisation),
                joinedload(Comment.version),
                selectinload(Comment.co_authors),
            )
            .where(Comment.parent_id.in_(list(replies)), _visible(user))
            .order_by(Comment.created_at, Comment.id)
        ).unique():
            assert reply.parent_id is not None, "the query's condition"
            replies[reply.parent_id].append(reply)
    # A withdrawn comment without visible replies says nothing: leave it out.
    top = [
        c
        for c in top
        if c.status != CommentStatus.WITHDRAWN or replies[c.id] or c.author_id == getattr(user, "id", None)
    ]
    return ThreadPage(top, replies, page, has_more)


def visible_quotes(
    user, draft_id: int, paragraph_id: int | None = None, paragraph_ids: list[int] | None = None
) -> dict[int, list[dict]]:
    """The quoted passages of the comments `user` sees, per paragraph (of one paragraph, or of the given ones),
    for highlighting (one query)."""
    query = (
        select(Comment.paragraph_id, Comment.id, Comment.quote_exact, Comment.quote_prefix, Comment.quote_suffix)
        .join(Paragraph, Comment.paragraph_id == Paragraph.id)
        .where(
            Paragraph.draft_id == draft_id,
            Comment.quote_exact.is_not(None),
            Comment.status != CommentStatus.WITHDRAWN,
            _visible(user),
        )
        .order_by(Comment.id)
    )
    if paragraph_id is not None:
        query = query.where(Comment.paragraph_id == paragraph_id)
    if paragraph_ids is not None:
        query = query.where(Comment.paragraph_id.in_(paragraph_ids))
    rows = db.session.execute(query)
    quotes: dict[int, list[dict]] = {}
    for paragraph_id, comment_id, exact, prefix, suffix in rows:
        quotes.setdefault(paragraph_id, []).append(
            {"id": comment_id, "exact": exact, "prefix": prefix or "", "suffix": suffix or ""}
        )
    return quotes


def get_comment(comment_id: int) -> Comment | None:
    return db.session.get(Comment, comment_id)
