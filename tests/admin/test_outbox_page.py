"""/admin/outbox (issue 18, point 5): admins see every e-mail the app wrote, newest first, 50 to a page, with
recipient, subject, kind in words, state and the text whose http(s) links are clickable — and nothing else in a
text becomes HTML; filters by state and kind; "Send now" runs the outbox once; never cached."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.core.db import utcnow
from consult.extensions import db
from consult.mail import services
from consult.mail.display import breakable_address, linked_text
from consult.mail.models import OutboxMessage
from tests import factories
from tests.admin.test_admin import fixture_world  # noqa: F401  (the fixture world)
from tests.conftest import csrf_token
from tests.mail.test_outbox import FakeServer

RESET_LINK = "https://beteiligung.example/password/reset/abc123"


def _message(
    minutes_ago: int,
    template: str | None = "invitation",
    *,
    sent: bool = False,
    error: str | None = None,
    recipient: str = "neu@example.org",
    subject: str = "Einladung",
    body: str = "Hallo\n",
) -> OutboxMessage:
    moment = utcnow() - timedelta(minutes=minutes_ago)
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body=body,
        template=template,
        created_at=moment,
        next_attempt_at=utcnow() + timedelta(minutes=5) if error else moment,
        sent_at=moment if sent else None,
        attempts=1 if (error or sent) else 0,
        last_error=error,
    )
    db.session.add(message)
    return message


@pytest.fixture
def outbox(world):
    _message(
        30,
        "invitation",
        sent=True,
        recipient="neu@example.org",
        subject="Einladung zur Beteiligungsplattform",
        body="Hallo,\n\nöffnen Sie diesen Link:\n\nhttps://beteiligung.example/invitations/accept/tok3n\n",
    )
    _message(
        20,
        "password_reset",
        recipient="elif@example.org",
        subject="Neues Passwort wählen",
        body=f"Um eines zu wählen, öffnen Sie diesen Link: {RESET_LINK}.\n",
    )
    _message(
        10,
        "reminder",
        error="SMTPDataError: (451, b'4.3.0 Try again later')",
        recipient="ieb@example.org",
        subject="Erinnerung: Ihre Beteiligung",
    )
    _message(5, "weekly_letter", recipient="alt@example.org", subject="Ein altes Format")
    db.session.commit()
    return world


def _login_admin(client, auth):
    auth.login("admin@example.org", factories.PASSWORD)


def _rows(html: str) -> list[str]:
    """The recipients in the order the page lists them."""
    return [
        found.replace("<wbr>", "")
        for found in re.findall(r'<bdi class="outbox__recipient" dir="ltr">(.+?)</bdi>', html)
    ]


def test_admins_see_each_message_with_its_kind_state_and_text(client, auth, outbox):
    _login_admin(client, auth)
    response = client.get("/admin/outbox")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    assert _rows(html) == ["alt@example.org", "ieb@example.org", "elif@example.org", "neu@example.org"]
    assert (
        "4 Nachrichten, die neuesten zuerst" in html and "Gesendete Nachrichten werden nach 30 Tagen gelöscht." in html
    )
    # Kinds in words; an unknown template shows its own name.
    for word in ("Einladung", "Passwort zurücksetzen", "Erinnerung", "weekly_letter"):
        assert f'data-label="Art">{word}</td>' in html
    assert 'class="badge badge--sent">gesendet</span>' in html and 'badge--waiting">wartet<' in html
    assert "fehlgeschlagen" in html and "SMTPDataError: (451, b&#39;4.3.0 Try again later&#39;)" in html
    assert "nächster Versuch" in html and "1 Versuch" in html
    # The links are clickable, the sentence's full stop stays outside the link.
    assert f'<a href="{RESET_LINK}" rel="nofollow noreferrer noopener">{RESET_LINK}</a>.' in html
    assert '<a href="https://beteiligung.example/invitations/accept/tok3n"' in html
    assert "nur Administrator" in html  # the page says who sees it, and why
    assert 'href="/admin/outbox" aria-current="page">Postausgang</a>' in html


def test_without_a_mail_server_the_page_says_that_nobody_received_the_mails(client, auth, outbox, app, monkeypatch):
    _login_admin(client, auth)
    assert "Kein Mailserver eingerichtet" in client.get("/admin/outbox").get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAIL_SMTP_HOST", "mail.example.org")
    assert "Kein Mailserver eingerichtet" not in client.get("/admin/outbox").get_data(as_text=True)


def test_the_admin_navigation_links_the_outbox(client, auth, outbox):
    _login_admin(client, auth)
    assert 'href="/admin/outbox">Postausgang</a>' in client.get("/admin/people").get_data(as_text=True)


@pytest.mark.parametrize("who", ["delegate", "moderator", "board"])
def test_others_are_refused(client, auth, outbox, who):
    auth.login(outbox[who].email, factories.PASSWORD)
    assert client.get("/admin/outbox").status_code == 403
    page = client.get("/").get_data(as_text=True)
    assert client.post("/admin/outbox/send", data={"csrf_token": csrf_token(page)}).status_code == 403
    assert db.session.scalar(select(db.func.count()).where(OutboxMessage.sent_at.is_not(None))) == 1


def test_guests_are_sent_to_the_sign_in(client, outbox):
    response = client.get("/admin/outbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("state=waiting", ["alt@example.org", "elif@example.org"]),
        ("state=failed", ["ieb@example.org"]),
        ("state=sent", ["neu@example.org"]),
        ("kind=password_reset", ["elif@example.org"]),
        ("kind=weekly_letter", ["alt@example.org"]),
        ("state=waiting&kind=invitation", []),
        ("kind=digest", []),
    ],
)
def test_the_filters(client, auth, outbox, query, expected):
    _login_admin(client, auth)
    response = client.get(f"/admin/outbox?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _rows(html) == expected
    if not expected:
        assert "Keine Nachrichten zu diesem Filter." in html


def test_the_kind_filter_offers_every_kind_and_the_stored_ones(client, auth, outbox):
    _login_admin(client, auth)
    html = client.get("/admin/outbox?kind=reminder").get_data(as_text=True)
    assert '<option value="reminder" selected>Erinnerung</option>' in html
    for value, word in (
        ("invitation", "Einladung"),
        ("password_reset", "Passwort zurücksetzen"),
        ("notification", "Benachrichtigung"),
        ("digest", "Zusammenfassung"),
        ("weekly_letter", "weekly_letter"),
    ):
        assert f'<option value="{value}">{word}</option>' in html


def test_an_unknown_state_is_refused_with_a_message(client, auth, outbox):
    _login_admin(client, auth)
    response = client.get("/admin/outbox?state=lost")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Diesen Zustand gibt es nicht" in html and len(_rows(html)) == 4


def test_the_outbox_comes_50_to_a_page_newest_first_and_keeps_its_filters(client, auth, world):
    for n in range(60):
        _message(60 - n, "invitation", recipient=f"p{n:02d}@example.org")  # p59 is the newest
    _message(0, "password_reset", recipient="reset@example.org")
    db.session.commit()
    _login_admin(client, auth)
    first = client.get("/admin/outbox?kind=invitation").get_data(as_text=True)
    assert _rows(first) == [f"p{n:02d}@example.org" for n in range(59, 9, -1)]
    assert "60 Nachrichten" in first and "Seite 1 von 2" in first
    assert 'href="/admin/outbox?page=2&amp;kind=invitation"' in first
    second = client.get("/admin/outbox?page=2&kind=invitation").get_data(as_text=True)
    assert _rows(second) == [f"p{n:02d}@example.org" for n in range(9, -1, -1)]
    assert client.get("/admin/outbox?page=3&kind=invitation").status_code == 404


def test_send_now_runs_the_outbox_once_and_comes_back_to_the_filter(client, auth, outbox, monkeypatch):
    server = FakeServer()
    monkeypatch.setattr(services, "_transport", lambda config: server)
    _login_admin(client, auth)
    page = client.get("/admin/outbox?state=waiting").get_data(as_text=True)
    assert 'action="/admin/outbox/send?state=waiting"' in page
    # Without the CSRF token, nothing is sent.
    assert client.post("/admin/outbox/send?state=waiting").status_code == 400
    assert server.sent == []
    response = client.post("/admin/outbox/send?state=waiting", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/outbox?state=waiting"
    # The two waiting ones go; the failed one waits for its next attempt.
    assert sorted(email["To"] for email in server.sent) == ["alt@example.org", "elif@example.org"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Gesendet: 2 · fehlgeschlagen: 0 · warten noch: 1." in html


def test_a_hostile_text_stays_text(client, auth, world):
    _message(
        1,
        "reminder",
        subject="<b>Betreff</b>",
        body=(
            'Antwort von <script>alert("x")</script>\n'
            "javascript:alert(1)\n"
            'https://evil.example/"><img src=x onerror=alert(1)>\n'
            "data:text/html;base64,PHNjcmlwdD4=\n"
        ),
    )
    db.session.commit()
    _login_admin(client, auth)
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<b>Betreff</b>" not in html and "&lt;b&gt;Betreff&lt;/b&gt;" in html
    assert 'href="javascript' not in html and "javascript:alert(1)" in html
    assert "<img" not in html and '<a href="https://evil.example/" rel="nofollow noreferrer noopener">' in html
    assert 'href="data:text' not in html and "data:text/html;base64,PHNjcmlwdD4=" in html


@pytest.mark.parametrize(
    "text,html",
    [
        (
            "Link: https://a.example/x?b=1&c=2.",
            'Link: <a href="https://a.example/x?b=1&amp;c=2" rel="nofollow noreferrer '
            'noopener">'
            "https://a.example/x?b=1&amp;c=2</a>.",
        ),
        (
            "(siehe http://a.example/p)",
            '(siehe <a href="http://a.example/p" rel="nofollow noreferrer noopener">http://a.example/p</a>)',
        ),
        (
            "https://de.example/wiki/Satz_(Recht)",
            '<a href="https://de.example/wiki/Satz_(Recht)" '
            'rel="nofollow noreferrer noopener">https://de.example/wiki/Satz_(Recht)</a>',
        ),
        ("ftp://a.example/ und mailto:x@example.org", "ftp://a.example/ und mailto:x@example.org"),
        ("JavaScript:alert(1) <i>", "JavaScript:alert(1) &lt;i&gt;"),
    ],
)
def test_linked_text(text, html):
    assert str(linked_text(text)) == html


def test_an_address_breaks_only_at_its_at_sign_and_dots():
    assert str(breakable_address("kontakt@tek.example.org")) == "kontakt@<wbr>tek<wbr>.example<wbr>.org"
    assert str(breakable_address("<x>@a.b")) == "&lt;x&gt;@<wbr>a<wbr>.b"


@pytest.mark.parametrize("template", ["notification", "digest"])
def test_a_notification_s_subject_and_text_are_withheld(client, auth, world, template):
    """A notification may name an internal draft of the recipient's organisation ("… is waiting for your
    agreement"): not even administrators learn of it here. Who got it, its kind and state remain."""
    _message(
        3,
        template,
        recipient="jonas@example.org",
        subject="Benachrichtigung: Entwurf wartet",
        body="Ein interner Entwurf Ihrer Organisation zu „Teilhabe“ wartet: https://x.example/ws/7\n",
    )
    db.session.commit()
    _login_admin(client, auth)
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert _rows(html) == ["jonas@example.org"]
    assert "Entwurf wartet" not in html and "interner Entwurf" not in html and "/ws/7" not in html
    assert "nicht gezeigt" in html
