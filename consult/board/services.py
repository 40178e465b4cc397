"""Creating a draft, its settings and deadlines, and its way through the phases (board only).

Each function checks its rule, raises a Refusal with a message in the person's
language, flushes, and never commits. Phase changes and settings go to the audit log.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from consult.amendments.alternatives import freeze_alternatives
from consult.amendments.outcomes import decide_by_vote, in_amendment_round
from consult.amendments.procedure import settle_before_vote
from consult.amendments.quorum import lapse_unsupported, publish_reached
from consult.audit.services import record
from consult.board.steps import open_amendment_counts
from consult.core import clock
from consult.core.markdown import split_blocks
from consult.core.refusals import InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.locks import lock_draft_in
from consult.drafts.models import (
    AmendmentProcedure,
    Draft,
    DraftDeadline,
    MajorityRule,
    ModerationPolicy,
    Paragraph,
    Phase,
    VersionStatus,
)
from consult.drafts.services import (
    MAX_PARAGRAPHS,
    SLUG,
    DraftError,
    build_version,
    current_version,
    get_by_slug,
    import_draft,
    set_phase,
)
from consult.exports.models import DocumentsState
from consult.exports.storage import documents_of, request_documents
from consult.extensions import db
from consult.live.services import end_with_voting
from consult.results.queries import results
from consult.votes.models import VoteCast

# Addresses of pages that a draft's slug would hide (/drafts/new).
RESERVED_SLUGS = {"new"}

MOVED = _l("The draft has been moved to another phase meanwhile; please look at it again.")

# Where a draft may go from each phase by a plain phase change. Adoption (voting -> adopted)
# has its own action, because it needs the final vote to pass.
NEXT_PHASES: dict[Phase, tuple[Phase, ...]] = {
    Phase.PREPARATION: (Phase.COMMENTING,),
    Phase.COMMENTING: (Phase.EDITING,),
    Phase.EDITING: (Phase.COMMENTING, Phase.VOTING),
    Phase.VOTING: (Phase.ARCHIVED,),
    Phase.ADOPTED: (Phase.ARCHIVED,),
    Phase.ARCHIVED: (),
}

# What changes for the delegates when a draft enters a phase: said on the confirmation page.
CONSEQUENCES = {
    Phase.COMMENTING: _l(
        "Delegates can comment on paragraphs and propose amendments. Every signed-in person "
        "sees the draft; guests see it when it is public."
    ),
    Phase.EDITING: _l(
        "Comments and new amendments are closed. The moderation decides the amendments and builds the next version."
    ),
    Phase.VOTING: _l(
        "Delegates cast their organisation's vote on each paragraph and on the whole draft. "
        "Comments and amendments stay closed; the text can no longer change."
    ),
    Phase.ARCHIVED: _l("The draft can only be read. Nothing can be added or changed."),
    Phase.ADOPTED: _l(
        "The text is frozen as the adopted position and gets a public address that works without "
        "signing in. Voting ends."
    ),
}
# Leaving the amendment round (see `next_phases`): what closing it does.
CLOSE_AMENDMENT_ROUND = _l(
    "The vote on the amendments is closed and counted. Accepted amendments go into the new version."
)


def next_phases(draft: Draft) -> tuple[Phase, ...]:
    """Where the draft may go now by a plain phase change: `NEXT_PHASES`, and from the amendment round
    (voting where the organisations decide, with amendments put to the vote) back to editing, which closes
    and counts the amendment vote. Only then: a vote on paragraphs and the whole text never goes back."""
    if in_amendment_round(draft):
        return (Phase.EDITING, *NEXT_PHASES[draft.phase])
    return NEXT_PHASES[draft.phase]


# Where the organisations decide (and where amendments need supporters), some steps do more.
RECOMMEND_IN_EDITING = _l(
    "Comments and new amendments are closed. The moderation makes a procedural recommendation "
    "on each amendment; the proposing organisations can agree to a modified text or put "
    "their original to the vote, and organisations can ask for a vote."
)
OPEN_AMENDMENT_ROUND = _l(
    "What consent settled is decided now. The organisations first vote on the other "
    "%(num)d amendments; the vote on the paragraphs and the whole draft follows after the "
    "new version."
)
QUORUM_LAPSES = _l("Amendments that have not reached their supporter quorum lapse.")


def consequence(draft: Draft, phase: Phase) -> str:
    """What the step into `phase` changes, said on the confirmation page."""
    organisations = draft.amendment_procedure == AmendmentProcedure.ORGANISATIONS
    if draft.phase == Phase.VOTING and phase == Phase.EDITING:
        said = str(CLOSE_AMENDMENT_ROUND)
    elif organisations and phase == Phase.EDITING:
        said = str(RECOMMEND_IN_EDITING)
    elif organisations and phase == Phase.VOTING and (waiting := open_amendment_counts(draft)[0]):
        said = str(OPEN_AMENDMENT_ROUND) % {"num": waiting}
    else:
        said = str(CONSEQUENCES[phase])
    if draft.phase == Phase.COMMENTING and draft.support_quorum:
        said = f"{said} {QUORUM_LAPSES}"
    return said


def _require_board(user) -> None:
    if not user.is_authenticated or not user.has_role("board"):
        raise NotAllowed(_l("Only the board can do this."))


def _blocks(markdown: str | None) -> list[str]:
    """The text's top-level blocks, refused when there are none or too many."""
    blocks = split_blocks(markdown or "")
    if not blocks:
        raise InvalidInput(_l("The text is empty. Please paste the draft or choose a file."))
    if len(blocks) > MAX_PARAGRAPHS:
        raise InvalidInput(
            _l("The text has %(num)d paragraphs; at most %(max)d are possible.", num=len(blocks), max=MAX_PARAGRAPHS)
        )
    return blocks


