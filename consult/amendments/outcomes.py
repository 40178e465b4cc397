"""The organisations' vote decides the amendments put to it (issue 15, points 4-6), when the board moves
the draft from its voting phase back to editing.

Owner: the alternatives helper. The lead's skeleton: the functions below are the hooks the rest of the
app already calls."""
from __future__ import annotations

from datetime import datetime

from consult.drafts.models import Draft


def decide_by_vote(user, draft: Draft, now: datetime) -> None:
    """Called when the draft leaves its voting phase for editing."""
