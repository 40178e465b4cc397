"""No write after its phase is over: each writing service checks the phase again as it writes.

Every test loads the draft first (as a request does), then changes the phase or the deadline
in another transaction, committed, as the board's request in another process would; the
service, still holding the draft as it was, must refuse with "phase closed" and store nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from consult.accounts.models import Role
from consult.amendments import services as amendments
from consult.amendments.models import Amendment, AmendmentKind, AmendmentSupport
from consult.board.services import adopt, change_phase
from consult.comments import services as comments
from consult.comments.models import Comment
from consult.core import clock
from consult.core.refusals import PhaseClosed
from consult.drafts.models import Draft, DraftDeadline, Phase
from consult.extensions import db
from consult.votes.models import Choice, Vote, VoteCast
from consult.votes.services import cast_vote
from tests import factories

_draft = Draft.__table__


def _elsewhere(draft_id: int, **values) -> None:
    """Change the draft in another transaction on another connection, committed (another request)."""
    with db.engine.begin() as connection:
        connection.execute(update(_draft).where(_draft.c.id == draft_id).values(**values))


def _deadline_passed_elsewhere(draft_id: int, phase: Phase) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            insert(DraftDeadline.__table__).values(
                draft_id=draft_id, phase=phase, ends_at=clock.now() - timedelta(minutes=1)
            )
        )


@pytest.fixture
def world(app):
    org, other = factories.organisation(), factories.organisation()
    world = {
        "a": factories.user(org=org),
        "x": factories.user(org=other),
        "board": factories.user(roles=(Role.BOARD,)),
        "voting": factories.draft(paragraphs=3, phase=Phase.VOTING),
        "commenting": factories.draft(paragraphs=3, phase=Phase.COMMENTING),
    }
    db.session.commit()
    world["text"] = world["commenting"].versions[0].texts[1]
    world["vote_text"] = world["voting"].versions[0].texts[1]
    with app.test_request_context():  # the services read the request's locale and person
        yield world


def _vote(world):
    cast_vote(world["a"], world["voting"], world["vote_text"].paragraph_id, Choice.YES, clock.now())


def _comment(world):
    comments.post_comment(world["a"], world["commenting"], world["text"], "Ein Einwand.", None, clock.now())


def _amendment(world):
    amendments.propose(
        world["a"],
        world["commenting"],
        world["text"],
        AmendmentKind.REPLACE,
        "Ein neuer Text.",
        "Weil es besser ist.",
        clock.now(),
    )


def _support(world):
    amendments.support(world["a"], world["proposal"], world["commenting"], clock.now())


WRITES = {
    "vote": (_vote, "voting", Vote),
    "comment": (_comment, "commenting", Comment),
    "amendment": (_amendment, "commenting", Amendment),
    "support": (_support, "commenting", AmendmentSupport),
}
NEXT = {"voting": Phase.ADOPTED, "commenting": Phase.EDITING}


def _prepare(world, kind):
    if kind == "support":  # an amendment of another organisation, to support
        world["proposal"] = amendments.propose(
            world["x"], world["commenting"], world["text"], AmendmentKind.DELETE, None, "Überflüssig.", clock.now()
        )
        db.session.commit()
    write, which, model = WRITES[kind]
    return write, world[which], model


@pytest.mark.parametrize("kind", list(WRITES))
def test_a_write_after_a_phase_change_in_another_transaction_is_refused(world, kind):
    write, draft, model = _prepare(world, kind)
    assert draft.phase in (Phase.VOTING, Phase.COMMENTING)  # what this request read
    _elsewhere(draft.id, phase=NEXT[draft.phase.value])
    with pytest.raises(PhaseClosed):
        write(world)
    db.session.rollback()
    assert factories.count(model) == 0


@pytest.mark.parametrize("kind", list(WRITES))
def test_a_write_after_its_deadline_was_set_in_another_transaction_is_refused(world, kind):
    write, draft, model = _prepare(world, kind)
    _deadline_passed_elsewhere(draft.id, draft.phase)
    with pytest.raises(PhaseClosed):
        write(world)
    db.session.rollback()
    assert factories.count(model) == 0


@pytest.mark.parametrize("kind", list(WRITES))
def test_a_write_while_the_phase_is_open_is_stored_and_counts_as_a_change(world, kind):
    # The other side: the lock refuses nothing that is allowed, and raises the draft's revision (a vote: its
    # tally revision alone, so that the cached text and comments stay).
    write, draft, model = _prepare(world, kind)
    counter = Draft.tally_revision if kind == "vote" else Draft.revision
    before = db.session.scalar(db.select(counter).where(Draft.id == draft.id))
    write(world)
    db.session.commit()
    assert factories.count(model) == 1
    assert db.session.scalar(db.select(counter).where(Draft.id == draft.id)) > before


def test_a_comment_change_after_the_phase_ended_elsewhere_is_refused(world):
    comment = comments.post_comment(world["a"], world["commenting"], world["text"], "Erst so.", None, clock.now())
    db.session.commit()
    _elsewhere(world["commenting"].id, phase=Phase.EDITING)
    for change in (
        lambda: comments.edit_comment(world["a"], comment, world["commenting"], "Dann so.", None, clock.now()),
        lambda: comments.withdraw_comment(world["a"], comment, world["commenting"], clock.now()),
        lambda: comments.delete_comment(world["a"], comment, world["commenting"], clock.now()),
    ):
        with pytest.raises(PhaseClosed):
            change()
        db.session.rollback()
    assert db.session.get(Comment, comment.id).body == "Erst so."


def test_adoption_and_phase_changes_are_refused_when_the_draft_moved_elsewhere(world):
    draft = world["voting"]
    _elsewhere(draft.id, phase=Phase.ARCHIVED)
    with pytest.raises(PhaseClosed):
        adopt(world["board"], draft, None, clock.now())
    db.session.rollback()
    draft = world["commenting"]
    _elsewhere(draft.id, phase=Phase.EDITING)
    with pytest.raises(PhaseClosed):
        change_phase(world["board"], draft, Phase.EDITING, None)
    db.session.rollback()


def test_adoption_is_never_before_a_vote_it_counts(world, monkeypatch):
    # A vote sent a moment after the board's request can take the draft's lock first: it is
    # counted, so `adopted_at` is moved to it rather than left before it.
    draft, now = world["voting"], clock.now()
    cast_vote(world["a"], draft, None, Choice.YES, now + timedelta(milliseconds=5))
    db.session.commit()
    adopt(world["board"], draft, Phase.VOTING, now)
    db.session.commit()
    last = db.session.scalar(db.select(db.func.max(VoteCast.cast_at)))
    assert draft.adopted_at == last == now + timedelta(milliseconds=5)
