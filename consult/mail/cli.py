"""`flask send-mail`: send what waits in the outbox (e.g. every minute from cron, or after a mail server outage)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consult.mail.services import send_pending


@click.command("send-mail")
@click.option("--limit", default=500, show_default=True, help="At most this many messages in one run.")
@with_appcontext
def send_mail_command(limit: int) -> None:
    """Send the e-mails waiting in the outbox."""
    counts = send_pending(limit=limit)
    click.echo(f"Sent {counts['sent']}, failed {counts['failed']}, still waiting {counts['waiting']}.")
    if counts["failed"]:
        raise SystemExit(1)
