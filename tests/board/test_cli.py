"""`flask adopt` adopts as the board's page does; `flask set-phase` cannot adopt or un-adopt a draft (its
amendments: test_set_phase_amendments.py)."""

from __future__ import annotations

from sqlalchemy import select

from consult.audit.models import AuditEntry
from consult.drafts.models import Phase
from consult.exports.models import PositionFile
from consult.exports.storage import STORED_FORMATS
from consult.extensions import db
from tests.board.test_board import _draft, _voting_world, fixture_world  # noqa: F401  (the fixture world)


def test_set_phase_refuses_adopted_and_points_to_adopt(runner, world):
    _voting_world(world, ["yes", "yes"])
    result = runner.invoke(args=["set-phase", "vorlage", "adopted"])
    assert result.exit_code == 1
    assert "flask adopt vorlage" in result.output
    draft = _draft()
    assert draft.phase == Phase.VOTING and draft.adopted_version_id is None and draft.adopted_at is None
    assert db.session.scalars(select(AuditEntry.action)).all()[-1:] != ["phase.change"]


def test_adopt_does_what_the_board_page_does(runner, world):
    _voting_world(world, ["yes", "yes", "no", "abstain"])
    result = runner.invoke(args=["adopt", "vorlage", "--by", "board@example.org", "--reason", "Beschluss 3/2026"])
    assert result.exit_code == 0, result.output
    draft = _draft()
    assert draft.phase == Phase.ADOPTED
    assert draft.adopted_version_id == draft.versions[0].id and draft.adopted_at is not None
    stored = db.session.scalars(select(PositionFile.name).where(PositionFile.draft_id == draft.id)).all()
    assert sorted(stored) == sorted(STORED_FORMATS)  # rendered in the same transaction
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "draft.adopt")).one()
    assert entry.actor_id == world["board"].id and entry.reason == "Beschluss 3/2026"
    # Adopted: set-phase may archive it, but not move it back.
    result = runner.invoke(args=["set-phase", "vorlage", "voting"])
    assert result.exit_code == 1 and "can only be archived" in result.output
    assert _draft().phase == Phase.ADOPTED


def test_adopt_refuses_a_failed_vote_a_non_board_person_and_unknown_names(runner, world):
    _voting_world(world, ["yes", "no", "no"])
    result = runner.invoke(args=["adopt", "vorlage", "--by", "board@example.org"])
    assert result.exit_code == 1 and "nicht die nötige Mehrheit" in result.output
    result = runner.invoke(args=["adopt", "vorlage", "--by", "mod@example.org"])
    assert result.exit_code == 1 and "Vorstand" in result.output
    assert runner.invoke(args=["adopt", "vorlage", "--by", "nobody@example.org"]).exit_code == 1
    assert runner.invoke(args=["adopt", "unknown", "--by", "board@example.org"]).exit_code == 1
    draft = _draft()
    assert draft.phase == Phase.VOTING and draft.adopted_version_id is None
    assert db.session.scalar(select(db.func.count()).select_from(PositionFile)) == 0
