"""The supporter quorum (issue 15, point 2): an amendment is published when enough other organisations
support it; until then only its own organisation, its supporters and holders of its support link see it;
it lapses when the commenting phase ends without the quorum.

Owner: the quorum helper. The lead's skeleton: the functions below are the hooks the rest of the app
already calls."""
from __future__ import annotations

from datetime import datetime

from consult.amendments.models import Amendment
from consult.drafts.models import Draft


def lapse_unsupported(draft: Draft, now: datetime) -> None:
    """Called when the draft leaves its commenting phase (consult.board.services.change_phase)."""


def quorum_context(user, draft: Draft, amendment: Amendment, now: datetime) -> dict:
    """What templates/amendments/_quorum.html needs."""
    return {}
