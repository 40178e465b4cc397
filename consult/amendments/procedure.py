"""Where the organisations decide (issue 15, points 1 and 3): a moderator's decision becomes a procedural
recommendation (Verfahrensvorschlag); the proposing organisation agrees to a modified text or to being
settled by another amendment, or puts its original to the vote; any other organisation may ask for a vote
on an "accept" recommendation; what consent does not settle is put to the vote when voting begins.

Every answer is possible only while the draft is in commenting or editing (requests for a vote also only
until `Draft.vote_requests_until`), and is written under the draft's lock, so that none slips in after
`settle_before_vote` has read them at the step into voting. The AmendmentConsent rows hold the current
answers; the audit log keeps every change with who and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from consult.accounts.permissions import speaks_for_member_organisation
from consult.amendments.checks import check_choice
from consult.amendments.models import (
    Amendment,
    AmendmentConsent,
    AmendmentStatus,
    ConsentKind,
    DecidedHow,
    Recommendation,
)
from consult.amendments.permissions import DECIDING_PHASES
from consult.audit.services import record
from consult.core.refusals import AlreadyChanged, InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.locks import lock_draft_in
from consult.drafts.models import AmendmentProcedure, Draft
from consult.extensions import db

RECOMMEND_CLOSED = _l(
    "Procedural recommendations are made in the commenting and editing phases; this draft is past them."
)
ANSWER_CLOSED = _l(
    "A procedural recommendation can be answered only in the commenting and editing phases, before voting begins."
)
REQUEST_CLOSED = _l("A vote can be asked for only in the commenting and editing phases, before voting begins.")
REQUEST_DEADLINE = _l("The deadline for asking for a vote on amendments has passed.")
# What the proposing organisation answers: a recommendation that changes or replaces its own text.
ANSWERABLE = (Recommendation.ACCEPT_MODIFIED, Recommendation.MERGE)


def organisations_decide(draft: Draft) -> bool:
    return draft.amendment_procedure == AmendmentProcedure.ORGANISATIONS


def recommend(
    user,
    amendment: Amendment,
    draft: Draft,
    recommendation: str,
    reason: str,
    now: datetime,
    recommended_text: str | None = None,
    merge_into: Amendment | None = None,
) -> Amendment:
    """A moderator's procedural recommendation where the organisations decide: the same checks as a
    decision (`services.decide`: who, phase, reason, modified text, merge target), but the amendment stays
    SUBMITTED; consent or the vote decides it. It can be changed until voting begins; each time an audit
    row. When what is recommended changes, the proposing organisation's answer no longer applies and is
    cleared (it agreed to another text); requests for a vote stay (they only count for "accept")."""
    choice = check_choice(
        user, amendment, draft, recommendation, reason, recommended_text, merge_into, RECOMMEND_CLOSED
    )
    recommendation, reason = Recommendation(choice.what), choice.reason
    values = {
        "recommendation": recommendation,
        "recommended_by_id": user.id,
        "recommended_at": now,
        "recommendation_reason": reason or None,
        "recommended_text": choice.text,
        "recommended_merge_into_id": choice.merge_into_id,
    }
    before = (amendment.recommendation, amendment.recommended_text, amendment.recommended_merge_into_id)
    # The draft's lock first, then the amendment's row, in the order of a step into voting (which settles
    # the amendments under the draft's lock): a recommendation sent at that moment waits and is refused.
    lock_draft_in(draft, draft.phase, RECOMMEND_CLOSED)
    # One conditional UPDATE: an amendment withdrawn a moment ago is not recommended.
    result = db.session.execute(
        update(Amendment)
        .where(Amendment.id == amendment.id, Amendment.status == AmendmentStatus.SUBMITTED)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    if result.rowcount != 1:
        db.session.refresh(amendment)
        raise AlreadyChanged(
            _l("Someone else has just decided or withdrawn this amendment; the page now shows its current state.")
        )
    cleared = 0
    if before != (recommendation, values["recommended_text"], values["recommended_merge_into_id"]):
        deleted = db.session.execute(
            delete(AmendmentConsent).where(
                AmendmentConsent.amendment_id == amendment.id,
                AmendmentConsent.kind.in_((ConsentKind.CONSENT, ConsentKind.INSIST)),
            )
        )
        assert isinstance(deleted, CursorResult)  # a DELETE without RETURNING: the cursor's result, with its rowcount
        cleared = deleted.rowcount
    db.session.refresh(amendment)
    record(
        user,
        "amendment.recommend",
        f"amendment:{amendment.id}",
        now,
        draft_id=draft.id,
        reason=reason,
        recommendation=recommendation.value,
        paragraph_id=amendment.paragraph_id,
        organisation=getattr(amendment.organisation, "short_name", None),
        merge_into=values["recommended_merge_into_id"],
        answers_cleared=cleared or None,
    )
    db.session.flush()
    return amendment


def _refuse_answer(
    user, amendment: Amendment, draft: Draft, closed, wanted: tuple[Recommendation, ...], no_recommendation
) -> Recommendation:
    """What consent, insisting and asking for a vote have in common: a delegate of an active member
    organisation, the organisations' procedure, commenting or editing, a matching recommendation on an
    amendment that still waits. Returns that recommendation."""
    if not speaks_for_member_organisation(user):
        raise NotAllowed(_l("Only delegates of member organisations can answer a procedural recommendation."))
    if not organisations_decide(draft) or amendment.status != AmendmentStatus.SUBMITTED or not amendment.is_published:
        raise InvalidInput(no_recommendation)
    if draft.phase not in DECIDING_PHASES:
        raise PhaseClosed(closed)
    recommendation = amendment.recommendation
    if recommendation is None or recommendation not in wanted:
        raise InvalidInput(no_recommendation)
    return recommendation


NO_ANSWERABLE = _l(
    "This amendment has no recommendation “Accept modified” or “Settled by another amendment” to answer."
)


def _answer(user, amendment: Amendment, draft: Draft, kind: ConsentKind, now: datetime) -> AmendmentConsent:
    recommendation = _refuse_answer(user, amendment, draft, ANSWER_CLOSED, ANSWERABLE, NO_ANSWERABLE)
    if user.organisation_id != amendment.organisation_id:
        raise NotAllowed(_l("Only the organisation that proposed this amendment answers its recommendation."))
    # Under the draft's lock: one answer at a time per draft, none after the step into voting.
    lock_draft_in(draft, draft.phase, ANSWER_CLOSED)
    db.session.execute(
        delete(AmendmentConsent).where(
            AmendmentConsent.amendment_id == amendment.id,
            AmendmentConsent.organisation_id == user.organisation_id,
            AmendmentConsent.kind.in_((ConsentKind.CONSENT, ConsentKind.INSIST)),
        )
    )
    row = AmendmentConsent(
        amendment_id=amendment.id, organisation_id=user.organisation_id, kind=kind, user_id=user.id, created_at=now
    )
    db.session.add(row)
    record(
        user,
        f"amendment.{kind.value}",
        f"amendment:{amendment.id}",
        now,
        draft_id=draft.id,
        recommendation=recommendation.value,
        organisation=user.organisation.short_name,
        recommended_text=amendment.recommended_text,
        merge_into=amendment.recommended_merge_into_id,
    )
    db.session.flush()
    return row


def consent(user, amendment: Amendment, draft: Draft, now: datetime) -> AmendmentConsent:
    """ "Der Übernahme zustimmen": the proposing organisation (any of its delegates) agrees to the
    recommendation "accept modified" or "settled by amendment N"; it then takes effect without a vote.
    Replaces the organisation's earlier answer. Refused outside commenting and editing, to anyone not a
    delegate of the proposing organisation, and without such a recommendation."""
    return _answer(user, amendment, draft, ConsentKind.CONSENT, now)


def insist(user, amendment: Amendment, draft: Draft, now: datetime) -> AmendmentConsent:
    """ "Über das Original abstimmen lassen": the proposing organisation puts its original text to the vote
    (the recommendation is shown beside it). Same refusals as `consent`."""
    return _answer(user, amendment, draft, ConsentKind.INSIST, now)


def requests_closed(draft: Draft, now: datetime) -> bool:
    return draft.vote_requests_until is not None and now >= draft.vote_requests_until


def request_vote(user, amendment: Amendment, draft: Draft, now: datetime) -> AmendmentConsent:
    """ "Abstimmung verlangen": an organisation other than the proposer asks for a vote on an amendment
    recommended for acceptance, which then is not taken over by consent. Once per organisation (the unique
    constraint decides when two delegates click at once). Refused outside commenting and editing, after
    `Draft.vote_requests_until`, to non-delegates, to the proposing organisation, without an "accept"
    recommendation."""
    _refuse_answer(
        user,
        amendment,
        draft,
        REQUEST_CLOSED,
        (Recommendation.ACCEPT,),
        _l("A vote can be asked for only on an amendment recommended for acceptance."),
    )
    if requests_closed(draft, now):
        raise PhaseClosed(REQUEST_DEADLINE)
    if user.organisation_id == amendment.organisation_id:
        raise InvalidInput(_l("Your organisation proposed this amendment; a vote on it is asked for by others."))
    already = _l("Your organisation has already asked for a vote on this amendment.")
    exists = db.session.scalar(
        select(AmendmentConsent.id).where(
            AmendmentConsent.amendment_id == amendment.id,
            AmendmentConsent.organisation_id == user.organisation_id,
            AmendmentConsent.kind == ConsentKind.REQUEST_VOTE,
        )
    )
    if exists is not None:
        raise AlreadyChanged(already)
    lock_draft_in(draft, draft.phase, REQUEST_CLOSED)
    row = AmendmentConsent(
        amendment_id=amendment.id,
        organisation_id=user.organisation_id,
        kind=ConsentKind.REQUEST_VOTE,
        user_id=user.id,
        created_at=now,
    )
    try:
        with db.session.begin_nested():  # a colleague's request in flight: the unique constraint decides
            db.session.add(row)
    except IntegrityError:
        raise AlreadyChanged(already) from None
    record(
        user,
        "amendment.request_vote",
        f"amendment:{amendment.id}",
        now,
        draft_id=draft.id,
        organisation=user.organisation.short_name,
    )
    db.session.flush()
    return row


def _answers(amendment_ids: list[int]) -> dict[int, list[AmendmentConsent]]:
    rows: dict[int, list[AmendmentConsent]] = {i: [] for i in amendment_ids}
    if amendment_ids:
        for row in db.session.scalars(
            select(AmendmentConsent)
            .options(joinedload(AmendmentConsent.organisation), joinedload(AmendmentConsent.user))
            .where(AmendmentConsent.amendment_id.in_(amendment_ids))
            .order_by(AmendmentConsent.created_at)
        ):
            rows[row.amendment_id].append(row)
    return rows


def _consent_of(amendment: Amendment, rows: list[AmendmentConsent]) -> AmendmentConsent | None:
    """The proposing organisation's current agreement, if that is its answer."""
    return next(
        (r for r in rows if r.kind == ConsentKind.CONSENT and r.organisation_id == amendment.organisation_id), None
    )


