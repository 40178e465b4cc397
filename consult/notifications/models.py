"""A person's notification settings, and the notifications waiting for their e-mail (at once or in the digest)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.extensions import Model


class NotificationMode(enum.StrEnum):
    OFF = "off"
    IMMEDIATE = "immediate"  # one e-mail per event, right away
    DAILY = "daily"  # one e-mail a day with everything since the last one


class Topic(enum.StrEnum):
    """What a person opts into; each event belongs to one topic, and an unsubscribe link turns one off."""

    REPLIES = "replies"  # replies to my comments
    AMENDMENTS = "amendments"  # my amendments: supported, recommended, decided, commented
    PHASES = "phases"  # a phase of a draft started; a deadline in 48 hours
    INTERNAL = "internal"  # an internal draft of my organisation waits for my agreement


class NotificationKind(enum.StrEnum):
    REPLY = "reply"
    AMENDMENT_SUPPORTED = "supported"
    AMENDMENT_RECOMMENDED = "recommended"
    AMENDMENT_DECIDED = "decided"
    AMENDMENT_COMMENTED = "commented"
    PHASE_STARTED = "phase_started"
    DEADLINE_SOON = "deadline_soon"
    AGREEMENT_WANTED = "agreement_wanted"


TOPIC_OF: dict[NotificationKind, Topic] = {
    NotificationKind.REPLY: Topic.REPLIES,
    NotificationKind.AMENDMENT_SUPPORTED: Topic.AMENDMENTS,
    NotificationKind.AMENDMENT_RECOMMENDED: Topic.AMENDMENTS,
    NotificationKind.AMENDMENT_DECIDED: Topic.AMENDMENTS,
    NotificationKind.AMENDMENT_COMMENTED: Topic.AMENDMENTS,
    NotificationKind.PHASE_STARTED: Topic.PHASES,
    NotificationKind.DEADLINE_SOON: Topic.PHASES,
    NotificationKind.AGREEMENT_WANTED: Topic.INTERNAL,
}


class NotificationSetting(Model):
    """A person's choice: how (off, at once, daily digest) and about what. No row: off (notifications are
    opt-in)."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[NotificationMode] = mapped_column(
        str_enum(NotificationMode, "notification_mode"), default=NotificationMode.OFF
    )
    replies: Mapped[bool] = mapped_column(default=True)
    amendments: Mapped[bool] = mapped_column(default=True)
    phases: Mapped[bool] = mapped_column(default=True)
    internal: Mapped[bool] = mapped_column(default=True)
    # When the last daily digest went out: the next one waits a day.
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()

    def wants(self, topic: Topic) -> bool:
        return self.mode != NotificationMode.OFF and bool(getattr(self, topic.value))


class Notification(Model):
    """One event for one person. Its text is written when the e-mail is (in the person's language then), from
    `kind` and `params`; `link` is the path it points to. `mailed_at` is set when an e-mail carried it (at once,
    or in a digest). `once_key` makes an event that a scheduled run finds again (a deadline in 48 hours) a
    single notification: unique per person."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("user_id", "once_key"),)
    # On no cached page of the draft: writing one leaves `Draft.revision` alone (consult.drafts.revision).
    shown_on_draft_pages: ClassVar[bool] = False

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, "notification_kind"))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(500))
    once_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    user: Mapped[User] = relationship()
