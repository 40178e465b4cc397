"""The outbox: mail in the recipient's language, sent later when the mail server fails, never twice."""

from __future__ import annotations

import socket
from datetime import timedelta

from sqlalchemy import select

from consult.core.db import utcnow
from consult.extensions import db
from consult.mail import services
from consult.mail.models import OutboxMessage
from consult.mail.services import queue_mail, send_pending


class FakeServer:
    """Stands in for the SMTP connection: keeps what it was given."""

    def __init__(self):
        self.sent = []

    def send_message(self, email):
        self.sent.append(email)

    def quit(self):
        pass


def _queue(app, locale):
    with app.test_request_context():
        from tests import factories

        inviter = factories.user(name="Derya Öztürk")
        message = queue_mail(
            "neu@example.org",
            "invitation",
            locale,
            invitation=type("I", (), {"organisation": None})(),
            inviter=inviter,
            days=14,
            link="https://x.example/invitations/accept/t",
        )
        db.session.commit()
        return message


def test_mail_is_written_in_the_recipients_language(app):
    german, english = _queue(app, None), _queue(app, "en")
    assert german.subject == "Einladung zur Beteiligungsplattform der Bundeskonferenz"
    assert "Derya Öztürk lädt Sie ein" in german.body and "14 Tage" in german.body
    assert english.subject == "Invitation to the consultation platform of the Bundeskonferenz"
    assert "https://x.example/invitations/accept/t" in english.body


def test_a_failing_mail_server_loses_nothing_and_the_message_goes_later(app, monkeypatch):
    message = _queue(app, None)
    # A mail server that refuses connections: a port nobody listens on.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_SMTP_PORT", port)
    assert send_pending() == {"sent": 0, "failed": 1, "waiting": 1}
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.sent_at is None and stored.attempts == 1 and "Connection" in stored.last_error
    assert stored.next_attempt_at > utcnow()
    # Not due yet: nothing is tried. Later, with the server back, it goes out, once.
    server = FakeServer()
    monkeypatch.setattr(services, "_transport", lambda config: server)
    assert send_pending()["sent"] == 0
    later = utcnow() + timedelta(minutes=6)
    assert send_pending(now=later) == {"sent": 1, "failed": 0, "waiting": 0}
    assert send_pending(now=later + timedelta(days=2))["sent"] == 0
    [email] = server.sent
    assert email["To"] == "neu@example.org" and email["Subject"].startswith("Einladung")
    assert "Derya Öztürk" in email.get_content() and email.get_content_charset() == "utf-8"


def test_a_message_claimed_by_another_process_is_not_sent_again(app, monkeypatch):
    message = _queue(app, None)
    server = FakeServer()
    monkeypatch.setattr(services, "_transport", lambda config: server)
    assert services._claim(message.id, utcnow(), 0) is True  # another process took it
    assert send_pending()["sent"] == 0 and server.sent == []


def test_without_a_mail_server_mail_is_written_to_the_log(app, caplog):
    _queue(app, None)
    with caplog.at_level("INFO", logger="consult.mail"):
        assert send_pending()["sent"] == 1
    assert "Subject: Einladung zur Beteiligungsplattform der Bundeskonferenz" in caplog.text
    assert db.session.scalar(select(OutboxMessage.sent_at)) is not None


def test_the_send_mail_command(app, runner, monkeypatch):
    _queue(app, None)
    monkeypatch.setattr(services, "_transport", lambda config: FakeServer())
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0 and "Sent 1, failed 0, still waiting 0." in result.output


def test_mail_queued_by_a_request_is_sent_after_its_response(app, client, auth, monkeypatch):
    from consult.accounts.models import Role
    from tests import factories
    from tests.conftest import csrf_token

    server = FakeServer()
    monkeypatch.setattr(services, "_transport", lambda config: server)
    factories.user(email="admin@example.org", roles=(Role.ADMIN,))
    db.session.commit()
    auth.login("admin@example.org", factories.PASSWORD)
    page = client.get("/invitations").get_data(as_text=True)
    response = client.post(
        "/invitations",
        data={
            "email": "neu@example.org",
            "organisation": 0,
            "roles": ["board"],
            "language": "de",
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 302 and server.sent == []  # not while the request runs
    response.close()  # the server closes the response once it is sent
    assert [email["To"] for email in server.sent] == ["neu@example.org"]
    assert db.session.scalar(select(OutboxMessage.sent_at)) is not None


def test_a_message_left_in_the_outbox_goes_out_at_a_later_request(app, client, monkeypatch):
    message = _queue(app, None)
    db.session.execute(
        services.update(OutboxMessage).values(
            next_attempt_at=utcnow() - timedelta(minutes=1), attempts=1, last_error="Connection refused"
        )
    )
    db.session.commit()
    server = FakeServer()
    monkeypatch.setattr(services, "_transport", lambda config: server)
    monkeypatch.setitem(services._next_check, "at", 0.0)  # the process has not looked for a minute
    client.get("/").close()
    assert [email["To"] for email in server.sent] == ["neu@example.org"]
    assert db.session.get(OutboxMessage, message.id).sent_at is not None
    # ... and does not look again at the next request.
    _queue(app, None)
    client.get("/").close()
    assert len(server.sent) == 1


def test_sent_messages_are_deleted_after_30_days(app, monkeypatch):
    _queue(app, None)
    monkeypatch.setattr(services, "_transport", lambda config: FakeServer())
    send_pending()
    assert send_pending(now=utcnow() + timedelta(days=29))["waiting"] == 0
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 1
    send_pending(now=utcnow() + timedelta(days=31))
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 0
