"""The live session (issue 16, points 1 and 2): the agenda, opening, closing and reopening questions, the
quorum, check-in by delegates and by the office, and the vote service's rule that only the open question takes
votes once a session has started — through the services and through the real routes, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import Role
from consult.amendments.models import AmendmentStatus
from consult.audit.models import AuditEntry
from consult.core import clock
from consult.core.refusals import InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.models import Phase
from consult.extensions import db
from consult.live import services
from consult.live.models import AgendaItem, CheckIn, ItemState, LiveSession
from consult.live.queries import active_session, proposed_agenda, quorum
from consult.votes import live_gate
from consult.votes.models import Choice, Vote
from consult.votes.services import cast_vote
from tests import factories
from tests.conftest import csrf_token
from tests.votes.test_amendment_votes import make_amendment

NOTHING_OPEN = (
    "In der Live-Sitzung kann nur über die Frage abgestimmt werden, die die Sitzungsleitung geöffnet "
    "hat; gerade ist keine Frage geöffnet."
)


@pytest.fixture(name="room")
def fixture_room(app):
    abc, xyz = factories.organisation(short_name="ABC"), factories.organisation(short_name="XYZ")
    nov = factories.organisation(short_name="NOV")
    people = {
        "a1": factories.user(email="a1@example.org", org=abc),
        "x1": factories.user(email="x1@example.org", org=xyz),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
        "mod": factories.user(email="mod@example.org", roles=(Role.MODERATOR,)),
    }
    draft = factories.draft(paragraphs=4, phase=Phase.VOTING, slug="rat")
    db.session.commit()
    texts = sorted(draft.versions[0].texts, key=lambda t: t.position)
    return {"draft": draft, "abc": abc, "xyz": xyz, "nov": nov, "pids": [t.paragraph_id for t in texts[1:]], **people}


@pytest.fixture(name="in_request")
def fixture_in_request(app):
    """Refusals translate their message: the services are called inside a request, as the views do."""
    with app.test_request_context():
        yield


def _now():
    return clock.now()


def _start(room, user="board"):
    session = services.start_session(room[user], room["draft"], _now())
    db.session.commit()
    return session


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


# --- the agenda -----------------------------------------------------------------------------------------------


def test_the_agenda_proposes_the_paragraphs_without_headings_and_the_whole_text_last(room, in_request):
    session = _start(room)
    assert [(i.position, i.paragraph_id, i.amendment_id) for i in session.items] == [
        (1, room["pids"][0], None),
        (2, room["pids"][1], None),
        (3, room["pids"][2], None),
        (4, None, None),
    ]
    assert all(i.state == ItemState.WAITING for i in session.items)
    assert [e.details["items"] for e in _audit("live.start")] == [4]


def test_in_the_amendment_round_the_agenda_is_the_amendments_put_to_the_vote(room, in_request):
    draft = room["draft"]
    second = make_amendment(draft, 2, room["xyz"], room["x1"])
    first = make_amendment(draft, 1, room["xyz"], room["x1"])
    make_amendment(draft, 3, room["xyz"], room["x1"], status=AmendmentStatus.SUBMITTED)
    db.session.commit()
    assert proposed_agenda(draft) == [(None, first.id), (None, second.id)]


def test_the_chair_moves_waiting_items_and_the_ends_stay(room, in_request):
    session = _start(room)
    first, second = session.items[0], session.items[1]
    services.move_item(room["board"], room["draft"], session, second, True, _now())
    db.session.commit()
    db.session.expire_all()
    assert [i.id for i in active_session(room["draft"].id).items][:2] == [second.id, first.id]
    services.move_item(room["board"], room["draft"], session, second, True, _now())  # already first: nothing
    db.session.commit()
    assert db.session.get(AgendaItem, second.id).position == 1


def test_only_the_office_starts_and_only_once_and_only_while_voting(room, in_request):
    with pytest.raises(NotAllowed):
        services.start_session(room["a1"], room["draft"], _now())
    db.session.rollback()
    _start(room, "mod")
    with pytest.raises(InvalidInput):
        services.start_session(room["board"], room["draft"], _now())
    db.session.rollback()
    other = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="beraten")
    db.session.commit()
    with pytest.raises(PhaseClosed):
        services.start_session(room["board"], other, _now())


# --- open, close, reopen --------------------------------------------------------------------------------------


def test_open_close_and_reopen_once_with_a_reason_each_in_the_audit_log(room, in_request):
    session = _start(room)
    item = session.items[0]
    board, draft = room["board"], room["draft"]
    services.open_question(board, draft, session, item, _now())
    services.close_question(board, draft, session, item, _now())
    with pytest.raises(InvalidInput):
        services.reopen_question(board, draft, session, item, "  ", _now())
    services.reopen_question(board, draft, session, item, "Technische Störung", _now())
    assert (item.state, item.reopened, item.reopen_reason, item.closed_at) == (
        ItemState.OPEN,
        True,
        "Technische Störung",
        None,
    )
    services.close_question(board, draft, session, item, _now())
    with pytest.raises(InvalidInput):
        services.reopen_question(board, draft, session, item, "Noch einmal", _now())
    db.session.commit()
    assert [len(_audit(a)) for a in ("live.open", "live.close", "live.reopen")] == [1, 2, 1]
    assert _audit("live.reopen")[0].reason == "Technische Störung"


def test_only_one_question_is_open_at_a_time(room, in_request):
    session = _start(room)
    board, draft = room["board"], room["draft"]
    services.open_question(board, draft, session, session.items[0], _now())
    with pytest.raises(InvalidInput):
        services.open_question(board, draft, session, session.items[1], _now())
    db.session.rollback()
    assert db.session.get(AgendaItem, session.items[1].id).state == ItemState.WAITING


def test_the_database_refuses_a_second_open_question(room, in_request):
    session = _start(room)
    session.items[0].state = ItemState.OPEN
    session.items[1].state = ItemState.OPEN
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_question_whose_countdown_ran_out_is_closed_when_the_next_opens(room, in_request):
    session = _start(room)
    board, draft = room["board"], room["draft"]
    now = _now()
    services.open_question(board, draft, session, session.items[0], now, countdown=2)
    later = now + timedelta(minutes=3)
    services.open_question(board, draft, session, session.items[1], later)
    assert session.items[0].state == ItemState.CLOSED and session.items[0].closed_at == now + timedelta(minutes=2)


# --- quorum ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number, is_share, needed", [(2, False, 2), (50, True, 2), (67, True, 3)])
def test_a_question_cannot_be_opened_below_the_quorum(room, in_request, number, is_share, needed):
    draft, board = room["draft"], room["board"]
    services.set_quorum(board, draft, number, is_share, _now())
    session = _start(room)
    assert quorum(draft, session.id).needed == needed  # three active member organisations
    services.check_in(room["a1"], session, room["abc"], _now())
    db.session.commit()
    with pytest.raises(PhaseClosed):
        services.open_question(board, draft, session, session.items[0], _now())
    db.session.rollback()
    for org in (room["xyz"], room["nov"])[: needed - 1]:
        services.check_in(board, session, org, _now())
    assert quorum(draft, session.id).met
    services.open_question(board, draft, session, session.items[0], _now())
    assert session.items[0].state == ItemState.OPEN


def test_a_share_is_at_most_a_hundred_percent_and_only_the_office_sets_it(room, in_request):
    with pytest.raises(InvalidInput):
        services.set_quorum(room["board"], room["draft"], 101, True, _now())
    with pytest.raises(NotAllowed):
        services.set_quorum(room["a1"], room["draft"], 1, False, _now())


# --- check-in -------------------------------------------------------------------------------------------------


def test_check_in_by_a_delegate_and_by_the_office_one_row_per_organisation(room, in_request):
    session = _start(room)
    assert services.check_in(room["a1"], session, room["abc"], _now()) is True
    assert services.check_in(room["board"], session, room["abc"], _now()) is False  # already present
    assert services.check_in(room["mod"], session, room["xyz"], _now()) is True
    db.session.commit()
    rows = {(c.organisation_id, c.user_id, c.by_office) for c in db.session.scalars(select(CheckIn))}
    assert rows == {(room["abc"].id, room["a1"].id, False), (room["xyz"].id, room["mod"].id, True)}
    assert len(_audit("live.check_in")) == 2


def test_a_delegate_cannot_check_in_another_organisation(room, in_request):
    session = _start(room)
    with pytest.raises(NotAllowed):
        services.check_in(room["a1"], session, room["xyz"], _now())


# --- votes in the live session --------------------------------------------------------------------------------


def test_without_a_live_session_voting_is_as_before(room, in_request):
    cast_vote(room["a1"], room["draft"], room["pids"][0], Choice.YES, _now())
    cast_vote(room["a1"], room["draft"], None, Choice.NO, _now())
    db.session.commit()
    assert len(db.session.scalars(select(Vote)).all()) == 2


def test_votes_count_only_on_the_open_question_before_during_and_after(room, in_request):
    session = _start(room)
    board, draft, a1 = room["board"], room["draft"], room["a1"]
    first, second = session.items[0], session.items[1]
    # Online voting has ended with the start: nothing is open.
    with pytest.raises(PhaseClosed) as refused:
        cast_vote(a1, draft, first.paragraph_id, Choice.YES, _now())
    assert str(refused.value.message) == NOTHING_OPEN
    db.session.rollback()
    services.open_question(board, draft, session, first, _now())
    db.session.commit()
    with pytest.raises(PhaseClosed) as refused:
        cast_vote(a1, draft, second.paragraph_id, Choice.YES, _now())
    assert refused.value.message == live_gate.NOT_YET
    db.session.rollback()
    with pytest.raises(PhaseClosed):
        cast_vote(a1, draft, None, Choice.YES, _now())  # the whole text waits too
    db.session.rollback()
    assert cast_vote(a1, draft, first.paragraph_id, Choice.NO, _now()) == Choice.NO
    db.session.commit()
    services.close_question(board, draft, session, db.session.get(AgendaItem, first.id), _now())
    db.session.commit()
    with pytest.raises(PhaseClosed) as refused:
        cast_vote(a1, draft, first.paragraph_id, Choice.YES, _now())
    assert refused.value.message == live_gate.CLOSED
    db.session.rollback()
    assert [v.choice for v in db.session.scalars(select(Vote))] == [Choice.NO]


def test_a_vote_after_the_countdown_ran_out_is_refused(room, in_request):
    session = _start(room)
    now = _now()
    services.open_question(room["board"], room["draft"], session, session.items[0], now, countdown=1)
    db.session.commit()
    with pytest.raises(PhaseClosed) as refused:
        cast_vote(room["a1"], room["draft"], session.items[0].paragraph_id, Choice.YES, now + timedelta(minutes=2))
    assert refused.value.message == live_gate.CLOSED


def test_the_gate_names_the_live_tables_as_the_models_do():
    for light, model in ((live_gate.live_session, LiveSession), (live_gate.agenda_item, AgendaItem)):
        assert light.name == model.__tablename__
        assert set(light.c.keys()) <= set(model.__table__.c.keys())


# --- the pages ------------------------------------------------------------------------------------------------


def _post(client, path, data=None, page="/drafts/rat/live"):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **(data or {})})


def test_the_start_page_says_online_voting_ends_and_starts_the_session(room, client, auth):
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat/live/start").get_data(as_text=True)
    assert "Die Online-Abstimmung dieser Phase endet, wenn die Live-Sitzung beginnt." in page
    response = _post(client, "/drafts/rat/live/start", page="/drafts/rat/live/start")
    assert response.status_code == 302
    assert active_session(room["draft"].id) is not None
    page = client.get("/drafts/rat/live").get_data(as_text=True)
    assert "Tagesordnung" in page and "Frage öffnen" in page
    assert "Kein Quorum festgelegt: 0 Organisationen anwesend" in page


def test_the_chair_opens_closes_and_reopens_through_the_page(room, client, auth):
    session = _start(room)
    item = session.items[0].id
    services.set_quorum(room["board"], room["draft"], 1, False, _now())
    db.session.commit()
    auth.login("mod@example.org", factories.PASSWORD)
    _post(client, f"/drafts/rat/live/items/{item}/open")
    page = client.get("/drafts/rat/live").get_data(as_text=True)
    assert "Die Beschlussfähigkeit ist nicht erreicht: Eine Frage kann nicht geöffnet werden." in page
    assert "Nicht beschlussfähig: 0 von 1 nötigen Organisationen anwesend" in page
    _post(client, "/drafts/rat/live/check-in", {"organisation_id": str(room["xyz"].id)})
    _post(client, f"/drafts/rat/live/items/{item}/open", {"countdown": "5"})
    db.session.expire_all()
    assert db.session.get(AgendaItem, item).state == ItemState.OPEN
    _post(client, f"/drafts/rat/live/items/{item}/close")
    _post(client, f"/drafts/rat/live/items/{item}/reopen", {"reason": ""})
    db.session.expire_all()
    assert db.session.get(AgendaItem, item).state == ItemState.CLOSED
    _post(client, f"/drafts/rat/live/items/{item}/reopen", {"reason": "Zählfehler"})
    db.session.expire_all()
    assert (db.session.get(AgendaItem, item).state, db.session.get(AgendaItem, item).reopen_reason) == (
        ItemState.OPEN,
        "Zählfehler",
    )


def test_the_delegate_checks_in_and_votes_on_the_open_question(room, client, auth):
    session = _start(room)
    services.open_question(room["board"], room["draft"], session, session.items[0], _now())
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat/live").get_data(as_text=True)
    assert "Anwesenheit bestätigen" in page and "Aktualisieren" in page and "Frage öffnen" not in page
    _post(client, "/drafts/rat/live/check-in")
    assert db.session.scalar(select(CheckIn.organisation_id)) == room["abc"].id
    assert "Ihre Organisation ist angemeldet." in client.get("/drafts/rat/live").get_data(as_text=True)
    pid = session.items[0].paragraph_id
    response = _post(client, "/drafts/rat/votes", {"vote": f"{pid}:yes", "back": "live"})
    assert response.headers["Location"].endswith("/drafts/rat/live#current-question")
    assert [(v.paragraph_id, v.choice) for v in db.session.scalars(select(Vote))] == [(pid, Choice.YES)]
    refused = _post(client, "/drafts/rat/votes", {"vote": "whole:yes", "back": "live"})
    assert refused.status_code == 409 or refused.status_code >= 400
    assert "noch nicht geöffnet" in refused.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/drafts/rat/live/start", "/drafts/rat/live/quorum"])
def test_delegates_cannot_chair(room, client, auth, path):
    _start(room)
    auth.login("a1@example.org", factories.PASSWORD)
    assert _post(client, path, {"number": "1"}).status_code == 403
    item = active_session(room["draft"].id).items[0].id
    for action in ("open", "close", "move"):
        assert _post(client, f"/drafts/rat/live/items/{item}/{action}", {"direction": "up"}).status_code == 403


def test_a_delegate_cannot_check_in_another_organisation_through_the_page(room, client, auth):
    _start(room)
    auth.login("a1@example.org", factories.PASSWORD)
    _post(client, "/drafts/rat/live/check-in", {"organisation_id": str(room["xyz"].id)})
    assert db.session.scalar(select(CheckIn.id)) is None
    assert "Sie können nur die Anwesenheit Ihrer eigenen Organisation bestätigen." in client.get(
        "/drafts/rat/live"
    ).get_data(as_text=True)


def test_the_board_finds_the_live_session_from_the_draft_settings_while_voting(room, client, auth):
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat/settings").get_data(as_text=True)
    assert 'href="/drafts/rat/live"' in page


def test_an_account_deletion_keeps_the_check_in_without_the_person(room, in_request):
    from consult.profile.services import delete_account

    session = _start(room)
    services.check_in(room["a1"], session, room["abc"], _now())
    db.session.commit()
    delete_account(room["a1"], factories.PASSWORD, _now())
    db.session.commit()
    assert db.session.execute(select(CheckIn.organisation_id, CheckIn.user_id)).all() == [(room["abc"].id, None)]


def test_the_draft_page_offers_no_vote_buttons_once_the_session_started(room, client, auth):
    auth.login("a1@example.org", factories.PASSWORD)
    before = client.get("/drafts/rat").get_data(as_text=True)
    assert 'id="vote-form"' in before and "/drafts/rat/live" not in before
    _start(room)
    after = client.get("/drafts/rat").get_data(as_text=True)
    assert 'id="vote-form"' not in after and 'name="vote"' not in after
    assert "Die Online-Abstimmung ist beendet" in after and 'href="/drafts/rat/live"' in after


def test_the_amendment_page_offers_its_vote_only_while_it_is_open_in_the_session(room, client, auth):
    amendment = make_amendment(room["draft"], 1, room["xyz"], room["x1"])
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    path = f"/drafts/rat/amendments/{amendment.id}"
    assert f'value="a{amendment.id}:yes"' in client.get(path).get_data(as_text=True)
    session = _start(room)
    assert f'value="a{amendment.id}:yes"' not in client.get(path).get_data(as_text=True)
    with client.application.test_request_context():
        services.open_question(room["board"], room["draft"], session, session.items[0], _now())
    db.session.commit()
    assert f'value="a{amendment.id}:yes"' in client.get(path).get_data(as_text=True)


def test_the_current_question_shows_the_paragraph_as_it_reads_and_an_amendment_as_its_change(room, client, auth):
    amendment = make_amendment(room["draft"], 1, room["xyz"], room["x1"], text="Absatz 2: Alle **gemeinsam**.")
    db.session.commit()
    session = _start(room)
    with client.application.test_request_context():
        services.open_question(room["board"], room["draft"], session, session.items[0], _now())
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat/live").get_data(as_text=True)
    assert f"Änderungsantrag {amendment.id}" in page and "<ins>" in page and "neuer Text für § 2" in page


def test_leaving_the_voting_phase_ends_the_session_and_closes_its_open_question(room, in_request):
    from consult.board.services import move_to_phase

    session = _start(room)
    services.open_question(room["board"], room["draft"], session, session.items[0], _now())
    db.session.commit()
    move_to_phase(room["board"], room["draft"], Phase.EDITING, now=_now())
    db.session.commit()
    assert active_session(room["draft"].id) is None
    assert db.session.get(AgendaItem, session.items[0].id).state == ItemState.CLOSED
    assert len(_audit("live.end")) == 1


def test_the_state_answers_304_until_the_chair_or_a_vote_changes_it(room, client, auth):
    session = _start(room)
    auth.login("a1@example.org", factories.PASSWORD)
    first = client.get("/drafts/rat/live/state")
    assert first.status_code == 200 and "Gerade ist keine Frage geöffnet." in first.get_data(as_text=True)
    assert "<html" not in first.get_data(as_text=True)  # the block alone
    tag = first.headers["ETag"]
    assert client.get("/drafts/rat/live/state", headers={"If-None-Match": tag}).status_code == 304
    services.open_question(room["board"], room["draft"], session, session.items[0], _now())
    db.session.commit()
    opened = client.get("/drafts/rat/live/state", headers={"If-None-Match": tag})
    assert opened.status_code == 200 and opened.headers["ETag"] != tag
    tag = opened.headers["ETag"]
    cast_vote(room["x1"], room["draft"], session.items[0].paragraph_id, Choice.NO, _now())  # another organisation
    db.session.commit()
    assert client.get("/drafts/rat/live/state", headers={"If-None-Match": tag}).status_code == 200


def test_votes_record_how_they_came_in_and_leave_the_page_revision_alone(room, in_request):
    pid = room["pids"][0]
    revision = room["draft"].revision
    cast_vote(room["a1"], room["draft"], pid, Choice.YES, _now())
    db.session.commit()
    db.session.refresh(room["draft"])
    assert room["draft"].revision == revision and room["draft"].tally_revision == 1
    session = _start(room)
    services.open_question(room["board"], room["draft"], session, session.items[0], _now())
    cast_vote(room["x1"], room["draft"], pid, Choice.NO, _now())
    db.session.commit()
    assert {v.organisation_id: v.channel.value for v in db.session.scalars(select(Vote))} == {
        room["abc"].id: "online",
        room["xyz"].id: "live",
    }
