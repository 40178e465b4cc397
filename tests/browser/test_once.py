"""Once, and only once, in the browser: what htmx really sends carries the form's one-time key,
and the very same request sent again (the answer was lost, the person retries) stores nothing new.

A vote (the key comes from the box's hx-vals) and a comment (the key is a hidden field of the
form), as a delegate of the demo; the captured request is replayed byte for byte.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Page, expect

from consult.comments.models import Comment
from consult.votes.models import VoteCast
from tests import factories
from tests.browser.test_annotate import (
    COMMENTING,
    PROSE_WORDS,
    VOTER_ORG,
    VOTING,
    delegate,
    first_votable_prose_paragraph,
    open_draft,
    paragraph_id,
    sign_in,
)

pytestmark = pytest.mark.browser

KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _send_and_replay(page: Page, click, url_part: str) -> tuple[str, int, int]:
    """Click, capture the POST htmx sends, wait for its answer; then send the same request again.
    Returns the key it carried and both answers' statuses."""
    with page.expect_request(lambda r: r.method == "POST" and url_part in r.url) as sent:
        with page.expect_response(lambda r: r.request.method == "POST" and url_part in r.url):
            click()
    request = sent.value
    key = parse_qs(request.post_data).get("once_key", [])
    assert len(key) == 1 and KEY.fullmatch(key[0]), f"htmx sent no (or a malformed) one-time key: {key}"
    headers = {k: v for k, v in request.headers.items() if k.lower() in ("content-type", "hx-request", "x-csrftoken")}
    first = request.response().status
    again = page.request.post(request.url, data=request.post_data, headers=headers)
    return key[0], first, again.status


def test_what_htmx_sends_carries_a_key_and_a_replay_stores_nothing(live_server, page: Page, app):
    sign_in(page, live_server, delegate(VOTER_ORG, 0))

    open_draft(page, live_server, VOTING)
    pid = first_votable_prose_paragraph(page)
    casts = factories.count(VoteCast)
    key, first, again = _send_and_replay(
        page, lambda: page.locator(f"#vote-{pid} button[value='{pid}:yes']").click(), "/votes"
    )
    assert (first, again) == (200, 200)
    assert factories.count(VoteCast) == casts + 1
    # The box that came back is a new form with a new key.
    new_key = page.locator(f"#vote-{pid}").get_attribute("hx-vals")
    assert key not in new_key and KEY.search(new_key)

    open_draft(page, live_server, COMMENTING)
    pid = paragraph_id(page, PROSE_WORDS)
    page.locator(f"#count-{pid}").click()
    expect(page.locator(f"#thread-{pid} form.comment-form")).to_be_visible()
    page.locator(f"#body-{pid}").fill("Einmal, und nur einmal – browser test.")
    comments = factories.count(Comment)
    key, first, again = _send_and_replay(
        page, lambda: page.locator(f"#thread-{pid} form.comment-form button[type=submit]").click(), "/comments"
    )
    assert (first, again) == (200, 200)
    assert factories.count(Comment) == comments + 1
    assert page.locator(f"#thread-{pid} form.comment-form input[name=once_key]").input_value() != key
