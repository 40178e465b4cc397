"""Ending a person's sessions: every signed-in browser and remember-me cookie, or all but this one."""
from __future__ import annotations

from flask import session
from flask_login import current_user, login_user

from consult.accounts.services import end_sessions
from consult.extensions import db
from tests import factories
from tests.conftest import Auth


def _signed_in_as(client, name: str) -> bool:
    return name in client.get("/").get_data(as_text=True)


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


def test_the_current_session_can_stay_signed_in(app):
    person = factories.user(email="kemal@example.org")
    db.session.commit()
    with app.test_request_context():
        login_user(person)
        assert session["_user_id"] == f"{person.id}.0"
        end_sessions(person, keep_current=True)
        assert session["_user_id"] == f"{person.id}.1" and current_user.id == person.id


def test_a_session_id_without_the_right_version_is_refused(app):
    person = factories.user(email="lea@example.org")
    db.session.commit()
    loader = app.login_manager._user_callback
    assert loader(f"{person.id}.0") is not None
    assert loader(str(person.id)) is None and loader(f"{person.id}.1") is None and loader("x.0") is None
