"""Who may see a draft."""
from __future__ import annotations

from consult.drafts.models import Draft, Phase

# Roles that see drafts still in preparation.
STAFF_ROLES = ("board", "moderator", "admin")


def can_view_draft(user, draft: Draft) -> bool:
    """Staff see every draft; other signed-in people see drafts past preparation;
    guests see only public drafts past preparation."""
    if user.has_role(*STAFF_ROLES):
        return True
    if draft.phase == Phase.PREPARATION:
        return False
    return user.is_authenticated or draft.is_public
