"""Once, and only once: every form that creates something, sent twice with its one-time key,
stores one object and answers the second time as the first (consult.core.once).

On both databases, through the Flask test client. Parallel sending against several
gunicorn workers is in test_once_parallel.py.
"""

from __future__ import annotations

import io
import re

import pytest

from consult.comments.models import Comment
from consult.core import once
from consult.votes.models import VoteCast
from tests import factories
from tests.conftest import Auth
from tests.core.once_paths import PATHS, Post, csrf_of, key_of_form, same_answer
from tests.core.once_paths import world as make_world


@pytest.fixture
def world(app):
    return make_world()


def _get(client):
    def get(path: str, htmx: bool = False) -> str:
        response = client.get(path, headers={"HX-Request": "true"} if htmx else {})
        assert response.status_code == 200, f"GET {path} answered {response.status_code}"
        return response.get_data(as_text=True)

    return get


def _send(client, post: Post):
    data = dict(post.data)
    for name, (filename, content) in post.files.items():
        data[name] = (io.BytesIO(content), filename)
    return client.post(
        post.url,
        data=data,
        headers={"HX-Request": "true"} if post.htmx else {},
        content_type="multipart/form-data" if post.files else None,
    )


def _answer(response) -> tuple:
    return response.status_code, response.headers.get("Location"), same_answer(response.get_data(as_text=True))


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_the_same_form_sent_twice_stores_once_and_answers_the_same(client, world, path):
    Auth(client).login(path.person, factories.PASSWORD)
    post = path.prepare(world, _get(client))
    before = path.created()
    first = _send(client, post)
    assert first.status_code in (200, 302), f"{path.name}: {first.status_code} {first.get_data(as_text=True)[:500]}"
    assert path.created() == before + path.rows
    second = _send(client, post)  # the answer was lost, the person presses "Senden" again
    assert path.created() == before + path.rows, f"{path.name} was stored twice"
    if path.same_answer:
        assert _answer(second) == _answer(first)
    else:
        assert (second.status_code, second.headers.get("Location")) == (302, "/invitations")


def test_a_replayed_vote_adds_no_second_history_row_but_a_new_form_votes_again(client, world):
    Auth(client).login("a1@example.org", factories.PASSWORD)
    get = _get(client)
    vote = [p for p in PATHS if p.name == "vote (htmx)"][0]
    post = vote.prepare(world, get)
    for _ in range(3):
        assert _send(client, post).status_code == 200
    assert factories.count(VoteCast) == 1
    # The vote box that came back is a new form: its key is new, and a changed vote counts.
    answer = _send(client, post).get_data(as_text=True)
    key = re.search(r'"once_key": "([^"]+)"', answer).group(1)
    assert key != post.data["once_key"]
    _send(client, Post(post.url, {**post.data, "once_key": key, "vote": f"{world['vote_pid']}:no"}, htmx=True))
    assert factories.count(VoteCast) == 2


def test_every_rendering_gets_its_own_keys_also_from_the_page_cache(app, client, world):
    assert app.config["PAGE_CACHE_BYTES"] > 0
    Auth(client).login("a1@example.org", factories.PASSWORD)
    pages = [client.get("/drafts/abstimmung").get_data(as_text=True) for _ in range(2)]
    keys = [
        re.findall(r'"once_key": "([^"]+)"', page)
        + once.KEY.findall("".join(re.findall(r'name="once_key" value="([^"]*)"', page)))
        for page in pages
    ]
    assert len(keys[0]) >= 3 and all(once.KEY.fullmatch(k) for k in keys[0] + keys[1])
    assert len(set(keys[0])) == len(keys[0]), "two forms of one page share a key"
    assert app.extensions["consult_page_cache"].hits >= 1, "the second page did not come from the page cache"
    assert not set(keys[0]) & set(keys[1]), "the cached page gave its keys to a second rendering"
    assert all(once.PLACEHOLDER not in page for page in pages)


