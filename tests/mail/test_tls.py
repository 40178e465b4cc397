"""TLS to the mail server verifies its certificate and host name: a server whose certificate no trusted
authority signed gets nothing (neither the password nor the message); with its authority configured
(MAIL_SMTP_CA_FILE) the message goes. Against a real SMTP server (aiosmtpd) on the loopback address,
with STARTTLS and with TLS from the first byte (MAIL_SMTP_SSL)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.mail.services import send_pending
from tests.mail.test_outbox import _queue
from tests.served import free_port


class Keeper:
    """aiosmtpd handler: keeps each message and each sign-in it was given."""

    def __init__(self):
        self.messages, self.logins = [], []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append(auth_data)
        return AuthResult(success=True)


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(authority, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return str(path)


@contextmanager
def smtp_server(authority, implicit_tls: bool) -> Iterator[tuple[Keeper, int]]:
    """A mail server on 127.0.0.1 whose certificate (for `localhost`) the private `authority` signed."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_context)
    keeper, port = Keeper(), free_port()
    # aiosmtpd offers AUTH on an implicit-TLS connection only with auth_require_tls off (it counts
    # only STARTTLS as TLS); the connection is TLS from the first byte all the same.
    options = (
        {"ssl_context": server_context, "auth_require_tls": False}
        if implicit_tls
        else {"tls_context": server_context, "require_starttls": True, "auth_require_tls": True}
    )
    controller = Controller(keeper, hostname="127.0.0.1", port=port, authenticator=keeper.authenticate, **options)
    controller.start()
    try:
        yield keeper, port
    finally:
        controller.stop()


def _settings(monkeypatch, app, port: int, implicit_tls: bool, host: str = "localhost", ca_file: str = "") -> None:
    for name, value in (
        ("MAIL_SMTP_HOST", host),
        ("MAIL_SMTP_PORT", port),
        ("MAIL_SMTP_SSL", implicit_tls),
        ("MAIL_SMTP_STARTTLS", True),
        ("MAIL_SMTP_USER", "consult"),
        ("MAIL_SMTP_PASSWORD", "geheim"),
        ("MAIL_SMTP_CA_FILE", ca_file),
    ):
        monkeypatch.setitem(app.config, name, value)


@pytest.fixture(params=["starttls", "ssl"])
def implicit_tls(request) -> bool:
    return request.param == "ssl"


def test_an_unknown_certificate_is_refused_and_nothing_is_sent(app, monkeypatch, authority, implicit_tls):
    message = _queue(app, None)
    with smtp_server(authority, implicit_tls) as (keeper, port):
        _settings(monkeypatch, app, port, implicit_tls)
        assert send_pending() == {"sent": 0, "failed": 1, "waiting": 1}
    assert keeper.messages == [] and keeper.logins == []
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.sent_at is None and "CERTIFICATE_VERIFY_FAILED" in stored.last_error


def test_with_its_authority_configured_the_message_goes(app, monkeypatch, authority, ca_file, implicit_tls):
    _queue(app, None)
    with smtp_server(authority, implicit_tls) as (keeper, port):
        _settings(monkeypatch, app, port, implicit_tls, ca_file=ca_file)
        assert send_pending() == {"sent": 1, "failed": 0, "waiting": 0}
    [envelope] = keeper.messages
    assert envelope.rcpt_tos == ["neu@example.org"] and b"Subject:" in envelope.original_content
    assert len(keeper.logins) == 1  # the password went only inside the verified connection


def test_a_certificate_for_another_host_name_is_refused(app, monkeypatch, authority, ca_file, implicit_tls):
    """A trusted authority is not enough: the certificate must name the host connected to."""
    message = _queue(app, None)
    with smtp_server(authority, implicit_tls) as (keeper, port):
        _settings(monkeypatch, app, port, implicit_tls, host="127.0.0.1", ca_file=ca_file)
        assert send_pending()["failed"] == 1
    assert keeper.messages == [] and keeper.logins == []
    assert "CERTIFICATE_VERIFY_FAILED" in db.session.get(OutboxMessage, message.id).last_error


def test_a_server_that_offers_no_starttls_gets_neither_password_nor_message(app, monkeypatch):
    """No quiet fallback to plain text: a server (or someone in between) that drops STARTTLS is refused."""
    message = _queue(app, None)
    keeper, port = Keeper(), free_port()
    controller = Controller(
        keeper, hostname="127.0.0.1", port=port, authenticator=keeper.authenticate, auth_require_tls=False
    )
    controller.start()
    try:
        _settings(monkeypatch, app, port, implicit_tls=False)
        assert send_pending()["failed"] == 1
    finally:
        controller.stop()
    assert keeper.messages == [] and keeper.logins == []
    assert "STARTTLS" in db.session.get(OutboxMessage, message.id).last_error
