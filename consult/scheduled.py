"""`flask run-scheduled`: the work nobody clicks, run every few minutes by a systemd timer or cron.

Each area's due work runs in turn (STEPS): first what writes mail (automatic reminders, notifications of
deadlines, daily digests), then the outbox sends it, retrying what a mail server refused before.

Robust by construction, because nobody watches it run:
- Each step runs on its own: one that fails is rolled back and logged with its traceback, the next steps
  run all the same (a broken digest must not hold back the password resets), and the command exits 1
  at the end so the timer or cron reports it.
- Two runs may overlap (a slow run and the next tick of the timer). On PostgreSQL each step holds an
  advisory lock (`pg_try_advisory_lock`) while it runs: the second run skips a step the first is still
  at. SQLite has no such locks, and needs none: SQLite lets one process write at a time, and every step
  is safe to run twice at once by its own database rules (the outbox claims a message with a conditional
  UPDATE, a reminder is UNIQUE per organisation, draft and day, a notification per its once_key), so
  nothing goes out twice there either; the lock only spares PostgreSQL the doubled work.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import click
from flask.cli import with_appcontext
from sqlalchemy import text

from consult.core import clock
from consult.extensions import db
from consult.mail.services import send_due_mail
from consult.notifications.services import run_scheduled_step as notifications_step
from consult.participation.scheduled import automatic_reminders_step

log = logging.getLogger("consult.scheduled")

# The steps in order, one line each: (name, function(now) -> one line saying what it did).
# What writes mail comes before the mail step, so that it goes out in the same run.
STEPS: tuple[tuple[str, Callable[[datetime], str]], ...] = (
    ("reminders", automatic_reminders_step),
    ("notifications", notifications_step),
    ("mail", send_due_mail),
)

# The first key of every advisory lock of this command (ASCII "cons"), so that they meet no other lock.
LOCK_NAMESPACE = 0x636F6E73


@dataclass
class Outcome:
    """What one run did: a line per step, and the names of the steps that failed."""

    lines: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _lock_key(name: str) -> int:
    """A step's advisory lock: a stable signed 32-bit number made from its name."""
    key = zlib.crc32(name.encode())
    return key - 2**32 if key >= 2**31 else key


@contextmanager
def step_lock(name: str) -> Iterator[bool]:
    """Yields whether this run may do the step `name` now. On PostgreSQL: whether it got the step's
    advisory lock, which is held on a connection of its own (the step's session commits and changes
    connections) and let go when the step ends, or when the process dies and its connection drops.
    On other databases always True (see the module's docstring)."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    with db.engine.connect() as connection:
        key = {"namespace": LOCK_NAMESPACE, "key": _lock_key(name)}
        got = connection.scalar(text("SELECT pg_try_advisory_lock(:namespace, :key)"), key)
        connection.commit()
        try:
            yield bool(got)
        finally:
            if got:
                connection.execute(text("SELECT pg_advisory_unlock(:namespace, :key)"), key)
                connection.commit()


def run_steps(steps, now: datetime) -> Outcome:
    """Run each step once, in order; a failing step is logged and counted, and the next one runs."""
    outcome = Outcome()
    for name, step in steps:
        try:
            with step_lock(name) as mine:
                if not mine:
                    outcome.lines.append(f"{name}: skipped, another run is still at it.")
                    continue
                outcome.lines.append(f"{name}: {step(now)}")
        except Exception as error:
            log.exception("scheduled step %r failed", name)
            try:
                db.session.rollback()  # the next step starts clean, without the failed step's half
            except Exception:  # the database itself is gone: the next steps will say so themselves
                log.exception("rolling back after the step %r failed", name)
            outcome.failed.append(name)
            outcome.lines.append(f"{name}: FAILED ({type(error).__name__}: {error}); the traceback is in the log.")
    return outcome


def run_scheduled(now: datetime) -> list[str]:
    """Run all due work once; one line per step saying what it did (or that it failed)."""
    return run_steps(STEPS, now).lines


@click.command("run-scheduled")
@with_appcontext
def run_scheduled_command() -> None:
    """Run the scheduled work: automatic reminders, notification digests, the outbox. Exits 1 if a step failed."""
    outcome = run_steps(STEPS, clock.now())
    for line in outcome.lines:
        click.echo(line)
    if outcome.failed:
        click.echo(f"Failed: {', '.join(outcome.failed)}.", err=True)
        raise SystemExit(1)


def init_app(app) -> None:
    app.cli.add_command(run_scheduled_command)
