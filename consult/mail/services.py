"""Writing e-mails to the outbox, and sending them.

`queue_mail()` renders a message in the recipient's language and adds it to the outbox
in the caller's transaction: a message exists exactly when what caused it was committed.
`send_pending()` hands unsent messages to the SMTP server of the settings (MAIL_SMTP_HOST
...), or, without one (development, the demo), prints them to the server's console (and the log). It runs from
`flask send-mail` and after any response that queued mail (see init_app), never inside
a request: a slow or failing mail server neither slows a page nor loses a message.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, g, has_request_context, request, url_for
from jinja2_fragments.flask import render_block
from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult

from consult.config import mail_backend
from consult.core.db import utcnow
from consult.core.i18n import in_language
from consult.extensions import db
from consult.mail.models import OutboxMessage

log = logging.getLogger("consult.mail")
# After a failure, the next attempt waits this long (times the attempts so far, up to a day).
RETRY_STEP = timedelta(minutes=5)
MAX_RETRY_WAIT = timedelta(days=1)
# Sent messages are kept this long (to look up what went out), then deleted: the outbox is no archive.
KEEP_SENT = timedelta(days=30)


def render_mail(template: str, locale: str | None, **context) -> tuple[str, str]:
    """(subject, body) of mail/<template>.txt in `locale` (default: the app's language)."""
    with in_language(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = render_block(f"mail/{template}.txt", "subject", **context).strip()
        body = render_block(f"mail/{template}.txt", "body", **context).strip() + "\n"
    return " ".join(subject.split()), body


def queue_mail(recipient: str, template: str, locale: str | None, **context) -> OutboxMessage:
    """Render mail/<template>.txt (its `subject` and `body` blocks) in `locale` (default: the
    app's language) and add it to the outbox. Inside a request, it is sent after the response."""
    subject, body = render_mail(template, locale, **context)
    message = OutboxMessage(recipient=recipient, subject=subject, body=body, template=template)
    db.session.add(message)
    g.mail_queued = True
    return message


def _email(message: OutboxMessage, config) -> EmailMessage:
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2].strip("> ") or None)
    email.set_content(message.body)  # text/plain, UTF-8
    return email


RULE = "=" * 72


def console_text(email: EmailMessage) -> str:
    """A message as a person reads it in a terminal: who it is for, its subject and its text (decoded, links
    whole), between two rules so that it stands out among the server's request lines."""
    return "\n".join(
        [
            "",  # a blank line apart from whatever the console showed before
            RULE,
            "E-mail (not sent: no MAIL_SMTP_HOST set; also on /admin/outbox)",
            f"To:      {email['To']}",
            f"Subject: {email['Subject']}",
            "-" * 72,
            email.get_content().rstrip("\n"),
            RULE,
            "",
        ]
    )


class _ConsoleTransport:
    """Without a mail server (development, the demo, `make run`): each message is printed, readable, to the
    console of the server process (stderr), so that a newcomer can follow an invitation or a reset link. Tests
    (TESTING) print nothing: there the message goes to the log (logger consult.mail, INFO) only."""

    def __init__(self, print_it: bool, stream=None):
        self.print_it = print_it
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def send_message(self, email: EmailMessage) -> None:
        readable = console_text(email)
        if not self.print_it:
            log.info("E-mail to %s (not sent: no MAIL_SMTP_HOST set)\n%s", email["To"], readable)
        else:  # printed, not logged too: with --debug the log would show it a second time
            stream = self.stream or sys.stderr
            buffer = getattr(stream, "buffer", None)
            stream.flush()
            if buffer is not None:  # UTF-8 whatever the terminal's locale says (umlauts, Arabic names)
                buffer.write(readable.encode("utf-8"))
                buffer.flush()
            else:
                stream.write(readable)
                stream.flush()