def create_draft(user, title: str, slug: str, markdown: str) -> Draft:
    """A new draft in preparation from pasted or uploaded Markdown: one paragraph per block."""
    _require_board(user)
    title, slug = (title or "").strip(), (slug or "").strip().lower()
    if not title:
        raise InvalidInput(_l("Please give the draft a title."))
    if len(title) > 200:
        raise InvalidInput(_l("The title is too long (at most 200 characters)."))
    if not SLUG.match(slug) or len(slug) > 80:
        raise InvalidInput(
            _l(
                "The web address may contain only lower-case letters, digits and single hyphens, "
                "e.g. teilhabegesetz-2027."
            )
        )
    if slug in RESERVED_SLUGS or get_by_slug(slug) is not None:
        raise InvalidInput(_l("Another draft already has this web address. Please choose another one."))
    _blocks(markdown)  # refuses an empty or too long text with a message of its own
    try:
        return import_draft(markdown, title, slug)
    except DraftError as error:  # a paragraph that is too long: the message names its number
        raise InvalidInput(_l("The text cannot be used: %(problem)s", problem=str(error))) from None


KEEP = object()  # an argument of update_settings left as it is (None means something for some of them)
MAX_SUPPORT_QUORUM = 50


def _refuse_amendment_rules(draft: Draft, procedure: AmendmentProcedure, quorum: int, requests_until) -> None:
    """How amendments are decided is fixed when commenting begins (amendments are made under it); the supporter
    quorum when commenting ends (it is counted then); the deadline for requests for a vote when voting begins."""
    if procedure != draft.amendment_procedure and draft.phase != Phase.PREPARATION:
        raise PhaseClosed(_l("How amendments are decided can change only while the draft is in preparation."))
    if not 0 <= quorum <= MAX_SUPPORT_QUORUM:
        raise InvalidInput(_l("Please give a supporter quorum from 0 to 50."))
    if quorum != draft.support_quorum and draft.phase not in (Phase.PREPARATION, Phase.COMMENTING):
        raise PhaseClosed(_l("The supporter quorum can change only in preparation and while commenting."))
    if requests_until != draft.vote_requests_until and draft.phase in (Phase.VOTING, Phase.ADOPTED, Phase.ARCHIVED):
        raise PhaseClosed(_l("The deadline for asking for a vote cannot change once voting has begun."))


