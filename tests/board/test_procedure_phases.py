"""The phases where the organisations decide the amendments (issue 15, point 6): the amendment round
(voting with amendments put to the vote) closes back into editing, where its outcome is counted; adoption
waits until the paragraphs and the whole text of the new version are voted on; the board's pages say
which step comes next. In the moderators' procedure nothing changes."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from consult.amendments.models import Amendment, AmendmentKind, AmendmentStatus, Recommendation
from consult.board.services import adopt, change_phase, next_phases
from consult.core import clock
from consult.core.refusals import InvalidInput, PhaseClosed
from consult.drafts.models import AmendmentProcedure, Phase
from consult.extensions import db
from consult.versions.services import publish_version, start_version
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories
from tests.amendments.alternatives_world import (
    FINANCES,
    PROTECTS,
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

YES, NO = Choice.YES, Choice.NO
ROUND_CLOSES = "The vote on the amendments is closed and counted. Accepted amendments go into the new version."


def _round(world) -> tuple[int, int]:
    """Two alternatives and a single amendment, put to the vote."""
    small = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    larger = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    single = propose_at(world, 3, AmendmentKind.DELETE, who="d3")
    to_voting(world)
    put_to_vote(small, larger, single)
    return larger, single


def _in_request(call):
    with current_app.test_request_context():
        return call()


def test_the_amendment_round_closes_back_into_editing(app, world, client):
    larger, single = _round(world)
    assert Phase.EDITING in next_phases(draft_of(world))
    login(client, "board")
    settings = client.get("/drafts/teilhabe/settings").get_data(as_text=True)
    assert 'href="/drafts/teilhabe/phase?to=editing"' in settings and ROUND_CLOSES in settings
    assert "Close the vote and adopt" not in settings
    page = client.get("/drafts/teilhabe/phase?to=editing").get_data(as_text=True)
    assert ROUND_CLOSES in page
    vote_on(world, larger, YES, YES, NO)
    vote_on(world, single, NO, NO, YES)
    response = client.post(
        "/drafts/teilhabe/phase", data={"csrf_token": csrf_token(page), "to": "editing", "from": "voting"}
    )
    assert response.status_code == 302
    assert draft_of(world).phase == Phase.EDITING
    assert (amendment_of(larger).status, amendment_of(single).status) == (
        AmendmentStatus.ACCEPTED,
        AmendmentStatus.REJECTED,
    )


def test_voting_without_amendments_put_to_it_does_not_go_back(app, world, client):
    propose_at(world, 2, AmendmentKind.REPLACE, PROTECTS)
    to_voting(world)  # nothing put to the vote: an ordinary vote on paragraphs and the whole text
    db.session.execute(Amendment.__table__.update().values(status=AmendmentStatus.ACCEPTED))
    db.session.commit()
    assert next_phases(draft_of(world)) == (Phase.ARCHIVED,)
    with pytest.raises(InvalidInput):
        _in_request(lambda: change_phase(world["board"], draft_of(world), Phase.EDITING, Phase.VOTING))
    db.session.rollback()
    login(client, "board")
    assert client.get("/drafts/teilhabe/phase?to=editing").status_code == 404


def test_the_moderators_procedure_does_not_go_back_from_voting(app, world):
    larger, _ = _round(world)
    draft = draft_of(world)
    draft.amendment_procedure = AmendmentProcedure.MODERATORS
    db.session.commit()
    assert next_phases(draft_of(world)) == (Phase.ARCHIVED,)
    with pytest.raises(InvalidInput):
        _in_request(lambda: change_phase(world["board"], draft_of(world), Phase.EDITING, Phase.VOTING))


def test_adoption_is_refused_in_the_amendment_round(app, world, client):
    _round(world)  # no whole-draft vote can be cast meanwhile; the refusal names the round, not the missing majority

    def attempt() -> str:
        with pytest.raises(PhaseClosed) as refused:
            adopt(world["board"], draft_of(world), Phase.VOTING, clock.now())
        return str(refused.value.message)  # in the request: the message is translated there

    assert "Die Organisationen stimmen gerade über die Änderungsanträge ab." in _in_request(attempt)
    db.session.rollback()
    login(client, "board")
    page = client.get("/drafts/teilhabe/phase?to=adopted").get_data(as_text=True)
    response = client.post(
        "/drafts/teilhabe/phase", data={"csrf_token": csrf_token(page), "to": "adopted", "from": "voting"}
    )
    assert response.status_code == 409
    assert "The organisations are voting on the amendments." in response.get_data(as_text=True)
    assert draft_of(world).phase == Phase.VOTING and draft_of(world).adopted_at is None


def _next_step(client) -> str:
    page = client.get("/drafts/teilhabe/settings").get_data(as_text=True)
    start = page.find('<p class="next-step">')
    return page[start + len('<p class="next-step">') : page.index("</p>", start)] if start >= 0 else ""


def test_the_board_sees_the_next_step_all_the_way(app, world, client):
    login(client, "board")
    ids = [
        propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS),
        propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2"),
        propose_at(world, 3, AmendmentKind.DELETE, who="d3"),
    ]
    assert _next_step(client) == "Next step: procedural recommendations on 3 amendments are missing"
    change_phase(world["board"], draft_of(world), Phase.EDITING, None)
    db.session.execute(
        Amendment.__table__.update().where(Amendment.id.in_(ids[:2])).values(recommendation=Recommendation.REJECT)
    )
    db.session.commit()
    assert _next_step(client) == "Next step: the procedural recommendation on 1 amendment is missing"
    page = client.get("/drafts/teilhabe/phase?to=voting").get_data(as_text=True)
    assert "Next step: the procedural recommendation on 1 amendment is missing" in page
    db.session.execute(Amendment.__table__.update().values(recommendation=Recommendation.REJECT))
    db.session.commit()
    assert _next_step(client) == "Next step: start the vote on 3 amendments"
    change_phase(world["board"], draft_of(world), Phase.VOTING, None)
    db.session.commit()
    put_to_vote(*ids)
    assert _next_step(client) == "Next step: close and count the vote on 3 amendments (move to “Editing”)"
    vote_on(world, ids[0], YES, YES, NO)
    vote_on(world, ids[2], YES, YES, NO)
    change_phase(world["board"], draft_of(world), Phase.EDITING, None)
    db.session.commit()
    assert _next_step(client) == "Next step: make and publish the new version from 2 accepted amendments"
    version = start_version(world["mod"], draft_of(world), clock.now())
    db.session.commit()
    assert _next_step(client) == "Next step: check and publish version 2"
    publish_version(world["mod"], version, clock.now())
    db.session.commit()
    assert _next_step(client) == "Next step: start the vote on the paragraphs and the whole text"
    # The ordinary vote follows: nothing is put to the vote any more, so the draft can be adopted.
    change_phase(world["board"], draft_of(world), Phase.VOTING, None)
    db.session.commit()
    assert _next_step(client) == "Next step: adopt the draft when the vote on the whole text has its majority"
    assert next_phases(draft_of(world)) == (Phase.ARCHIVED,)
    for who in ("d1", "d2", "d3"):
        cast_vote(world[who], draft_of(world), None, YES, clock.now())
    adopt(world["board"], draft_of(world), Phase.VOTING, clock.now())
    db.session.commit()
    assert draft_of(world).phase == Phase.ADOPTED


def test_the_next_step_in_german(app, world, client):
    for _ in range(3):
        propose_at(world, 4, AmendmentKind.REPLACE, "Absatz vier endet hier.")
    world["board"].locale = "de"
    db.session.commit()
    login(client, "board")
    assert _next_step(client) == "Nächster Schritt: Verfahrensvorschläge zu 3 Änderungsanträgen fehlen"


def test_the_moderators_procedure_shows_no_next_step(app, world, client):
    propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    draft = draft_of(world)
    draft.amendment_procedure = AmendmentProcedure.MODERATORS
    db.session.commit()
    login(client, "board")
    assert _next_step(client) == "" and factories.count(Amendment) == 1
    assert db.session.scalars(select(Amendment.recommendation)).all() == [None]


def test_the_confirmation_pages_say_what_the_steps_do_where_the_organisations_decide(app, world, client):
    """Into editing: recommendations, consent and requests instead of the moderation deciding; the quorum's
    lapse where amendments need supporters; into voting: the amendment round first, with its size."""
    propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    propose_at(world, 3, AmendmentKind.DELETE, who="d2")
    draft = draft_of(world)
    draft.support_quorum = 0
    db.session.commit()
    login(client, "board")
    into_editing = client.get("/drafts/teilhabe/phase?to=editing").get_data(as_text=True)
    assert "The moderation makes a procedural recommendation on each amendment" in into_editing
    assert "The moderation decides the amendments" not in into_editing
    assert "supporter quorum" not in into_editing
    draft = draft_of(world)
    draft.support_quorum = 2
    db.session.commit()
    assert "Amendments that have not reached their supporter quorum lapse." in client.get(
        "/drafts/teilhabe/phase?to=editing"
    ).get_data(as_text=True)
    _in_request(lambda: change_phase(world["board"], draft_of(world), Phase.EDITING, Phase.COMMENTING))
    db.session.commit()
    into_voting = client.get("/drafts/teilhabe/phase?to=voting").get_data(as_text=True)
    assert "The organisations first vote on the other 2 amendments" in into_voting
    assert "on each paragraph and on the whole draft" not in into_voting
    # Where the moderation decides, the pages say what they always said.
    draft = draft_of(world)
    draft.amendment_procedure = AmendmentProcedure.MODERATORS
    db.session.commit()
    assert "on each paragraph and on the whole draft" in client.get("/drafts/teilhabe/phase?to=voting").get_data(
        as_text=True
    )
