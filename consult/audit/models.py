"""One line of the audit log per decision: moderation, amendments, versions, phases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.core.db import UTCDateTime, utcnow
from consult.drafts.models import Draft
from consult.extensions import Model


class AuditEntry(Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Kept as text too, so the line still says who it was when the account is gone.
    actor_name: Mapped[str] = mapped_column(String(200))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(40))  # e.g. "amendment.accept", "phase.change"
    subject: Mapped[str] = mapped_column(String(80))  # e.g. "amendment:12", "draft:3"
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
    draft: Mapped[Draft | None] = relationship()
