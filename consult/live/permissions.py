"""Who chairs a live session and who may check an organisation in."""

from __future__ import annotations

from consult.accounts.models import Role
from consult.accounts.permissions import speaks_for_member_organisation


def can_chair(user) -> bool:
    """The board and the moderators run the live session (the office): start it, order its agenda, open and
    close questions, set the quorum, and tick organisations on the check-in list."""
    return user.is_authenticated and (user.has_role(Role.BOARD) or user.has_role(Role.MODERATOR))


def can_check_in_for(user, organisation) -> bool:
    """A delegate checks in their own active member organisation; the office (`can_chair`) any active member."""
    if organisation is None or not (organisation.is_member and organisation.is_active):
        return False
    if can_chair(user):
        return True
    return speaks_for_member_organisation(user) and user.organisation_id == organisation.id
