"""The automatic reminders as a step of `flask run-scheduled` (consult.scheduled): send, commit, say what was done."""

from __future__ import annotations

from datetime import datetime

from consult.extensions import db
from consult.participation.services import send_automatic_reminders


def automatic_reminders_step(now: datetime) -> str:
    """Send the due automatic reminders and commit them with their mails (one transaction: a reminder exists
    exactly when its mails are in the outbox). The mails' links need CONSULT_PUBLIC_URL (see
    `consult.mail.services.links_for_mail`)."""
    runs = send_automatic_reminders(now)
    db.session.commit()
    reminded = sum(len(run.reminded) for run in runs)
    mails = sum(run.mails for run in runs)
    return f"{reminded} organisations reminded, {mails} e-mails (drafts with reminders due: {len(runs)})."
