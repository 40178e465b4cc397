"""Where the organisations decide (issue 15, points 1 and 3): a moderator's decision becomes a procedural
recommendation; the proposing organisation consents or insists; any organisation may ask for a vote on
an "accept" recommendation; what consent does not settle is put to the vote when voting begins.

Owner: the procedure helper. The lead's skeleton: the functions below are the hooks the rest of the app
already calls."""
from __future__ import annotations

from datetime import datetime

from consult.amendments.models import Amendment
from consult.drafts.models import Draft


def settle_before_vote(user, draft: Draft, now: datetime) -> None:
    """Called when the draft enters its voting phase, after `alternatives.freeze_alternatives`."""


def procedure_context(user, draft: Draft, amendment: Amendment, now: datetime) -> dict:
    """What templates/amendments/_recommendation.html needs."""
    return {}