def settle_before_vote(user, draft: Draft, now: datetime) -> None:
    """At the step into voting, under the draft's lock (after `alternatives.freeze_alternatives`): of the
    published amendments that still wait, outside an alternatives set,
    - "accept" that no organisation asked a vote on → ACCEPTED by consent (nobody in particular: decided_by None);
    - "accept modified" / "settled by amendment N" the proposing organisation agreed to → ACCEPTED_MODIFIED
      with the recommended text / MERGED into N, by consent of the person who agreed;
    everything else (no recommendation, "reject", insisted, unanswered, a vote asked for, every member of
    an alternatives set) is PUT_TO_VOTE: the original is voted on. Unpublished ones are left alone."""
    amendments = list(
        db.session.scalars(
            select(Amendment)
            .where(
                Amendment.draft_id == draft.id,
                Amendment.status == AmendmentStatus.SUBMITTED,
                Amendment.published_at.is_not(None),
            )
            .order_by(Amendment.id)
        )
    )
    answers = _answers([a.id for a in amendments])
    for amendment in amendments:
        rows = answers[amendment.id]
        agreed = _consent_of(amendment, rows)
        single = amendment.alternative_set_id is None
        values: dict = {}
        if (
            single
            and amendment.recommendation == Recommendation.ACCEPT
            and not any(r.kind == ConsentKind.REQUEST_VOTE for r in rows)
        ):
            values = {"status": AmendmentStatus.ACCEPTED, "decided_by_id": None}
        elif single and agreed is not None and amendment.recommendation == Recommendation.ACCEPT_MODIFIED:
            values = {
                "status": AmendmentStatus.ACCEPTED_MODIFIED,
                "adopted_text": amendment.recommended_text,
                "decided_by_id": agreed.user_id,
            }
        elif single and agreed is not None and amendment.recommendation == Recommendation.MERGE:
            values = {
                "status": AmendmentStatus.MERGED,
                "merged_into_id": amendment.recommended_merge_into_id,
                "decided_by_id": agreed.user_id,
            }
        if values:
            values.update(
                decided_how=DecidedHow.CONSENT, decided_at=now, decision_reason=amendment.recommendation_reason
            )
            action = "amendment.settled_by_consent"
        else:
            values = {"status": AmendmentStatus.PUT_TO_VOTE}
            action = "amendment.put_to_vote"
        for name, value in values.items():
            setattr(amendment, name, value)
        record(
            user,
            action,
            f"amendment:{amendment.id}",
            now,
            draft_id=draft.id,
            status=values["status"].value,
            recommendation=amendment.recommendation.value if amendment.recommendation else None,
            consent_by=agreed.user_id if agreed else None,
            vote_requested_by=[r.organisation.short_name for r in rows if r.kind == ConsentKind.REQUEST_VOTE] or None,
        )
    db.session.flush()


