"""Ending a person's sessions on the server: signing out ends this one; a new password, a deactivated
account and "Überall abmelden" end every one (a new password keeps the session it was changed in).
An old copy of a cookie then gets the sign-in page, whatever it was worth before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import session
from flask_login import current_user
from flask_login.utils import encode_cookie

from consult.accounts.models import Role, User, UserSession
from consult.accounts.services import end_sessions
from consult.accounts.signin import start_session
from consult.admin.services import set_person_active
from consult.core import clock
from consult.extensions import db
from tests import factories
from tests.conftest import Auth, csrf_token
from tests.exports.test_exports import fixture_adopted  # noqa: F401  (the fixture adopted: an adopted draft, a board member)


def _signed_in_as(client, name: str) -> bool:
    return name in client.get("/").get_data(as_text=True)


def _copy_of_cookies(app, client):
    """Another browser holding a copy of every cookie of `client` (as someone who copied them)."""
    thief = app.test_client()
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def _is_sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_old_copy_of_the_cookie_is_worth_nothing_after_signing_out(app, client, auth):
    factories.user(email="amina@example.org", name="Amina Yılmaz")
    db.session.commit()
    auth.login("amina@example.org", factories.PASSWORD)
    copy = _copy_of_cookies(app, client)
    assert copy.get("/account").status_code == 200

    auth.logout()
    assert _is_sent_to_sign_in(copy.get("/account"))
    assert _is_sent_to_sign_in(client.get("/account"))
    assert factories.count(UserSession) == 0


def test_the_boards_old_cookie_no_longer_downloads_the_comments(app, client, auth, adopted):
    auth.login("board@example.org", factories.PASSWORD)
    copy = _copy_of_cookies(app, client)
    assert copy.get("/drafts/teilhabe/export/comments.csv").status_code == 200
    auth.logout()
    response = copy.get("/drafts/teilhabe/export/comments.csv")
    assert _is_sent_to_sign_in(response) and "text/csv" not in response.headers["Content-Type"]


def test_signing_out_ends_only_this_session(app, client, auth):
    factories.user(email="amina@example.org", name="Amina Yılmaz")
    db.session.commit()
    other = app.test_client()
    auth.login("amina@example.org", factories.PASSWORD)
    Auth(other).login("amina@example.org", factories.PASSWORD)
    auth.logout()
    assert not _signed_in_as(client, "Amina Yılmaz") and _signed_in_as(other, "Amina Yılmaz")


def test_a_remember_me_cookie_ends_with_its_session(app):
    person = factories.user(email="kemal@example.org", name="Kemal Aydın")
    db.session.commit()
    with app.test_request_context():
        start_session(person, remember=True)
        db.session.commit()
        remember_cookie = encode_cookie(session["_user_id"])  # what Flask-Login writes into it
    browser, stolen = app.test_client(), app.test_client()
    for each in (browser, stolen):
        each.set_cookie("remember_token", remember_cookie)
    assert _signed_in_as(browser, "Kemal Aydın") and _signed_in_as(stolen, "Kemal Aydın")

    page = browser.get("/").get_data(as_text=True)
    browser.post("/logout", data={"csrf_token": csrf_token(page)})
    fresh = app.test_client()  # the stolen remember-me cookie alone, without the session it made
    fresh.set_cookie("remember_token", remember_cookie)
    assert not _signed_in_as(fresh, "Kemal Aydın") and not _signed_in_as(stolen, "Kemal Aydın")


def test_ending_sessions_signs_the_person_out_everywhere(app, client, auth):
    person = factories.user(email="amina@example.org", name="Amina Yılmaz")
    db.session.commit()
    other = app.test_client()
    auth.login("amina@example.org", factories.PASSWORD)
    Auth(other).login("amina@example.org", factories.PASSWORD)
    assert _signed_in_as(client, "Amina Yılmaz") and _signed_in_as(other, "Amina Yılmaz")

    end_sessions(person)
    db.session.commit()
    assert not _signed_in_as(client, "Amina Yılmaz") and not _signed_in_as(other, "Amina Yılmaz")
    # Signing in again works, with the new version.
    auth.login("amina@example.org", factories.PASSWORD)
    assert _signed_in_as(client, "Amina Yılmaz")


def test_the_button_signs_out_everywhere_also_here(app, client, auth):
    factories.user(email="amina@example.org", name="Amina Yılmaz")
    db.session.commit()
    other = app.test_client()
    auth.login("amina@example.org", factories.PASSWORD)
    Auth(other).login("amina@example.org", factories.PASSWORD)
    copy = _copy_of_cookies(app, client)
    page = client.get("/account").get_data(as_text=True)
    assert "Überall abmelden" in page

    response = client.post("/account/sign-out-everywhere", data={"csrf_token": csrf_token(page)})
    assert _is_sent_to_sign_in(response)
    for browser in (client, other, copy):
        assert _is_sent_to_sign_in(browser.get("/account"))
    assert factories.count(UserSession) == 0


def test_a_new_password_keeps_this_session_and_ends_the_others(app, client, auth):
    factories.user(email="amina@example.org", name="Amina Yılmaz")
    db.session.commit()
    other = app.test_client()
    auth.login("amina@example.org", factories.PASSWORD)
    Auth(other).login("amina@example.org", factories.PASSWORD)
    page = client.get("/account").get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(page),
            "current_password": factories.PASSWORD,
            "new_password": "ein neues Passwort",
            "repeat_password": "ein neues Passwort",
        },
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert _is_sent_to_sign_in(other.get("/account"))


def test_deactivation_ends_every_session(app, client, auth):
    admin = factories.user(email="admin@example.org", roles=(Role.ADMIN,))
    factories.user(email="amina@example.org", name="Amina Yılmaz")
    db.session.commit()
    auth.login("amina@example.org", factories.PASSWORD)
    copy = _copy_of_cookies(app, client)
    set_person_active(
        db.session.get(User, admin.id),
        db.session.scalar(db.select(User).where(User.email == "amina@example.org")),
        False,
        clock.now(),
    )
    db.session.commit()
    assert _is_sent_to_sign_in(client.get("/account")) and _is_sent_to_sign_in(copy.get("/account"))


def test_the_current_session_can_stay_signed_in(app):
    person = factories.user(email="kemal@example.org")
    db.session.commit()
    with app.test_request_context():
        start_session(person)
        token = person.session_token
        assert session["_user_id"] == f"{person.id}.0.{token}"
        end_sessions(person, keep_current=True)
        assert session["_user_id"] == f"{person.id}.1.{token}" and current_user.id == person.id
    assert factories.count(UserSession) == 1


def test_old_sign_ins_are_cleared_when_the_person_signs_in_again(app):
    person = factories.user(email="kemal@example.org")
    db.session.add(UserSession(user_id=person.id, token_hash="0" * 64, created_at=clock.now() - timedelta(days=15)))
    db.session.commit()
    with app.test_request_context():
        start_session(person)
        db.session.commit()
    assert [row.token_hash for row in db.session.scalars(db.select(UserSession))] != ["0" * 64]
    assert factories.count(UserSession) == 1


@pytest.mark.parametrize("identity_only", [False, True])
def test_a_session_id_without_the_right_version_or_sign_in_is_refused(app, monkeypatch, identity_only):
    person = factories.user(email="lea@example.org")
    db.session.commit()
    with app.test_request_context():
        start_session(person)
        db.session.commit()
    token = person.session_token
    monkeypatch.setattr("consult.accounts.auth._wants_identity_only", lambda: identity_only)
    loader = app.login_manager._user_callback
    with app.test_request_context():
        assert loader(f"{person.id}.0.{token}") is not None
        for refused in (
            f"{person.id}.0",
            f"{person.id}.1.{token}",
            f"{person.id}.0.other",
            "x.0.y",
            str(person.id),
            f"{person.id}.0.",
        ):
            assert loader(refused) is None, refused
