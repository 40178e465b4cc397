"""Read-only questions other screens ask about comments (counts of published comments)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

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
        .where(Paragraph.draft_id.in_(ids), Comment.status == CommentStatus.PUBLISHED)
        .group_by(Paragraph.draft_id)
    )
    return {draft_id: count for draft_id, count in rows}


def published_count_by_paragraph(draft_id: int) -> dict[int, int]:
    """Published comments per paragraph of a draft, in one query."""
    rows = db.session.execute(
        select(Comment.paragraph_id, func.count(Comment.id))
        .join(Paragraph, Comment.paragraph_id == Paragraph.id)
        .where(Paragraph.draft_id == draft_id, Comment.status == CommentStatus.PUBLISHED)
        .group_by(Comment.paragraph_id)
    )
    return {paragraph_id: count for paragraph_id, count in rows}
