"""A draft and one paragraph of its current version as a single row, for requests that only check and write.

The vote POST needs of its draft only what the permission predicates read (phase,
visibility, the deadline of the current phase) and, for a paragraph, its place and
text in the current version. Loading the draft and its deadlines as objects and then
the paragraph text costs more than the vote itself; one prepared statement does it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort
from sqlalchemy import bindparam, select

from consult.drafts.models import Draft, DraftDeadline, ParagraphText, Phase, Version, VersionStatus
from consult.drafts.permissions import can_view_draft
from consult.extensions import db


@dataclass(frozen=True)
class DraftState:
    """What `can_view_draft` and `phase_is_open` read of a draft, without its objects."""

    id: int
    slug: str
    phase: Phase
    is_public: bool
    current_deadline: datetime | None


@dataclass(frozen=True)
class CurrentText:
    """A paragraph as it reads in its draft's current version (the fields of `ParagraphText` a vote reads)."""

    paragraph_id: int
    position: int
    text: str


_draft, _deadline, _version, _text = (
    Draft.__table__,
    DraftDeadline.__table__,
    Version.__table__,
    ParagraphText.__table__,
)
_current_version = (
    select(_version.c.id)
    .where(_version.c.draft_id == _draft.c.id, _version.c.status == VersionStatus.PUBLISHED)
    .order_by(_version.c.number.desc())
    .limit(1)
    .scalar_subquery()
)
_current_deadline = (
    select(_deadline.c.ends_at)
    .where(_deadline.c.draft_id == _draft.c.id, _deadline.c.phase == _draft.c.phase)
    .scalar_subquery()
)
# Built once: the statement's cache key is then computed once, not on every request.
_DRAFT_AND_TEXT = (
    select(
        _draft.c.id,
        _draft.c.slug,
        _draft.c.phase,
        _draft.c.is_public,
        _current_deadline.label("deadline"),
        _text.c.position,
        _text.c.text,
    )
    .select_from(
        _draft.outerjoin(
            _text, (_text.c.version_id == _current_version) & (_text.c.paragraph_id == bindparam("paragraph_id"))
        )
    )
    .where(_draft.c.slug == bindparam("slug"))
)


def draft_state_columns() -> tuple:
    """The columns `draft_state` reads (the draft table's, and its current deadline), for statements that read
    a draft's state beside other facts in the same query (`consult.live.queries.live_state`)."""
    return (_draft.c.id, _draft.c.slug, _draft.c.phase, _draft.c.is_public, _current_deadline.label("deadline"))


def draft_state(row) -> DraftState:
    """The `DraftState` of a row with `draft_state_columns()`."""
    return DraftState(id=row.id, slug=row.slug, phase=row.phase, is_public=row.is_public, current_deadline=row.deadline)


def draft_and_text(slug: str, paragraph_id: int | None) -> tuple[DraftState, CurrentText | None] | None:
    """The draft with this slug and, unless `paragraph_id` is None, that paragraph in the draft's
    current version (None when it is not in it); None when there is no such draft. One query."""
    row = db.session.connection().execute(_DRAFT_AND_TEXT, {"slug": slug, "paragraph_id": paragraph_id}).first()
    if row is None:
        return None
    draft = DraftState(
        id=row.id, slug=row.slug, phase=row.phase, is_public=row.is_public, current_deadline=row.deadline
    )
    text = None  # no paragraph asked for, or not in the current version: no position read
    if paragraph_id is not None and row.position is not None:
        text = CurrentText(paragraph_id, row.position, row.text)
    return draft, text


def visible_draft_and_text_or_404(slug: str, paragraph_id: int | None, user) -> tuple[DraftState, CurrentText | None]:
    """`draft_and_text`, or 404 when the draft does not exist or `user` may not see it
    (as `consult.drafts.services.visible_draft_or_404`)."""
    found = draft_and_text(slug, paragraph_id)
    if found is None or not can_view_draft(user, found[0]):
        abort(404)
    return found
