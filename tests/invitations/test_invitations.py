"""Invitations: who may invite whom, a link that works once and for 14 days, and lists from CSV."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.accounts.models import Role, User
from consult.core import clock
from consult.extensions import db, limiter
from consult.invitations.models import Invitation
from consult.mail.models import OutboxMessage
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def world(app):
    org = factories.organisation(name="Türkischer Elternverein Köln e.V.", short_name="TEK")
    other = factories.organisation(name="Arabischer Kulturverein e.V.", short_name="AKV")
    factories.user(email="admin@example.org", roles=(Role.ADMIN,), name="Ada Admin")
    contact = factories.user(email="contact@example.org", org=org, name="Can Kontakt")
    contact.is_contact_person = True
    factories.user(email="plain@example.org", org=org)
    factories.user(email="mod@example.org", roles=(Role.MODERATOR,))
    db.session.commit()
    return {"org": org, "other": other}


def _invite(client, email, organisation_id, roles, language="de"):
    page = client.get("/invitations").get_data(as_text=True)
    return client.post(
        "/invitations",
        data={
            "email": email,
            "organisation": organisation_id,
            "roles": roles,
            "language": language,
            "csrf_token": csrf_token(page),
        },
    )


def _link(email) -> str:
    body = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id.desc())
    ).first()
    return re.search(r"http://localhost(/invitations/accept/\S+)", body).group(1)


def _accept(client, link, name="Elif Kaya", password="ein gutes Passwort"):
    page = client.get(link)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(
        link,
        data={
            "name": name,
            "password": password,
            "confirm": password,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )


def test_an_admin_invites_and_the_link_makes_the_account_once(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    response = _invite(client, "Elif.Kaya@example.org", world["org"].id, ["delegate"])
    assert response.status_code == 302
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "elif.kaya@example.org" and "Türkischer Elternverein Köln e.V." in message.body
    link = _link("elif.kaya@example.org")
    invitation = db.session.scalar(select(Invitation))
    assert link.rsplit("/", 1)[1] not in invitation.token_digest  # only the digest is stored

    auth.logout()
    accepted = _accept(client, link)
    assert accepted.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "elif.kaya@example.org"))
    assert user.name == "Elif Kaya" and user.roles == {Role.DELEGATE} and user.organisation_id == world["org"].id
    assert "Elif Kaya" in client.get("/").get_data(as_text=True)  # signed in

    # The link works once.
    again = client.get(link)
    assert again.status_code == 410 and "bereits verwendet" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "elif.kaya@example.org")) == 1


def test_the_link_does_not_work_after_14_days(client, auth, world, monkeypatch):
    auth.login("admin@example.org", factories.PASSWORD)
    _invite(client, "spaet@example.org", world["org"].id, ["delegate"])
    link = _link("spaet@example.org")
    auth.logout()
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(days=13, hours=23))
    assert client.get(link).status_code == 200
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(days=14, minutes=1))
    page = client.get(link)
    assert page.status_code == 410 and "abgelaufen" in page.get_data(as_text=True)
    assert _accept_post_only(client, link).status_code == 410
    assert db.session.scalar(select(User).where(User.email == "spaet@example.org")) is None


def _accept_post_only(client, link):
    page = client.get("/password/forgot").get_data(as_text=True)
    return client.post(
        link,
        data={
            "name": "X",
            "password": "ein gutes Passwort",
            "confirm": "ein gutes Passwort",
            "csrf_token": csrf_token(page),
        },
    )


def test_a_new_invitation_replaces_the_open_one(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    _invite(client, "zweimal@example.org", world["org"].id, ["delegate"])
    first = _link("zweimal@example.org")
    _invite(client, "zweimal@example.org", world["org"].id, ["delegate"])
    second = _link("zweimal@example.org")
    auth.logout()
    assert client.get(first).status_code == 410
    assert _accept(client, second).status_code == 302


def test_a_contact_person_invites_delegates_to_their_own_organisation_only(client, auth, world):
    auth.login("contact@example.org", factories.PASSWORD)
    page = client.get("/invitations")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "AKV" not in html and 'value="moderator"' not in html
    assert _invite(client, "neu@example.org", world["org"].id, ["delegate"]).status_code == 302
    assert _invite(client, "x@example.org", world["other"].id, ["delegate"]).status_code == 422  # not a choice
    assert _invite(client, "y@example.org", world["org"].id, ["moderator"]).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 1


@pytest.mark.parametrize("who", [None, "plain@example.org", "mod@example.org"])
def test_people_who_may_not_invite_are_refused(client, auth, world, who):
    if who:
        auth.login(who, factories.PASSWORD)
    for response in (
        client.get("/invitations"),
        client.post("/invitations", data={"email": "z@example.org"}),
        client.post("/invitations/import", data={}),
    ):
        # A guest is sent to sign in (or, posting without a CSRF token, refused before that).
        assert response.status_code in ((302, 400) if who is None else (403, 400)), response.status_code
    assert client.get("/invitations").status_code == (302 if who is None else 403)
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_an_existing_account_is_not_invited_and_the_input_stays(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    response = _invite(client, "plain@example.org", world["org"].id, ["delegate"])
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "plain@example.org hat bereits ein Konto" in html
    assert 'value="plain@example.org"' in html


def _import(client, text: str):
    page = client.get("/invitations").get_data(as_text=True)
    return client.post(
        "/invitations/import",
        data={
            "upload": (io.BytesIO(text.encode("utf-8-sig")), "liste.csv"),
            "language": "de",
            "csrf_token": csrf_token(page),
        },
        content_type="multipart/form-data",
    )


def test_a_csv_list_with_one_bad_row_invites_nobody_and_names_the_row(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    response = _import(
        client,
        "E-Mail;Organisation;Rolle\na@example.org;TEK;Delegierte\n"
        "b@example.org;NIX;delegate\nc@example.org;AKV;delegate\n",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Niemand wurde eingeladen" in html
    assert re.search(r"<td>3</td><td>b@example.org</td>.*?Keine Organisation „NIX“", html, re.S)
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0

    response = _import(
        client,
        "email,organisation,role\na@example.org,TEK,Delegierte\nc@example.org,AKV,delegate\nboard@example.org,,board\n",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert sorted(db.session.scalars(select(Invitation.email))) == [
        "a@example.org",
        "board@example.org",
        "c@example.org",
    ]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3


@pytest.mark.parametrize(
    "text, problem",
    [
        ("email,organisation,role\na@example.org,TEK,delegate\na@example.org,TEK,delegate\n", "zweimal"),
        ("email,organisation,role\nkeine-adresse,TEK,delegate\n", "keine E-Mail-Adresse"),
        ("email,organisation,role\nplain@example.org,TEK,delegate\n", "hat bereits ein Konto"),
        ("email,organisation,role\nd@example.org,TEK,chef\n", "Unbekannte Rolle"),
        ("email,organisation,role\nd@example.org,,delegate\n", "gehören zu einer Organisation"),
        ("name;mail\nx;y\n", "erste Zeile"),
    ],
)
def test_each_kind_of_bad_row_is_explained(client, auth, world, text, problem):
    auth.login("admin@example.org", factories.PASSWORD)
    response = _import(client, text)
    assert response.status_code == 422 and problem in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_invitations_are_rate_limited(client, auth, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "INVITATION_RATE_LIMIT", "3 per minute")
    limiter.reset()
    try:
        page = client.get("/invitations/accept/nonsense").get_data(as_text=True)
        token = csrf_token(client.get("/password/forgot").get_data(as_text=True))
        statuses = [
            client.post("/invitations/accept/nonsense", data={"csrf_token": token}).status_code for _ in range(4)
        ]
        assert statuses == [410, 410, 410, 429]
        assert "zu viele Versuche" in client.post("/invitations/accept/nonsense", data={"csrf_token": token}).get_data(
            as_text=True
        )
        assert "nicht gültig" in page
    finally:
        limiter.reset()


def test_checking_a_list_takes_as_many_queries_for_30_rows_as_for_3(app, world, count_queries):
    from consult.invitations.services import import_invitations

    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))

    def check(rows: int) -> int:
        lines = [f"p{n}@example.org,TEK,delegate" for n in range(rows)] + ["plain@example.org,TEK,delegate"]
        with app.test_request_context(), count_queries() as counter:
            report = import_invitations(admin, "email,organisation,role\n" + "\n".join(lines) + "\n", "de", clock.now())
        assert not report.ok and report.rows[-1].problem  # the last row has an account: nobody is invited
        db.session.rollback()
        return counter.count

    check(3)  # the first run also loads the admin again
    assert check(30) == check(3)
