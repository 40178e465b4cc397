"""The adopted position's documents, rendered once when the draft is adopted and served from here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consult.core.db import UTCDateTime, utcnow
from consult.extensions import db


class PositionFile(db.Model):
    """One format of an adopted position (PDF, DOCX, ...), as it was rendered at adoption.

    Kept in the database rather than on disk: every app process sees it, it is written in the
    same transaction as the adoption (no adopted draft without its files, no files of a draft
    that was not adopted), and backups of the database include it."""
    __tablename__ = "position_file"
    __table_args__ = (UniqueConstraint("draft_id", "name"),)   # its first column serves lookups by draft

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(20))            # the format's name in FORMATS
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(120))
    digest: Mapped[str] = mapped_column(String(64))          # sha256 of the content: the download's ETag
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
