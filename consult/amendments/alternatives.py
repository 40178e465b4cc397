"""Alternatives sets (issue 15, point 5): amendments to one paragraph that collide are voted in order;
the first that passes wins, the ones after it lapse.

Owner: the alternatives helper. The lead's skeleton: the functions below are the hooks the rest of the
app already calls."""
from __future__ import annotations

from datetime import datetime

from consult.amendments.models import Amendment
from consult.drafts.models import Draft


def freeze_alternatives(user, draft: Draft, now: datetime) -> None:
    """Called when the draft enters its voting phase, before `procedure.settle_before_vote`."""


def alternatives_context(user, draft: Draft, amendment: Amendment, now: datetime) -> dict:
    """What templates/amendments/_alternatives.html needs."""
    return {}
