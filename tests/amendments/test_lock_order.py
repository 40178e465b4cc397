"""A change of an amendment and the board's phase change at the same instant, each in its own transaction on
PostgreSQL: the phase change writes amendments under the draft's lock (settles them at the step into voting,
lets them lapse at the end of commenting), so a recommendation or a withdrawal takes the draft's lock before
the amendment's row too. They then wait for each other in one order and never deadlock (PostgreSQL would
abort one of them with an error, a 500 for that person): each ends in success or a clear refusal.

Half of the rounds force the worst interleaving (each side has taken its first lock before the other goes on,
which deadlocked when a recommendation or a withdrawal locked the row first); the others race freely."""

from __future__ import annotations

import os
import threading
from datetime import datetime, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from consult.accounts.models import Role, User
from consult.amendments import procedure, services
from consult.amendments.models import Amendment, AmendmentKind, AmendmentStatus, LapseReason, Recommendation
from consult.board import services as board
from consult.core.refusals import Refusal
from consult.drafts.models import AmendmentProcedure, Draft, Phase
from consult.extensions import db
from tests import factories, postgres

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)
ROUNDS = 8
PG_AVAILABLE = postgres.server_bin() is not None or os.environ.get("CONSULT_TEST_POSTGRES") == "1"
only_postgresql = pytest.mark.parametrize("backend", ["postgresql"] if PG_AVAILABLE else [])

RECOMMEND_CLOSED = "Procedural recommendations are made in the commenting and editing phases; this draft is past them."
CHANGE_CLOSED = "Amendments cannot be changed now: the commenting phase of this draft is closed."


class Meeting:
    """Both sides meet once per round when `forced`: each side's first wrapped call waits for the other."""

    def __init__(self):
        self.forced = False
        self.barrier = threading.Barrier(2, timeout=20)
        self.met: set[str] = set()

    def before(self, side: str, call):
        def wrapped(*args, **kwargs):
            if self.forced and side not in self.met:
                self.met.add(side)
                self.barrier.wait()
            return call(*args, **kwargs)

        return wrapped

    def next_round(self, forced: bool) -> None:
        self.forced, self.met = forced, set()
        self.barrier.reset()


def _run(app, sides: dict) -> dict[str, str]:
    """Run each side in its own thread and transaction; what each ended in: "done", a refusal's message,
    or the database error it met."""
    outcomes: dict[str, str] = {}

    def run(name, call):
        with app.app_context(), app.test_request_context(), force_locale("en"):
            try:
                call()
                db.session.commit()
                outcomes[name] = "done"
            except Refusal as refusal:
                db.session.rollback()
                outcomes[name] = str(refusal.message)
            except Exception as error:  # noqa: BLE001 -- the deadlock this test is about
                db.session.rollback()
                outcomes[name] = f"error: {type(error).__name__}: {error}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=item) for item in sides.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def _people():
    proposer = factories.organisation(short_name="ABC")
    return {
        "author": factories.user(org=proposer).id,
        "moderator": factories.user(roles=(Role.MODERATOR,)).id,
        "board": factories.user(roles=(Role.BOARD,)).id,
    }


def _draft_with_amendment(people, phase: Phase, procedure_: AmendmentProcedure, quorum: int) -> tuple[int, int]:
    author = db.session.get(User, people["author"])
    draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING)
    draft.amendment_procedure, draft.support_quorum = procedure_, quorum
    db.session.flush()
    amendment = services.propose(
        author, draft, draft.versions[0].texts[1], AmendmentKind.REPLACE, "Absatz 2: Gemeinsam beraten.", "Besser.", NOW
    )
    draft.phase = phase
    db.session.commit()
    return draft.id, amendment.id


