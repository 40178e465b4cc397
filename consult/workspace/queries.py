"""Who sees an organisation's internal drafts: the one rule, as a predicate and as a query filter.

Every workspace route loads internal drafts through `visible_to` and checks `can_see_internal` first;
nothing outside this area reads the workspace's tables (the areas below never import them), so an
internal draft, its internal comments and agreements reach nobody outside the organisation by any path.
"""

from __future__ import annotations

from sqlalchemy import false, select
from sqlalchemy.orm import selectinload

from consult.accounts.models import Role, User, UserRole
from consult.accounts.permissions import speaks_for_member_organisation
from consult.drafts.models import Draft, ParagraphText, Version, VersionStatus
from consult.drafts.permissions import can_view_draft
from consult.extensions import db
from consult.workspace.models import InternalAgreement, InternalAuthor, InternalDraft, InternalStatus


def can_see_internal(user, draft: Draft) -> bool:
    """Delegates of an active member organisation, on a draft they see: they see their own organisation's
    internal drafts of it. Nobody else does — not moderators, the board or admins (unless they are also such a
    delegate, and then only their own organisation's): an internal draft is the organisation's until it
    submits it."""
    return speaks_for_member_organisation(user) and can_view_draft(user, draft)


def visible_to(user):
    """The SQL filter on `InternalDraft` matching `can_see_internal`'s organisation part: the person's own
    organisation's internal drafts, and none for anyone who does not speak for an active member
    organisation."""
    if not speaks_for_member_organisation(user):
        return false()
    return InternalDraft.organisation_id == user.organisation_id


def internal_draft(user, draft: Draft, internal_id: int) -> InternalDraft | None:
    """The internal draft `internal_id` of `draft`, if `user` may see it (else None: the view answers 404,
    for other organisations, moderators, the board and admins alike)."""
    if not can_see_internal(user, draft):
        return None
    return db.session.scalar(
        select(InternalDraft)
        .where(InternalDraft.id == internal_id, InternalDraft.draft_id == draft.id, visible_to(user))
        .options(
            selectinload(InternalDraft.authors).joinedload(InternalAuthor.user),
            selectinload(InternalDraft.agreements).joinedload(InternalAgreement.user),
        )
    )


def internal_drafts(user, draft: Draft) -> list[InternalDraft]:
    """The internal drafts of `user`'s organisation on `draft`, open ones first, newest first within each state
    (a fixed number of queries)."""
    if not can_see_internal(user, draft):
        return []
    order = {InternalStatus.OPEN: 0, InternalStatus.SUBMITTED: 1, InternalStatus.DISCARDED: 2}
    rows = db.session.scalars(
        select(InternalDraft)
        .where(InternalDraft.draft_id == draft.id, visible_to(user))
        .options(
            selectinload(InternalDraft.authors).joinedload(InternalAuthor.user), selectinload(InternalDraft.agreements)
        )
        .order_by(InternalDraft.created_at.desc(), InternalDraft.id.desc())
    ).all()
    return sorted(rows, key=lambda row: order[row.status])


def positions(draft: Draft, paragraph_ids) -> dict[int, int]:
    """Paragraph id -> its number (§) in the draft's current version (one query)."""
    ids = sorted(set(paragraph_ids))
    if not ids:
        return {}
    current = (
        select(Version.id)
        .where(Version.draft_id == draft.id, Version.status == VersionStatus.PUBLISHED)
        .order_by(Version.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    return dict(
        db.session.execute(
            select(ParagraphText.paragraph_id, ParagraphText.position).where(
                ParagraphText.version_id == current, ParagraphText.paragraph_id.in_(ids)
            )
        ).all()
    )


def colleagues(user) -> list[User]:
    """The other active delegates of `user`'s organisation: who is asked to agree."""
    if user.organisation_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.organisation_id == user.organisation_id,
                User.id != user.id,
                User.is_active_account,
                UserRole.role == Role.DELEGATE,
            )
            .order_by(User.name, User.id)
        ).unique()
    )
