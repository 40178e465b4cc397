"""The adopted position's documents, rendered once after the draft is adopted and served from here;
and the job that renders them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.extensions import Model


class PositionFile(Model):
    """One format of an adopted position (PDF, DOCX, ...), as it was rendered after the adoption.

    Kept in the database rather than on disk: every app process sees it, it is written in one
    transaction with the job's state "done" (all formats or none), and backups of the database
    include it."""

    __tablename__ = "position_file"
    __table_args__ = (UniqueConstraint("draft_id", "name"),)  # its first column serves lookups by draft

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(20))  # the format's name in FORMATS
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(120))
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the content: the download's ETag
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentsState(enum.StrEnum):
    PENDING = "pending"  # asked for (at adoption, or again by the board), nobody renders yet
    RENDERING = "rendering"  # a process claimed the job at `started_at`
    DONE = "done"  # the PositionFile rows are there
    FAILED = "failed"  # the last try raised: `error` says what; the board can try again


class PositionDocuments(Model):
    """The job that renders an adopted position's documents after the adoption's commit: one row per
    adopted draft, created in the adoption's transaction.

    Its state lives in the database, not in one process's memory: several app processes serve the
    position page, any of them may pick the job up, and one that dies mid-render leaves a row whose
    `started_at` grows old, which the next one takes over (`consult.exports.jobs`). `claim` is the
    token of the process rendering now: only it may store the files."""

    __tablename__ = "position_documents"

    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[DocumentsState] = mapped_column(
        str_enum(DocumentsState, "documents_state"), default=DocumentsState.PENDING
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    claim: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(500))