@only_postgresql
def test_a_recommendation_and_the_step_into_voting_at_once_never_deadlock(app, monkeypatch):
    people = _people()
    meeting = Meeting()
    # Where each side has taken its first lock, or is about to: the recommendation before the draft's
    # lock (it used to hold the amendment's row there), the step after the draft's lock.
    monkeypatch.setattr(procedure, "lock_draft_in", meeting.before("recommend", procedure.lock_draft_in))
    monkeypatch.setattr(board, "_amendments_follow", meeting.before("step", board._amendments_follow))
    seen = []
    for round_ in range(ROUNDS):
        draft_id, amendment_id = _draft_with_amendment(people, Phase.EDITING, AmendmentProcedure.ORGANISATIONS, 0)
        db.session.remove()
        meeting.next_round(forced=round_ % 2 == 0)

        def recommend(amendment_id=amendment_id, draft_id=draft_id):  # this round's, bound now
            services.decide(
                db.session.get(User, people["moderator"]),
                db.session.get(Amendment, amendment_id),
                db.session.get(Draft, draft_id),
                "reject",
                "Zu weit.",
                NOW,
            )

        def step(draft_id=draft_id):
            board.change_phase(
                db.session.get(User, people["board"]),
                db.session.get(Draft, draft_id),
                Phase.VOTING,
                Phase.EDITING,
                now=NOW,
            )

        outcomes = _run(app, {"recommend": recommend, "step": step})
        assert outcomes["step"] == "done", outcomes
        assert outcomes["recommend"] in ("done", RECOMMEND_CLOSED), outcomes
        amendment = db.session.get(Amendment, amendment_id)
        assert db.session.get(Draft, draft_id).phase == Phase.VOTING
        assert amendment.status == AmendmentStatus.PUT_TO_VOTE  # "reject" or none: the vote decides
        expected = Recommendation.REJECT if outcomes["recommend"] == "done" else None
        assert amendment.recommendation == expected
        seen.append(outcomes["recommend"])
        db.session.remove()
    assert RECOMMEND_CLOSED in seen  # the forced rounds: the recommendation waited and was refused


@only_postgresql
def test_a_withdrawal_and_the_end_of_commenting_at_once_never_deadlock(app, monkeypatch):
    people = _people()
    meeting = Meeting()
    # The withdrawal's first lock: the draft's now (lock_open_draft), the amendment's row before (its
    # status UPDATE, then `touch` of the draft); the step after the draft's lock, before the lapse.
    monkeypatch.setattr(services, "lock_open_draft", meeting.before("withdraw", services.lock_open_draft))
    monkeypatch.setattr(services, "touch", meeting.before("withdraw", services.touch))
    monkeypatch.setattr(board, "_amendments_follow", meeting.before("step", board._amendments_follow))
    seen = []
    for round_ in range(ROUNDS):
        draft_id, amendment_id = _draft_with_amendment(people, Phase.COMMENTING, AmendmentProcedure.MODERATORS, 1)
        db.session.remove()
        meeting.next_round(forced=round_ % 2 == 0)

        def withdraw(amendment_id=amendment_id, draft_id=draft_id):  # this round's, bound now
            services.withdraw(
                db.session.get(User, people["author"]),
                db.session.get(Amendment, amendment_id),
                db.session.get(Draft, draft_id),
                NOW,
            )

        def step(draft_id=draft_id):
            board.change_phase(
                db.session.get(User, people["board"]),
                db.session.get(Draft, draft_id),
                Phase.EDITING,
                Phase.COMMENTING,
                now=NOW,
            )

        outcomes = _run(app, {"withdraw": withdraw, "step": step})
        assert outcomes["step"] == "done", outcomes
        assert outcomes["withdraw"] in ("done", CHANGE_CLOSED), outcomes
        amendment = db.session.get(Amendment, amendment_id)
        if outcomes["withdraw"] == "done":  # withdrawn first: it stays withdrawn, nothing lapses
            assert amendment.status == AmendmentStatus.WITHDRAWN
        else:
            assert (amendment.status, amendment.lapse_reason) == (AmendmentStatus.LAPSED, LapseReason.QUORUM)
        seen.append(outcomes["withdraw"])
        db.session.remove()
    assert CHANGE_CLOSED in seen
    assert db.session.scalars(select(Draft.phase)).all() == [Phase.EDITING] * ROUNDS
