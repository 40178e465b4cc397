"""When the database cannot be reached, every request gets consult's own page: 503, Retry-After, in the
person's language, with what they typed offered to send again; never a bare server error.

Here the app is given a PostgreSQL address where nothing listens, so every statement fails as it does
during a restart (connection refused), also in the hooks that run before a view (the signed-in person is
loaded there). tests/core/test_outage_restart.py stops a real server under gunicorn."""

from __future__ import annotations

import re
import socket

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError, ProgrammingError

from consult import create_app
from consult.core.outage import is_outage
from tests.conftest import BACKENDS, TEST_CONFIG, IsolatedClient

GERMAN = "Bitte versuchen Sie es gleich noch einmal."
ENGLISH = "Please try again in a moment."
CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable():
    """An app whose database is away. Errors are handled as in production (not raised into the test)."""
    app = create_app(
        {
            **TEST_CONFIG,
            "PROPAGATE_EXCEPTIONS": False,
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/consult",
        }
    )
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        from consult.extensions import db

        db.engine.dispose()


def _signed_in(client, user_id: int = 1) -> None:
    """A session cookie of a signed-in person (as after sign-in): loading them needs the database."""
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}.0.sign-in-token"  # "id.session_version.token" (User.get_id)
        session["_fresh"] = True


def _assert_outage_page(response, text: str = GERMAN) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 503, html[:500]
    assert int(response.headers["Retry-After"]) > 0
    assert text in html and "<html lang=" in html
    return html


def test_a_guest_gets_the_503_page_in_german(unreachable):
    html = _assert_outage_page(unreachable.test_client().get("/"))
    assert '<html lang="de" dir="ltr">' in html and 'href="/"' in html  # "Try again" leads to the same page


def test_loading_the_signed_in_person_fails_before_the_view_and_still_gets_the_page(unreachable):
    client = unreachable.test_client()
    _signed_in(client)
    html = _assert_outage_page(client.get("/account"))
    assert "Abmelden" not in html and "Anmelden</a>" not in html  # the page does not claim who is signed in


def test_an_error_page_that_needs_the_database_becomes_the_503_page(unreachable):
    """No route: no hook loads the person, but the 404 page's frame would (their name): that fails inside
    the error handler, and the answer is still consult's 503 page, not the WSGI server's bare 500."""
    client = unreachable.test_client()
    _signed_in(client)
    _assert_outage_page(client.get("/no-such-page"))


def test_the_page_is_in_the_persons_language(unreachable):
    chosen = unreachable.test_client()
    with chosen.session_transaction() as session:
        session["locale"] = "en"
    _signed_in(chosen)
    assert '<html lang="en" dir="ltr">' in _assert_outage_page(chosen.get("/account"), ENGLISH)
    remembered = unreachable.test_client()  # loading fails; the session remembers the account's language
    _signed_in(remembered)
    with remembered.session_transaction() as session:
        session["account_locale"] = "en"
    _assert_outage_page(remembered.get("/drafts/teilhabe"), ENGLISH)
    guest = unreachable.test_client()  # as on every other page, not the browser's language
    _assert_outage_page(guest.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}), GERMAN)


def test_a_post_gets_its_text_back_in_a_form_that_sends_it_again(unreachable):
    client = unreachable.test_client()
    _signed_in(client)
    token = CSRF_TOKEN.search(client.get("/").get_data(as_text=True)).group(1)
    url = "/drafts/teilhabe/paragraphs/3/comments"
    typed = "Wir schlagen vor, den Absatz zu streichen <b>sofort</b> & ganz."
    html = _assert_outage_page(client.post(url, data={"csrf_token": token, "body": typed, "kind": "comment"}))
    form = re.search(r'<form method="post" action="([^"]+)" class="kept-form">(.*?)</form>', html, re.S)
    assert form and form.group(1) == url
    assert "Wir schlagen vor, den Absatz zu streichen &lt;b&gt;sofort&lt;/b&gt; &amp; ganz.</textarea>" in form.group(2)
    assert '<input type="hidden" name="kind" value="comment">' in form.group(2)
    assert CSRF_TOKEN.search(form.group(2))  # a token of its own for the new try


def test_a_password_is_never_written_into_the_page(unreachable):
    client = unreachable.test_client()
    token = CSRF_TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    html = _assert_outage_page(
        client.post("/login", data={"csrf_token": token, "email": "a@example.org", "password": "Geheimes Passwort 1"})
    )
    assert "Geheimes Passwort" not in html and 'class="kept-form"' not in html


def test_only_errors_that_mean_no_database_are_outages():
    def error(cls, **kwargs):
        return cls("SELECT 1", {}, Exception("x"), **kwargs)

    assert is_outage(error(OperationalError)) and is_outage(error(InterfaceError))
    assert is_outage(error(ProgrammingError, connection_invalidated=True))
    assert not is_outage(error(IntegrityError)) and not is_outage(error(ProgrammingError))
    assert not is_outage(error(DBAPIError)) and not is_outage(ValueError("x")) and not is_outage(None)


def test_other_errors_stay_server_errors(unreachable):
    @unreachable.route("/broken")
    def broken():
        raise IntegrityError("INSERT", {}, Exception("duplicate"))

    from consult.core.access import public

    unreachable.view_functions["broken"] = public(broken)
    response = unreachable.test_client().get("/broken")
    assert response.status_code == 500 and "Retry-After" not in response.headers


def _terminate_pooled_connection(app) -> int:
    """End, from outside, the server process of the connection the app's pool holds (as a restart does)."""
    import psycopg
    from sqlalchemy import text

    from consult.extensions import db

    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()  # back into the pool, alive as far as the pool knows
        url = db.engine.url
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    ) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
    return pid


@pytest.mark.parametrize("backend", ["postgresql"] if "postgresql" in BACKENDS else [])
def test_a_dead_pooled_connection_is_discarded_before_use(app, client):
    """pool_pre_ping (on for database servers): the dead connection is found and replaced unseen."""
    assert app.extensions["sqlalchemy"].engine.pool._pre_ping
    _terminate_pooled_connection(app)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("backend", ["postgresql"] if "postgresql" in BACKENDS else [])
def test_without_pre_ping_one_request_gets_the_503_page_and_the_next_a_new_connection(app, client, monkeypatch):
    """Even when the pool hands out a dead connection, the request gets consult's page (and its teardown does
    not fail), and the connection is discarded: the next request works."""
    from consult.extensions import db

    with app.app_context():
        monkeypatch.setattr(db.engine.pool, "_pre_ping", False)
    _terminate_pooled_connection(app)
    _assert_outage_page(client.get("/"))
    assert client.get("/").status_code == 200
