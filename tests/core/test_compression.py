"""Compressed responses (consult/core/compression.py): brotli or gzip as the browser accepts, for pages,
fragments, JSON, CSS and JavaScript; ETag answers still 304 before any work; streamed answers untouched."""

from __future__ import annotations

import gzip

import brotli
import pytest
from flask import Response

from tests import factories
from tests.live.test_screens import _open, fixture_room  # noqa: F401  (the fixture room)
from tests.votes.test_live_tallies import fixture_world  # noqa: F401  (the fixture world)

PHONE = "/drafts/rat/live/state"


@pytest.fixture
def extra_config():
    # The tally feed of a three-paragraph draft is a few dozen bytes: compress it all the same here.
    return {"COMPRESS_MIN_SIZE": 1}


def _decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    return {"br": brotli.decompress, "gzip": gzip.decompress}.get(encoding, lambda d: d)(data)


@pytest.mark.parametrize(
    "accept, encoding",
    [
        ("gzip, deflate, br, zstd", "br"),  # what Chromium sends: brotli, the smaller
        ("gzip", "gzip"),
        ("br;q=0.5, gzip", "gzip"),
        ("identity", None),
        ("", None),
    ],
)
def test_a_page_is_sent_in_the_encoding_the_browser_prefers(client, accept, encoding):
    plain = client.get("/login")
    response = client.get("/login", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    body = _decoded(response).decode()
    # The same page (each rendering has its own CSRF token: compare the head).
    assert body.split("<body")[0] == plain.get_data(as_text=True).split("<body")[0]
    assert body.rstrip().endswith("</html>")
    if encoding:
        assert len(response.get_data()) < len(plain.get_data()) / 2
        assert int(response.headers["Content-Length"]) == len(response.get_data())


def test_stylesheets_and_scripts_are_compressed(client):
    for url in ("/static/css/consult.css", "/static/js/consult.js", "/static/vendor/htmx.min.js"):
        response = client.get(url, headers={"Accept-Encoding": "br"})
        assert response.status_code == 200 and response.headers["Content-Encoding"] == "br", url
        assert _decoded(response) == client.get(url).get_data()


def test_a_static_range_is_answered_as_it_was_asked_not_compressed(client):
    with client.get("/static/css/consult.css", headers={"Accept-Encoding": "br", "Range": "bytes=0-99"}) as response:
        assert response.status_code == 206
        assert "Content-Encoding" not in response.headers and len(response.get_data()) == 100


def test_the_tally_feed_answers_304_to_the_etag_of_its_compressed_answer(client, world, count_queries):
    first = client.get("/drafts/rat/tallies", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["ETag"].startswith('W/"')  # the same tallies in another encoding: a weak validator
    assert _decoded(first) == client.get("/drafts/rat/tallies").get_data()
    with count_queries() as counter:
        again = client.get(
            "/drafts/rat/tallies", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}
        )
    assert again.status_code == 304 and again.get_data() == b""
    assert counter.count == 1, counter.statements  # answered by the view itself, before any work


def test_the_live_state_answers_304_to_the_etag_of_its_compressed_answer(app, room, client, auth, count_queries):
    _open(app, room)
    auth.login("a1@example.org", factories.PASSWORD)
    first = client.get(PHONE, headers={"Accept-Encoding": "br"})
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "br"
    tag = first.headers["ETag"]
    assert tag.startswith('W/"') and tag[2:] == client.get(PHONE).headers["ETag"]
    with count_queries() as counter:
        again = client.get(PHONE, headers={"Accept-Encoding": "br", "If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert counter.count <= 2, counter.statements  # the person and the state: nothing rendered
    # A browser that kept the uncompressed answer's strong tag is answered the same way.
    assert client.get(PHONE, headers={"If-None-Match": tag[2:]}).status_code == 304


def test_a_streamed_answer_passes_untouched(app, client):
    def chunks():
        yield b"x" * 2000
        yield b"y" * 2000

    app.add_url_rule("/_test/stream", "stream_test", lambda: Response(chunks(), mimetype="text/plain"))
    response = client.get("/_test/stream", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.get_data() == b"x" * 2000 + b"y" * 2000


def test_redirects_are_not_compressed(client):
    redirect = client.get("/moderation", headers={"Accept-Encoding": "br"})  # a guest: to the sign-in
    assert redirect.status_code == 302 and "Content-Encoding" not in redirect.headers
