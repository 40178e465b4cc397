"""The outbox: every e-mail is written here first, in the transaction of what caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consult.core.db import UTCDateTime, utcnow
from consult.extensions import Model


class OutboxMessage(Model):
    """One e-mail, kept until the mail server took it. A message whose sending failed stays
    unsent with its error and is tried again (after `next_attempt_at`): nothing is lost when
    the mail server is down."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # The template it was written from (e.g. "invitation", "reminder"): what kind of mail it is, on /admin/outbox.
    template: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Unsent messages are claimed by raising next_attempt_at, so two processes never send one twice.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
