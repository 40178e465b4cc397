"""The automatic reminders as a step of `flask run-scheduled` (consult.scheduled): send, commit, say what was done."""
from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app

from consult.extensions import db
from consult.participation.services import send_automatic_reminders

log = logging.getLogger("consult.participation")


def automatic_reminders_step(now: datetime) -> str:
    """Send the due automatic reminders and commit them with their mails (one transaction: a reminder exists
    exactly when its mails are in the outbox). The mails' links need CONSULT_PUBLIC_URL: the log says when
    it is missing."""
    runs = send_automatic_reminders(now)
    db.session.commit()
    reminded = sum(len(run.reminded) for run in runs)
    mails = sum(run.mails for run in runs)
    if mails and not current_app.config.get("PUBLIC_URL"):
        log.warning("CONSULT_PUBLIC_URL is not set: the links in automatic reminders name http://localhost/")
    return f"{reminded} organisations reminded, {mails} e-mails (drafts with reminders due: {len(runs)})."
