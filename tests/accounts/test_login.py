"""Signing in and out: real form, CSRF, case-insensitive e-mail, safe redirects, throttle."""

from __future__ import annotations

import re

import pytest

from consult.accounts.models import User
from consult.extensions import db
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def delegate(app):
    person = factories.user(email="amina@example.org", name="Amina Yılmaz")
    db.session.commit()
    return person


def test_sign_in_with_mixed_case_email_and_sign_out(client, auth, delegate):
    response = auth.login("  Amina@Example.ORG ", factories.PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Amina Yılmaz" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert "Amina Yılmaz" not in client.get("/").get_data(as_text=True)


def test_password_is_hashed(delegate):
    assert factories.PASSWORD not in delegate.password_hash
    assert delegate.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_wrong_password_shows_a_clear_message_and_keeps_the_email(client, auth, delegate):
    response = auth.login("amina@example.org", "wrong password")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "E-Mail oder Passwort ist nicht richtig" in page
    assert 'value="amina@example.org"' in page
    assert "wrong password" not in page  # the password is never sent back


def test_unknown_email_gets_the_same_message(client, auth, delegate):
    page = auth.login("nobody@example.org", "wrong password").get_data(as_text=True)
    assert "E-Mail oder Passwort ist nicht richtig" in page


def test_five_wrong_passwords_lock_the_account_for_a_while(client, auth, delegate, app):
    for _ in range(4):
        assert auth.login("amina@example.org", "wrong").status_code == 200
    fifth = auth.login("amina@example.org", "wrong")
    assert fifth.status_code == 429
    assert "Zu viele falsche Passwörter" in fifth.get_data(as_text=True)
    # Even the right password is refused while the account waits.
    locked = auth.login("amina@example.org", factories.PASSWORD)
    assert locked.status_code == 429
    # After the wait, the right password works and resets the count.
    user = db.session.scalar(db.select(User).where(User.email == "amina@example.org"))
    from datetime import timedelta

    user.last_failed_login_at -= timedelta(seconds=app.config["LOGIN_LOCK_SECONDS"] + 1)
    db.session.commit()
    assert auth.login("amina@example.org", factories.PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.failed_logins == 0


def test_inactive_account_cannot_sign_in(client, auth, delegate):
    delegate.is_active_account = False
    db.session.commit()
    page = auth.login("amina@example.org", factories.PASSWORD).get_data(as_text=True)
    assert "E-Mail oder Passwort ist nicht richtig" in page


def test_guest_is_sent_to_sign_in_and_back(client, auth, delegate):
    draft = factories.draft(slug="teilhabe")
    db.session.commit()
    response = client.get("/drafts/teilhabe")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fdrafts%2Fteilhabe"
    back = auth.login("amina@example.org", factories.PASSWORD, next="/drafts/teilhabe")
    assert back.headers["Location"] == "/drafts/teilhabe"
    assert draft.title in client.get("/drafts/teilhabe").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_next_never_leaves_the_site(client, auth, delegate, target):
    response = auth.login("amina@example.org", factories.PASSWORD, next=target)
    assert response.headers["Location"] == "/"


def test_sign_in_without_csrf_token_is_refused(client, delegate):
    response = client.post("/login", data={"email": "amina@example.org", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "Anmelden" in client.get("/").get_data(as_text=True)


def test_sign_out_needs_a_post_with_csrf(client, auth, delegate):
    auth.login("amina@example.org", factories.PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert "Amina Yılmaz" in client.get("/").get_data(as_text=True)


def test_language_switch_changes_the_interface(client):
    page = client.get("/").get_data(as_text=True)
    assert "<h1>Positionsentwürfe</h1>" in page and 'lang="de"' in page
    client.post("/language", data={"language": "en", "next": "/", "csrf_token": csrf_token(page)})
    page = client.get("/").get_data(as_text=True)
    assert "<h1>Draft positions</h1>" in page and '<html lang="en" dir="ltr">' in page


def test_every_form_carries_a_csrf_token(client):
    page = client.get("/login").get_data(as_text=True)
    forms = re.findall(r"<form.*?</form>", page, re.S)
    assert forms
    for form in forms:
        assert 'name="csrf_token"' in form
