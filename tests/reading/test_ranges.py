"""A long draft is sent by § ranges: the first view carries one range of paragraphs, with counts and the places of
the quoted passages but no thread; the next range comes with a plain link (htmx: when it scrolls into view), and
every link to § N lands on the range that holds it. Ranges of 5 paragraphs here (DRAFT_RANGE_PARAGRAPHS)."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from sqlalchemy import select

from consult.accounts.models import Role
from consult.comments.models import Comment
from consult.core.markdown import plain_text
from consult.drafts.models import Phase
from consult.extensions import db
from consult.reading.ranges import paragraph_url
from tests import factories
from tests.conftest import csrf_token

HX = {"HX-Request": "true"}


@pytest.fixture
def extra_config():
    return {"DRAFT_RANGE_PARAGRAPHS": 5}


@pytest.fixture
def world(app):
    org = factories.organisation(short_name="ABC")
    people = {
        "amira": factories.user(email="amira@example.org", name="Amira", org=org),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
    }
    draft = factories.draft(paragraphs=12, phase=Phase.COMMENTING, slug="lang", public=True)
    db.session.commit()
    pids = {t.position: t.paragraph_id for t in draft.versions[0].texts}
    texts = {t.paragraph_id: t.text for t in draft.versions[0].texts}
    return {"draft": draft, "pids": pids, "texts": texts, **people}


def _numbers(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li class="paragraph" id="p(\d+)"', page)]


def _range_links(page: str) -> dict[str, str]:
    """The range links of a page: {"earlier"/"later": the <a ...> tag}."""
    return dict(re.findall(r'<li class="range-link range-link--(\w+)"><a ([^>]*)>', page))


def _marks(page: str) -> dict[int, list[list[int]]]:
    return {
        int(pid): json.loads(unescape(marks))
        for pid, marks in re.findall(r'data-paragraph="(\d+)" data-marks="([^"]*)"', page)
    }


def test_the_first_view_is_the_first_range_with_a_link_to_the_next(client, world):
    page = client.get("/drafts/lang").get_data(as_text=True)
    assert _numbers(page) == [1, 2, 3, 4, 5]
    links = _range_links(page)
    assert "earlier" not in links
    later = links["later"]
    # A plain link to the page of the next range (no JavaScript needed), and with htmx the next range in place
    # when it scrolls into view.
    assert 'href="/drafts/lang?from=6#p6"' in later
    assert 'hx-get="/drafts/lang/paragraphs?from=6"' in later and 'hx-trigger="revealed' in later
    assert "weiter ab § 6" in page.lower()
    # Threads are not in the page: they load when opened.
    assert "thread--open" not in page and 'class="comment ' not in page


def test_from_shows_the_range_that_holds_the_paragraph(client, world):
    page = client.get("/drafts/lang?from=8").get_data(as_text=True)
    assert _numbers(page) == [6, 7, 8, 9, 10]
    links = _range_links(page)
    assert 'href="/drafts/lang#p5"' in links["earlier"]
    assert 'href="/drafts/lang?from=11#p11"' in links["later"]
    last = client.get("/drafts/lang?from=12").get_data(as_text=True)
    assert _numbers(last) == [11, 12] and "later" not in _range_links(last)
    assert _numbers(client.get("/drafts/lang?from=99").get_data(as_text=True)) == [11, 12]


def test_the_next_range_alone_for_htmx_and_the_page_without(client, world):
    response = client.get("/drafts/lang/paragraphs?from=6", headers=HX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _numbers(fragment) == [6, 7, 8, 9, 10]
    assert "<html" not in fragment and "earlier" not in _range_links(fragment)
    assert 'hx-get="/drafts/lang/paragraphs?from=11"' in _range_links(fragment)["later"]
    plain = client.get("/drafts/lang/paragraphs?from=6")
    assert plain.status_code == 302 and plain.headers["Location"] == "/drafts/lang?from=6#p6"


def test_an_open_thread_opens_in_its_range(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    pid = world["pids"][12]
    page = client.get("/drafts/lang").get_data(as_text=True)
    response = client.post(
        f"/drafts/lang/paragraphs/{pid}/comments",
        data={"csrf_token": csrf_token(page), "body": "Spät, aber wichtig.", "stance": "support"},
    )
    assert response.status_code == 302
    opened = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _numbers(opened) == [11, 12]
    assert f'id="thread-{pid}"' in opened and "Spät, aber wichtig." in opened
    # Closing it without JavaScript comes back to § 12, in its range.
    assert 'class="thread__close" href="/drafts/lang?from=11#p12"' in opened


def test_links_to_a_paragraph_name_its_range(app, world):
    with app.test_request_context():
        assert paragraph_url("lang", 3) == "/drafts/lang#p3"
        assert paragraph_url("lang", 8) == "/drafts/lang?from=6#p8"
        assert paragraph_url("lang", 6) == "/drafts/lang?from=6#p6"
        assert paragraph_url("lang", None) == "/drafts/lang"


def test_who_may_not_see_the_draft_gets_no_range(client, auth, world):
    world["draft"].phase = Phase.PREPARATION
    db.session.commit()
    assert client.get("/drafts/lang/paragraphs?from=6", headers=HX).status_code == 302  # to the sign-in
    auth.login("amira@example.org", factories.PASSWORD)
    assert client.get("/drafts/lang/paragraphs?from=6", headers=HX).status_code == 404
    assert client.get("/drafts/lang?from=6").status_code == 404
    auth.logout()
    auth.login("board@example.org", factories.PASSWORD)
    assert _numbers(client.get("/drafts/lang/paragraphs?from=6", headers=HX).get_data(as_text=True)) == [6, 7, 8, 9, 10]


def test_quoted_passages_are_sent_as_places_in_their_range(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    pid = world["pids"][7]
    page = client.get("/drafts/lang").get_data(as_text=True)
    for quote in ("Teilhabe und", "beraten über Teilhabe"):
        response = client.post(
            f"/drafts/lang/paragraphs/{pid}/comments",
            data={"csrf_token": csrf_token(page), "body": "Zitat.", "stance": "neutral", "quote": quote},
        )
        assert response.status_code == 302
    ids = db.session.scalars(select(Comment.id).order_by(Comment.id)).all()
    assert _marks(client.get("/drafts/lang").get_data(as_text=True)) == {}  # § 7 is not in the first range
    for page in (
        client.get("/drafts/lang?from=7").get_data(as_text=True),
        client.get("/drafts/lang/paragraphs?from=6", headers=HX).get_data(as_text=True),
    ):
        marks = _marks(page)
        assert list(marks) == [pid]
        text = plain_text(world["texts"][pid])
        assert [(cid, text[start:end]) for cid, start, end in marks[pid]] == [
            (ids[0], "Teilhabe und"),
            (ids[1], "beraten über Teilhabe"),
        ]
        # The words themselves are not sent again: only where they stand.
        assert "beraten über Teilhabe&#34;" not in page and '"exact"' not in page


def test_each_range_is_cached_and_costs_the_same_queries(app, client, world, count_queries):
    client.get("/drafts/lang?from=6")
    hits = app.extensions["consult_page_cache"].hits
    with count_queries() as cached:
        again = client.get("/drafts/lang?from=6").get_data(as_text=True)
    assert _numbers(again) == [6, 7, 8, 9, 10]
    assert app.extensions["consult_page_cache"].hits == hits + 1
    assert cached.count <= 3, cached.statements
    # A § inside the range (a hand-made link) is served from its range but not kept: made-up numbers do not
    # fill the cache.
    assert _numbers(client.get("/drafts/lang?from=7").get_data(as_text=True)) == [6, 7, 8, 9, 10]
    assert _numbers(client.get("/drafts/lang?from=999999").get_data(as_text=True)) == [11, 12]
    assert app.extensions["consult_page_cache"].hits == hits + 1
    with count_queries() as first:
        client.get("/drafts/lang?open=1")  # not cached (a thread is open): rendered
    with count_queries() as fragment:
        client.get("/drafts/lang/paragraphs?from=11&x=1", headers=HX)  # an unknown query: rendered
    assert fragment.count <= first.count, fragment.statements


def test_a_voting_range_carries_its_vote_boxes(client, auth, world):
    world["draft"].phase = Phase.VOTING
    db.session.commit()
    auth.login("amira@example.org", factories.PASSWORD)
    first = client.get("/drafts/lang").get_data(as_text=True)
    fragment = client.get("/drafts/lang/paragraphs?from=6", headers=HX).get_data(as_text=True)
    assert f'id="vote-{world["pids"][7]}"' not in first and 'id="vote-whole"' in first
    assert f'id="vote-{world["pids"][7]}"' in fragment and 'name="vote"' in fragment
    assert "\x00" not in fragment and 'id="vote-whole"' not in fragment
