"""Drafts, versions and paragraphs.

A `Paragraph` is the stable identity of a paragraph across versions; its text in
one version is a `ParagraphText`. Comments and votes hang on the `Paragraph`, so
they stay attached when a later version changes the words.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.extensions import Model


class Phase(enum.StrEnum):
    PREPARATION = "preparation"
    COMMENTING = "commenting"
    EDITING = "editing"
    VOTING = "voting"
    ADOPTED = "adopted"
    ARCHIVED = "archived"


class ModerationPolicy(enum.StrEnum):
    PUBLISH = "publish"  # comments appear at once
    HOLD = "hold"  # every comment waits in the moderation queue


class MajorityRule(enum.StrEnum):
    SIMPLE = "simple"  # more yes than no
    TWO_THIRDS = "two_thirds"  # at least two thirds of the yes and no votes are yes


class AmendmentProcedure(enum.StrEnum):
    """Who decides a draft's amendments."""

    MODERATORS = "moderators"  # a moderator's decision is final
    ORGANISATIONS = "organisations"  # a moderator recommends; consent or the organisations' vote decides


class VersionStatus(enum.StrEnum):
    IN_PREPARATION = "in_preparation"
    PUBLISHED = "published"


class Draft(Model):
    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    phase: Mapped[Phase] = mapped_column(str_enum(Phase, "phase"), default=Phase.PREPARATION)
    moderation_policy: Mapped[ModerationPolicy] = mapped_column(
        str_enum(ModerationPolicy, "moderation_policy"), default=ModerationPolicy.PUBLISH
    )
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Counts every change to the draft or to a row that belongs to it (comments,
    # votes, deadlines, versions): cached pages of the draft are keyed by it.
    # Kept by consult.drafts.revision; never set it by hand.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    # Raised by every vote and by every change of a live session's attendance (check-ins, proxies): what a
    # tally or a live page shows. Votes leave `revision` alone, so that the text and the comments of the
    # draft page stay cached while the votes come in (issue 16). Kept by the services that write them.
    tally_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    majority_rule: Mapped[MajorityRule] = mapped_column(
        str_enum(MajorityRule, "majority_rule"), default=MajorityRule.SIMPLE, server_default="simple"
    )
    # Votes count with their organisation's vote_weight; otherwise every organisation counts once.
    weighted_votes: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Adoption freezes the text: the version adopted, and when.
    adopted_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id", use_alter=True))
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The appendix of the position's documents says which organisation voted how (off by default:
    # the results page shows it to the members, a public document need not).
    appendix_shows_ballots: Mapped[bool] = mapped_column(default=False, server_default="0")
    # How amendments are decided (consult.amendments.procedure); the supporter quorum: how many
    # organisations other than the proposer must support an amendment before others see it (0: none);
    # until when organisations may ask for a vote on an amendment recommended for acceptance
    # (None: until the voting phase begins).
    amendment_procedure: Mapped[AmendmentProcedure] = mapped_column(
        str_enum(AmendmentProcedure, "amendment_procedure"),
        default=AmendmentProcedure.MODERATORS,
        server_default=AmendmentProcedure.MODERATORS.value,
    )
    support_quorum: Mapped[int] = mapped_column(default=0, server_default="0")
    vote_requests_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The quorum of a live session (`consult.live.quorum`): this many organisations checked in, or with
    # `live_quorum_is_share` this percentage of the active member organisations (rounded up); 0: none.
    live_quorum: Mapped[int] = mapped_column(default=0, server_default="0")
    live_quorum_is_share: Mapped[bool] = mapped_column(default=False, server_default="0")
    # How many other organisations' proxies one organisation may hold in a live session.
    live_proxy_limit: Mapped[int] = mapped_column(default=1, server_default="1")
    # The automatic reminder (consult.participation): this many days before the current phase's deadline,
    # organisations that have not responded get one; None: no automatic reminder.
    reminder_days: Mapped[int | None]

    deadlines: Mapped[list[DraftDeadline]] = relationship(
        back_populates="draft", cascade="all, delete-orphan", lazy="selectin"
    )
    versions: Mapped[list[Version]] = relationship(
        back_populates="draft", cascade="all, delete-orphan", order_by="Version.number", foreign_keys="Version.draft_id"
    )

    def deadline_for(self, phase: Phase) -> datetime | None:
        for row in self.deadlines:
            if row.phase == phase:
                return row.ends_at
        return None

    @property
    def current_deadline(self) -> datetime | None:
        return self.deadline_for(self.phase)

    def __repr__(self) -> str:
        return f"<Draft {self.slug}>"


class DraftDeadline(Model):
    """When a phase of a draft ends (Europe/Berlin on screen, UTC in the database)."""

    __tablename__ = "draft_deadline"
    __table_args__ = (UniqueConstraint("draft_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    phase: Mapped[Phase] = mapped_column(str_enum(Phase, "deadline_phase"))
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())

    draft: Mapped[Draft] = relationship(back_populates="deadlines")


class Version(Model):
    __tablename__ = "version"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(
        str_enum(VersionStatus, "version_status"), default=VersionStatus.IN_PREPARATION
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    draft: Mapped[Draft] = relationship(back_populates="versions", foreign_keys=[draft_id])
    texts: Mapped[list[ParagraphText]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="ParagraphText.position"
    )


class Paragraph(Model):
    """A paragraph's identity, the same in every version of its draft."""

    __tablename__ = "paragraph"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    draft: Mapped[Draft] = relationship()


class ParagraphText(Model):
    """A paragraph as it reads in one version: its place, its Markdown, and the HTML rendered once."""

    __tablename__ = "paragraph_text"
    __table_args__ = (
        UniqueConstraint("version_id", "position"),
        UniqueConstraint("version_id", "paragraph_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id", ondelete="CASCADE"))
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # 1-based paragraph number within the version
    first_line: Mapped[int]  # line number of its first line within the version
    line_count: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)

    version: Mapped[Version] = relationship(back_populates="texts")
    paragraph: Mapped[Paragraph] = relationship()


class VersionConflict(Model):
    """Two accepted amendments to one paragraph whose changes overlap: the new version cannot
    be published until a moderator writes the combined text."""

    __tablename__ = "version_conflict"
    __table_args__ = (UniqueConstraint("version_id", "paragraph_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id", ondelete="CASCADE"), index=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id", ondelete="CASCADE"))
    base_text: Mapped[str] = mapped_column(Text)
    # The amendments that collide, and the merge as far as it went: a list of strings and
    # {"base", "ours", "theirs"} objects where the wordings collide.
    amendment_ids: Mapped[list] = mapped_column(JSON, default=list)
    chunks: Mapped[list] = mapped_column(JSON, default=list)
    resolved_text: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    version: Mapped[Version] = relationship()
    paragraph: Mapped[Paragraph] = relationship()
