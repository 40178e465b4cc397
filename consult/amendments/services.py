"""Proposing, changing, supporting and deciding amendments. Each function checks its rule,
raises a Refusal with a message, flushes, and never commits."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, null, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from consult.accounts.permissions import speaks_for_member_organisation
from consult.amendments import checks
from consult.amendments.checks import check_choice, one_paragraph
from consult.amendments.models import (
    Amendment,
    AmendmentKind,
    AmendmentStatus,
    AmendmentSupport,
    DecidedHow,
    LapseReason,
)
from consult.amendments.permissions import is_author
from consult.amendments.procedure import recommend
from consult.amendments.quorum import publish_if_quorum
from consult.audit.services import record
from consult.core.refusals import AlreadyChanged, InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.locks import lock_draft_in, lock_open_draft
from consult.drafts.models import AmendmentProcedure, Draft, ParagraphText, Phase
from consult.drafts.permissions import can_view_draft, phase_is_open
from consult.drafts.revision import touch
from consult.extensions import db

MAX_JUSTIFICATION = 5000
CLOSED = _l("Amendments are not possible now: the commenting phase of this draft is closed.")
CHANGE_CLOSED = _l("Amendments cannot be changed now: the commenting phase of this draft is closed.")
SUPPORT_CLOSED = _l("Amendments cannot be supported now: the commenting phase of this draft is closed.")
DECIDE_CLOSED = _l("Amendments are decided in the commenting and editing phases; this draft is past them.")


class Decision:
    """A moderator's choice on an amendment (`consult.amendments.checks`), and the state it gives where the
    moderation decides."""

    ACCEPT, ACCEPT_MODIFIED, REJECT, MERGE = checks.ACCEPT, checks.ACCEPT_MODIFIED, checks.REJECT, checks.MERGE
    STATUS = {
        ACCEPT: AmendmentStatus.ACCEPTED,
        ACCEPT_MODIFIED: AmendmentStatus.ACCEPTED_MODIFIED,
        REJECT: AmendmentStatus.REJECTED,
        MERGE: AmendmentStatus.MERGED,
    }


def _refuse_proposal(user, draft: Draft, now: datetime) -> None:
    """The refusals of `can_propose`, each with its message."""
    if not speaks_for_member_organisation(user) or not can_view_draft(user, draft):
        raise NotAllowed(_l("Only delegates of member organisations can propose amendments."))
    if not phase_is_open(draft, Phase.COMMENTING, now):
        raise PhaseClosed(CLOSED)


def _checked_text(kind: AmendmentKind, text: ParagraphText, proposed: str | None) -> str | None:
    """The proposed text, stripped and checked: one paragraph of Markdown, changed from the current one."""
    if kind == AmendmentKind.DELETE:
        return None
    proposed = one_paragraph(
        proposed,
        _l("Please write the text you propose."),
        _l("The proposed text is too long (at most %(max)d characters)."),
        _l(
            "An amendment changes one paragraph: please remove the empty lines, "
            "or propose a second amendment for the next paragraph."
        ),
    )
    if kind == AmendmentKind.REPLACE and proposed == text.text.strip():
        raise InvalidInput(
            _l("The proposed text is the same as the current one: change it, or choose another kind of amendment.")
        )
    return proposed


def _checked_justification(justification: str) -> str:
    justification = (justification or "").strip()
    if not justification:
        raise InvalidInput(_l("Please give a justification."))
    if len(justification) > MAX_JUSTIFICATION:
        raise InvalidInput(_l("The justification is too long (at most %(max)d characters).", max=MAX_JUSTIFICATION))
    return justification


def propose(
    user,
    draft: Draft,
    text: ParagraphText,
    kind: AmendmentKind,
    proposed: str | None,
    justification: str,
    now: datetime,
) -> Amendment:
    """A new amendment to the paragraph `text` (as it reads in the current version)."""
    _refuse_proposal(user, draft, now)
    amendment = Amendment(
        draft_id=draft.id,
        paragraph_id=text.paragraph_id,
        version_id=text.version_id,
        kind=kind,
        base_text=text.text,
        proposed_text=_checked_text(kind, text, proposed),
        justification=_checked_justification(justification),
        author_id=user.id,
        organisation_id=user.organisation_id,
        status=AmendmentStatus.SUBMITTED,
        created_at=now,
        # With a supporter quorum it waits for its supporters (consult.amendments.quorum); SQL NULL, as
        # a plain None would let the column's default (now) fill it in.
        published_at=now if not draft.support_quorum else null(),
    )
    lock_open_draft(draft.id, Phase.COMMENTING, now, CLOSED)  # the phase, checked again as it is written
    db.session.add(amendment)
    db.session.flush()
    return amendment


def _refuse_change(user, amendment: Amendment, draft: Draft, now: datetime) -> None:
    """The refusals of a change by the author. The phase is checked again under the draft's lock, taken
    before the amendment's row is written: every transaction that writes amendments locks the draft first
    and the rows second (a decision, a recommendation, the phase change that lets amendments lapse or puts
    them to the vote), so that no two of them can wait for each other."""
    if not is_author(user, amendment):
        raise NotAllowed(_l("Only the author can change this amendment."))
    if amendment.status != AmendmentStatus.SUBMITTED:
        raise AlreadyChanged(_l("This amendment has been decided or withdrawn and cannot be changed any more."))
    if not phase_is_open(draft, Phase.COMMENTING, now):
        raise PhaseClosed(CHANGE_CLOSED)


def edit(
    user,
    amendment: Amendment,
    draft: Draft,
    text: ParagraphText,
    kind: AmendmentKind,
    proposed: str | None,
    justification: str,
    now: datetime,
) -> Amendment:
    """The author changes kind, text or justification while the amendment waits for its decision."""
    _refuse_change(user, amendment, draft, now)
    proposed, justification = _checked_text(kind, text, proposed), _checked_justification(justification)
    lock_open_draft(draft.id, Phase.COMMENTING, now, CHANGE_CLOSED)  # before the row's lock: see _refuse_change
    amendment.kind = kind
    amendment.proposed_text = proposed
    amendment.justification = justification
    amendment.updated_at = now
    db.session.flush()
    return amendment


def _set_status(amendment: Amendment, old: AmendmentStatus, **values) -> None:
    """Move the amendment from `old` to a new state in one conditional UPDATE: when two people
    act at once, only the first finds it in `old`; the second gets a clear refusal. The caller holds
    the draft's lock already (see `_refuse_change`)."""
    result = db.session.execute(
        update(Amendment)
        .where(Amendment.id == amendment.id, Amendment.status == old)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    if result.rowcount != 1:
        db.session.refresh(amendment)
        raise AlreadyChanged(
            _l("Someone else has just decided or withdrawn this amendment; the page now shows its current state.")
        )
    touch(db.session.connection(), [amendment.draft_id])
    db.session.refresh(amendment)


def withdraw(user, amendment: Amendment, draft: Draft, now: datetime) -> None:
    _refuse_change(user, amendment, draft, now)
    lock_open_draft(draft.id, Phase.COMMENTING, now, CHANGE_CLOSED)
    _set_status(amendment, AmendmentStatus.SUBMITTED, status=AmendmentStatus.WITHDRAWN, updated_at=now)


def _refuse_support(user, amendment: Amendment, draft: Draft, now: datetime) -> None:
    if not speaks_for_member_organisation(user) or not can_view_draft(user, draft):
        raise NotAllowed(_l("Only delegates of member organisations can support amendments."))
    if amendment.status == AmendmentStatus.LAPSED and amendment.lapse_reason == LapseReason.QUORUM:
        raise AlreadyChanged(_l("This amendment has lapsed: it did not reach its supporter quorum in time."))
    if not phase_is_open(draft, Phase.COMMENTING, now):
        raise PhaseClosed(SUPPORT_CLOSED)
    if amendment.status != AmendmentStatus.SUBMITTED:
        raise AlreadyChanged(_l("This amendment has been decided or withdrawn; support can no longer change."))
    if user.organisation_id == amendment.organisation_id:
        raise InvalidInput(_l("Your organisation proposed this amendment; support comes from other organisations."))


def support(user, amendment: Amendment, draft: Draft, now: datetime) -> AmendmentSupport:
    """The person's organisation co-signs: once per organisation (the database refuses a second).
    With a supporter quorum, the support that completes it publishes the amendment (counted under the
    draft's lock that every support takes, so the Nth of concurrent supports publishes it, once)."""
    _refuse_support(user, amendment, draft, now)
    exists = db.session.scalar(
        select(AmendmentSupport.id).where(
            AmendmentSupport.amendment_id == amendment.id, AmendmentSupport.organisation_id == user.organisation_id
        )
    )
    if exists is not None:
        raise AlreadyChanged(_l("Your organisation already supports this amendment."))
    row = AmendmentSupport(
        amendment_id=amendment.id, organisation_id=user.organisation_id, user_id=user.id, created_at=now
    )
    lock_open_draft(draft.id, Phase.COMMENTING, now, SUPPORT_CLOSED)
    try:
        with db.session.begin_nested():  # a colleague's support in flight: the unique constraint decides
            db.session.add(row)
    except IntegrityError:
        raise AlreadyChanged(_l("Your organisation already supports this amendment.")) from None
    publish_if_quorum(user, amendment, draft, now)
    return row


def withdraw_support(user, amendment: Amendment, draft: Draft, now: datetime) -> None:
    """The organisation takes its support back. Before publication the count against the supporter quorum
    drops; a published amendment stays published (others have read it)."""
    _refuse_support(user, amendment, draft, now)
    lock_open_draft(draft.id, Phase.COMMENTING, now, SUPPORT_CLOSED)  # before the row's: see _refuse_change
    result = db.session.execute(
        delete(AmendmentSupport).where(
            AmendmentSupport.amendment_id == amendment.id, AmendmentSupport.organisation_id == user.organisation_id
        )
    )
    assert isinstance(result, CursorResult)  # a DELETE without RETURNING: the cursor's result, with its rowcount
    if result.rowcount == 0:
        raise AlreadyChanged(_l("Your organisation does not support this amendment."))
    db.session.expire(amendment, ["supports"])


def decide(
    user,
    amendment: Amendment,
    draft: Draft,
    decision: str,
    reason: str,
    now: datetime,
    adopted_text: str | None = None,
    merged_into: Amendment | None = None,
) -> Amendment:
    """A moderator's decision: accept, accept in modified form, reject or merge into another amendment.
    Notes who, when and why, in the amendment and in the audit log. Refused to anyone `can_decide_item`
    refuses (e.g. a moderator of the proposing organisation); a merge also decides on the amendment it
    goes into, so that one must not be the decider's own (`is_party_to`) either. Where the organisations
    decide, the same form makes a procedural recommendation instead (`procedure.recommend`)."""
    if draft.amendment_procedure == AmendmentProcedure.ORGANISATIONS:
        return recommend(
            user, amendment, draft, decision, reason, now, recommended_text=adopted_text, merge_into=merged_into
        )
    choice = check_choice(user, amendment, draft, decision, reason, adopted_text, merged_into, DECIDE_CLOSED)
    reason = choice.reason
    values = {
        "status": Decision.STATUS[decision],
        "decided_by_id": user.id,
        "decided_at": now,
        "decision_reason": reason or None,
        "decided_how": DecidedHow.MODERATORS,
    }
    if choice.text is not None:
        values["adopted_text"] = choice.text
    if choice.merge_into_id is not None:
        values["merged_into_id"] = choice.merge_into_id
    lock_draft_in(draft, draft.phase, DECIDE_CLOSED)  # before the row's lock: see _refuse_change
    _set_status(amendment, AmendmentStatus.SUBMITTED, **values)
    record(
        user,
        f"amendment.{decision}",
        f"amendment:{amendment.id}",
        now,
        draft_id=draft.id,
        reason=reason,
        paragraph_id=amendment.paragraph_id,
        organisation=getattr(amendment.organisation, "short_name", None),
        merged_into=values.get("merged_into_id"),
    )
    db.session.flush()
    return amendment


def checked_proposal(
    kind: AmendmentKind, text: ParagraphText, proposed: str | None, justification: str
) -> tuple[str | None, str]:
    """(proposed text, justification) as `propose` would store them, or InvalidInput with the same messages:
    for amendments prepared elsewhere before they are proposed (an organisation's internal draft,
    consult.workspace)."""
    return _checked_text(kind, text, proposed), _checked_justification(justification)
