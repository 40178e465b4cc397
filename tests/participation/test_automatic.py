"""The automatic reminder before a deadline (`send_automatic_reminders`, a step of `flask run-scheduled`):
sent within the draft's `reminder_days` before its current phase's deadline to the organisations without a
response, marked automatic, not twice a day, and not when off, far from the deadline or past it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from consult.audit.models import AuditEntry
from consult.drafts.models import DraftDeadline, Phase
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.participation.models import Reminder
from consult.participation.services import send_automatic_reminders
from consult.scheduled import run_scheduled
from tests.participation.seed import seed, vote

DEADLINE = datetime(2026, 12, 10, 17, 0, tzinfo=timezone.utc)


@pytest.fixture
def extra_config():
    return {"PUBLIC_URL": "https://consult.example"}


def _with_deadline(days: int | None, phase: Phase = Phase.COMMENTING):
    seeded = seed()
    if phase == Phase.VOTING:
        vote(seeded, "AB", [None])
    seeded.draft.reminder_days = days
    db.session.add(DraftDeadline(draft_id=seeded.draft.id, phase=phase, ends_at=DEADLINE))
    db.session.commit()
    return seeded


def _reminded() -> list[tuple[int, bool, object]]:
    return sorted(db.session.execute(select(Reminder.organisation_id, Reminder.automatic, Reminder.sent_by_id)).all())


def test_within_the_days_before_the_deadline_those_without_response_are_reminded_once_a_day(app):
    seeded = _with_deadline(3)
    now = DEADLINE - timedelta(days=2, hours=5)
    lines = run_scheduled(now)
    assert lines[0] == "reminders: 5 organisations reminded, 5 e-mails (drafts with reminders due: 1)."
    waiting = sorted(seeded.organisations[x].id for x in "BCDFG")
    assert _reminded() == [(o, True, None) for o in waiting]
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == seeded.delegates["B"].email)).one()
    assert "https://consult.example/drafts/" in mail.body and "10. Dezember 2026" in mail.body
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "participation.reminder")
        )
        == 1
    )
    # Again an hour later, and later the same Berlin day: nothing more (and no audit row for nothing)
    for later in (now + timedelta(hours=1), now + timedelta(hours=10)):
        assert run_scheduled(later)[0].startswith("reminders: 0 organisations")
    assert len(_reminded()) == 5 and db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 5
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "participation.reminder")
        )
        == 1
    )
    # The next day, those still without a response are reminded again
    run_scheduled(now + timedelta(days=1))
    assert len(_reminded()) == 10


def test_in_voting_those_that_have_not_voted(app):
    seeded = _with_deadline(5, Phase.VOTING)
    send_automatic_reminders(DEADLINE - timedelta(days=1))
    db.session.commit()
    assert {o for o, _, _ in _reminded()} == {seeded.organisations[x].id for x in "CDEFG"}
    assert "Stimmen" in db.session.scalars(select(OutboxMessage.body)).first()


@pytest.mark.parametrize(
    "days, before",
    [
        (None, timedelta(days=1)),  # off
        (3, timedelta(days=4)),  # deadline still far
        (3, -timedelta(minutes=1)),
    ],
)  # deadline passed
def test_none_when_off_far_or_past(app, days, before):
    _with_deadline(days)
    assert send_automatic_reminders(DEADLINE - before) == []
    assert _reminded() == [] and db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
