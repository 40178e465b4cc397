"""What the reading screens show, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from consult.comments.queries import published_count_by_draft
from consult.drafts.models import Draft, ParagraphText, Phase, Version, VersionStatus
from consult.drafts.permissions import can_view_draft
from consult.extensions import db

PHASE_ORDER = list(Phase)


@dataclass(frozen=True)
class DraftSummary:
    draft: Draft
    paragraph_count: int
    comment_count: int


def draft_summaries(user) -> list[DraftSummary]:
    """The drafts `user` may see, in phase order then title, with their counts (four queries)."""
    drafts = [d for d in db.session.scalars(select(Draft).order_by(Draft.title)) if can_view_draft(user, d)]
    ids = [d.id for d in drafts]
    if not ids:
        return []
    latest = (
        select(Version.draft_id, func.max(Version.number).label("number"))
        .where(Version.draft_id.in_(ids), Version.status == VersionStatus.PUBLISHED)
        .group_by(Version.draft_id)
        .subquery()
    )
    paragraph_counts = dict(
        db.session.execute(
            select(Version.draft_id, func.count(ParagraphText.id))
            .join(latest, (latest.c.draft_id == Version.draft_id) & (latest.c.number == Version.number))
            .join(ParagraphText, ParagraphText.version_id == Version.id)
            .group_by(Version.draft_id)
        ).all()
    )
    comment_counts = published_count_by_draft(ids)
    summaries = [DraftSummary(d, paragraph_counts.get(d.id, 0), comment_counts.get(d.id, 0)) for d in drafts]
    summaries.sort(key=lambda s: PHASE_ORDER.index(s.draft.phase))
    return summaries
