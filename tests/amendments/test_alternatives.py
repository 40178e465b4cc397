"""Alternatives sets where the organisations decide (issue 15, points 5 and 6): amendments to one paragraph
that collide in the version builder's merge are grouped, with a proposed voting order (furthest from the base
text first); moderators reorder with a reason until voting begins; the order is fixed when voting begins; the
vote decides them in order (the first that passes wins, those before it are rejected, those after it lapse),
and the next version applies the winner without a collision."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import func, select

from consult.amendments.alternatives import changed_share, collide, freeze_alternatives, reorder, set_of, sets_of
from consult.amendments.diff import merge
from consult.amendments.models import AlternativeSet, Amendment, AmendmentKind, AmendmentStatus, DecidedHow, LapseReason
from consult.amendments.services import withdraw
from consult.audit.models import AuditEntry
from consult.board.services import change_phase
from consult.core import clock
from consult.core.refusals import AlreadyChanged, InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.models import AmendmentProcedure, Draft, Phase, VersionConflict
from consult.drafts.services import paragraph_texts
from consult.extensions import db
from consult.versions.services import publish_version, start_version
from consult.votes.models import Choice
from tests import factories
from tests.amendments.alternatives_world import (
    FINANCES,
    PROTECTS,
    SECOND,
    STRENGTHENS,
    amendment_of,
    draft_of,
    fixture_world,  # noqa: F401  (the fixture world)
    login,
    propose_at,
    put_to_vote,
    to_voting,
    vote_on,
)
from tests.conftest import csrf_token


def _sets(world) -> list[list[int]]:
    return [list(s.ids) for s in sets_of(draft_of(world))]


# Grouping


def test_collide_is_the_merge_of_the_version_builder():
    assert collide(SECOND, STRENGTHENS, FINANCES) and merge(SECOND, STRENGTHENS, FINANCES).text is None
    assert not collide(SECOND, STRENGTHENS, PROTECTS) and merge(SECOND, STRENGTHENS, PROTECTS).text is not None
    assert collide(SECOND, None, PROTECTS) and collide(SECOND, STRENGTHENS, None)
    assert not collide(SECOND, None, None)  # two deletions agree
    assert not collide(SECOND, STRENGTHENS, STRENGTHENS)


def test_colliding_amendments_form_a_set_and_compatible_ones_do_not(app, world):
    strengthens = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    protects = propose_at(world, 2, AmendmentKind.REPLACE, PROTECTS, who="d2")
    finances = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d3")
    propose_at(world, 3, AmendmentKind.INSERT, "Ein neuer Absatz.")
    propose_at(world, 3, AmendmentKind.INSERT, "Noch ein neuer Absatz.", who="d2")  # two insertions: no collision
    assert _sets(world) == [[finances, strengthens]]
    assert set_of(draft_of(world), amendment_of(protects)) is None
    # Worked out on read: nothing is written.
    assert factories.count(AlternativeSet) == 0 and amendment_of(strengthens).alternative_set_id is None


def test_a_deletion_collides_with_a_replacement_and_joins_its_set(app, world):
    protects = propose_at(world, 2, AmendmentKind.REPLACE, PROTECTS)
    strengthens = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS, who="d2")
    assert _sets(world) == []
    deletes = propose_at(world, 2, AmendmentKind.DELETE, who="d3")
    assert _sets(world) == [[deletes, protects, strengthens]]
    alone = propose_at(world, 3, AmendmentKind.DELETE)
    rewrite = propose_at(world, 3, AmendmentKind.REPLACE, "Absatz drei wird neu gefasst.", who="d2")
    assert [deletes, protects, strengthens] in _sets(world) and [alone, rewrite] in _sets(world)


def test_withdrawn_and_unpublished_amendments_are_not_alternatives(app, world):
    strengthens = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    finances = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    assert _sets(world) == [[finances, strengthens]]
    withdraw(world["d2"], amendment_of(finances), draft_of(world), clock.now())
    db.session.commit()
    assert _sets(world) == []
    db.session.execute(Amendment.__table__.update().where(Amendment.id == strengthens).values(published_at=None))
    propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d3")
    assert _sets(world) == []


def test_the_moderators_procedure_has_no_alternatives(app, world):
    propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    draft = draft_of(world)
    draft.amendment_procedure = AmendmentProcedure.MODERATORS
    db.session.commit()
    assert _sets(world) == []


# The proposed order


def test_the_furthest_from_the_base_text_is_voted_first(app, world):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)  # one word
    same_size = propose_at(world, 2, AmendmentKind.REPLACE, SECOND.replace("fördert", "stützt"), who="d2")
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d3")  # three words for one
    deletes = propose_at(world, 2, AmendmentKind.DELETE)
    assert changed_share(SECOND, FINANCES) > changed_share(SECOND, STRENGTHENS) > 0
    assert changed_share(SECOND, None) == 1.0
    # A deletion first, then the larger change, then the two of equal size, older first.
    assert _sets(world) == [[deletes, larger, small, same_size]]


# Reordering by a moderator


def _reorder(world, order, reason="Der weitergehende Antrag zuerst.", who="mod"):
    with current_app.test_request_context():  # a refusal's message is made in the person's language
        reorder(world[who], draft_of(world), order, reason, clock.now())
    db.session.commit()


def test_a_moderator_reorders_a_set_with_a_reason(app, world):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    assert _sets(world) == [[larger, small]]
    _reorder(world, [small, larger])
    (alternatives,) = sets_of(draft_of(world))
    assert list(alternatives.ids) == [small, larger] and alternatives.reordered
    assert alternatives.stored.order_reason == "Der weitergehende Antrag zuerst."
    assert alternatives.stored.ordered_by_id == world["mod"].id and alternatives.stored.frozen_at is None
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "alternatives.reorder")).one()
    assert entry.reason == "Der weitergehende Antrag zuerst." and entry.details["order"] == [small, larger]
    assert entry.details["proposed"] == [larger, small]


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reorder_without_reason_is_refused(app, world, reason):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    with pytest.raises(InvalidInput):
        _reorder(world, [small, larger], reason)
    db.session.rollback()
    assert factories.count(AlternativeSet) == 0


@pytest.mark.parametrize("who", ["d1", "board"])
def test_only_moderators_reorder(app, world, who):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    with pytest.raises(NotAllowed):
        _reorder(world, [small, larger], who=who)


def test_a_reorder_of_other_members_is_refused(app, world):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    protects = propose_at(world, 2, AmendmentKind.REPLACE, PROTECTS, who="d3")
    with pytest.raises(AlreadyChanged):
        _reorder(world, [small, larger, protects])
    with pytest.raises(AlreadyChanged):
        _reorder(world, [small])


def test_when_the_members_change_the_stored_order_is_dropped(app, world):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    _reorder(world, [small, larger])
    deletes = propose_at(world, 2, AmendmentKind.DELETE, who="d3")
    (alternatives,) = sets_of(draft_of(world))
    assert list(alternatives.ids) == [deletes, larger, small]  # the proposal again
    assert alternatives.order_dropped and not alternatives.reordered


def test_voting_fixes_the_sets_and_keeps_a_moderators_order(app, world):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    alone = propose_at(world, 3, AmendmentKind.DELETE)
    rewrite = propose_at(world, 3, AmendmentKind.REPLACE, "Absatz drei wird neu gefasst.", who="d2")
    single = propose_at(world, 4, AmendmentKind.REPLACE, "Absatz vier endet hier.", who="d3")
    _reorder(world, [small, larger])
    to_voting(world)
    rows = db.session.scalars(select(AlternativeSet).order_by(AlternativeSet.id)).all()
    assert len(rows) == 2 and all(r.frozen_at is not None for r in rows)
    assert [(amendment_of(i).alternative_set_id, amendment_of(i).alternative_position) for i in (small, larger)] == [
        (rows[0].id, 1),
        (rows[0].id, 2),
    ]
    assert rows[0].order_reason == "Der weitergehende Antrag zuerst."
    assert [amendment_of(i).alternative_position for i in (alone, rewrite)] == [1, 2]
    assert amendment_of(single).alternative_set_id is None
    assert [list(s.ids) for s in sets_of(draft_of(world))] == [[small, larger], [alone, rewrite]]
    with pytest.raises(PhaseClosed):
        _reorder(world, [larger, small])


def test_an_order_set_for_other_members_is_not_frozen(app, world):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    _reorder(world, [small, larger])
    deletes = propose_at(world, 2, AmendmentKind.DELETE, who="d3")
    to_voting(world)
    (row,) = db.session.scalars(select(AlternativeSet)).all()
    assert row.order_reason is None and row.frozen_at is not None
    assert [amendment_of(i).alternative_position for i in (deletes, larger, small)] == [1, 2, 3]


# The vote decides


def _close_round(world) -> None:
    change_phase(world["board"], draft_of(world), Phase.EDITING, Phase.VOTING, now=clock.now())
    db.session.commit()


YES, NO = Choice.YES, Choice.NO


def _three_alternatives(world) -> tuple[int, int, int]:
    deletes = propose_at(world, 2, AmendmentKind.DELETE)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS, who="d3")
    to_voting(world)
    assert [amendment_of(i).alternative_position for i in (deletes, larger, small)] == [1, 2, 3]
    return deletes, larger, small


def test_the_first_that_passes_wins_those_before_are_rejected_those_after_lapse(app, world):
    deletes, larger, small = _three_alternatives(world)
    put_to_vote(deletes, larger, small)
    vote_on(world, deletes, NO, NO, YES)
    vote_on(world, larger, YES, YES, NO)
    vote_on(world, small, YES, YES, YES)  # passes too, but lapses: an alternative before it won
    _close_round(world)
    assert [(amendment_of(i).status, amendment_of(i).decided_how) for i in (deletes, larger, small)] == [
        (AmendmentStatus.REJECTED, DecidedHow.VOTE),
        (AmendmentStatus.ACCEPTED, DecidedHow.VOTE),
        (AmendmentStatus.LAPSED, DecidedHow.VOTE),
    ]
    assert amendment_of(small).lapse_reason == LapseReason.ALTERNATIVE and amendment_of(larger).lapse_reason is None
    assert all(amendment_of(i).decided_at is not None for i in (deletes, larger, small))
    entries = {
        e.subject: e.details
        for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "amendment.vote_outcome"))
    }
    winner = entries[f"amendment:{larger}"]
    assert (winner["status"], winner["yes"], winner["no"], winner["carried"]) == ("accepted", 2, 1, True)
    assert entries[f"amendment:{small}"]["status"] == "lapsed" and entries[f"amendment:{small}"]["yes"] == 3


def test_nothing_passes_and_all_are_rejected(app, world):
    deletes, larger, small = _three_alternatives(world)
    put_to_vote(deletes, larger, small)
    vote_on(world, deletes, NO, NO, YES)
    vote_on(world, larger, NO, YES, NO)
    _close_round(world)  # no votes at all on the third: not carried
    assert [amendment_of(i).status for i in (deletes, larger, small)] == [AmendmentStatus.REJECTED] * 3


def test_single_amendments_are_accepted_or_rejected_by_their_vote(app, world):
    passes = propose_at(world, 3, AmendmentKind.REPLACE, "Absatz drei wird neu gefasst.")
    fails = propose_at(world, 4, AmendmentKind.DELETE, who="d2")
    to_voting(world)
    put_to_vote(passes, fails)
    vote_on(world, passes, YES, YES, NO)
    vote_on(world, fails, YES, NO, NO)
    _close_round(world)
    assert (amendment_of(passes).status, amendment_of(fails).status) == (
        AmendmentStatus.ACCEPTED,
        AmendmentStatus.REJECTED,
    )
    assert amendment_of(fails).lapse_reason is None


def test_the_next_version_applies_the_winner_without_a_collision(app, world, client):
    deletes, larger, small = _three_alternatives(world)
    put_to_vote(deletes, larger, small)
    vote_on(world, deletes, NO, NO, NO)
    vote_on(world, larger, YES, YES, NO)
    vote_on(world, small, YES, YES, YES)
    _close_round(world)
    version = start_version(world["mod"], draft_of(world), clock.now())
    db.session.commit()
    assert db.session.scalar(select(func.count(VersionConflict.id))) == 0
    texts = [t.text for t in paragraph_texts(version)]
    assert FINANCES in texts and STRENGTHENS not in texts and SECOND not in texts
    publish_version(world["mod"], version, clock.now())
    db.session.commit()
    assert (
        amendment_of(larger).applied_in_version_id == version.id and amendment_of(small).applied_in_version_id is None
    )
    # The version page links the change to the decision, with the figures of the vote.
    login(client, "mod")
    page = client.get("/drafts/teilhabe/versions/2").get_data(as_text=True)
    assert f'href="/drafts/teilhabe/amendments/{larger}"' in page
    assert f"Amendment {larger} – accepted by vote (2 yes, 1 no)" in page
    assert f"Amendment {small} –" not in page
    # The lapsed alternative's page shows the fixed set, in its order, with what became of each.
    page = client.get(f"/drafts/teilhabe/amendments/{small}").get_data(as_text=True)
    box = page[page.index('id="alternatives"') :]
    assert box.index(f"Amendment {deletes}") < box.index(f"Amendment {larger}") < box.index("(this amendment)")
    assert f"Amendment {larger}</a> (DEF) – Accepted</li>" in box and "(this amendment)</strong> (GHI) – Lapsed" in box


def test_the_freeze_hook_leaves_the_moderators_procedure_alone(app, world):
    propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    draft = draft_of(world)
    draft.amendment_procedure = AmendmentProcedure.MODERATORS
    db.session.commit()
    to_voting(world)
    assert factories.count(AlternativeSet) == 0
    freeze_alternatives(world["board"], draft_of(world), clock.now())  # called directly it stores what it finds
    assert factories.count(AlternativeSet) == 1


# The pages


def test_the_amendment_page_shows_the_voting_order_and_the_rule(app, world, client):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    login(client, "d1")
    page = client.get(f"/drafts/teilhabe/amendments/{small}").get_data(as_text=True)
    assert '<h2 id="alternatives-title">Alternatives</h2>' in page and "Voting order" in page
    assert page.index(f'href="/drafts/teilhabe/amendments/{larger}"') < page.index("(this amendment)")
    assert (
        "The vote follows this order. The first amendment that gets the majority is accepted; "
        "the ones after it have lapsed with it."
    ) in page
    assert "Change the voting order" not in page  # a delegate cannot
    protects = propose_at(world, 2, AmendmentKind.REPLACE, PROTECTS, who="d3")
    assert "Alternatives" not in client.get(f"/drafts/teilhabe/amendments/{protects}").get_data(as_text=True)


def test_the_german_page_states_the_rule(app, world, client):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    world["d1"].locale = "de"
    db.session.commit()
    login(client, "d1")
    page = client.get(f"/drafts/teilhabe/amendments/{small}").get_data(as_text=True)
    assert "Alternativen" in page and "Abstimmungsreihenfolge" in page
    assert (
        "Abgestimmt wird in dieser Reihenfolge. Der erste Antrag, der die Mehrheit erhält, ist angenommen; "
        "die folgenden sind damit erledigt."
    ) in page


def test_moderators_reorder_on_the_alternatives_page(app, world, client):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    login(client, "mod")
    assert 'href="/drafts/teilhabe/alternatives"' in client.get(f"/drafts/teilhabe/amendments/{small}").get_data(
        as_text=True
    ).replace(f"#set-{larger}-{small}", "")
    page = client.get("/drafts/teilhabe/alternatives").get_data(as_text=True)
    assert "Alternatives for § 2" in page and page.index(f"Amendment {larger}") < page.index(f"Amendment {small}")
    assert 'href="/drafts/teilhabe/alternatives"' in client.get("/moderation").get_data(as_text=True)
    token = csrf_token(page)
    refused = client.post(
        "/drafts/teilhabe/alternatives",
        data={"csrf_token": token, f"place-{small}": "1", f"place-{larger}": "2", "reason": ""},
    )
    assert refused.status_code == 422 and "Please give a reason for the new voting order." in refused.get_data(
        as_text=True
    )
    twice = client.post(
        "/drafts/teilhabe/alternatives",
        data={"csrf_token": token, f"place-{small}": "1", f"place-{larger}": "1", "reason": "Darum."},
    )
    assert twice.status_code == 422
    done = client.post(
        "/drafts/teilhabe/alternatives",
        data={"csrf_token": token, f"place-{small}": "1", f"place-{larger}": "2", "reason": "Der kleinere zuerst."},
    )
    assert done.status_code == 302
    page = client.get("/drafts/teilhabe/alternatives").get_data(as_text=True)
    assert page.index(f"Amendment {small}") < page.index(f"Amendment {larger}")
    assert "The moderation changed the proposed order. Reason: Der kleinere zuerst." in page
    amendment_page = client.get(f"/drafts/teilhabe/amendments/{larger}").get_data(as_text=True)
    assert "Reason: Der kleinere zuerst." in amendment_page
    propose_at(world, 2, AmendmentKind.DELETE, who="d3")
    page = client.get("/drafts/teilhabe/alternatives").get_data(as_text=True)
    assert "That order no longer applies; this is the proposed order." in page


def test_delegates_cannot_open_or_post_the_alternatives_page(app, world, client):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    login(client, "d1")
    assert client.get("/drafts/teilhabe/alternatives").status_code == 403
    token = csrf_token(client.get(f"/drafts/teilhabe/amendments/{small}").get_data(as_text=True))
    response = client.post(
        "/drafts/teilhabe/alternatives",
        data={"csrf_token": token, f"place-{small}": "1", f"place-{larger}": "2", "reason": "Darum."},
    )
    assert response.status_code == 403 and factories.count(AlternativeSet) == 0


def test_a_reorder_read_before_voting_began_is_refused_under_the_lock(app, world):
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    draft = draft_of(world)
    assert draft.phase == Phase.COMMENTING
    db.session.execute(Draft.__table__.update().where(Draft.id == draft.id).values(phase=Phase.VOTING))  # meanwhile
    with current_app.test_request_context(), pytest.raises(PhaseClosed):
        reorder(world["mod"], draft, [small, larger], "Darum.", clock.now())
    db.session.rollback()
    assert factories.count(AlternativeSet) == 0
