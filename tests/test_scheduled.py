"""`flask run-scheduled` (issue 18, point 6): the steps run in order and the outbox is sent; a failing step is
logged with its traceback, does not stop the steps after it, and makes the command exit 1; a message a real
(aiosmtpd) mail server refused goes out at a later run; on PostgreSQL two overlapping runs never do one step
at once (advisory lock)."""

from __future__ import annotations

from datetime import timedelta

from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from consult import scheduled
from consult.core import clock
from consult.core.db import utcnow
from consult.extensions import db
from consult.mail import services
from consult.mail.models import OutboxMessage
from tests.mail.test_outbox import FakeServer, _queue
from tests.served import free_port


class MoodyServer:
    """aiosmtpd handler: refuses the first `refusals` messages for the moment (451), then keeps them."""

    def __init__(self, refusals: int):
        self.refusals, self.messages = refusals, []

    async def handle_DATA(self, server, session, envelope):
        if self.refusals:
            self.refusals -= 1
            return "451 4.3.0 Try again later"
        self.messages.append(envelope)
        return "250 OK"


def _freeze(monkeypatch, moment):
    monkeypatch.setattr(clock, "now", lambda: moment)


def test_the_command_runs_the_steps_in_order_and_sends_the_outbox(app, runner, monkeypatch):
    message = _queue(app, None)
    server = FakeServer()
    monkeypatch.setattr(services, "_transport", lambda config: server)
    ran = []

    def step(name):
        def run(now):
            ran.append(name)
            assert db.session.get(OutboxMessage, message.id).sent_at is None  # the mail step comes last
            return f"{name} done."

        return run

    shipped = [name for name, _ in scheduled.STEPS]
    monkeypatch.setattr(scheduled, "STEPS", (("first", step("first")), ("second", step("second")), *scheduled.STEPS))
    result = runner.invoke(args=["run-scheduled"])
    assert result.exit_code == 0, result.output
    assert ran == ["first", "second"]
    lines = result.output.splitlines()
    assert lines[:2] == ["first: first done.", "second: second done."]
    assert [line.partition(":")[0] for line in lines[2:]] == shipped
    assert lines[-1] == "mail: sent 1, failed 0, still waiting 0."
    assert [email["To"] for email in server.sent] == ["neu@example.org"]
    assert db.session.get(OutboxMessage, message.id).sent_at is not None


def test_the_real_steps_run_without_a_stand_in(app, runner, monkeypatch):
    """The command as shipped: every step of STEPS runs on an empty database and says what it did."""
    monkeypatch.setattr(services, "_transport", lambda config: FakeServer())
    result = runner.invoke(args=["run-scheduled"])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == len(scheduled.STEPS)
    assert result.output.splitlines()[-1] == "mail: sent 0, failed 0, still waiting 0."


def test_a_failing_step_is_logged_and_does_not_stop_the_mail(app, runner, monkeypatch, caplog):
    _queue(app, None)
    server = FakeServer()
    monkeypatch.setattr(services, "_transport", lambda config: server)

    def broken(now):
        db.session.add(OutboxMessage(recipient="half@example.org", subject="half-written", body="x"))
        db.session.flush()
        raise RuntimeError("the digest table is broken")

    monkeypatch.setattr(scheduled, "STEPS", (("digests", broken), *scheduled.STEPS))
    with caplog.at_level("ERROR", logger="consult.scheduled"):
        result = runner.invoke(args=["run-scheduled"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("digests: FAILED (RuntimeError: the digest table is broken)")
    assert "mail: sent 1, failed 0, still waiting 0." in lines
    assert "Failed: digests." in lines
    assert [email["To"] for email in server.sent] == ["neu@example.org"]
    # What the failing step had written was rolled back, not sent half-done.
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "half@example.org")) is None
    [record] = [r for r in caplog.records if r.name == "consult.scheduled"]
    assert "'digests' failed" in record.getMessage() and record.exc_info[0] is RuntimeError
    assert "Traceback" in caplog.text and "the digest table is broken" in caplog.text


