"""Casting an organisation's vote: one current vote per question, every cast kept."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from consult.accounts.permissions import speaks_for_member_organisation
from consult.core.refusals import InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.models import Draft, ParagraphText, Phase
from consult.drafts.permissions import can_view_draft, phase_is_open
from consult.drafts.services import current_text, is_heading
from consult.extensions import db
from consult.votes.models import Choice, Vote, VoteCast


def _insert():
    return postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert


def cast_vote(user, draft: Draft, paragraph_id: int | None, choice: Choice, now: datetime) -> ParagraphText | None:
    """Set the organisation's vote on a paragraph (or, with None, on the whole draft).

    Refuses people who do not speak for an active member organisation, a draft
    outside its voting phase or past its voting deadline, a paragraph that is
    not in the draft's current version, and headings. A later cast by any delegate of the same
    organisation replaces the vote; each cast is kept in VoteCast. The upsert is a
    single statement, so parallel casts from several processes leave one vote.
    Returns the paragraph as it reads in the current version (None for the whole draft).
    """
    if not speaks_for_member_organisation(user) or not can_view_draft(user, draft):
        raise NotAllowed(_l("Only delegates of member organisations can vote."))
    if not phase_is_open(draft, Phase.VOTING, now):
        raise PhaseClosed(_l("Voting is not possible now: this draft is not open for votes."))
    text = current_text(draft, paragraph_id) if paragraph_id is not None else None
    if paragraph_id is not None and text is None:
        raise InvalidInput(_l("This paragraph does not belong to this draft."))
    if text is not None and is_heading(text.text):
        raise InvalidInput(_l("Headings are not put to the vote."))
    values = {"draft_id": draft.id, "paragraph_id": paragraph_id, "organisation_id": user.organisation_id,
              "choice": choice, "cast_by_id": user.id, "cast_at": now}
    where = Vote.paragraph_id.is_not(None) if paragraph_id is not None else Vote.paragraph_id.is_(None)
    target = ["organisation_id", "paragraph_id"] if paragraph_id is not None else ["organisation_id", "draft_id"]
    statement = _insert()(Vote).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=target, index_where=where,
        set_={"choice": statement.excluded.choice, "cast_by_id": statement.excluded.cast_by_id,
              "cast_at": statement.excluded.cast_at},
        # Two casts in flight may commit in the other order than they were made:
        # the vote on record is the latest cast, whichever commits last.
        where=Vote.cast_at <= statement.excluded.cast_at,
    )
    db.session.execute(statement)
    # The history row goes through the unit of work, whose flush also raises the draft's revision.
    db.session.add(VoteCast(**values))
    db.session.flush()
    return text
