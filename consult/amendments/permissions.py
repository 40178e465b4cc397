"""Who may propose, change, support, see and decide amendments."""
from __future__ import annotations

from datetime import datetime

from consult.accounts.permissions import can_decide_item, is_moderator, speaks_for_member_organisation
from consult.amendments.models import Amendment, AmendmentStatus
from consult.drafts.models import Draft, Phase
from consult.drafts.permissions import can_view_draft, phase_is_open

# Moderators decide amendments while the text is discussed or edited.
DECIDING_PHASES = (Phase.COMMENTING, Phase.EDITING)


def can_propose(user, draft: Draft, now: datetime) -> bool:
    """Delegates of active member organisations, on a draft they see, while commenting is open."""
    return (speaks_for_member_organisation(user) and can_view_draft(user, draft)
            and phase_is_open(draft, Phase.COMMENTING, now))


def is_author(user, amendment: Amendment) -> bool:
    return user.is_authenticated and amendment.author_id == user.id


def can_change(user, amendment: Amendment, draft: Draft, now: datetime) -> bool:
    """Edit or withdraw: the author, until the amendment is decided, while commenting is open."""
    return (is_author(user, amendment) and amendment.status == AmendmentStatus.SUBMITTED
            and phase_is_open(draft, Phase.COMMENTING, now))


def can_support(user, amendment: Amendment, draft: Draft, now: datetime) -> bool:
    """Delegates of other member organisations, until the amendment is decided, while commenting is open."""
    return (can_propose(user, draft, now) and amendment.status == AmendmentStatus.SUBMITTED
            and user.organisation_id != amendment.organisation_id)


def can_decide(user, amendment: Amendment, draft: Draft) -> bool:
    """Whoever `can_decide_item` allows (moderators outside the proposing organisation, else the board),
    while the amendment waits and the draft is in a deciding phase."""
    return (can_decide_item(user, amendment) and amendment.status == AmendmentStatus.SUBMITTED
            and draft.phase in DECIDING_PHASES)


def can_see_amendment(user, amendment: Amendment) -> bool:
    """Withdrawn and hidden amendments only to their author and moderators; the others to whoever sees the draft."""
    if amendment.status in (AmendmentStatus.WITHDRAWN, AmendmentStatus.HIDDEN):
        return is_author(user, amendment) or is_moderator(user)
    return True
