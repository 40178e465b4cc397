"""The public unsubscribe route counts its POSTs per client address, like the other routes with a token in
their address (password reset, invitations): trying tokens soon meets a 429."""

from __future__ import annotations

import pytest

from consult.core import clock
from consult.notifications.models import Topic
from consult.notifications.services import unsubscribe_token
from tests.conftest import csrf_token
from tests.notifications.conftest import opt_in


@pytest.fixture
def extra_config():
    return {"UNSUBSCRIBE_RATE_LIMIT": "3 per minute"}


def test_posts_to_unsubscribe_links_are_rate_limited(client, world):
    opt_in(world["a1"])
    token = csrf_token(client.get("/login").get_data(as_text=True))
    statuses = [
        client.post(f"/notifications/unsubscribe/guess-{n}", data={"csrf_token": token}).status_code for n in range(3)
    ]
    assert statuses == [400, 400, 400]
    url = f"/notifications/unsubscribe/{unsubscribe_token(world['a1'], Topic.REPLIES, clock.now())}"
    assert client.post(url, data={"csrf_token": token}).status_code == 429
    assert client.get(url).status_code == 200  # reading the page is not counted: it changes nothing


def test_over_https_the_button_works_and_the_token_reaches_no_other_site(client, world):
    opt_in(world["a1"])
    url = f"/notifications/unsubscribe/{unsubscribe_token(world['a1'], Topic.REPLIES, clock.now())}"
    page = client.get(url, base_url="https://localhost")
    assert page.headers["Referrer-Policy"] == "same-origin"
    done = client.post(
        url,
        base_url="https://localhost",
        headers={"Referer": "https://localhost" + url},
        data={"csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    assert done.status_code == 200
