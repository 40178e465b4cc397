"""Password reset by e-mail link: the same answer for every address, a link that works once for an hour,
and every session of the person ends."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.core import clock
from consult.extensions import db, limiter
from consult.mail.models import OutboxMessage
from consult.password_reset import services
from tests import factories
from tests.conftest import Auth, csrf_token


@pytest.fixture
def person(app):
    user = factories.user(email="amina@example.org", name="Amina Yılmaz")
    user.locale = "en"
    db.session.commit()
    return user


def _ask(client, email):
    page = client.get("/password/forgot").get_data(as_text=True)
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_token(page)})


def _link() -> str:
    body = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"http://localhost(/password/reset/\S+)", body).group(1)


def _set(client, link, password):
    page = client.get(link)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(
        link, data={"password": password, "confirm": password, "csrf_token": csrf_token(page.get_data(as_text=True))}
    )


def test_known_and_unknown_addresses_get_the_same_answer_and_the_same_work(client, person, monkeypatch):
    hashed = []
    real = services.hash_password
    monkeypatch.setattr(services, "hash_password", lambda value: hashed.append(value) or real(value))
    known = _ask(client, "amina@example.org")
    unknown = _ask(client, "amina@example.com")
    assert known.status_code == unknown.status_code == 200

    def strip(response, email):
        # The CSRF tokens carry the second they were signed in; two answers a second apart differ there only.
        text = response.get_data(as_text=True).replace(email, "EMAIL")
        return re.sub(r'(name="csrf_token" type="hidden" value="|"X-CSRFToken": ")[^"]+', r"\1TOKEN", text)

    assert strip(known, "amina@example.org") == strip(unknown, "amina@example.com")
    assert len(hashed) == 2  # one password hash on either path: the answers take alike long
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.recipient == "amina@example.org"
    assert message.subject == "Choose a new password"  # in the person's language


def test_the_link_sets_a_new_password_once_and_ends_every_session(app, client, person):
    elsewhere = app.test_client()
    Auth(elsewhere).login("amina@example.org", factories.PASSWORD)
    assert "Amina Yılmaz" in elsewhere.get("/").get_data(as_text=True)
    _ask(client, "amina@example.org")
    link = _link()
    response = _set(client, link, "ein ganz neues Passwort")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Amina Yılmaz" not in elsewhere.get("/").get_data(as_text=True)  # signed out there
    auth = Auth(client)
    assert auth.login("amina@example.org", factories.PASSWORD).status_code == 200  # old password refused
    assert auth.login("amina@example.org", "ein ganz neues Passwort").status_code == 302
    again = client.get(link)  # in English now: the person's language, since they signed in
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)


def test_the_link_expires_after_an_hour_and_a_newer_one_replaces_it(client, person, monkeypatch):
    _ask(client, "amina@example.org")
    first = _link()
    _ask(client, "amina@example.org")
    second = _link()
    assert client.get(first).status_code == 410
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=61))
    page = client.get(second)
    assert page.status_code == 410 and "abgelaufen" in page.get_data(as_text=True)


def test_a_short_or_mismatched_password_keeps_the_link_open(client, person):
    _ask(client, "amina@example.org")
    link = _link()
    page = client.get(link).get_data(as_text=True)
    response = client.post(link, data={"password": "kurz", "confirm": "kurz", "csrf_token": csrf_token(page)})
    assert response.status_code == 422 and "mindestens 10 Zeichen" in response.get_data(as_text=True)
    response = client.post(
        link, data={"password": "lang genug 123", "confirm": "anders 12345", "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 422 and "nicht gleich" in response.get_data(as_text=True)
    assert _set(client, link, "lang genug 123").status_code == 302


def test_a_deactivated_account_gets_no_mail(client, person):
    person.is_active_account = False
    db.session.commit()
    assert _ask(client, "amina@example.org").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_reset_requests_are_rate_limited_per_address(client, person, app, monkeypatch):
    monkeypatch.setitem(app.config, "RESET_RATE_LIMIT", "2 per minute")
    limiter.reset()
    try:
        statuses = [_ask(client, f"x{n}@example.org").status_code for n in range(3)]
        assert statuses == [200, 200, 429]
        assert "zu viele Versuche" in _ask(client, "y@example.org").get_data(as_text=True)
    finally:
        limiter.reset()
