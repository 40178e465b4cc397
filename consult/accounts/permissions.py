"""Who takes part on behalf of an organisation."""
from __future__ import annotations

from consult.accounts.models import Role


def speaks_for_member_organisation(user) -> bool:
    """A signed-in delegate whose organisation is an active member: only they comment and vote."""
    if not user.is_authenticated or not user.has_role(Role.DELEGATE):
        return False
    organisation = user.organisation
    return organisation is not None and organisation.is_member and organisation.is_active


def is_moderator(user) -> bool:
    return user.is_authenticated and user.has_role(Role.MODERATOR)
