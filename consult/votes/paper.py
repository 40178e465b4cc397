"""Paper ballots: the office enters an organisation's vote from a paper ballot on the live session's open question.

A paper vote counts like any other vote of the organisation (one vote per organisation and question: the
latest cast counts). It goes through the one write path of every vote (`consult.votes.services.write_vote`,
channel PAPER), so the phase, the amendment round and the live session's open question are checked under
the draft's lock as for a vote from a phone; a paper ballot after a phone vote of the same organisation on
the same question in the session, or the reverse, is recorded as a conflict for the office to confirm
(`consult.votes.conflicts`)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from consult.audit.services import record
from consult.core.refusals import InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.models import Draft
from consult.drafts.permissions import can_view_draft
from consult.votes.models import Channel, Choice
from consult.votes.permissions import can_enter_paper_ballot
from consult.votes.services import write_vote

ONLY_OFFICE = _l("Only the board and the moderators enter paper ballots.")
NOT_A_MEMBER = _l("Only active member organisations vote: this organisation cannot be entered.")
NO_SESSION = _l("Paper ballots are entered only in a live session, on the question that is open.")


def _in_a_live_session(session_id: int | None) -> None:
    # Outside a live session there is no open question to enter a paper ballot on (the online phase
    # has no paper): refused under the draft's lock, where `write_vote` read the session.
    if session_id is None:
        raise PhaseClosed(NO_SESSION)


def enter_paper_ballot(
    user, draft: Draft, organisation, paragraph_id: int | None, amendment_id: int | None, choice: Choice, now: datetime
) -> Choice:
    """Write the organisation's vote from its paper ballot on one question, entered by `user` (the office).

    Refuses anybody but the board and the moderators, an organisation that is not an active member, a draft
    without an active live session, and (in `write_vote`) any question but the open one. `cast_by_id` is the
    office person who entered it. Returns the organisation's choice on record."""
    if not can_enter_paper_ballot(user) or not can_view_draft(user, draft):
        raise NotAllowed(ONLY_OFFICE)
    if organisation is None or not (organisation.is_member and organisation.is_active):
        raise InvalidInput(NOT_A_MEMBER)
    on_record = write_vote(
        user,
        draft.id,
        paragraph_id,
        amendment_id,
        organisation.id,
        choice,
        now,
        channel=Channel.PAPER,
        check=_in_a_live_session,
    )
    # Somebody wrote another organisation's vote: who, for whom and what, in the audit log too.
    record(
        user,
        "live.paper_ballot",
        f"organisation:{organisation.id}",
        now,
        draft_id=draft.id,
        paragraph_id=paragraph_id,
        amendment_id=amendment_id,
        choice=choice.value,
    )
    return on_record
