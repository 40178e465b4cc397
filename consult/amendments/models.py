"""Amendments: a proposed new text for a paragraph, its deletion, or a new paragraph after it."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.drafts.models import Draft, Paragraph, Version
from consult.extensions import db
from consult.organisations.models import Organisation


class AmendmentKind(enum.StrEnum):
    REPLACE = "replace"    # a new text for the paragraph
    DELETE = "delete"      # strike the paragraph
    INSERT = "insert"      # a new paragraph after it


class AmendmentStatus(enum.StrEnum):
    SUBMITTED = "submitted"            # waits for a moderator's decision
    WITHDRAWN = "withdrawn"            # by its author, before a decision
    ACCEPTED = "accepted"
    ACCEPTED_MODIFIED = "accepted_modified"
    REJECTED = "rejected"
    MERGED = "merged"                  # taken up in another amendment
    HIDDEN = "hidden"                  # reported and hidden by a moderator


DECIDED = (AmendmentStatus.ACCEPTED, AmendmentStatus.ACCEPTED_MODIFIED, AmendmentStatus.REJECTED,
           AmendmentStatus.MERGED)
ADOPTED = (AmendmentStatus.ACCEPTED, AmendmentStatus.ACCEPTED_MODIFIED)


class Amendment(db.Model):
    __tablename__ = "amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"))   # the version it was proposed on
    kind: Mapped[AmendmentKind] = mapped_column(str_enum(AmendmentKind, "amendment_kind"))
    # The paragraph's text when it was proposed, and the proposed text (Markdown; None for a deletion).
    base_text: Mapped[str] = mapped_column(Text)
    proposed_text: Mapped[str | None] = mapped_column(Text)
    justification: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[AmendmentStatus] = mapped_column(str_enum(AmendmentStatus, "amendment_status"),
                                                    default=AmendmentStatus.SUBMITTED, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The decision: who, when, why; the adopted text when accepted in modified form;
    # the amendment it was merged into.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    adopted_text: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id"))
    # The version that took it up (None until a new version is built from it).
    applied_in_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    # For a new paragraph (INSERT): the paragraph it became once a version took it up. The documents'
    # provenance and the change document credit that paragraph to this amendment.
    inserted_paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("paragraph.id", ondelete="SET NULL"))

    draft: Mapped[Draft] = relationship()
    paragraph: Mapped[Paragraph] = relationship(foreign_keys=[paragraph_id])
    version: Mapped[Version] = relationship(foreign_keys=[version_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    organisation: Mapped[Organisation | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    merged_into: Mapped[Amendment | None] = relationship(remote_side=[id])
    supports: Mapped[list[AmendmentSupport]] = relationship(
        back_populates="amendment", cascade="all, delete-orphan", order_by="AmendmentSupport.created_at")

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED

    @property
    def result_text(self) -> str | None:
        """The text this amendment puts into the next version (None for a deletion)."""
        if self.status == AmendmentStatus.ACCEPTED_MODIFIED:
            return self.adopted_text
        return self.proposed_text


class AmendmentSupport(db.Model):
    """An organisation co-signs an amendment: one support per organisation."""

    __tablename__ = "amendment_support"
    __table_args__ = (UniqueConstraint("amendment_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendment.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    amendment: Mapped[Amendment] = relationship(back_populates="supports")
    organisation: Mapped[Organisation] = relationship()
