"""Comments on a paragraph, optionally on a quoted passage, with replies."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.drafts.models import Paragraph, Version
from consult.extensions import Model
from consult.organisations.models import Organisation


class Stance(enum.StrEnum):
    SUPPORT = "support"
    CONCERN = "concern"
    NEUTRAL = "neutral"


class CommentStatus(enum.StrEnum):
    PENDING = "pending"  # waits in the moderation queue
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Comment(Model):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"))  # the version it was written on
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    # Set when the comment is in the discussion of an amendment (to that amendment's paragraph)
    # rather than in the paragraph's own thread.
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    # The passage commented on: the exact words and a little text on either side.
    quote_exact: Mapped[str | None] = mapped_column(Text)
    quote_prefix: Mapped[str | None] = mapped_column(String(64))
    quote_suffix: Mapped[str | None] = mapped_column(String(64))
    stance: Mapped[Stance | None] = mapped_column(str_enum(Stance, "stance"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(
        str_enum(CommentStatus, "comment_status"), default=CommentStatus.PUBLISHED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The moderation's decision on a held or reported comment: who, when, and the reason its author reads.
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    moderation_reason: Mapped[str | None] = mapped_column(Text)

    paragraph: Mapped[Paragraph] = relationship()
    version: Mapped[Version] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    organisation: Mapped[Organisation | None] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id], back_populates="replies")
    replies: Mapped[list[Comment]] = relationship(back_populates="parent", order_by="Comment.created_at")
    # Submitted for the organisation from its workspace: the people who wrote it ("verfasst von A und B").
    # Empty for a comment a person wrote on their own. Queries whose pages name them load them
    # (`selectinload(Comment.co_authors)`): one query per page, and none where nobody shows them.
    co_authors: Mapped[list[CommentAuthor]] = relationship(
        cascade="all, delete-orphan", order_by="CommentAuthor.position"
    )


class CommentAuthor(Model):
    """One of the people who wrote a comment their organisation submitted (consult.workspace)."""

    __tablename__ = "comment_author"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    # Loaded with the row (the selectin of `co_authors`): naming the authors adds no query per comment.
    user: Mapped[User | None] = relationship(lazy="joined")
