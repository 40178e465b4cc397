"""Reports: anyone signed in can report a published comment or amendment, with a reason."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.amendments.models import Amendment
from consult.comments.models import Comment
from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.drafts.models import Draft
from consult.extensions import Model


class ReportStatus(enum.StrEnum):
    OPEN = "open"  # waits in the queue
    UPHELD = "upheld"  # the content was hidden
    DISMISSED = "dismissed"  # the content stays


class Report(Model):
    __tablename__ = "report"
    __table_args__ = (CheckConstraint("(comment_id IS NULL) <> (amendment_id IS NULL)", name="one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status"), default=ReportStatus.OPEN, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)

    draft: Mapped[Draft] = relationship()
    comment: Mapped[Comment | None] = relationship()
    amendment: Mapped[Amendment | None] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])

    @property
    def content(self) -> Comment | Amendment | None:
        """What was reported: deciding the report is deciding on it (and on its author's organisation)."""
        return self.comment or self.amendment
