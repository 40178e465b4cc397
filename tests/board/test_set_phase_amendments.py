"""`flask set-phase` takes the same step as the board's phase page: the amendments follow it (those without
their supporter quorum lapse at the end of commenting; where the organisations decide, voting fixes the
alternatives and settles consent; editing after the amendment round counts its vote), and while the
organisations vote on amendments the draft goes only where the board's page lets it."""

from __future__ import annotations

from sqlalchemy import select

from consult.amendments.models import Amendment, AmendmentKind, AmendmentStatus, DecidedHow, LapseReason, Recommendation
from consult.audit.models import AuditEntry
from consult.drafts.models import Phase
from consult.extensions import db
from consult.votes.models import Choice
from tests.amendments.alternatives_world import (
    FINANCES,
    PROTECTS,
    STRENGTHENS,
    amendment_of,
    draft_of,
    fixture_world,  # noqa: F401  (the fixture world)
    propose_at,
    vote_on,
)

YES, NO = Choice.YES, Choice.NO


def _set_phase(runner, phase: str):
    result = runner.invoke(args=["set-phase", "teilhabe", phase])
    db.session.expire_all()
    return result


def _recommend(amendment_id: int, recommendation: Recommendation) -> None:
    db.session.execute(
        Amendment.__table__.update().where(Amendment.id == amendment_id).values(recommendation=recommendation)
    )
    db.session.commit()


def test_leaving_commenting_lapses_the_amendments_without_their_quorum(runner, world):
    draft = draft_of(world)
    draft.support_quorum = 1
    db.session.commit()
    waiting = propose_at(world, 2, AmendmentKind.REPLACE, PROTECTS)
    assert amendment_of(waiting).published_at is None
    result = _set_phase(runner, "editing")
    assert result.exit_code == 0, result.output
    assert result.output == "teilhabe is now in phase editing.\n"
    lapsed = amendment_of(waiting)
    assert (lapsed.status, lapsed.lapse_reason) == (AmendmentStatus.LAPSED, LapseReason.QUORUM)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "amendment.lapsed")).one()
    assert entry.actor_name == "command line" and entry.details["quorum"] == 1


def test_voting_fixes_the_alternatives_and_settles_consent(runner, world):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    agreed = propose_at(world, 3, AmendmentKind.DELETE, who="d3")
    rejected = propose_at(world, 4, AmendmentKind.REPLACE, "Absatz vier endet hier.", who="d2")
    _recommend(agreed, Recommendation.ACCEPT)
    _recommend(rejected, Recommendation.REJECT)
    assert _set_phase(runner, "editing").exit_code == 0
    result = _set_phase(runner, "voting")
    assert result.exit_code == 0, result.output
    assert draft_of(world).phase == Phase.VOTING
    settled = amendment_of(agreed)
    assert (settled.status, settled.decided_how) == (AmendmentStatus.ACCEPTED, DecidedHow.CONSENT)
    assert amendment_of(rejected).status == AmendmentStatus.PUT_TO_VOTE
    first, second = amendment_of(larger), amendment_of(small)
    assert first.status == second.status == AmendmentStatus.PUT_TO_VOTE
    assert first.alternative_set_id == second.alternative_set_id is not None
    assert (first.alternative_position, second.alternative_position) == (1, 2)  # furthest from the base first
    assert first.alternative_set.frozen_at is not None


def test_the_amendment_round_goes_only_to_editing_which_counts_its_vote(runner, world):
    single = propose_at(world, 3, AmendmentKind.DELETE, who="d3")
    other = propose_at(world, 4, AmendmentKind.REPLACE, "Absatz vier endet hier.", who="d2")
    assert _set_phase(runner, "editing").exit_code == 0
    assert _set_phase(runner, "voting").exit_code == 0
    assert amendment_of(single).status == AmendmentStatus.PUT_TO_VOTE
    vote_on(world, single, YES, YES, NO)
    vote_on(world, other, NO, NO, YES)
    for elsewhere in ("commenting", "preparation"):
        result = _set_phase(runner, elsewhere)
        assert result.exit_code == 1
        assert "the organisations are voting on amendments of teilhabe" in result.output
        assert "flask set-phase teilhabe editing" in result.output
        assert draft_of(world).phase == Phase.VOTING
    assert amendment_of(single).status == AmendmentStatus.PUT_TO_VOTE
    result = _set_phase(runner, "editing")
    assert result.exit_code == 0, result.output
    assert draft_of(world).phase == Phase.EDITING
    accepted, rejected = amendment_of(single), amendment_of(other)
    assert (accepted.status, accepted.decided_how) == (AmendmentStatus.ACCEPTED, DecidedHow.VOTE)
    assert (rejected.status, rejected.decided_how) == (AmendmentStatus.REJECTED, DecidedHow.VOTE)
    outcomes = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "amendment.vote_outcome")).all()
    assert {e.actor_name for e in outcomes} == {"command line"} and len(outcomes) == 2


def test_the_same_phase_changes_nothing_and_the_help_says_what_amendments_do(runner, world):
    before = len(db.session.scalars(select(AuditEntry)).all())
    result = _set_phase(runner, "commenting")
    assert result.exit_code == 0 and result.output == "teilhabe is already in phase commenting.\n"
    assert len(db.session.scalars(select(AuditEntry)).all()) == before
    help_text = " ".join(runner.invoke(args=["set-phase", "--help"]).output.split())
    assert "without their supporter quorum lapse" in help_text
    assert "what consent did not settle is put to the vote" in help_text
    assert "counts it and decides them" in help_text
