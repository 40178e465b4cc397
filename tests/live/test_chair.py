"""The chair's page beyond the first step (issue 16): the office undoes a check-in ("Abmelden", refused while a
question is open), two chairs opening at once get a message and not a database error (real parallel requests on
PostgreSQL), the agenda shows how each paragraph begins, and the person's data download holds the check-ins,
proxies, paper ballots and conflict confirmations that name them."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.accounts.models import Role
from consult.core.refusals import InvalidInput, NotAllowed
from consult.drafts.models import Draft, Phase
from consult.extensions import db
from consult.live import services
from consult.live.models import AgendaItem, CheckIn, ItemState, LiveSession, Proxy, VoteConflict
from consult.live.paper import confirm_conflict
from consult.live.queries import quorum
from consult.live.services import QUESTION_OPEN
from consult.votes.models import Choice
from consult.votes.paper import enter_paper_ballot
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
from tests.served import TIMEOUT, Browser, Gunicorn
from tests.votes.test_concurrency import only_postgresql

PAGE = "/drafts/rat/live"


def _checked_in():
    return set(db.session.scalars(select(CheckIn.organisation_id)))


def _tally_revision(room):
    return db.session.scalar(select(Draft.tally_revision).where(Draft.id == room["draft"].id))


# --- undoing a check-in ---------------------------------------------------------------------------------------


def test_the_office_checks_an_organisation_out_with_an_audit_row(room, in_request):
    session = _start(room)
    services.check_in(room["a1"], session, room["abc"], _now())
    services.check_in(room["board"], session, room["xyz"], _now())
    db.session.commit()
    before = _tally_revision(room)
    services.check_out(room["mod"], room["draft"], session, room["abc"], _now())
    db.session.commit()
    assert _checked_in() == {room["xyz"].id}
    assert quorum(room["draft"], session.id).present == 1
    assert _tally_revision(room) > before  # live pages and the projector count anew
    [entry] = _audit("live.check_out")
    assert (entry.actor_id, entry.subject, entry.details["by_office"]) == (
        room["mod"].id,
        f"organisation:{room['abc'].id}",
        False,
    )
    assert services.check_in(room["a1"], session, room["abc"], _now()) is True  # and back again
    db.session.commit()
    assert _checked_in() == {room["abc"].id, room["xyz"].id}


def test_no_check_out_while_a_question_is_open(room, in_request):
    session = _start(room)
    board, draft = room["board"], room["draft"]
    services.check_in(board, session, room["abc"], _now())
    services.open_question(board, draft, session, session.items[0], _now(), countdown=1)
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        services.check_out(board, draft, session, room["abc"], _now())
    assert refused.value.message == QUESTION_OPEN
    db.session.rollback()
    assert _checked_in() == {room["abc"].id} and _audit("live.check_out") == []
    # Its countdown has run out: the question is over, whether or not the chair pressed "close".
    services.check_out(board, draft, session, room["abc"], _now() + timedelta(minutes=2))
    db.session.commit()
    assert _checked_in() == set()


def test_check_out_after_the_question_closed(room, in_request):
    session = _start(room)
    board, draft = room["board"], room["draft"]
    services.check_in(board, session, room["abc"], _now())
    services.open_question(board, draft, session, session.items[0], _now())
    services.close_question(board, draft, session, session.items[0], _now())
    services.check_out(board, draft, session, room["abc"], _now())
    db.session.commit()
    assert _checked_in() == set()


def test_only_the_office_checks_out_and_only_what_is_checked_in(room, in_request):
    session = _start(room)
    services.check_in(room["a1"], session, room["abc"], _now())
    db.session.commit()
    with pytest.raises(NotAllowed):  # not even their own organisation
        services.check_out(room["a1"], room["draft"], session, room["abc"], _now())
    db.session.rollback()
    with pytest.raises(InvalidInput):
        services.check_out(room["board"], room["draft"], session, room["xyz"], _now())
    db.session.rollback()
    assert _checked_in() == {room["abc"].id}


def _post(client, path, data=None):
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **(data or {})})


def test_the_chair_checks_out_through_the_page(room, client, auth):
    session = _start(room)
    with client.application.test_request_context():
        services.check_in(room["a1"], session, room["abc"], _now())
    db.session.commit()
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'aria-label="Abmelden: ABC"' in page and 'aria-label="Abmelden: XYZ"' not in page
    response = _post(client, f"{PAGE}/check-out", {"organisation_id": str(room["abc"].id)})
    assert response.status_code == 302 and _checked_in() == set()
    assert 'aria-label="Anwesenheit bestätigen: ABC"' in client.get(PAGE).get_data(as_text=True)
    assert _post(client, f"{PAGE}/check-out", {"organisation_id": "99999"}).status_code == 404


def test_the_page_says_why_no_check_out_while_a_question_is_open(room, client, auth):
    session = _start(room)
    with client.application.test_request_context():
        services.check_in(room["a1"], session, room["abc"], _now())
        services.open_question(room["board"], room["draft"], session, session.items[0], _now())
    db.session.commit()
    auth.login("mod@example.org", factories.PASSWORD)
    _post(client, f"{PAGE}/check-out", {"organisation_id": str(room["abc"].id)})
    assert (
        "Eine Frage ist geöffnet: Eine Organisation kann erst abgemeldet werden, wenn die Frage geschlossen ist."
        in client.get(PAGE).get_data(as_text=True)
    )
    assert _checked_in() == {room["abc"].id}


def test_a_delegate_cannot_check_out(room, client, auth):
    session = _start(room)
    with client.application.test_request_context():
        services.check_in(room["a1"], session, room["abc"], _now())
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    assert "Abmelden:" not in client.get(PAGE).get_data(as_text=True)
    assert _post(client, f"{PAGE}/check-out", {"organisation_id": str(room["abc"].id)}).status_code == 403
    assert _checked_in() == {room["abc"].id}


# --- the agenda -----------------------------------------------------------------------------------------------


def test_the_agenda_shows_how_each_paragraph_begins(room, client, auth):
    _start(room)
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get(PAGE).get_data(as_text=True)
    agenda = page[page.index('id="agenda-heading"') :]
    # The plain words (no Markdown marks) of § 2 to § 4, in the agenda's order; the whole draft has none.
    starts = re.findall(r'<span class="agenda__start">([^<]*)</span>', agenda)
    assert starts == [f"Absatz {n}: Die Mitgliedsorganisationen beraten über Teilhabe und Vielfalt." for n in (2, 3, 4)]


# --- the data download ----------------------------------------------------------------------------------------


def test_the_data_download_holds_the_live_session_rows_that_name_the_person(room, client, auth):
    draft, board, a1, x1 = room["draft"], room["board"], room["a1"], room["x1"]
    with client.application.test_request_context():
        session = _start(room)
        services.check_in(a1, session, room["abc"], _now())
        services.check_in(x1, session, room["xyz"], _now())
        db.session.add(
            Proxy(
                session_id=session.id,
                organisation_id=room["abc"].id,
                holder_id=room["xyz"].id,
                requested_by_id=a1.id,
                requested_at=_now(),
                confirmed_by_id=board.id,
                confirmed_at=_now(),
            )
        )
        services.open_question(board, draft, session, session.items[0], _now())
        cast_vote(x1, draft, room["pids"][0], Choice.YES, _now())
        enter_paper_ballot(board, draft, room["xyz"], room["pids"][0], None, Choice.NO, _now())
        db.session.commit()
        [conflict] = db.session.scalars(select(VoteConflict)).all()  # paper after the phone
        confirm_conflict(board, session, conflict, _now())
        db.session.commit()

    auth.login("a1@example.org", factories.PASSWORD)
    mine = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert [(c["organisation"], c["by_office"], c["draft"]["slug"]) for c in mine["live_check_ins"]] == [
        ("ABC", False, "rat")
    ]
    assert [(p["organisation"], p["holder"], p["requested"], p["confirmed"]) for p in mine["live_proxies"]] == [
        ("ABC", "XYZ", True, False)
    ]
    assert mine["vote_casts"] == [] and mine["live_conflicts_confirmed"] == []

    auth.logout()
    auth.login("board@example.org", factories.PASSWORD)
    office = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert office["live_check_ins"] == []
    assert [(p["organisation"], p["requested"], p["confirmed"]) for p in office["live_proxies"]] == [
        ("ABC", False, True)
    ]
    assert [(v["organisation"], v["channel"], v["choice"]) for v in office["vote_casts"]] == [("XYZ", "paper", "no")]
    assert [(c["organisation"], c["paragraph_id"]) for c in office["live_conflicts_confirmed"]] == [
        ("XYZ", room["pids"][0])
    ]


# --- two chairs at once ---------------------------------------------------------------------------------------


@only_postgresql
def test_two_chairs_opening_at_once_get_a_message_not_a_database_error(app, database_url, monkeypatch):
    """The board and a moderator start the session at the same moment, then press "Frage öffnen" at the same
    moment on two different questions and then on the same one, as real parallel requests to several gunicorn
    processes: one session starts, one question opens, the other chair is told why not, no request fails."""
    monkeypatch.setenv("CONSULT_REQUIRE_2FA", "0")
    org = factories.organisation(short_name="ABC")
    factories.user(email="board@example.org", roles=(Role.BOARD,))
    factories.user(email="mod@example.org", roles=(Role.MODERATOR,))
    factories.user(email="a1@example.org", org=org)
    draft = factories.draft(paragraphs=6, phase=Phase.VOTING, slug="rat")
    db.session.commit()
    draft_id = draft.id
    db.session.remove()

    server = Gunicorn(database_url, 4)
    try:
        server.wait_until_ready()
        chairs = []
        for email in ("board@example.org", "mod@example.org"):
            browser = Browser(server.base)
            browser.sign_in(email)
            chairs.append(browser)

        def at_once(paths: list[str]) -> list:
            tokens = [csrf_token(chair.request(PAGE + "/start")[2]) for chair in chairs]
            barrier, results = threading.Barrier(2), [None, None]

            def press(i: int) -> None:
                try:
                    barrier.wait(timeout=TIMEOUT)
                    results[i] = chairs[i].request(paths[i], {"csrf_token": tokens[i]})
                except BaseException as error:  # reported below
                    results[i] = error

            threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(TIMEOUT)
            return results

        # Both start the session at once: one session, the other chair is told.
        results = at_once([PAGE + "/start", PAGE + "/start"])
        assert [r[0] if isinstance(r, tuple) else r for r in results] == [302, 302], server.log()
        told = ["Für diesen Entwurf läuft schon eine Live-Sitzung." in chair.request(PAGE)[2] for chair in chairs]
        assert sorted(told) == [False, True], told
        with app.app_context():
            assert len(db.session.scalars(select(LiveSession).where(LiveSession.draft_id == draft_id)).all()) == 1
            items = list(db.session.scalars(select(AgendaItem.id).order_by(AgendaItem.position)))
            db.session.remove()

        messages = {"Eine andere Frage ist geöffnet: Schließen Sie sie zuerst.", "Diese Frage war schon geöffnet."}
        for targets in ([items[0], items[1]], [items[2], items[2]]):
            results = at_once([f"{PAGE}/items/{target}/open" for target in targets])
            assert [r[0] if isinstance(r, tuple) else r for r in results] == [302, 302], server.log()
            pages = [chair.request(PAGE)[2] for chair in chairs]
            told = [next((m for m in messages if m in page), None) for page in pages]
            assert told.count(None) == 1, told  # one opened it, the other one is told why not
            with app.app_context():
                opened = db.session.scalars(select(AgendaItem.id).where(AgendaItem.state == ItemState.OPEN)).all()
                assert len(opened) == 1 and opened[0] in targets
                db.session.remove()
            # The chair closes it again, for the next round.
            chair = chairs[0]
            chair.request(f"{PAGE}/items/{opened[0]}/close", {"csrf_token": csrf_token(chair.request(PAGE)[2])})
        assert "Traceback" not in server.log() and "IntegrityError" not in server.log()
    finally:
        server.stop()