class _LogTransport:
    """MAIL_BACKEND=log, chosen on purpose (a closed test installation without a mail server): nothing is
    sent; each message becomes one WARNING line in the log, so that the person running the server sees that
    mail is not going out. The line names the message, not its text: texts hold invitation and reset links
    (and notifications may name an organisation's internal drafts); admins read them on /admin/outbox."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def deliver(self, message: OutboxMessage) -> None:
        log.warning(
            "E-mail not sent (MAIL_BACKEND=log): outbox message %s (%s) to %s; its text is on /admin/outbox",
            message.id,
            message.template or "mail",
            message.recipient,
        )


def tls_context(config) -> ssl.SSLContext:
    """TLS that verifies the mail server's certificate and that it names MAIL_SMTP_HOST: without it,
    anyone between us and the server could read the invitation and reset links (and the password).
    A private mail server's own authority can be trusted instead of the system's (MAIL_SMTP_CA_FILE)."""
    return ssl.create_default_context(cafile=config.get("MAIL_SMTP_CA_FILE") or None)


def _transport(config):
    backend = mail_backend(config)
    if backend == "log":
        return _LogTransport()
    if backend == "console":
        return _ConsoleTransport(print_it=config.get("MAIL_CONSOLE", True) and not config.get("TESTING"))
    host = config["MAIL_SMTP_HOST"]
    port, timeout = config["MAIL_SMTP_PORT"], config["MAIL_SMTP_TIMEOUT"]
    smtp: smtplib.SMTP
    if config["MAIL_SMTP_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context(config))
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config["MAIL_SMTP_STARTTLS"] and not config["MAIL_SMTP_SSL"]:
            smtp.starttls(context=tls_context(config))
        if config.get("MAIL_SMTP_USER"):
            smtp.login(config["MAIL_SMTP_USER"], config.get("MAIL_SMTP_PASSWORD") or "")
    except BaseException:
        smtp.close()  # a refused certificate or sign-in leaves no open connection behind
        raise
    return smtp


def _claim(message_id: int, now: datetime, attempts: int) -> bool:
    """Take a message for sending: only one process wins it (a conditional UPDATE)."""
    wait = min(RETRY_STEP * (attempts + 1), MAX_RETRY_WAIT)
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .values(next_attempt_at=now + wait, attempts=OutboxMessage.attempts + 1)
    )
    db.session.commit()
    assert isinstance(claimed, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    return claimed.rowcount == 1


def send_pending(limit: int = 100, now: datetime | None = None) -> dict[str, int]:
    """Send up to `limit` unsent messages that are due; returns counts of sent, failed and still waiting."""
    now = now or utcnow()
    config = current_app.config
    due = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.attempts)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    sent = failed = 0
    transport = None
    try:
        for message_id, attempts in due:
            if not _claim(message_id, now, attempts):
                continue
            message = db.session.get_one(OutboxMessage, message_id)  # claimed: not sent, so not deleted
            try:
                if transport is None:
                    transport = _transport(config)
                if isinstance(transport, _LogTransport):
                    transport.deliver(message)
                else:
                    transport.send_message(_email(message, config))
            except (OSError, smtplib.SMTPException) as error:
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                failed += 1
                if transport is not None and hasattr(transport, "close"):
                    transport.close()  # a refused message leaves no open connection behind
                transport = None  # connect again for the next message
            else:
                message.sent_at = utcnow()
                message.last_error = None
                sent += 1
            db.session.commit()
    finally:
        if transport is not None and hasattr(transport, "quit"):
            try:
                transport.quit()
            except (OSError, smtplib.SMTPException):
                pass
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.sent_at < now - KEEP_SENT))
    waiting = db.session.execute(
        select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
    ).scalar_one()
    db.session.commit()
    return {"sent": sent, "failed": failed, "waiting": waiting}


def send_due_mail(now: datetime) -> str:
    """The mail step of `flask run-scheduled`: send what is due (retrying what a mail server refused before);
    one line saying what happened."""
    counts = send_pending(limit=500, now=now)
    return f"sent {counts['sent']}, failed {counts['failed']}, still waiting {counts['waiting']}."


# Besides after a response that queued mail, each process looks at the outbox after a response at most
# this often: a message the mail server refused goes at a later request, even if nobody runs `flask send-mail`.
RETRY_CHECK_SECONDS = 60.0
_next_check = {"at": 0.0}


def _due_for_sending() -> bool:
    if g.get("mail_queued"):
        return True
    now = time.monotonic()
    if now < _next_check["at"]:
        return False
    _next_check["at"] = now + RETRY_CHECK_SECONDS
    return True


def init_app(app) -> None:
    """After a response that queued mail (and now and then after any), send the outbox, once the answer
    has gone to the browser."""

    @app.after_request
    def send_after_response(response):
        if app.config["MAIL_SEND_AFTER_RESPONSE"] and _due_for_sending():

            def send() -> None:
                with app.app_context():
                    try:
                        send_pending()
                    except Exception:  # the outbox keeps the message; `flask send-mail` tries again
                        log.exception("sending the outbox after a response failed")

            response.call_on_close(send)
        return response

    from consult.mail.cli import send_mail_command

    app.cli.add_command(send_mail_command)


def absolute_path(path: str) -> str:
    """A link for an e-mail to a path of the site: under PUBLIC_URL when it is set (behind a proxy, and for
    scheduled work), else this request's host."""
    base = current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")
    return base + path


def absolute_url(endpoint: str, **values) -> str:
    """A link for an e-mail to an endpoint (see `absolute_path`)."""
    return absolute_path(url_for(endpoint, **values))


@contextmanager
def links_for_mail() -> Iterator[None]:
    """Links in e-mails are built from a request. Inside one: its own. Outside (`flask run-scheduled`): one
    for PUBLIC_URL; without that setting the links name http://localhost/, and the log says so."""
    if has_request_context():
        yield
        return
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        log.warning("CONSULT_PUBLIC_URL is not set: links in e-mails written outside a request name http://localhost/")
    with current_app.test_request_context(base_url=base or "http://localhost"):
        yield
