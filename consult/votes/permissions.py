"""Who may cast an organisation's vote, and on which questions."""

from __future__ import annotations

from datetime import datetime

from consult.accounts.models import Role
from consult.accounts.permissions import speaks_for_member_organisation
from consult.amendments.models import Amendment, AmendmentStatus
from consult.amendments.queries import amendment_round
from consult.drafts.models import Draft, Phase
from consult.drafts.permissions import can_view_draft, phase_is_open
from consult.drafts.queries import DraftState
from consult.votes.live_gate import live_gate
from consult.votes.proxy_gate import own_vote_refusal


def can_vote(user, draft: Draft | DraftState, now: datetime) -> bool:
    """Delegates of active member organisations, on a draft they see, while voting is open."""
    return (
        speaks_for_member_organisation(user) and can_view_draft(user, draft) and phase_is_open(draft, Phase.VOTING, now)
    )


def in_amendment_round(draft: Draft) -> bool:
    """In the voting phase with amendments put to the vote: only the amendment questions are open
    (`consult.amendments.queries.amendment_round`, one query; none outside the voting phase)."""
    return draft.phase == Phase.VOTING and amendment_round(draft.id)


def can_vote_on_amendment(user, draft: Draft | DraftState, amendment: Amendment, now: datetime) -> bool:
    """As `can_vote`, on an amendment of this draft that is put to the vote (and, while a live session runs,
    open in it: `can_vote_on_question`)."""
    return (
        amendment.draft_id == draft.id
        and amendment.status == AmendmentStatus.PUT_TO_VOTE
        and can_vote_on_question(user, draft, None, amendment.id, now)
    )


def can_vote_on_question(
    user, draft: Draft | DraftState, paragraph_id: int | None, amendment_id: int | None, now: datetime
) -> bool:
    """As `can_vote`, and the draft's live session (if one is active) has this question open: the rule of
    `cast_vote`, from `consult.votes.live_gate.live_refusal` (one query more), and the organisation has not
    handed its vote to another in the session (`consult.votes.proxy_gate`, one more query during a session)."""
    if not can_vote(user, draft, now):
        return False
    session_id, refusal = live_gate(draft.id, paragraph_id, amendment_id, now)
    return refusal is None and own_vote_refusal(session_id, user.organisation_id) is None


def can_enter_paper_ballot(user) -> bool:
    """The office (board and moderators, who run the live session) enters paper ballots for organisations:
    a paper vote is cast by nobody of the organisation, so only the people who chair may write it."""
    return user.is_authenticated and (user.has_role(Role.BOARD) or user.has_role(Role.MODERATOR))
