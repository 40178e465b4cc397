"""bench/room.py reads the live pages as a phone does: the state block's data-item and data-state, the vote
box's question key and once_key, and whether a vote's answer shows the choice. If the templates change so that
the benchmark could no longer read them, it would measure nothing (every phone "never showing" a question);
these tests render the real pages and feed them to the benchmark's own readers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from consult.accounts.models import Role
from consult.core import clock
from consult.drafts.models import Phase
from consult.extensions import db
from consult.live import services
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("room_bench", ROOT / "bench" / "room.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture
def live_room(app, auth):
    abc = factories.organisation(short_name="ABC")
    delegate = factories.user(email="a1@example.org", org=abc)
    board = factories.user(email="board@example.org", roles=(Role.BOARD,))
    draft = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="rat")
    db.session.commit()
    with app.test_request_context():
        live = services.start_session(board, draft, clock.now())
        services.check_in(delegate, live, abc, clock.now())
        db.session.commit()
        item = next(i for i in live.items if i.paragraph_id is not None)
        services.open_question(board, draft, live, item, clock.now())
        db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    return {"draft": draft, "live": live, "item": item, "board": board}


HX = {"HX-Request": "true"}


def test_the_benchmark_reads_the_open_question_and_votes_as_the_phone_shows_it(bench, client, live_room):
    item = live_room["item"]
    page = client.get("/drafts/rat/live").get_data(as_text=True)
    assert bench.what_it_shows(page) == (str(item.id), "open")
    token = bench.csrf_token(page)

    state = client.get("/drafts/rat/live/state", headers=HX)
    body = state.get_data(as_text=True)
    assert state.status_code == 200 and bench.what_it_shows(body) == (str(item.id), "open")
    key, once = bench.vote_fields(body)
    assert key == str(item.paragraph_id) and once is not None and len(once) >= 16
    # As a browser asks again: the same ETag answers 304 while nothing changed.
    again = client.get("/drafts/rat/live/state", headers={**HX, "If-None-Match": state.headers["ETag"]})
    assert again.status_code == 304

    answer = client.post(
        "/drafts/rat/votes",
        headers=HX,
        data={"csrf_token": token, "vote": f"{key}:no", "back": "live", "once_key": once},
    )
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert bench.vote_shown(text, "no") and not bench.vote_shown(text, "yes")


def test_the_benchmark_sees_the_question_closed(bench, app, client, live_room):
    item, draft, live = live_room["item"], live_room["draft"], live_room["live"]
    with app.test_request_context():
        services.close_question(live_room["board"], draft, live, db.session.merge(item), clock.now())
        db.session.commit()
    body = client.get("/drafts/rat/live/state", headers=HX).get_data(as_text=True)
    shown = bench.what_it_shows(body)
    assert shown is not None and shown != (str(item.id), "open")
    assert bench.vote_fields(body) is None


def test_a_refused_vote_is_not_taken_for_a_vote_shown(bench):
    refused = (
        '<div class="vote-box"><button class="button button--small vote vote--no" aria-pressed="true">Nein'
        '</button><p class="alert alert--error" role="alert">Die Frage ist geschlossen.</p></div>'
    )
    assert not bench.vote_shown(refused, "no")
    assert bench.what_it_shows("<p>Anmelden</p>") is None


def test_the_chairs_page_counts_as_a_follower_only_when_its_block_polls(bench):
    polling = '<section id="current-question" data-item="" data-state="none" hx-get="/s" hx-trigger="every 1s">'
    assert bench.chair_polls(polling)
    assert not bench.chair_polls('<section id="current-question" data-item="" data-state="none">')


def test_the_room_polls_as_often_as_the_phone_and_the_projector_do(bench):
    # The benchmark reads the phones' interval from the template; the projector must poll as often (and
    # within the 2 s of issue 16: a poll interval plus an answer).
    interval = bench.page_interval(ROOT)
    projector = (ROOT / "templates/live/projector.html").read_text(encoding="utf-8")
    assert f'hx-trigger="every {interval:g}s"' in projector
    assert interval <= 1.5
