"""No typed text is lost: a form sent with an aged CSRF token or after the session ended comes back
with the text, a message, a fresh token and (where the session ended) a sign-in that leads back to it."""

from __future__ import annotations

import re
from html import unescape

import itsdangerous
import pytest
from sqlalchemy import select

from consult.comments.models import Comment
from consult.drafts.models import Phase
from consult.extensions import db
from tests import factories
from tests.conftest import Auth, csrf_token

HX = {"HX-Request": "true"}
TEXT = "Wir schlagen vor,\ndass die Frist <b>verlängert</b> wird & mehr."


@pytest.fixture
def world(app):
    org = factories.organisation(short_name="ABC")
    factories.user(email="amira@example.org", name="Amira", org=org)
    draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="teilhabe")
    db.session.commit()
    pid = draft.versions[0].texts[1].paragraph_id
    return {"pid": pid, "url": f"/drafts/teilhabe/paragraphs/{pid}/comments"}


def _form_fields(html: str, action: str) -> dict[str, str]:
    """The fields of the form posting to `action` on a page, as a browser would send them."""
    start = html.index(f'action="{action}"')
    form = html[start : html.index("</form>", start)]
    fields = {
        name: unescape(value) for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
    }
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\n?(.*?)</textarea>', form, re.S):
        fields[name] = unescape(value)
    return fields


def _comments() -> list[str]:
    return list(db.session.scalars(select(Comment.body)))


