"""A draft's live session, its agenda of questions and the organisations checked in.

At most one live session of a draft is active (not ended) and at most one agenda item of a session
is open: both are rules of the database (partial unique indexes), not only of Python. The vote
service reads the open question through `consult.votes.live_gate` (which names these tables and
columns without importing this module: `live/` stands above `votes/`)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.drafts.models import Draft, Paragraph
from consult.extensions import Model, db
from consult.organisations.models import Organisation


class ItemState(enum.StrEnum):
    WAITING = "waiting"
    OPEN = "open"
    CLOSED = "closed"


class LiveSession(Model):
    __tablename__ = "live_session"
    __table_args__ = (
        Index(
            "uq_live_session_active",
            "draft_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    draft: Mapped[Draft] = relationship()
    started_by: Mapped[User | None] = relationship()
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="session", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )


class AgendaItem(Model):
    """One question on the agenda: a paragraph, an amendment, or (neither) the whole draft."""

    __tablename__ = "agenda_item"
    __table_args__ = (
        Index(
            "uq_agenda_item_open",
            "session_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
        CheckConstraint("paragraph_id IS NULL OR amendment_id IS NULL", name="one_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("paragraph.id", ondelete="CASCADE"))
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id", ondelete="CASCADE"))
    state: Mapped[ItemState] = mapped_column(str_enum(ItemState, "agenda_item_state"), default=ItemState.WAITING)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopened: Mapped[bool] = mapped_column(default=False)
    reopen_reason: Mapped[str | None] = mapped_column(db.Text)

    session: Mapped[LiveSession] = relationship(back_populates="items")
    paragraph: Mapped[Paragraph | None] = relationship()
    amendment = relationship("Amendment")


class CheckIn(Model):
    """An organisation present in the session: confirmed by one of its delegates, or ticked by the office."""

    __tablename__ = "live_check_in"
    __table_args__ = (UniqueConstraint("session_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    by_office: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship()


class Proxy(Model):
    """An organisation's vote for the session handed to another member organisation (`holder`).

    Asked for by one of the giving organisation's delegates, in force once the office confirms it, until
    it is withdrawn (only while no question is open). At most one proxy of an organisation is in force or
    waiting per session (a unique index over the rows not withdrawn); how many one holder may hold is the
    draft's `live_proxy_limit`."""

    __tablename__ = "live_proxy"
    __table_args__ = (
        Index(
            "uq_live_proxy_giver",
            "session_id",
            "organisation_id",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
        CheckConstraint("organisation_id <> holder_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    holder: Mapped[Organisation] = relationship(foreign_keys=[holder_id])


class VoteConflict(Model):
    """A paper ballot and a vote from a phone (or the reverse) of one organisation on one question in the
    session: the later one counts, and the office confirms that it has seen the conflict."""

    __tablename__ = "live_vote_conflict"
    __table_args__ = (CheckConstraint("paragraph_id IS NULL OR amendment_id IS NULL", name="one_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("paragraph.id", ondelete="CASCADE"))
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id", ondelete="CASCADE"))
    earlier_cast_id: Mapped[int | None] = mapped_column(ForeignKey("vote_cast.id", ondelete="SET NULL"))
    later_cast_id: Mapped[int | None] = mapped_column(ForeignKey("vote_cast.id", ondelete="SET NULL"))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
