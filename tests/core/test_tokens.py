"""Signed links: they need the app's secret key, and a timed one carries the time it was made with.

No database: the tokens read only the app's SECRET_KEY."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask

from consult.core.tokens import LinkExpired, sign, sign_timed, unsign, unsign_timed

MADE = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def keyed():
    app = Flask(__name__)
    app.secret_key = "test-secret"
    with app.app_context():
        yield app


def test_a_signed_value_comes_back_for_its_purpose_only(keyed):
    token = sign("support", 42)
    assert unsign("support", token) == 42
    assert unsign("unsubscribe", token) is None


def test_a_timed_token_is_stamped_with_the_time_given_not_the_clock(keyed):
    token = sign_timed("unsubscribe", [7, "replies"], MADE)
    assert unsign_timed("unsubscribe", token, timedelta(days=60), MADE + timedelta(days=59)) == [7, "replies"]
    with pytest.raises(LinkExpired) as expired:
        unsign_timed("unsubscribe", token, timedelta(days=60), MADE + timedelta(days=61))
    assert expired.value.value == [7, "replies"]


@pytest.mark.parametrize(
    "make", [lambda: sign("support", 42), lambda: sign_timed("unsubscribe", 42, MADE), lambda: unsign("support", "x.y")]
)
def test_without_a_secret_key_nothing_is_signed_and_the_error_says_why(make):
    app = Flask(__name__)  # no SECRET_KEY: Flask's default is None
    with app.app_context(), pytest.raises(RuntimeError, match="SECRET_KEY"):
        make()