def _age_every_token(monkeypatch, app):
    """Tokens signed now are two hours old when checked, beyond a one-hour limit."""
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: real(self) + 7200)


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_an_aged_token_brings_the_comment_back_to_send_again(app, client, auth, world, monkeypatch, headers):
    auth.login("amira@example.org", factories.PASSWORD)
    token = csrf_token(client.get("/drafts/teilhabe").get_data(as_text=True))
    _age_every_token(monkeypatch, app)
    response = client.post(world["url"], headers=headers, data={"csrf_token": token, "body": TEXT, "stance": "concern"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and _comments() == []
    assert "Ihr Text ist aufbewahrt" in html and "war lange offen" in html
    fields = _form_fields(html, world["url"])
    assert fields["body"] == TEXT and fields["stance"] == "concern" and fields["csrf_token"] != token
    assert "Erneut senden" in html and 'name="password"' not in html
    if headers:  # htmx puts the page in place of the body, not into the thread's slot
        assert response.headers["HX-Retarget"] == "body" and response.headers["HX-Reswap"].startswith("innerHTML")

    monkeypatch.undo()
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    again = client.post(world["url"], data=fields)
    assert again.status_code == 302 and _comments() == [TEXT]


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_after_signing_out_elsewhere_the_text_waits_for_the_sign_in(app, client, auth, world, headers):
    auth.login("amira@example.org", factories.PASSWORD)
    token = csrf_token(client.get("/drafts/teilhabe").get_data(as_text=True))
    other = app.test_client()  # the same session, signed out from another tab
    other.set_cookie("session", client.get_cookie("session").value)
    Auth(other).logout()

    response = client.post(world["url"], headers=headers, data={"csrf_token": token, "body": TEXT, "stance": "neutral"})
    html = response.get_data(as_text=True)
    assert response.status_code == 401 and _comments() == []
    assert "Sie wurden abgemeldet" in html and 'action="/login"' in html
    fields = _form_fields(html, "/login")
    assert fields["keep-body"] == TEXT and fields["keep_action"] == world["url"]

    wrong = client.post("/login", data={**fields, "email": "amira@example.org", "password": "falsch falsch"})
    assert _form_fields(wrong.get_data(as_text=True), "/login")["keep-body"] == TEXT
    assert "nicht richtig" in wrong.get_data(as_text=True)

    signed_in = client.post("/login", data={**fields, "email": "amira@example.org", "password": factories.PASSWORD})
    html = signed_in.get_data(as_text=True)
    assert signed_in.status_code == 200 and "Sie sind wieder angemeldet" in html
    resend = _form_fields(html, world["url"])
    assert resend["body"] == TEXT
    assert client.post(world["url"], data=resend).status_code == 302
    assert _comments() == [TEXT]


def test_cleared_cookies_bring_the_sign_in_with_the_text(client, world):
    """The browser lost every cookie: the token cannot be checked, the person is signed out."""
    response = client.post(world["url"], data={"csrf_token": "old", "body": TEXT}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 401 and _form_fields(html, "/login")["keep-body"] == TEXT


@pytest.mark.parametrize(
    "url, field",
    [
        ("/drafts/teilhabe/paragraphs/1/comments", "body"),  # a reply carries parent_id
        ("/comments/1/edit", "body"),
        ("/drafts/teilhabe/paragraphs/1/amendments/new", "justification"),
        ("/drafts/teilhabe/paragraphs/1/amendments/new", "text"),
        ("/drafts/teilhabe/amendments/1/decision", "reason"),
        ("/moderation/comments/1", "reason"),
        ("/comments/1/report", "reason"),
    ],
)
def test_every_text_of_every_form_is_kept(client, world, url, field):
    response = client.post(url, data={"csrf_token": "old", field: TEXT, "parent_id": "7"})
    fields = _form_fields(response.get_data(as_text=True), "/login")
    assert response.status_code == 401 and fields["keep-" + field] == TEXT and fields["keep-parent_id"] == "7"


def test_a_form_from_another_site_does_not_come_back_ready_to_send(app, client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    response = client.post(
        world["url"],
        data={"csrf_token": "forged", "body": "Von außen"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Von außen" not in html and "Erneut senden" not in html


def test_passwords_are_never_written_back(client, auth, world):
    auth.login("amira@example.org", factories.PASSWORD)
    response = client.post(
        "/account/password",
        data={
            "csrf_token": "old",
            "current_password": "geheim geheim",
            "new_password": "x" * 12,
            "repeat_password": "x" * 12,
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "geheim" not in html and "x" * 12 not in html


def test_the_text_travels_through_the_two_factor_code_step(app, client, world, monkeypatch):
    """A moderator's rejection reason, sent after their session ended: password, then code, then the reason."""
    from datetime import datetime, timedelta, timezone

    import pyotp

    from consult.accounts.models import Role
    from consult.core import clock

    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(clock, "now", lambda: now)
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    moderator = factories.user(email="mod@example.org", roles=(Role.MODERATOR,))
    moderator.totp_secret, moderator.totp_enabled_at = secret, now - timedelta(days=1)
    db.session.commit()

    kept = client.post("/moderation/comments/1", data={"csrf_token": "old", "reason": TEXT, "decision": "reject"})
    fields = _form_fields(kept.get_data(as_text=True), "/login")
    code_page = client.post("/login", data={**fields, "email": "mod@example.org", "password": factories.PASSWORD})
    html = code_page.get_data(as_text=True)
    assert code_page.status_code == 200 and "Ihr Text ist aufbewahrt" in html
    code_fields = _form_fields(html, "/login/code")
    assert code_fields["keep-reason"] == TEXT and code_fields["keep-decision"] == "reject"

    wrong = client.post("/login/code", data={**code_fields, "code": "000000"})
    code_fields = _form_fields(wrong.get_data(as_text=True), "/login/code")
    assert code_fields["keep-reason"] == TEXT

    done = client.post("/login/code", data={**code_fields, "code": pyotp.TOTP(secret).at(now)})
    resend = _form_fields(done.get_data(as_text=True), "/moderation/comments/1")
    assert done.status_code == 200 and resend["reason"] == TEXT and resend["decision"] == "reject"


def test_the_kept_sign_in_itself_sent_without_cookies_keeps_the_text(app, world):
    """The sign-in of a kept form fails its own token check (cookies gone again): still kept, still a sign-in."""
    browser = app.test_client()
    response = browser.post(
        "/login",
        data={
            "csrf_token": "old",
            "keep_action": world["url"],
            "keep-body": TEXT,
            "email": "amira@example.org",
            "password": "irgendwas",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 401 and _form_fields(html, "/login")["keep-body"] == TEXT
    assert "irgendwas" not in html
