"""Who may see a draft."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from consult.drafts.models import Draft, Phase

if TYPE_CHECKING:
    from consult.drafts.queries import DraftState


class Viewed(Protocol):
    """What `can_view_draft` reads of a draft: a `Draft`, or a state read without its objects (`DraftState`,
    the tally feed's `FeedState`)."""

    @property
    def phase(self) -> Phase: ...

    @property
    def is_public(self) -> bool: ...


# Roles that see drafts still in preparation.
STAFF_ROLES = ("board", "moderator", "admin")


def can_view_draft(user, draft: Viewed) -> bool:
    """Staff see every draft; other signed-in people see drafts past preparation;
    guests see only public drafts past preparation."""
    if user.has_role(*STAFF_ROLES):
        return True
    if draft.phase == Phase.PREPARATION:
        return False
    return user.is_authenticated or draft.is_public


def phase_is_open(draft: Draft | DraftState, phase: Phase, now: datetime) -> bool:
    """The draft is in `phase` and that phase's deadline (if any) has not passed."""
    if draft.phase != phase:
        return False
    deadline = draft.current_deadline
    return deadline is None or now < deadline
