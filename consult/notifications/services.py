"""Notifying people: `notify()` records an event for each person who opted into its topic.

The areas below do not call this module (it stands above them): the view that called their service
composes the two, and scheduled work (deadlines) calls it from `flask run-scheduled`."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from consult.extensions import db
from consult.notifications.models import TOPIC_OF, Notification, NotificationKind, NotificationSetting


def notify(recipients: Iterable, kind: NotificationKind, *, link: str, now: datetime, draft=None,
           params: dict | None = None, once_key: str | None = None) -> list[Notification]:
    """A notification of `kind` for each of `recipients` (people) who opted into its topic.

    `params` are what the text needs (plain JSON values: a paragraph's number, an organisation's name);
    `link` is the path the e-mail points to. With `once_key`, a person who already has a notification with
    that key gets no second one (the scheduled run finds a deadline again every few minutes).
    Never commits."""
    people = {person.id: person for person in recipients if person is not None}
    if not people:
        return []
    topic = TOPIC_OF[kind]
    settings = db.session.scalars(select(NotificationSetting).where(NotificationSetting.user_id.in_(people)))
    wanting = [setting.user_id for setting in settings if setting.wants(topic)
               and people[setting.user_id].is_active_account]
    if once_key is not None and wanting:
        have = set(db.session.scalars(select(Notification.user_id).where(
            Notification.user_id.in_(wanting), Notification.once_key == once_key)))
        wanting = [user_id for user_id in wanting if user_id not in have]
    made = [Notification(user_id=user_id, kind=kind, draft_id=getattr(draft, "id", None), params=params or {},
                         link=link, once_key=once_key, created_at=now) for user_id in wanting]
    db.session.add_all(made)
    db.session.flush()
    return made
