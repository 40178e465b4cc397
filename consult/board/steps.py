"""The next step of a draft where the organisations decide the amendments, said on the board's pages.

The order is an assembly's: the moderation makes its procedural recommendations, the organisations
vote on the amendments (the amendment round), the new version takes up what was accepted, then the
organisations vote on its paragraphs and the whole text, then the board adopts. The step is read from
the draft's state, so the page never says something that is already done.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from consult.amendments.models import Amendment, AmendmentStatus
from consult.amendments.outcomes import put_to_vote_count
from consult.drafts.models import AmendmentProcedure, Draft, Phase
from consult.drafts.services import current_version
from consult.extensions import db
from consult.versions.queries import in_preparation, taken_up


def open_amendment_counts(draft: Draft) -> tuple[int, int]:
    """Published amendments still open, and how many of them lack a recommendation (one query)."""
    rows = db.session.execute(
        select(Amendment.recommendation.is_(None), func.count(Amendment.id))
        .where(
            Amendment.draft_id == draft.id,
            Amendment.status == AmendmentStatus.SUBMITTED,
            Amendment.published_at.is_not(None),
        )
        .group_by(Amendment.recommendation.is_(None))
    ).all()
    missing = sum(n for lacking, n in rows if lacking)
    return sum(n for _lacking, n in rows), missing


def next_step(draft: Draft, now: datetime) -> str | None:
    """What the board (or the moderation) does next, in one sentence; None where the moderation decides
    (nothing changes there) and for drafts in preparation or at the end of their way."""
    if draft.amendment_procedure != AmendmentProcedure.ORGANISATIONS:
        return None
    if draft.phase == Phase.VOTING:
        voting = put_to_vote_count(draft)
        if voting:
            return ngettext(
                "Next step: close and count the vote on %(num)d amendment (move to “Editing”)",
                "Next step: close and count the vote on %(num)d amendments (move to “Editing”)",
                voting,
            )
        return _("Next step: adopt the draft when the vote on the whole text has its majority")
    if draft.phase not in (Phase.COMMENTING, Phase.EDITING):
        return None
    open_count, missing = open_amendment_counts(draft)
    if missing:
        return ngettext(
            "Next step: the procedural recommendation on %(num)d amendment is missing",
            "Next step: procedural recommendations on %(num)d amendments are missing",
            missing,
        )
    if open_count and draft.phase == Phase.EDITING:
        return ngettext(
            "Next step: start the vote on %(num)d amendment",
            "Next step: start the vote on %(num)d amendments",
            open_count,
        )
    preparing = in_preparation(draft)
    if preparing is not None:
        return _("Next step: check and publish version %(num)d", num=preparing.number)
    current = current_version(draft)
    accepted = len(taken_up(draft.id, current.id, now)) if current is not None else 0
    if accepted:
        return ngettext(
            "Next step: make and publish the new version from %(num)d accepted amendment",
            "Next step: make and publish the new version from %(num)d accepted amendments",
            accepted,
        )
    if draft.phase == Phase.EDITING:
        return _("Next step: start the vote on the paragraphs and the whole text")
    return None
