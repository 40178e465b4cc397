"""The organisation's internal drafts of a comment or an amendment, their internal comments and agreements.

These tables are the organisation's own: nothing outside the workspace reads them, and the workspace reads
them only through `consult.workspace.queries.visible_to` (the one rule of who sees an internal draft).
What is submitted becomes an ordinary `Comment` or `Amendment` (with its authors in `CommentAuthor` /
`AmendmentAuthor`); the internal draft keeps only a link to it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.amendments.models import Amendment, AmendmentKind
from consult.comments.models import Comment, Stance
from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.drafts.models import Draft, Paragraph, Version
from consult.extensions import Model
from consult.organisations.models import Organisation


class InternalKind(enum.StrEnum):
    COMMENT = "comment"
    AMENDMENT = "amendment"


class InternalStatus(enum.StrEnum):
    OPEN = "open"  # being prepared
    SUBMITTED = "submitted"  # became the organisation's comment or amendment
    DISCARDED = "discarded"  # given up (kept for the organisation's own record)


class InternalDraft(Model):
    """A comment or an amendment the delegates of one organisation prepare together ("Entwurf unserer
    Organisation"). `text_revision` counts changes of its text: an agreement holds for the revision it was
    given to, so that nobody's "einverstanden" covers words they have not read."""

    __tablename__ = "internal_draft"
    # No cached page of the draft shows it: its writes leave `Draft.revision` alone (consult.drafts.revision).
    shown_on_draft_pages: ClassVar[bool] = False

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"))  # the version it was begun on
    kind: Mapped[InternalKind] = mapped_column(str_enum(InternalKind, "internal_kind"))
    # A comment: its text, stance and quoted passage.
    body: Mapped[str | None] = mapped_column(Text)
    stance: Mapped[Stance | None] = mapped_column(str_enum(Stance, "internal_stance"))
    quote_exact: Mapped[str | None] = mapped_column(Text)
    # An amendment: what it does, the proposed text (None for a deletion) and the justification.
    amendment_kind: Mapped[AmendmentKind | None] = mapped_column(str_enum(AmendmentKind, "internal_amendment_kind"))
    proposed_text: Mapped[str | None] = mapped_column(Text)
    justification: Mapped[str | None] = mapped_column(Text)
    text_revision: Mapped[int] = mapped_column(default=1)
    status: Mapped[InternalStatus] = mapped_column(
        str_enum(InternalStatus, "internal_status"), default=InternalStatus.OPEN, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What it became once submitted.
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="SET NULL"))
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    draft: Mapped[Draft] = relationship()
    paragraph: Mapped[Paragraph] = relationship()
    version: Mapped[Version] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    comment: Mapped[Comment | None] = relationship()
    amendment: Mapped[Amendment | None] = relationship()
    authors: Mapped[list[InternalAuthor]] = relationship(
        back_populates="internal_draft", cascade="all, delete-orphan", order_by="InternalAuthor.position"
    )
    agreements: Mapped[list[InternalAgreement]] = relationship(
        back_populates="internal_draft", cascade="all, delete-orphan", order_by="InternalAgreement.created_at"
    )
    notes: Mapped[list[InternalNote]] = relationship(
        back_populates="internal_draft", cascade="all, delete-orphan", order_by="InternalNote.created_at"
    )


class InternalAuthor(Model):
    """A person who wrote (part of) the text of an internal draft, in the order they first did."""

    __tablename__ = "internal_author"

    internal_draft_id: Mapped[int] = mapped_column(
        ForeignKey("internal_draft.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    internal_draft: Mapped[InternalDraft] = relationship(back_populates="authors")
    user: Mapped[User] = relationship()


class InternalAgreement(Model):
    """A colleague's "einverstanden" with the internal draft as it stood at `text_revision`."""

    __tablename__ = "internal_agreement"

    internal_draft_id: Mapped[int] = mapped_column(
        ForeignKey("internal_draft.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    text_revision: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    internal_draft: Mapped[InternalDraft] = relationship(back_populates="agreements")
    user: Mapped[User] = relationship()


class InternalNote(Model):
    """A colleague's internal comment on an internal draft: seen only inside the organisation."""

    __tablename__ = "internal_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    internal_draft_id: Mapped[int] = mapped_column(ForeignKey("internal_draft.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    internal_draft: Mapped[InternalDraft] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()
