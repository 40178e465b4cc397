"""An organisation's vote on a question: a paragraph, an amendment, or the whole draft.

A vote names at most one of `paragraph_id` and `amendment_id`; with neither it is the vote on
the whole draft. One vote per organisation per question is a rule of the database, not only of
Python: three partial unique indexes, one per kind of question.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.drafts.models import Draft, Paragraph
from consult.extensions import Model
from consult.organisations.models import Organisation


class Choice(enum.StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class Channel(enum.StrEnum):
    """How a vote came in: online (the weeks of the phase), in the live session by the organisation's own
    delegate, in the live session by the delegate of the organisation holding its proxy, or on a paper
    ballot the office entered."""

    ONLINE = "online"
    LIVE = "live"
    PROXY = "proxy"
    PAPER = "paper"


class Vote(Model):
    __tablename__ = "vote"
    __table_args__ = (
        Index(
            "uq_vote_organisation_paragraph",
            "organisation_id",
            "paragraph_id",
            unique=True,
            sqlite_where=text("paragraph_id IS NOT NULL"),
            postgresql_where=text("paragraph_id IS NOT NULL"),
        ),
        Index(
            "uq_vote_organisation_amendment",
            "organisation_id",
            "amendment_id",
            unique=True,
            sqlite_where=text("amendment_id IS NOT NULL"),
            postgresql_where=text("amendment_id IS NOT NULL"),
        ),
        Index(
            "uq_vote_organisation_draft",
            "organisation_id",
            "draft_id",
            unique=True,
            sqlite_where=text("paragraph_id IS NULL AND amendment_id IS NULL"),
            postgresql_where=text("paragraph_id IS NULL AND amendment_id IS NULL"),
        ),
        CheckConstraint("paragraph_id IS NULL OR amendment_id IS NULL", name="one_question"),
        # Tallies read only this index (covering), however many votes a draft has.
        Index("ix_vote_tally", "draft_id", "paragraph_id", "choice", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("paragraph.id", ondelete="CASCADE"))
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    choice: Mapped[Choice] = mapped_column(str_enum(Choice, "choice"))
    cast_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    channel: Mapped[Channel] = mapped_column(
        str_enum(Channel, "vote_channel"), default=Channel.ONLINE, server_default=Channel.ONLINE.value
    )
    # With Channel.PROXY: the organisation holding the proxy, whose delegate cast the vote.
    via_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))

    draft: Mapped[Draft] = relationship()
    paragraph: Mapped[Paragraph | None] = relationship()
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    via_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[via_organisation_id])
    cast_by: Mapped[User | None] = relationship()


class VoteCast(Model):
    """Every cast, in order: the history behind the current `Vote` of an organisation."""

    __tablename__ = "vote_cast"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("paragraph.id", ondelete="CASCADE"))
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    choice: Mapped[Choice] = mapped_column(str_enum(Choice, "cast_choice"))
    cast_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    channel: Mapped[Channel] = mapped_column(
        str_enum(Channel, "cast_channel"), default=Channel.ONLINE, server_default=Channel.ONLINE.value
    )
    via_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
