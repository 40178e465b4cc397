"""Who may cast an organisation's vote."""
from __future__ import annotations

from datetime import datetime

from consult.accounts.permissions import speaks_for_member_organisation
from consult.drafts.models import Draft, Phase
from consult.drafts.permissions import can_view_draft, phase_is_open


def can_vote(user, draft: Draft, now: datetime) -> bool:
    """Delegates of active member organisations, on a draft they see, while voting is open."""
    return (speaks_for_member_organisation(user) and can_view_draft(user, draft)
            and phase_is_open(draft, Phase.VOTING, now))