def update_settings(
    user,
    draft: Draft,
    *,
    title: str,
    is_public: bool,
    moderation_policy: ModerationPolicy,
    majority_rule: MajorityRule,
    weighted_votes: bool,
    now: datetime,
    appendix_shows_ballots: bool | None = None,
    amendment_procedure=KEEP,
    support_quorum=KEEP,
    vote_requests_until=KEEP,
    reminder_days=KEEP,
) -> None:
    """Title, visibility, moderation policy, voting rules and what the documents' appendix shows (None: as it
    is); how amendments are decided, the supporter quorum, the deadline for requests for a vote and the days
    before a deadline of the automatic reminder (1 to 60, None: off) (KEEP: as
    they are). The voting rules are fixed once voting begins, the appendix once the position's documents
    exist; for the amendment rules see `_refuse_amendment_rules`. A lowered supporter quorum publishes the
    amendments that meet it now (`quorum.publish_reached`); a raised one unpublishes nothing."""
    _require_board(user)
    amendment_procedure = draft.amendment_procedure if amendment_procedure is KEEP else amendment_procedure
    support_quorum = draft.support_quorum if support_quorum is KEEP else support_quorum
    vote_requests_until = draft.vote_requests_until if vote_requests_until is KEEP else vote_requests_until
    _refuse_amendment_rules(draft, amendment_procedure, support_quorum, vote_requests_until)
    reminder_days = draft.reminder_days if reminder_days is KEEP else reminder_days
    if reminder_days is not None and not 1 <= reminder_days <= 60:
        raise InvalidInput(_l("Please give a number of days from 1 to 60."))
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise InvalidInput(_l("Please give the draft a title (at most 200 characters)."))
    voting_started = draft.phase in (Phase.VOTING, Phase.ADOPTED, Phase.ARCHIVED)
    if voting_started and (majority_rule != draft.majority_rule or weighted_votes != draft.weighted_votes):
        raise PhaseClosed(_l("The voting rules cannot change once voting has begun."))
    if appendix_shows_ballots is None:
        appendix_shows_ballots = draft.appendix_shows_ballots
    if draft.adopted_at is not None and appendix_shows_ballots != draft.appendix_shows_ballots:
        raise PhaseClosed(
            _l("The documents of the adopted position are made; what their appendix shows cannot change any more.")
        )
    if draft.adopted_at is not None and title != draft.title:
        # The title is part of the adopted position: its documents (made after the adoption's commit)
        # and its public page show the title it was adopted with.
        raise PhaseClosed(_l("The title of an adopted position cannot change any more."))
    changed = {
        name: value
        for name, value in (
            ("title", title),
            ("is_public", is_public),
            ("moderation_policy", moderation_policy),
            ("majority_rule", majority_rule),
            ("weighted_votes", weighted_votes),
            ("appendix_shows_ballots", appendix_shows_ballots),
            ("amendment_procedure", amendment_procedure),
            ("support_quorum", support_quorum),
            ("vote_requests_until", vote_requests_until),
            ("reminder_days", reminder_days),
        )
        if getattr(draft, name) != value
    }
    if "support_quorum" in changed:
        # Under the draft's lock, as every support counts: none is counted against the old quorum after this.
        lock_draft_in(draft, draft.phase, MOVED)
    for name, value in changed.items():
        setattr(draft, name, value)
    if changed:
        record(
            user,
            "draft.settings",
            f"draft:{draft.id}",
            now,
            draft_id=draft.id,
            changed={k: str(v) for k, v in changed.items()},
        )
    db.session.flush()
    if "support_quorum" in changed:
        publish_reached(user, draft, now)  # a lowered quorum: those that meet it now are published


def set_deadlines(user, draft: Draft, deadlines: dict[Phase, datetime | None], now: datetime) -> None:
    """When the commenting and the voting phases end (None: no deadline)."""
    _require_board(user)
    for phase, ends_at in deadlines.items():
        current = draft.deadline_for(phase)
        if ends_at == current:
            continue
        db.session.execute(
            delete(DraftDeadline).where(DraftDeadline.draft_id == draft.id, DraftDeadline.phase == phase)
        )
        if ends_at is not None:
            db.session.add(DraftDeadline(draft_id=draft.id, phase=phase, ends_at=ends_at))
        record(
            user,
            "draft.deadline",
            f"draft:{draft.id}",
            now,
            draft_id=draft.id,
            phase=phase.value,
            ends_at=ends_at.isoformat() if ends_at else None,
        )
    db.session.flush()
    db.session.expire(draft, ["deadlines"])


def change_phase(
    user, draft: Draft, phase: Phase, expected: Phase | None, reason: str | None = None, now: datetime | None = None
) -> None:
    """Move the draft to `phase`, if that is a next step from the phase it is in now. `expected` is the
    phase the confirmation page showed: when someone else moved the draft meanwhile, nothing happens.
    The amendments follow the step (`_amendments_follow`)."""
    _require_board(user)
    if expected is not None and draft.phase != expected:
        raise PhaseClosed(MOVED)
    if phase not in next_phases(draft):
        raise InvalidInput(_l("A draft cannot go from this phase to the one chosen."))
    move_to_phase(user, draft, phase, reason, now)


def move_to_phase(user, draft: Draft, phase: Phase, reason: str | None = None, now: datetime | None = None) -> None:
    """The step itself, for the board's page (`change_phase`, after its checks) and the command line
    (`flask set-phase`, user None): the phase it leaves is closed under the draft's lock (its writes in
    flight wait, then are refused), the amendments follow the step, and the change goes to the audit log."""
    lock_draft_in(draft, draft.phase, MOVED)
    _amendments_follow(user, draft, draft.phase, phase, now or clock.now())
    if draft.phase == Phase.VOTING:
        end_with_voting(user, draft, now or clock.now())
    set_phase(draft, phase, user=user, reason=reason)