@dataclass
class ProcedureBox:
    """What templates/amendments/_recommendation.html shows: the recommendation, the proposing organisation's
    answer, the requests for a vote, and which buttons this person gets."""

    organisations: bool
    answer: AmendmentConsent | None = None
    requests: list[AmendmentConsent] = field(default_factory=list)
    can_answer: bool = False
    can_request: bool = False
    requested: bool = False
    requests_until: datetime | None = None
    requests_closed: bool = False


def procedure_context(user, draft: Draft, amendment: Amendment, now: datetime) -> dict:
    """What templates/amendments/_recommendation.html needs (one query where the organisations decide)."""
    if not organisations_decide(draft):
        return {"procedure": ProcedureBox(organisations=False)}
    rows = _answers([amendment.id])[amendment.id]
    answer = next(
        (
            r
            for r in rows
            if r.kind in (ConsentKind.CONSENT, ConsentKind.INSIST) and r.organisation_id == amendment.organisation_id
        ),
        None,
    )
    requests = [r for r in rows if r.kind == ConsentKind.REQUEST_VOTE]
    waiting = (
        amendment.status == AmendmentStatus.SUBMITTED
        and amendment.is_published
        and draft.phase in DECIDING_PHASES
        and speaks_for_member_organisation(user)
    )
    own = waiting and user.organisation_id == amendment.organisation_id
    closed = requests_closed(draft, now)
    return {
        "procedure": ProcedureBox(
            organisations=True,
            answer=answer,
            requests=requests,
            can_answer=own and amendment.recommendation in ANSWERABLE,
            can_request=(waiting and not own and amendment.recommendation == Recommendation.ACCEPT and not closed),
            requested=any(r.organisation_id == getattr(user, "organisation_id", None) for r in requests),
            requests_until=draft.vote_requests_until,
            requests_closed=closed,
        )
    }
