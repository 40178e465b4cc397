"""The board sets the automatic reminder of a draft where its other settings are: days before the deadline, or
none; a number out of range is refused with a message and changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from consult.accounts.models import Role
from consult.audit.models import AuditEntry
from consult.drafts.models import Draft, Phase
from consult.extensions import db
from tests import factories
from tests.conftest import csrf_token

BASE = {
    "title": "Vorlage",
    "moderation_policy": "publish",
    "majority_rule": "simple",
    "commenting_ends": "",
    "voting_ends": "",
}


def _save(client, **fields):
    page = client.get("/drafts/vorlage/settings").get_data(as_text=True)
    assert 'name="reminder_days"' in page
    return client.post("/drafts/vorlage/settings", data={"csrf_token": csrf_token(page), **BASE, **fields})


def _days():
    db.session.expire_all()
    return db.session.scalars(select(Draft.reminder_days).where(Draft.slug == "vorlage")).one()


def test_board_sets_and_clears_the_automatic_reminder(app, client, auth):
    factories.user(email="board@example.org", roles=(Role.BOARD,))
    factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="vorlage", title="Vorlage")
    db.session.commit()
    auth.login("board@example.org", factories.PASSWORD)
    assert _save(client, reminder_days="3").status_code == 302
    assert _days() == 3
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "draft.settings")).one().details[
        "changed"
    ] == {"reminder_days": "3"}
    refused = _save(client, reminder_days="0")
    assert refused.status_code == 422 and "zwischen 1 und 60" in refused.get_data(as_text=True)
    assert _days() == 3
    assert _save(client, reminder_days="").status_code == 302
    assert _days() is None
