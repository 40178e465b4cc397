"""The people and draft the notification tests share: two organisations, the office, the board, a draft."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.accounts.models import Role
from consult.core import clock
from consult.drafts.models import Phase
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.notifications.models import Notification, NotificationMode, Topic
from consult.notifications.services import save_settings
from tests import factories
from tests.conftest import csrf_token

ALL_TOPICS = tuple(Topic)


@pytest.fixture
def world(app):
    org, other = (
        factories.organisation(name="Verein Alpha e.V.", short_name="ABC"),
        factories.organisation(name="Verein Xenia e.V.", short_name="XYZ"),
    )
    people = {
        "a1": factories.user(email="a1@example.org", name="Aylin", org=org),
        "a2": factories.user(email="a2@example.org", name="Ahmet", org=org),
        "x1": factories.user(email="x1@example.org", name="Xaver", org=other),
        "mod": factories.user(email="mod@example.org", name="Moni", roles=(Role.MODERATOR,)),
        "board": factories.user(email="board@example.org", name="Bora", roles=(Role.BOARD,)),
    }
    draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="teilhabe", title="Teilhabegesetz")
    db.session.commit()
    return {
        "draft": draft,
        "draft_id": draft.id,
        "pid": draft.versions[0].texts[1].paragraph_id,
        "org": org,
        "other": other,
        **people,
    }


def opt_in(*people, mode=NotificationMode.IMMEDIATE, topics=ALL_TOPICS) -> None:
    for person in people:
        save_settings(person, mode, topics, clock.now())
    db.session.commit()


def notified(person=None, kind=None) -> list[Notification]:
    """The notifications stored (for a person, of a kind), read fresh from the database."""
    db.session.expire_all()
    query = select(Notification).order_by(Notification.id)
    if person is not None:
        query = query.where(Notification.user_id == person.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def who(kind) -> set[str]:
    """E-mail addresses of the people notified of `kind`."""
    return {n.user.email for n in notified(kind=kind)}


def mails(template: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        query = query.where(OutboxMessage.template == template)
    return list(db.session.scalars(query))


def post(client, page_url: str, url: str, **data):
    page = client.get(page_url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(page), **data})