def _amendments_follow(user, draft: Draft, old: Phase, new: Phase, now: datetime) -> None:
    """What a phase change does to the amendments, in the same transaction, under the draft's lock:
    leaving commenting, those without their supporter quorum lapse; entering voting where the
    organisations decide, the alternatives sets are fixed and what consent did not settle is put to the
    vote; leaving voting for editing, the vote decides the amendments put to it."""
    if old == Phase.COMMENTING:
        lapse_unsupported(draft, now, user=user)
    if draft.amendment_procedure == AmendmentProcedure.ORGANISATIONS:
        if new == Phase.VOTING:
            freeze_alternatives(user, draft, now)
            settle_before_vote(user, draft, now)
        if old == Phase.VOTING and new == Phase.EDITING:
            decide_by_vote(user, draft, now)


def adopt(user, draft: Draft, expected: Phase | None, now: datetime, reason: str | None = None) -> None:
    """Close the vote and adopt the draft, when the vote on the whole draft meets its majority rule.
    The current version becomes the adopted text, frozen, with a public address.

    The vote is closed first: the draft row is locked while it is still in voting
    (`consult.drafts.locks`), so votes in flight wait for this transaction and are refused after it.
    The tallies are read under that lock: they count exactly the votes on record when the vote
    closed. `adopted_at` is `now`, or the last counted cast if that is later (a vote sent a moment
    after the board's request may have taken the lock first): no counted vote is later than the
    adoption. The position's documents are only asked for here (rendering them takes seconds, and
    votes would wait on the lock all that time): the caller starts `consult.exports.jobs.start`
    after its commit, and the job renders them from this frozen state, which nothing can change
    any more (the draft is out of voting, and its text is the adopted version)."""
    _require_board(user)
    if expected is not None and draft.phase != expected:
        raise PhaseClosed(MOVED)
    if draft.phase != Phase.VOTING:
        raise PhaseClosed(_l("Only a draft in its voting phase can be adopted."))
    lock_draft_in(draft, Phase.VOTING, MOVED)
    if in_amendment_round(draft):
        raise PhaseClosed(
            _l(
                "The organisations are voting on the amendments. Close and count that vote first "
                "(back to editing), make the new version, then vote on its paragraphs and the "
                "whole text."
            )
        )
    outcome = results(draft).whole
    if not outcome.carried:
        raise PhaseClosed(
            _l(
                "The vote on the whole draft has not reached the majority needed "
                "(%(yes)s yes, %(no)s no): the draft cannot be adopted.",
                yes=outcome.deciding.yes,
                no=outcome.deciding.no,
            )
        )
    version = current_version(draft)
    assert version is not None, "a draft is voted on in a published version"
    last_cast = db.session.scalar(select(func.max(VoteCast.cast_at)).where(VoteCast.draft_id == draft.id))
    now = max(now, last_cast) if last_cast is not None else now
    draft.adopted_version_id = version.id
    draft.adopted_at = now
    end_with_voting(user, draft, now)
    set_phase(draft, Phase.ADOPTED, user=user, reason=reason)
    record(
        user,
        "draft.adopt",
        f"draft:{draft.id}",
        now,
        draft_id=draft.id,
        reason=reason,
        version=version.number,
        yes=outcome.deciding.yes,
        no=outcome.deciding.no,
        abstain=outcome.deciding.abstain,
    )
    # In the same transaction: no adopted draft without the job that renders its documents.
    request_documents(draft, now)


def render_documents_again(user, draft: Draft, now: datetime) -> None:
    """Ask for an adopted position's documents once more, after rendering them failed (the caller starts
    the job after its commit). Refused while they are being made or when they are there."""
    _require_board(user)
    documents = documents_of(draft)
    if draft.adopted_version_id is None or documents is None:
        raise PhaseClosed(_l("Only an adopted position has documents."))
    if documents.state != DocumentsState.FAILED:
        raise PhaseClosed(_l("The documents are being made or are ready; there is nothing to try again."))
    request_documents(draft, now)
    record(user, "documents.retry", f"draft:{draft.id}", now, draft_id=draft.id, attempts=documents.attempts)
    db.session.flush()


def replace_text(user, draft: Draft, markdown: str, now: datetime) -> None:
    """In preparation, before anyone took part, the board rewrites the whole text (version 1 is built again)."""
    _require_board(user)
    if draft.phase != Phase.PREPARATION:
        raise PhaseClosed(
            _l("The text can only be edited in preparation. Later it changes through amendments and new versions.")
        )
    blocks = _blocks(markdown)
    for version in list(draft.versions):
        db.session.delete(version)
    db.session.execute(delete(Paragraph).where(Paragraph.draft_id == draft.id))
    db.session.flush()
    try:
        version = build_version(draft, 1, [(Paragraph(draft=draft), block) for block in blocks])
    except DraftError as error:
        raise InvalidInput(_l("The text cannot be used: %(problem)s", problem=str(error))) from None
    version.status = VersionStatus.PUBLISHED
    version.published_at = now
    record(user, "draft.text", f"draft:{draft.id}", now, draft_id=draft.id, paragraphs=len(blocks))
    db.session.flush()
