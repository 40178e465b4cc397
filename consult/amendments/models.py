"""Amendments: a proposed new text for a paragraph, its deletion, or a new paragraph after it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.drafts.models import Draft, Paragraph, Version
from consult.extensions import Model
from consult.organisations.models import Organisation


class AmendmentKind(enum.StrEnum):
    REPLACE = "replace"  # a new text for the paragraph
    DELETE = "delete"  # strike the paragraph
    INSERT = "insert"  # a new paragraph after it


class AmendmentStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # waits for a moderator's decision
    WITHDRAWN = "withdrawn"  # by its author, before a decision
    ACCEPTED = "accepted"
    ACCEPTED_MODIFIED = "accepted_modified"
    REJECTED = "rejected"
    MERGED = "merged"  # taken up in another amendment
    HIDDEN = "hidden"  # reported and hidden by a moderator
    # Only where the organisations decide (Draft.amendment_procedure): not settled by consent when
    # the voting phase began, so a question of the vote; and lapsed (missed the supporter quorum,
    # or an alternative before it in the voting order passed; `lapse_reason` says which).
    PUT_TO_VOTE = "put_to_vote"
    LAPSED = "lapsed"


class Recommendation(enum.StrEnum):
    """A moderator's procedural recommendation, where the organisations decide (same words as a decision)."""

    ACCEPT = "accept"
    ACCEPT_MODIFIED = "accept_modified"
    REJECT = "reject"
    MERGE = "merge"  # settled by amendment N (`recommended_merge_into_id`)


class DecidedHow(enum.StrEnum):
    MODERATORS = "moderators"  # a moderator's decision (the moderators' procedure)
    CONSENT = "consent"  # the recommendation taken over by consent
    VOTE = "vote"  # the organisations' vote


class LapseReason(enum.StrEnum):
    QUORUM = "quorum"  # too few supporting organisations by the end of commenting
    ALTERNATIVE = "alternative"  # an alternative earlier in the voting order passed


class ConsentKind(enum.StrEnum):
    CONSENT = "consent"  # the proposing organisation agrees to the recommendation
    INSIST = "insist"  # ... or puts its original to the vote
    REQUEST_VOTE = "request_vote"  # any organisation asks for a vote on an "accept" recommendation


DECIDED = (
    AmendmentStatus.ACCEPTED,
    AmendmentStatus.ACCEPTED_MODIFIED,
    AmendmentStatus.REJECTED,
    AmendmentStatus.MERGED,
    AmendmentStatus.LAPSED,
)
ADOPTED = (AmendmentStatus.ACCEPTED, AmendmentStatus.ACCEPTED_MODIFIED)


class Amendment(Model):
    __tablename__ = "amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"))  # the version it was proposed on
    kind: Mapped[AmendmentKind] = mapped_column(str_enum(AmendmentKind, "amendment_kind"))
    # The paragraph's text when it was proposed, and the proposed text (Markdown; None for a deletion).
    base_text: Mapped[str] = mapped_column(Text)
    proposed_text: Mapped[str | None] = mapped_column(Text)
    justification: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[AmendmentStatus] = mapped_column(
        str_enum(AmendmentStatus, "amendment_status"), default=AmendmentStatus.SUBMITTED, index=True
    )
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
    # When others first could see it: at once without a supporter quorum, else when the last
    # support the quorum needs came in (None: still collecting support).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    # Where the organisations decide: the moderator's procedural recommendation (who, when, why; the
    # modified text; the amendment that settles this one), and how the amendment was finally decided.
    recommendation: Mapped[Recommendation | None] = mapped_column(str_enum(Recommendation, "recommendation"))
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recommended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recommendation_reason: Mapped[str | None] = mapped_column(Text)
    recommended_text: Mapped[str | None] = mapped_column(Text)
    recommended_merge_into_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id"))
    decided_how: Mapped[DecidedHow | None] = mapped_column(str_enum(DecidedHow, "decided_how"))
    lapse_reason: Mapped[LapseReason | None] = mapped_column(str_enum(LapseReason, "lapse_reason"))
    # Its alternatives set and place in the voting order (1 first), when it collides with others.
    alternative_set_id: Mapped[int | None] = mapped_column(
        ForeignKey("alternative_set.id", ondelete="SET NULL"), index=True
    )
    alternative_position: Mapped[int | None]

    draft: Mapped[Draft] = relationship()
    paragraph: Mapped[Paragraph] = relationship(foreign_keys=[paragraph_id])
    version: Mapped[Version] = relationship(foreign_keys=[version_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    organisation: Mapped[Organisation | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    merged_into: Mapped[Amendment | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    recommended_by: Mapped[User | None] = relationship(foreign_keys=[recommended_by_id])
    recommended_merge_into: Mapped[Amendment | None] = relationship(
        remote_side=[id], foreign_keys=[recommended_merge_into_id]
    )
    alternative_set: Mapped[AlternativeSet | None] = relationship(back_populates="members")
    supports: Mapped[list[AmendmentSupport]] = relationship(
        back_populates="amendment", cascade="all, delete-orphan", order_by="AmendmentSupport.created_at"
    )
    # Submitted for the organisation from its workspace: the people who wrote it ("verfasst von A und B").
    # Empty for an amendment a person wrote on their own. Queries whose pages name them load them
    # (`selectinload(Amendment.co_authors)`): one query per page, and none where nobody shows them.
    co_authors: Mapped[list[AmendmentAuthor]] = relationship(
        cascade="all, delete-orphan", order_by="AmendmentAuthor.position"
    )

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def result_text(self) -> str | None:
        """The text this amendment puts into the next version (None for a deletion)."""
        if self.status == AmendmentStatus.ACCEPTED_MODIFIED:
            return self.adopted_text
        return self.proposed_text


class AmendmentAuthor(Model):
    """One of the people who wrote an amendment their organisation submitted (consult.workspace)."""

    __tablename__ = "amendment_author"

    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendment.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    # Loaded with the row (the selectin of `co_authors`): naming the authors adds no query per comment.
    user: Mapped[User | None] = relationship(lazy="joined")


class AmendmentSupport(Model):
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


class AmendmentConsent(Model):
    """The proposing organisation agrees to a recommendation or insists on its original; any organisation
    asks for a vote on an amendment recommended for acceptance. One row per organisation and kind (the
    current answer; the audit log keeps every change)."""

    __tablename__ = "amendment_consent"
    __table_args__ = (UniqueConstraint("amendment_id", "organisation_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendment.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    kind: Mapped[ConsentKind] = mapped_column(str_enum(ConsentKind, "consent_kind"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    amendment: Mapped[Amendment] = relationship()
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship()


class AlternativeSet(Model):
    """Amendments to one paragraph that collide: voted in order, the first that passes wins and the ones
    after it lapse. The order is proposed (furthest from the base text first); a moderator may change it
    with a reason. `frozen_at`: when the voting phase began and the set could no longer change."""

    __tablename__ = "alternative_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    order_reason: Mapped[str | None] = mapped_column(Text)
    ordered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    members: Mapped[list[Amendment]] = relationship(
        back_populates="alternative_set", order_by="Amendment.alternative_position"
    )
    ordered_by: Mapped[User | None] = relationship()