def test_a_refused_form_keeps_its_key_and_the_next_empty_form_gets_a_new_one(client, world):
    Auth(client).login("a1@example.org", factories.PASSWORD)
    get = _get(client)
    html = get(f"/drafts/teilhabe/paragraphs/{world['pid']}/thread", htmx=True)
    key = key_of_form(html, "comment-form")
    url = f"/drafts/teilhabe/paragraphs/{world['pid']}/comments"
    data = {"csrf_token": csrf_of(get("/drafts/teilhabe")), "once_key": key, "stance": "neutral", "body": ""}
    refused = client.post(url, data=data, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert key_of_form(refused, "comment-form") == key  # the same form again, with what was typed
    done = client.post(url, data={**data, "body": "Jetzt mit Text."}, headers={"HX-Request": "true"})
    assert done.status_code == 200 and factories.count(Comment) == 2  # the world's comment and this one
    assert key_of_form(done.get_data(as_text=True), "comment-form") not in (key, once.PLACEHOLDER)


def test_a_form_without_a_key_is_accepted_as_before(client, world):
    """Pages from before the keys, and API clients, still work; they are not protected."""
    Auth(client).login("a1@example.org", factories.PASSWORD)
    token = csrf_of(client.get("/drafts/teilhabe").get_data(as_text=True))
    url = f"/drafts/teilhabe/paragraphs/{world['pid']}/comments"
    for key in (None, "not a key!"):
        data = {"csrf_token": token, "stance": "neutral", "body": "Ohne Schlüssel."}
        if key is not None:
            data["once_key"] = key
        assert client.post(url, data=data).status_code == 302
    # The placeholder never leaves the server; a client that sends it anyway sends a NUL character,
    # which every form refuses (consult.core.inputs): 400, nothing stored.
    data = {"csrf_token": token, "stance": "neutral", "body": "Ohne Schlüssel.", "once_key": once.PLACEHOLDER}
    assert client.post(url, data=data).status_code == 400
    assert factories.count(Comment) == 3


def test_keys_belong_to_their_person(app, client, world):
    """The same key sent by two people is two sendings: each person's comment is stored."""
    key = "k" * 22
    for email in ("a1@example.org", "x1@example.org"):
        client = app.test_client()  # each person their own (isolated) client
        Auth(client).login(email, factories.PASSWORD)
        token = csrf_of(client.get("/drafts/teilhabe").get_data(as_text=True))
        response = client.post(
            f"/drafts/teilhabe/paragraphs/{world['pid']}/comments",
            data={"csrf_token": token, "once_key": key, "stance": "neutral", "body": email},
        )
        assert response.status_code == 302
    assert factories.count(Comment) == 3


def test_a_key_sent_to_another_form_is_refused_and_stores_nothing(client, world):
    Auth(client).login("a1@example.org", factories.PASSWORD)
    get = _get(client)
    post = [p for p in PATHS if p.name == "comment (plain form)"][0].prepare(world, get)
    assert client.post(post.url, data=post.data).status_code == 302
    html = get(f"/drafts/teilhabe/amendments/{world['amendment_id']}")
    response = client.post(
        f"/drafts/teilhabe/amendments/{world['amendment_id']}/report",
        data={"csrf_token": csrf_of(html), "once_key": post.data["once_key"], "reason": "Unsachlich."},
    )
    assert response.status_code == 422
    assert "schon gesendet" in response.get_data(as_text=True)


def test_the_one_plain_vote_form_of_a_page_votes_once_on_each_question(client, world):
    """Without JavaScript every button of the page submits the same form#vote-form (one key):
    a vote on another question is a new vote, a second sending of either is not."""
    Auth(client).login("a1@example.org", factories.PASSWORD)
    html = client.get("/drafts/abstimmung").get_data(as_text=True)
    key, token = key_of_form(html, 'id="vote-form"'), csrf_of(html)
    pids = [int(p) for p in re.findall(r'name="vote" value="(\d+):yes"', html)]
    assert len(pids) >= 2
    for pid in pids[:2] * 2:
        response = client.post(
            "/drafts/abstimmung/votes", data={"csrf_token": token, "once_key": key, "vote": f"{pid}:yes"}
        )
        assert response.status_code == 302
    assert factories.count(VoteCast) == 2
