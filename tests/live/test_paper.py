"""Paper ballots in the live session (issue 16, point 6): the office enters an organisation's vote on the open
question; it counts like any other vote of the organisation (one vote, the last one counts); a paper ballot after
a phone vote in the session, or the reverse, is a conflict the office confirms ("Gesehen, gilt"); the refusals,
through the services and through the real routes, on both databases."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.core.refusals import AlreadyChanged, InvalidInput, NotAllowed, PhaseClosed
from consult.extensions import db
from consult.live import services
from consult.live.models import LiveSession, VoteConflict
from consult.live.paper import confirm_conflict, conflicts
from consult.votes import conflicts as vote_conflicts
from consult.votes import live_gate
from consult.votes.models import Channel, Choice, Vote, VoteCast
from consult.votes.paper import NO_SESSION, enter_paper_ballot
from consult.votes.queries import tally
from consult.votes.services import cast_vote
from tests import factories
from tests.conftest import csrf_token
from tests.live.test_live import (
    _audit,
    _now,
    _start,
    fixture_in_request,  # noqa: F401  (the fixture in_request)
    fixture_room,  # noqa: F401  (the fixture room)
)


@pytest.fixture
def opened(room, in_request):
    """The session started and its first question (§ 2) open."""
    session = _start(room)
    services.open_question(room["board"], room["draft"], session, session.items[0], _now())
    db.session.commit()
    return session


def _paper(room, org, choice, user="board", paragraph=0):
    return enter_paper_ballot(room[user], room["draft"], room[org], room["pids"][paragraph], None, choice, _now())


def _votes():
    return {(v.organisation_id, v.choice.value, v.channel.value) for v in db.session.scalars(select(Vote))}


def _conflicts():
    return db.session.scalars(select(VoteConflict).order_by(VoteConflict.id)).all()


# --- entering a paper ballot ----------------------------------------------------------------------------------


def test_the_office_enters_a_paper_ballot_and_it_counts_like_any_vote(room, opened):
    assert _paper(room, "abc", Choice.NO) == Choice.NO
    _paper(room, "xyz", Choice.YES, user="mod")
    db.session.commit()
    assert _votes() == {(room["abc"].id, "no", "paper"), (room["xyz"].id, "yes", "paper")}
    cast = db.session.scalars(select(VoteCast).where(VoteCast.organisation_id == room["abc"].id)).one()
    assert (cast.channel, cast.cast_by_id) == (Channel.PAPER, room["board"].id)
    counted = tally(room["draft"].id, room["pids"][0])
    assert (counted.counts["yes"], counted.counts["no"], counted.voted) == (1, 1, 2)
    entries = _audit("live.paper_ballot")
    assert [(e.subject, e.details["choice"], e.actor_id) for e in entries] == [
        (f"organisation:{room['abc'].id}", "no", room["board"].id),
        (f"organisation:{room['xyz'].id}", "yes", room["mod"].id),
    ]


def test_a_second_paper_ballot_replaces_the_first_without_a_conflict(room, opened):
    _paper(room, "abc", Choice.NO)
    _paper(room, "abc", Choice.ABSTAIN)  # a typing error corrected
    db.session.commit()
    assert _votes() == {(room["abc"].id, "abstain", "paper")}
    assert _conflicts() == []


def test_only_the_office_enters_paper_ballots(room, opened):
    with pytest.raises(NotAllowed):
        _paper(room, "abc", Choice.YES, user="a1")
    db.session.rollback()
    assert _votes() == set()


def test_only_active_member_organisations_have_a_paper_ballot(room, opened):
    room["nov"].is_member = False
    db.session.commit()
    with pytest.raises(InvalidInput):
        _paper(room, "nov", Choice.YES)
    db.session.rollback()
    room["xyz"].is_active = False
    db.session.commit()
    with pytest.raises(InvalidInput):
        _paper(room, "xyz", Choice.YES)
    db.session.rollback()
    assert _votes() == set()


def test_a_paper_ballot_only_on_the_open_question_of_a_live_session(room, in_request):
    with pytest.raises(PhaseClosed) as refused:  # no live session: the online phase has no paper
        _paper(room, "abc", Choice.YES)
    assert refused.value.message == NO_SESSION
    db.session.rollback()
    session = _start(room)
    services.open_question(room["board"], room["draft"], session, session.items[0], _now())
    db.session.commit()
    with pytest.raises(PhaseClosed) as refused:  # another question than the open one
        _paper(room, "abc", Choice.YES, paragraph=1)
    assert refused.value.message == live_gate.NOT_YET
    db.session.rollback()
    services.close_question(room["board"], room["draft"], session, session.items[0], _now())
    db.session.commit()
    with pytest.raises(PhaseClosed) as refused:  # the question closed
        _paper(room, "abc", Choice.YES)
    assert refused.value.message == live_gate.CLOSED
    db.session.rollback()
    assert _votes() == set() and _audit("live.paper_ballot") == []


# --- conflicts ------------------------------------------------------------------------------------------------


def test_a_paper_ballot_after_a_phone_vote_is_a_conflict_and_the_paper_counts(room, opened):
    cast_vote(room["a1"], room["draft"], room["pids"][0], Choice.YES, _now())
    _paper(room, "abc", Choice.NO)
    db.session.commit()
    assert _votes() == {(room["abc"].id, "no", "paper")}  # one vote: the later one
    [conflict] = _conflicts()
    earlier, later = (
        db.session.get(VoteCast, conflict.earlier_cast_id),
        db.session.get(VoteCast, conflict.later_cast_id),
    )
    assert (conflict.organisation_id, conflict.paragraph_id, conflict.amendment_id, conflict.session_id) == (
        room["abc"].id,
        room["pids"][0],
        None,
        opened.id,
    )
    assert (earlier.channel, earlier.choice, later.channel, later.choice) == (
        Channel.LIVE,
        Choice.YES,
        Channel.PAPER,
        Choice.NO,
    )
    assert conflict.confirmed_at is None


def test_a_phone_vote_after_a_paper_ballot_is_a_conflict_and_the_phone_counts(room, opened):
    _paper(room, "abc", Choice.NO)
    cast_vote(room["a1"], room["draft"], room["pids"][0], Choice.ABSTAIN, _now())
    db.session.commit()
    assert _votes() == {(room["abc"].id, "abstain", "live")}
    [conflict] = _conflicts()
    assert db.session.get(VoteCast, conflict.later_cast_id).channel == Channel.LIVE


def test_phone_after_phone_and_votes_of_the_online_weeks_are_no_conflicts(room, in_request):
    cast_vote(room["a1"], room["draft"], room["pids"][0], Choice.YES, _now())  # online, before the session
    session = _start(room)
    services.open_question(room["board"], room["draft"], session, session.items[0], _now())
    _paper(room, "abc", Choice.NO)  # first cast in the session
    cast_vote(room["x1"], room["draft"], room["pids"][0], Choice.YES, _now())
    cast_vote(room["x1"], room["draft"], room["pids"][0], Choice.NO, _now())  # phone after phone
    db.session.commit()
    assert _conflicts() == []
    assert _votes() == {(room["abc"].id, "no", "paper"), (room["xyz"].id, "no", "live")}


def test_the_office_confirms_a_conflict_once_with_an_audit_row(room, opened):
    cast_vote(room["a1"], room["draft"], room["pids"][0], Choice.YES, _now())
    _paper(room, "abc", Choice.NO)
    db.session.commit()
    [conflict] = _conflicts()
    [row] = conflicts(opened)
    assert (row.earlier.choice, row.later.choice, row.counts) == (Choice.YES, Choice.NO, "no")
    with pytest.raises(NotAllowed):
        confirm_conflict(room["a1"], opened, conflict, _now())
    confirm_conflict(room["mod"], opened, conflict, _now())
    db.session.commit()
    assert (conflict.confirmed_by_id, conflict.confirmed_at is not None) == (room["mod"].id, True)
    with pytest.raises(AlreadyChanged):
        confirm_conflict(room["board"], opened, conflict, _now())
    db.session.rollback()
    [entry] = _audit("live.conflict_seen")
    assert (entry.actor_id, entry.subject, entry.details["organisation_id"]) == (
        room["mod"].id,
        f"live_vote_conflict:{conflict.id}",
        room["abc"].id,
    )


def test_the_conflict_module_names_the_live_tables_as_the_models_do():
    for light, model in ((vote_conflicts.live_session, LiveSession), (vote_conflicts.live_vote_conflict, VoteConflict)):
        assert light.name == model.__tablename__
        assert set(light.c.keys()) <= set(model.__table__.c.keys())


# --- the pages ------------------------------------------------------------------------------------------------

PAGE = "/drafts/rat/live"


def _token(client):
    return csrf_token(client.get(PAGE).get_data(as_text=True))


def test_the_chair_enters_a_paper_ballot_through_the_page(room, opened, client, auth):
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Papierstimmzettel" in page and f'value="{opened.items[0].id}"' in page
    response = client.post(
        f"{PAGE}/paper",
        data={
            "csrf_token": csrf_token(page),
            "item_id": opened.items[0].id,
            "organisation_id": room["xyz"].id,
            "choice": "abstain",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/drafts/rat/live#paper")
    assert _votes() == {(room["xyz"].id, "abstain", "paper")}
    page = client.get(PAGE).get_data(as_text=True)
    assert "Papierstimmzettel eingetragen: XYZ – Enthaltung" in page
    assert "Papierstimmzettel dieser Frage" in page


def test_a_delegate_cannot_enter_a_paper_ballot(room, opened, client, auth):
    auth.login("a1@example.org", factories.PASSWORD)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Papierstimmzettel" not in page
    response = client.post(
        f"{PAGE}/paper",
        data={
            "csrf_token": csrf_token(page),
            "item_id": opened.items[0].id,
            "organisation_id": room["xyz"].id,
            "choice": "no",
        },
    )
    assert response.status_code == 403 and _votes() == set()


def test_a_paper_ballot_without_a_choice_comes_back_with_what_was_chosen(room, opened, client, auth):
    auth.login("mod@example.org", factories.PASSWORD)
    response = client.post(
        f"{PAGE}/paper",
        data={"csrf_token": _token(client), "item_id": opened.items[0].id, "organisation_id": room["xyz"].id},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte wählen Sie Ja, Nein oder Enthaltung." in page
    assert f'<option value="{room["xyz"].id}" selected>' in page and _votes() == set()


def test_a_paper_ballot_for_a_question_closed_meanwhile_is_refused_and_kept(room, opened, client, auth):
    auth.login("mod@example.org", factories.PASSWORD)
    token = _token(client)
    with client.application.test_request_context():
        services.close_question(room["board"], room["draft"], opened, opened.items[0], _now())
        services.open_question(room["board"], room["draft"], opened, opened.items[1], _now())
    db.session.commit()
    response = client.post(
        f"{PAGE}/paper",
        data={"csrf_token": token, "item_id": opened.items[0].id, "organisation_id": room["xyz"].id, "choice": "yes"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Diese Frage ist nicht mehr geöffnet" in page
    assert f'<option value="{room["xyz"].id}" selected>' in page and _votes() == set()


def test_the_chair_sees_the_conflict_and_confirms_it_through_the_page(room, opened, client, auth):
    cast_vote(room["a1"], room["draft"], room["pids"][0], Choice.YES, _now())
    _paper(room, "abc", Choice.NO)
    db.session.commit()
    [conflict] = _conflicts()
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Abstimmungskonflikte" in page and "Gesehen, gilt" in page
    assert "zuerst Handy: Ja, dann Papier: Nein" in page
    response = client.post(f"{PAGE}/conflicts/{conflict.id}/confirm", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(VoteConflict, conflict.id).confirmed_by_id == room["board"].id
    page = client.get(PAGE).get_data(as_text=True)
    assert "Gesehen von" in page
    again = client.post(f"{PAGE}/conflicts/{conflict.id}/confirm", data={"csrf_token": csrf_token(page)})
    assert again.status_code == 302
    assert "Jemand anderes hat diesen Konflikt schon bestätigt." in client.get(PAGE).get_data(as_text=True)


def test_a_delegate_cannot_confirm_a_conflict(room, opened, client, auth):
    cast_vote(room["a1"], room["draft"], room["pids"][0], Choice.YES, _now())
    _paper(room, "abc", Choice.NO)
    db.session.commit()
    [conflict] = _conflicts()
    auth.login("x1@example.org", factories.PASSWORD)
    response = client.post(f"{PAGE}/conflicts/{conflict.id}/confirm", data={"csrf_token": _token(client)})
    assert response.status_code == 403
    assert client.post(f"{PAGE}/conflicts/999999/confirm", data={"csrf_token": _token(client)}).status_code == 403


def test_the_chairs_list_of_conflicts_follows_without_a_reload(room, opened, client, auth):
    """The list asks every 2 s with the version it shows: 204 while nothing changed, the new list when a conflict
    came in (a phone vote after a paper ballot) or was confirmed; only for the office."""
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get(PAGE).get_data(as_text=True)
    path = re.search(r'hx-get="(/drafts/rat/live/conflicts\?seen=[^"]+)"', page).group(1)
    assert client.get(path).status_code == 204
    with client.application.test_request_context():
        _paper(room, "abc", Choice.NO)
        cast_vote(room["a1"], room["draft"], room["pids"][0], Choice.YES, _now())
    db.session.commit()
    response = client.get(path)
    block = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in block and response.headers["Cache-Control"] == "no-store"
    assert "zuerst Papier: Nein, dann Handy: Ja" in block and "Gesehen, gilt" in block and "§ 2" in block
    newer = re.search(r'hx-get="(/drafts/rat/live/conflicts\?seen=[^"]+)"', block).group(1)
    assert newer != path and client.get(newer).status_code == 204
    auth.logout()
    auth.login("a1@example.org", factories.PASSWORD)
    assert client.get(newer).status_code == 403


def test_the_list_of_conflicts_stops_polling_when_the_session_ends(room, opened, client, auth):
    """After the session (the draft left voting), the poll answers 286, which makes htmx stop asking."""
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get(PAGE).get_data(as_text=True)
    path = re.search(r'hx-get="(/drafts/rat/live/conflicts\?seen=[^"]+)"', page).group(1)
    with client.application.test_request_context():
        services.end_with_voting(room["board"], room["draft"], _now())
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 286 and response.get_data() == b"" and response.headers["HX-Reswap"] == "none"


def test_a_vote_by_proxy_after_a_paper_ballot_is_a_conflict_too(room, opened):
    """The holder's delegate casts for the giving organisation (channel proxy, through the same write path)."""
    from consult.votes.services import write_vote

    _paper(room, "abc", Choice.YES)
    write_vote(
        room["x1"],
        room["draft"].id,
        room["pids"][0],
        None,
        room["abc"].id,
        Choice.NO,
        _now(),
        channel=Channel.PROXY,
        via_organisation_id=room["xyz"].id,
    )
    db.session.commit()
    assert _votes() == {(room["abc"].id, "no", "proxy")}
    [conflict] = _conflicts()
    assert db.session.get(VoteCast, conflict.later_cast_id).channel == Channel.PROXY


def test_the_chairs_polled_state_reads_no_paper_ballots_or_conflicts(room, opened, client, auth, count_queries):
    """/live/state is the block `current` alone: the chair's paper ballots, conflicts and agenda texts (on the
    full page) are not read for it, each time a vote changes it."""
    with client.application.test_request_context():
        cast_vote(room["a1"], room["draft"], room["pids"][0], Choice.YES, _now())
        _paper(room, "abc", Choice.NO)
    db.session.commit()
    auth.login("board@example.org", factories.PASSWORD)
    with count_queries() as counter:
        assert client.get("/drafts/rat/live/state").status_code == 200
    assert not [s for s in counter.statements if "live_vote_conflict" in s or "'paper'" in s or "channel" in s]
    with count_queries() as counter:
        assert "Abstimmungskonflikte" in client.get(PAGE).get_data(as_text=True)
    assert [s for s in counter.statements if "live_vote_conflict" in s]
