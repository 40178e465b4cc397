"""Reminders sent to member organisations about a draft."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.drafts.models import Draft, Phase
from consult.extensions import Model
from consult.organisations.models import Organisation


class Reminder(Model):
    """One reminder to one organisation about one draft on one calendar day (Europe/Berlin).

    The unique constraint makes "at most one reminder per organisation and draft per day" a rule of the
    database: whatever is clicked, however many processes send at once, the second row of a day is refused.
    `sent_by_id` is None for the automatic reminder before a deadline."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("draft_id", "organisation_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    phase: Mapped[Phase] = mapped_column(str_enum(Phase, "reminder_phase"))
    automatic: Mapped[bool] = mapped_column(default=False)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # How many people the reminder was written to (contact persons and delegates of the organisation).
    recipients: Mapped[int] = mapped_column(default=0)

    draft: Mapped[Draft] = relationship()
    organisation: Mapped[Organisation] = relationship()
    sent_by: Mapped[User | None] = relationship()
