"""Mail a newcomer can see (issue 18, point 5): without a mail server, each message is printed to the server's
console readably — recipient, subject, the text with its links whole, UTF-8, between rules —; in tests it goes
to the log only; with a mail server configured nothing is printed."""

from __future__ import annotations

from consult.mail import services
from consult.mail.services import send_pending
from tests.mail.test_outbox import FakeServer, _queue

LINK = "https://x.example/invitations/accept/t"


def test_without_a_mail_server_the_message_is_printed_readably(app, monkeypatch, capsys, caplog):
    monkeypatch.setitem(app.config, "TESTING", False)  # as under `make run`
    _queue(app, None)
    with caplog.at_level("INFO", logger="consult.mail"):
        assert send_pending()["sent"] == 1
    printed = capsys.readouterr().err
    lines = printed.splitlines()
    assert lines[0] == "" and lines[1] == "=" * 72 and lines[-1] == "=" * 72
    assert "To:      neu@example.org" in lines
    assert "Subject: Einladung zur Beteiligungsplattform der Bundeskonferenz" in lines
    assert LINK in lines  # the link alone on its line, whole
    assert "Derya Öztürk lädt Sie ein" in printed  # UTF-8 text, not encoded
    assert "=?utf-8?" not in printed and "Content-Transfer-Encoding" not in printed and "=C3" not in printed
    assert "neu@example.org" not in caplog.text  # printed once, not logged a second time


def test_in_tests_nothing_is_printed_and_the_log_has_the_text(app, capsys, caplog):
    _queue(app, None)
    with caplog.at_level("INFO", logger="consult.mail"):
        send_pending()
    assert capsys.readouterr().err == ""
    assert "Subject: Einladung zur Beteiligungsplattform der Bundeskonferenz" in caplog.text
    assert LINK in caplog.text and "Derya Öztürk" in caplog.text


def test_console_printing_can_be_switched_off(app, monkeypatch, capsys):
    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setitem(app.config, "MAIL_CONSOLE", False)
    _queue(app, None)
    send_pending()
    assert capsys.readouterr().err == ""


def test_with_a_mail_server_nothing_is_printed(app, monkeypatch, capsys):
    monkeypatch.setitem(app.config, "TESTING", False)
    server = FakeServer()
    monkeypatch.setattr(services, "_transport", lambda config: server)
    _queue(app, None)
    assert send_pending()["sent"] == 1
    assert capsys.readouterr().err == "" and len(server.sent) == 1


def test_the_smtp_setting_chooses_the_mail_server_not_the_console(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SMTP_HOST", "")
    assert isinstance(services._transport(app.config), services._ConsoleTransport)
    opened = []
    monkeypatch.setattr(services.smtplib, "SMTP", lambda host, port, timeout: opened.append((host, port)) or FakeSMTP())
    monkeypatch.setitem(app.config, "MAIL_SMTP_HOST", "mail.example.org")
    monkeypatch.setitem(app.config, "MAIL_SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "MAIL_SMTP_USER", "")
    assert isinstance(services._transport(app.config), FakeSMTP) and opened == [("mail.example.org", 587)]


class FakeSMTP:
    pass
