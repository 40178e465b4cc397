"""The screens of the room (issue 16, points 3 and 4): the delegate's phone and the projector follow the chair.

Through the real routes on both databases: the state block names its question and state (open / closed / none),
shows the organisation's choice after a vote and the result of the question closed last; the countdown is there
as a time for pages without JavaScript and as an ISO time for live.js; the projector shows the question, how many
organisations present have voted and after closing the result as bars, names no people, answers 304 while
nothing changed, and only the office and delegates of member organisations see it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import url_for

from consult.accounts.models import Role
from consult.core import clock
from consult.drafts.models import Phase
from consult.extensions import db
from consult.live import services
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture(name="room")
def fixture_room(app):
    abc, xyz = factories.organisation(short_name="ABC"), factories.organisation(short_name="XYZ")
    guests = factories.organisation(short_name="GAST")
    people = {
        "a1": factories.user(email="a1@example.org", org=abc, name="Amira Aydın"),
        "x1": factories.user(email="x1@example.org", org=xyz, name="Xaver Xu"),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,), name="Berta Vorstand"),
        "guest": factories.user(email="guest@example.org", org=guests),
    }
    draft = factories.draft(paragraphs=4, phase=Phase.VOTING, slug="rat")
    db.session.commit()
    guests.is_member = False  # its delegate neither chairs nor speaks for a member organisation
    db.session.commit()
    with draft_request(app):
        session = services.start_session(people["board"], draft, clock.now())
        for organisation in (abc, xyz):
            services.check_in(people["board"], session, organisation, clock.now())
        db.session.commit()
    return {"draft": draft, "session": session, "abc": abc, "xyz": xyz, **people}


def draft_request(app):
    return app.test_request_context()


def _open(app, room, index=0, countdown=None):
    with draft_request(app):
        services.open_question(
            room["board"], room["draft"], room["session"], room["session"].items[index], clock.now(), countdown
        )
        db.session.commit()


def _close(app, room, index=0):
    with draft_request(app):
        services.close_question(
            room["board"], room["draft"], room["session"], room["session"].items[index], clock.now()
        )
        db.session.commit()


def _root(html: str, element_id: str) -> dict[str, str]:
    tag = re.search(rf'<section[^>]*id="{element_id}"[^>]*>', html).group(0)
    return dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', tag))


def test_the_phone_shows_the_open_question_the_choice_after_a_vote_then_the_result(app, room, client, auth):
    item = room["session"].items[0]
    auth.login("a1@example.org", factories.PASSWORD)
    state = client.get("/drafts/rat/live/state").get_data(as_text=True)
    assert _root(state, "current-question")["data-state"] == "none" and "Aktualisieren" in state
    _open(app, room)
    state = client.get("/drafts/rat/live/state").get_data(as_text=True)
    root = _root(state, "current-question")
    assert (root["data-item"], root["data-state"]) == (str(item.id), "open")
    assert 'hx-trigger="every 1.5s"' in state and "Ihre Organisation hat abgestimmt" not in state
    page = client.get("/drafts/rat/live").get_data(as_text=True)
    token = csrf_token(page)
    client.post("/drafts/rat/votes", data={"csrf_token": token, "vote": f"{item.paragraph_id}:yes", "back": "live"})
    state = client.get("/drafts/rat/live/state").get_data(as_text=True)
    assert "Ihre Organisation hat abgestimmt: <strong>Ja</strong>" in state
    cast_vote(room["x1"], room["draft"], item.paragraph_id, Choice.NO, clock.now())
    db.session.commit()
    _close(app, room)
    state = client.get("/drafts/rat/live/state").get_data(as_text=True)
    root = _root(state, "current-question")
    assert (root["data-item"], root["data-state"]) == (str(item.id), "closed")
    bars = re.findall(r'result-bar--(\w+)">.*?width="(\d+)".*?<strong>(\d+)</strong> \((\d+) %\)', state, re.S)
    assert bars == [("yes", "50", "1", "50"), ("no", "50", "1", "50"), ("abstain", "0", "0", "0")]
    assert "Nicht angenommen" in state  # simple majority: one yes, one no
    assert "Ihre Organisation hat abgestimmt: <strong>Ja</strong>" in state
    assert 'name="vote"' not in state  # no buttons on a closed question


def test_the_last_closed_question_is_shown_until_the_next_opens(app, room, client, auth):
    first, second = room["session"].items[0], room["session"].items[1]
    _open(app, room, 0)
    _close(app, room, 0)
    _open(app, room, 1)
    _close(app, room, 1)
    auth.login("a1@example.org", factories.PASSWORD)
    root = _root(client.get("/drafts/rat/live/state").get_data(as_text=True), "current-question")
    assert (root["data-item"], root["data-state"]) == (str(second.id), "closed")
    assert first.id != second.id


def test_the_countdown_gives_its_time_and_its_end_and_closes_the_question_when_it_runs_out(
    app, room, client, auth, monkeypatch
):
    item = room["session"].items[0]
    _open(app, room, countdown=5)
    db.session.refresh(item)
    auth.login("a1@example.org", factories.PASSWORD)
    state = client.get("/drafts/rat/live/state").get_data(as_text=True)
    assert f'data-closes-at="{item.closes_at.isoformat()}"' in state
    assert "Schließt um" in state and "Noch {time}" in state  # without JS / the words live.js uses
    later = item.closes_at + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    root = _root(client.get("/drafts/rat/live/state").get_data(as_text=True), "current-question")
    assert (root["data-item"], root["data-state"]) == (str(item.id), "closed")


def test_the_page_carries_the_etag_of_its_block_so_the_first_poll_is_not_swapped_in(app, room, client, auth):
    auth.login("a1@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat/live").get_data(as_text=True)
    state = client.get("/drafts/rat/live/state")
    assert _root(page, "current-question")["data-etag"] == state.headers["ETag"].strip('"')
    with app.test_request_context():  # the files' names carry their content's hash (consult.core.static_files)
        live_js, live_css = url_for("static", filename="js/live.js"), url_for("static", filename="css/live.css")
    assert live_js in page and live_css in page
    assert live_js not in client.get("/drafts/rat").get_data(as_text=True)  # only the live pages load it


def test_the_projector_shows_the_question_the_count_of_the_room_and_the_result_without_names(app, room, client, auth):
    item = room["session"].items[0]
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat/live/projector").get_data(as_text=True)
    assert _root(page, "projector-screen")["data-state"] == "none" and "site-header" not in page
    _open(app, room)
    cast_vote(room["a1"], room["draft"], item.paragraph_id, Choice.YES, clock.now())
    db.session.commit()
    page = client.get("/drafts/rat/live/projector").get_data(as_text=True)
    assert _root(page, "projector-screen")["data-item"] == str(item.id)
    assert "1 von 2 angemeldeten Organisationen haben abgestimmt" in page
    assert 'class="ln"' in page or "data-line" in page  # the paragraph with its line numbers
    assert 'name="vote"' not in page
    _close(app, room)
    state = client.get("/drafts/rat/live/projector/state").get_data(as_text=True)
    assert "<html" not in state and _root(state, "projector-screen")["data-state"] == "closed"
    assert "Angenommen" in state and "result-bar--yes" in state
    for html in (page, state):
        for name in ("Amira", "Xaver", "Berta"):
            assert name not in html


def test_the_projector_state_answers_304_until_something_changes(app, room, client, auth):
    auth.login("a1@example.org", factories.PASSWORD)
    first = client.get("/drafts/rat/live/projector/state")
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert client.get("/drafts/rat/live/projector/state", headers={"If-None-Match": tag}).status_code == 304
    assert tag != client.get("/drafts/rat/live/state").headers["ETag"]  # the two blocks differ
    _open(app, room)
    assert client.get("/drafts/rat/live/projector/state", headers={"If-None-Match": tag}).status_code == 200


@pytest.mark.parametrize("path", ["/drafts/rat/live/projector", "/drafts/rat/live/projector/state"])
def test_only_the_office_and_delegates_of_members_see_the_projector(app, room, client, auth, path):
    assert client.get(path).status_code in (302, 401)
    auth.login("guest@example.org", factories.PASSWORD)
    assert client.get(path).status_code == 403
    auth.logout()
    auth.login("x1@example.org", factories.PASSWORD)
    assert client.get(path).status_code == 200
    assert client.get(path.replace("/rat/", "/unknown/")).status_code == 404


def test_the_projector_shows_an_amendment_as_its_change(app, client, auth):
    from tests.votes.test_amendment_votes import make_amendment

    xyz = factories.organisation(short_name="XYZ")
    x1 = factories.user(email="x1@example.org", org=xyz, name="Xaver Xu")
    board = factories.user(email="board@example.org", roles=(Role.BOARD,))
    draft = factories.draft(paragraphs=4, phase=Phase.VOTING, slug="rat")
    amendment = make_amendment(draft, 1, xyz, x1, text="Absatz 2: Alle **gemeinsam**.")
    db.session.commit()
    with draft_request(app):
        session = services.start_session(board, draft, clock.now())
        services.open_question(board, draft, session, session.items[0], clock.now())
        db.session.commit()
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat/live/projector").get_data(as_text=True)
    assert f"Änderungsantrag {amendment.id}" in page and "<ins>" in page and "neuer Text für § 2" in page
    assert "Xaver" not in page and "XYZ" not in page  # who proposed it is not on the screen


def test_the_projector_state_costs_a_few_queries_however_many_organisations_vote(
    app, room, client, auth, count_queries
):
    item = room["session"].items[0]
    _open(app, room)
    auth.login("board@example.org", factories.PASSWORD)
    tag = client.get("/drafts/rat/live/projector/state").headers["ETag"]
    with count_queries() as unchanged:
        assert client.get("/drafts/rat/live/projector/state", headers={"If-None-Match": tag}).status_code == 304
    cast_vote(room["a1"], room["draft"], item.paragraph_id, Choice.YES, clock.now())
    db.session.commit()
    with count_queries() as few:
        client.get("/drafts/rat/live/projector/state")
    for n in range(5):  # five more organisations present, each voting
        organisation = factories.organisation(short_name=f"N{n}")
        delegate = factories.user(email=f"n{n}@example.org", org=organisation)
        db.session.commit()
        with draft_request(app):
            services.check_in(room["board"], room["session"], organisation, clock.now())
            db.session.commit()
        cast_vote(delegate, room["draft"], item.paragraph_id, Choice.NO, clock.now())
        db.session.commit()
    # Check-ins raise the draft's revision: the question is built again once (consult.live.shown); then, as
    # before `few`, one more vote.
    client.get("/drafts/rat/live/projector/state")
    cast_vote(room["a1"], room["draft"], item.paragraph_id, Choice.NO, clock.now())
    db.session.commit()
    with count_queries() as many:
        page = client.get("/drafts/rat/live/projector/state").get_data(as_text=True)
    assert "6 von 7 angemeldeten Organisationen haben abgestimmt" in page
    print(
        f"\nprojector state: {unchanged.count} queries for a 304, {few.count} / {many.count} for the block "
        f"with 1 / 6 votes"
    )
    assert unchanged.count <= 4 and many.count == few.count


def test_an_organisation_represented_by_a_confirmed_proxy_counts_as_present_and_its_vote_as_cast(
    app, room, client, auth
):
    from consult.live.models import Proxy
    from consult.votes.models import Channel, Vote

    item = room["session"].items[0]
    giver, late = factories.organisation(short_name="GEB"), factories.organisation(short_name="SPÄT")
    db.session.flush()
    now = clock.now()
    db.session.add_all(
        [
            Proxy(
                session_id=room["session"].id,
                organisation_id=giver.id,
                holder_id=room["abc"].id,
                requested_at=now,
                confirmed_at=now,
            ),
            Proxy(
                session_id=room["session"].id, organisation_id=late.id, holder_id=room["xyz"].id, requested_at=now
            ),  # not confirmed: not present
        ]
    )
    db.session.commit()
    _open(app, room)
    db.session.add(
        Vote(
            draft_id=room["draft"].id,
            paragraph_id=item.paragraph_id,
            organisation_id=giver.id,
            choice=Choice.YES,
            cast_at=clock.now(),
            channel=Channel.PROXY,
            via_organisation_id=room["abc"].id,
        )
    )
    db.session.commit()
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat/live/projector").get_data(as_text=True)
    assert "1 von 3 angemeldeten Organisationen haben abgestimmt" in page
