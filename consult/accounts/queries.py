"""Read-only questions about people and their roles."""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select

from consult.accounts.models import Role, User, UserRole
from consult.extensions import db


def moderator_organisations() -> frozenset[int | None]:
    """The organisations of the active moderators (None: a moderator without organisation).

    One query, remembered for the rest of the request: the moderation queue asks it for every item.
    """
    if has_request_context() and "moderator_organisations" in g:
        return g.moderator_organisations
    found = frozenset(
        db.session.scalars(
            select(User.organisation_id)
            .distinct()
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.MODERATOR, User.is_active_account.is_(True))
        )
    )
    if has_request_context():
        g.moderator_organisations = found
    return found
