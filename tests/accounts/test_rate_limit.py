"""Sign-in attempts are limited per client address (Flask-Limiter): the password POST and the code POST."""

from __future__ import annotations

import re

import pyotp
import pytest

from consult.accounts.models import Role
from consult.extensions import db, limiter
from tests import factories
from tests.conftest import Auth, csrf_token

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def extra_config():
    return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute;20 per hour"}


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()
    yield
    limiter.reset()


def from_address(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def attempt(client, email: str = "nobody@example.org"):
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"email": email, "password": "falsch", "csrf_token": csrf_token(page)})


def test_the_fourth_sign_in_a_minute_from_one_address_gets_429_with_a_message(client):
    from_address(client, "203.0.113.7")
    for n in range(3):
        assert attempt(client, f"person{n}@example.org").status_code == 200
    limited = attempt(client, "person9@example.org")
    assert limited.status_code == 429
    assert "Zu viele Anfragen" in limited.get_data(as_text=True)
    assert "Bitte warten Sie 1 Minute" in limited.get_data(as_text=True)
    assert int(limited.headers["Retry-After"]) > 0
    # Only POSTs count: the sign-in page itself still shows.
    assert client.get("/login").status_code == 200


def test_the_message_says_how_long_to_wait(client, app):
    app.config["LOGIN_RATE_LIMIT"] = "2 per hour"
    from_address(client, "203.0.113.12")
    for _ in range(2):
        assert attempt(client).status_code == 200
    limited = attempt(client)
    assert limited.status_code == 429
    minutes = int(re.search(r"Bitte warten Sie (\d+) Minuten", limited.get_data(as_text=True)).group(1))
    assert 55 <= minutes <= 60


def test_the_message_is_in_the_persons_language(client):
    from_address(client, "203.0.113.8")
    page = client.get("/").get_data(as_text=True)
    client.post("/language", data={"language": "en", "next": "/", "csrf_token": csrf_token(page)})
    for _ in range(3):
        attempt(client)
    limited = attempt(client)
    assert limited.status_code == 429
    assert "Too many requests" in limited.get_data(as_text=True)
    assert "Please wait 1 minute" in limited.get_data(as_text=True)


def test_limits_count_per_address(app, client):
    other = app.test_client()
    from_address(client, "203.0.113.9")
    from_address(other, "198.51.100.4")
    for _ in range(3):
        attempt(client)
    assert attempt(client).status_code == 429
    assert attempt(other).status_code == 200


def test_a_right_password_is_limited_too(client, app):
    factories.user(email="amina@example.org")
    db.session.commit()
    from_address(client, "203.0.113.10")
    for _ in range(3):
        attempt(client)
    response = Auth(client).login("amina@example.org", factories.PASSWORD)
    assert response.status_code == 429


def test_the_code_post_is_limited(client):
    person = factories.user(email="mod@example.org", roles=(Role.MODERATOR,))
    person.totp_secret = SECRET
    person.totp_enabled_at = person.created_at
    db.session.commit()
    from_address(client, "203.0.113.11")
    assert Auth(client).login("mod@example.org", factories.PASSWORD).headers["Location"] == "/login/code"
    token = csrf_token(client.get("/login/code").get_data(as_text=True))
    wrong = "000000" if pyotp.TOTP(SECRET).now() != "000000" else "111111"
    for _ in range(3):
        assert client.post("/login/code", data={"code": wrong, "csrf_token": token}).status_code == 422
    limited = client.post("/login/code", data={"code": pyotp.TOTP(SECRET).now(), "csrf_token": token})
    assert limited.status_code == 429
    assert "Zu viele Anfragen" in limited.get_data(as_text=True)


def test_behind_a_trusted_proxy_the_limit_counts_the_forwarded_address(database_url, backend):
    """With CONSULT_PROXY_COUNT=1, two people behind one proxy are counted apart; without it, together."""
    from consult import create_app
    from tests.conftest import TEST_CONFIG, IsolatedClient

    def limited_second_attempt(proxy_count: int, forwarded_for: list[str]) -> list[int]:
        app = create_app(
            {
                **TEST_CONFIG,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "RATELIMIT_ENABLED": True,
                "LOGIN_RATE_LIMIT": "1 per minute",
                "PROXY_COUNT": proxy_count,
            }
        )
        app.test_client_class = IsolatedClient
        with app.app_context():
            db.create_all()
            limiter.reset()
            statuses = []
            for address in forwarded_for:
                client = from_address(app.test_client(), "10.0.0.1")  # the proxy
                client.environ_base["HTTP_X_FORWARDED_FOR"] = address
                statuses.append(attempt(client).status_code)
            limiter.reset()
            db.session.remove()
            db.engine.dispose()
        return statuses

    assert limited_second_attempt(1, ["198.51.100.1", "198.51.100.2"]) == [200, 200]
    assert limited_second_attempt(0, ["198.51.100.1", "198.51.100.2"]) == [200, 429]


def test_only_decorated_routes_are_checked_unless_default_limits_are_set(app, database_url):
    """The per-request hook of Flask-Limiter is left out while only decorated routes have limits
    (they check their own); with default limits configured it is kept, and they apply."""
    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])
    from consult import create_app
    from tests.conftest import TEST_CONFIG

    try:
        limited_app = create_app(
            {
                **TEST_CONFIG,
                "RATELIMIT_ENABLED": True,
                "RATELIMIT_DEFAULT": "2 per minute",
                "SQLALCHEMY_DATABASE_URI": database_url,
            }
        )
        assert limiter._check_request_limit in limited_app.before_request_funcs[None]
        client = limited_app.test_client()
        assert [client.get("/login").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        limiter.limit_manager.set_default_limits([])  # the limiter is shared by every app of the process
