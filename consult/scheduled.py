"""`flask run-scheduled`: the work nobody clicks, run every few minutes by a systemd timer or cron.

Each area's due work runs in turn: first what writes mail (automatic reminders, notifications of
deadlines, daily digests), then the outbox sends it, retrying what a mail server refused before.
Every step is safe to run twice at once and again a minute later: what it did is recorded in the
database, so nothing goes out twice."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from consult.core import clock
from consult.mail.services import send_pending
from consult.participation.scheduled import automatic_reminders_step


def run_scheduled(now) -> list[str]:
    """Run all due work once; one line per step saying what it did."""
    lines = []
    lines.append(automatic_reminders_step(now))
    counts = send_pending(limit=500, now=now)
    lines.append(f"Mail: sent {counts['sent']}, failed {counts['failed']}, still waiting {counts['waiting']}.")
    return lines


@click.command("run-scheduled")
@with_appcontext
def run_scheduled_command() -> None:
    """Run the scheduled work: automatic reminders, notification digests, the outbox."""
    for line in run_scheduled(clock.now()):
        click.echo(line)


def init_app(app) -> None:
    app.cli.add_command(run_scheduled_command)