def test_a_message_the_mail_server_refused_goes_out_at_a_later_run(app, runner, monkeypatch):
    message = _queue(app, None)
    handler, port = MoodyServer(refusals=1), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for name, value in (
            ("MAIL_SMTP_HOST", "127.0.0.1"),
            ("MAIL_SMTP_PORT", port),
            ("MAIL_SMTP_STARTTLS", False),
            ("MAIL_SMTP_USER", ""),
        ):
            monkeypatch.setitem(app.config, name, value)
        start = utcnow()
        _freeze(monkeypatch, start)
        first = runner.invoke(args=["run-scheduled"])
        assert first.exit_code == 0 and "mail: sent 0, failed 1, still waiting 1." in first.output
        stored = db.session.get(OutboxMessage, message.id)
        assert stored.sent_at is None and "451" in stored.last_error and handler.messages == []
        # The next tick a minute later: not due yet, nothing is tried.
        _freeze(monkeypatch, start + timedelta(minutes=1))
        assert "mail: sent 0, failed 0, still waiting 1." in runner.invoke(args=["run-scheduled"]).output
        # After the retry wait, the server takes it, once.
        _freeze(monkeypatch, start + timedelta(minutes=6))
        assert "mail: sent 1, failed 0, still waiting 0." in runner.invoke(args=["run-scheduled"]).output
        _freeze(monkeypatch, start + timedelta(minutes=20))
        assert "mail: sent 0, failed 0, still waiting 0." in runner.invoke(args=["run-scheduled"]).output
    finally:
        controller.stop()
    [envelope] = handler.messages
    assert envelope.rcpt_tos == ["neu@example.org"]
    db.session.expire_all()
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.sent_at is not None and stored.last_error is None and stored.attempts == 2


def test_send_mail_still_works(app, runner, monkeypatch):
    _queue(app, None)
    monkeypatch.setattr(services, "_transport", lambda config: FakeServer())
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0 and "Sent 1, failed 0, still waiting 0." in result.output


def test_a_step_another_run_is_at_is_skipped_on_postgresql(app, backend, runner, monkeypatch):
    """A slow run still sends the outbox when the timer starts the next one: the next one skips the mail
    step instead of doing it alongside, and does the other steps; once the lock is let go, the step runs.
    On SQLite there are no advisory locks, by design (consult.scheduled's docstring): every run may do every step,
    even inside another's, and the outbox's own claim keeps a message from going out twice."""
    if backend != "postgresql":
        with scheduled.step_lock("mail") as first, scheduled.step_lock("mail") as second:
            assert first is True and second is True
        message = _queue(app, None)
        server = FakeServer()
        monkeypatch.setattr(services, "_transport", lambda config: server)
        with scheduled.step_lock("mail"):
            assert runner.invoke(args=["run-scheduled"]).exit_code == 0
            assert runner.invoke(args=["run-scheduled"]).exit_code == 0
        assert [email["To"] for email in server.sent] == [message.recipient]
        return
    _queue(app, None)
    server = FakeServer()
    monkeypatch.setattr(services, "_transport", lambda config: server)
    ran = []
    monkeypatch.setattr(
        scheduled, "STEPS", (("reminders", lambda now: ran.append(now) or "none due."), *scheduled.STEPS)
    )
    key = {"namespace": scheduled.LOCK_NAMESPACE, "key": scheduled._lock_key("mail")}
    with db.engine.connect() as other_run:
        assert other_run.scalar(text("SELECT pg_try_advisory_lock(:namespace, :key)"), key)
        result = runner.invoke(args=["run-scheduled"])
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert lines[0] == "reminders: none due." and lines[-1] == "mail: skipped, another run is still at it."
        assert len(lines) == len(scheduled.STEPS)
        assert server.sent == [] and len(ran) == 1
        other_run.execute(text("SELECT pg_advisory_unlock(:namespace, :key)"), key)
        other_run.commit()
    result = runner.invoke(args=["run-scheduled"])
    assert "mail: sent 1, failed 0, still waiting 0." in result.output and len(server.sent) == 1
    # The run let its own locks go: the lock is free again.
    with db.engine.connect() as connection:
        assert connection.scalar(text("SELECT pg_try_advisory_lock(:namespace, :key)"), key)
        connection.execute(text("SELECT pg_advisory_unlock(:namespace, :key)"), key)
        connection.commit()
