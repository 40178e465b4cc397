"""Reminders from the overview: the preview, who gets the mail and in which language, at most one per organisation
and draft per Berlin day under repeated clicks, the audit row, and refusals."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select

from consult.accounts.models import Role
from consult.audit.models import AuditEntry
from consult.core import clock
from consult.drafts.models import DraftDeadline, Phase
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.participation.models import Reminder
from consult.participation.services import berlin_day
from tests import factories
from tests.conftest import csrf_token
from tests.participation.seed import office, seed

# 23:30 UTC on 2 December is 00:30 on 3 December in Berlin: the day of the rule is Berlin's.
LATE = datetime(2026, 12, 2, 23, 30, tzinfo=timezone.utc)


def _people(seeded):
    """Besides B's delegate: B's contact person (Turkish), a B delegate in English, a deactivated B delegate,
    and a moderator of no organisation. Only active contact persons and delegates of B get the mail."""
    b = seeded.organisations["B"]
    seeded.delegates["B"].locale = "de"
    contact = factories.user(email="kontakt@b.example", org=b, name="Kontakt B")
    contact.is_contact_person, contact.locale = True, "tr"
    english = factories.user(email="english@b.example", org=b, name="English B")
    english.locale = "en"
    gone = factories.user(email="gone@b.example", org=b, name="Gone B")
    gone.is_active_account = False
    db.session.flush()


def _preview(client, slug, organisation_ids) -> str:
    query = "&".join(f"organisation={i}" for i in organisation_ids)
    preview = client.get(f"/drafts/{slug}/participation/reminder?{query}")
    assert preview.status_code == 200
    return preview.get_data(as_text=True)


def _send(client, slug, page, organisation_ids):
    return client.post(
        f"/drafts/{slug}/participation/reminder",
        data={"csrf_token": csrf_token(page), "organisation": organisation_ids},
    )


def _preview_and_send(client, slug, organisation_ids):
    page = _preview(client, slug, organisation_ids)
    return page, _send(client, slug, page, organisation_ids)


def test_preview_then_send_in_each_recipients_language(app, client, auth, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: LATE)
    seeded = seed()
    _people(seeded)
    moderator = office()
    slug, b, c = seeded.draft.slug, seeded.organisations["B"].id, seeded.organisations["C"].id
    title = seeded.draft.title
    db.session.commit()
    auth.login(moderator.email, factories.PASSWORD)

    page = _preview(client, slug, [b, c])
    # The preview: the mail in German, the note on languages, both organisations ticked, the button
    assert f"Erinnerung: {title}" in page and "in ihrer eigenen Sprache" in page
    assert "Verein B e.V." in page and "Verein C e.V." in page and "Erinnerung senden" in page
    assert not db.session.scalars(select(OutboxMessage)).all(), "the preview sends nothing"
    sent = _send(client, slug, page, [b, c])

    assert sent.status_code == 200
    body = sent.get_data(as_text=True)
    assert "2 Organisationen wurden erinnert" in body
    mails = {m.recipient: m for m in db.session.scalars(select(OutboxMessage))}
    assert set(mails) == {
        seeded.delegates["B"].email,
        "kontakt@b.example",
        "english@b.example",
        seeded.delegates["C"].email,
    }
    assert mails[seeded.delegates["B"].email].subject == f"Erinnerung: {title}"
    assert mails["english@b.example"].subject == f"Reminder: {title}"
    assert mails["kontakt@b.example"].subject == f"Hatırlatma: {title}"
    german = mails[seeded.delegates["B"].email].body
    assert "Kommentierung" in german and "Verein B e.V." in german and f"/drafts/{slug}" in german
    assert all(m.template == "reminder" for m in mails.values())

    reminders = db.session.scalars(select(Reminder).order_by(Reminder.organisation_id)).all()
    assert [(r.organisation_id, r.day, r.automatic, r.sent_by_id, r.phase) for r in reminders] == [
        (b, berlin_day(LATE), False, moderator.id, Phase.COMMENTING),
        (c, berlin_day(LATE), False, moderator.id, Phase.COMMENTING),
    ]
    assert berlin_day(LATE).day == 2 + 1 and [r.recipients for r in reminders] == [3, 1]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "participation.reminder")).one()
    assert audit.actor_id == moderator.id and audit.details["reminded"] == [b, c]
    assert "Erinnerung gesendet" in client.get("/audit").get_data(as_text=True)

    # The overview says when each was last reminded
    overview = client.get(f"/drafts/{slug}/participation").get_data(as_text=True)
    row = re.search(r'data-organisation="Verein B e.V.".*?</tr>', overview, re.S).group(0)
    assert "03.12.2026" in row or "3. Dez" in row


def test_repeated_clicks_remind_once_a_day(app, client, auth, monkeypatch):
    moment = {"now": datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])
    seeded = seed()
    moderator, board = office(), office(Role.BOARD, "board@example.org")
    slug, b, c = seeded.draft.slug, seeded.organisations["B"].id, seeded.organisations["C"].id
    db.session.commit()
    auth.login(moderator.email, factories.PASSWORD)
    _, first = _preview_and_send(client, slug, [b])
    assert "1 Organisation wurde erinnert" in first.get_data(as_text=True)
    page, again = _preview_and_send(client, slug, [b, c])
    # The same form sent twice more (a double click, the back button): nothing more goes out
    token = csrf_token(page)
    third = client.post(f"/drafts/{slug}/participation/reminder", data={"csrf_token": token, "organisation": [b, c]})
    text = again.get_data(as_text=True)
    assert "1 Organisation wurde erinnert" in text and "übersprungen" in text and "Verein B e.V." in text
    assert "0 Organisationen wurden erinnert" in third.get_data(as_text=True)
    auth.logout()
    auth.login(board.email, factories.PASSWORD)  # the board, the same day: skipped too
    _, fourth = _preview_and_send(client, slug, [b])
    assert "0 Organisationen wurden erinnert" in fourth.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Reminder)) == 2
    assert (
        len(
            db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.recipient == seeded.delegates["B"].email)
            ).all()
        )
        == 1
    )
    # The next Berlin day, B can be reminded again
    moment["now"] = datetime(2026, 12, 2, 23, 5, tzinfo=timezone.utc)
    _, next_day = _preview_and_send(client, slug, [b])
    assert "1 Organisation wurde erinnert" in next_day.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Reminder)) == 3


def test_all_without_response_are_chosen(app, client, auth):
    seeded = seed()
    moderator = office()
    db.session.commit()
    auth.login(moderator.email, factories.PASSWORD)
    page = client.get(f"/drafts/{seeded.draft.slug}/participation/reminder?all=1").get_data(as_text=True)
    chosen = set(re.findall(r'name="organisation" value="(\d+)" checked', page))
    assert chosen == {str(seeded.organisations[x].id) for x in "BCDFG"}


def test_refusals(app, client, auth, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc))
    seeded = seed()
    moderator = office()
    slug, b, h = seeded.draft.slug, seeded.organisations["B"].id, seeded.organisations["H"].id
    delegate = seeded.delegates["A"]
    db.session.commit()
    auth.login(moderator.email, factories.PASSWORD)
    page = client.get(f"/drafts/{slug}/participation/reminder?organisation={b}").get_data(as_text=True)
    token = csrf_token(page)
    # no CSRF token: 400; nothing chosen: 422 with a message; a non-member: 422
    assert client.post(f"/drafts/{slug}/participation/reminder", data={"organisation": [b]}).status_code == 400
    empty = client.post(f"/drafts/{slug}/participation/reminder", data={"csrf_token": token})
    assert empty.status_code == 422 and "mindestens eine Organisation" in empty.get_data(as_text=True)
    assert (
        client.post(
            f"/drafts/{slug}/participation/reminder", data={"csrf_token": token, "organisation": [b, h]}
        ).status_code
        == 422
    )
    # past the deadline: 409, and no button on the overview
    db.session.add(
        DraftDeadline(
            draft_id=seeded.draft.id, phase=Phase.COMMENTING, ends_at=datetime(2026, 12, 1, tzinfo=timezone.utc)
        )
    )
    db.session.commit()
    closed = client.post(f"/drafts/{slug}/participation/reminder", data={"csrf_token": token, "organisation": [b]})
    assert closed.status_code == 409
    assert "Erinnerung an die Ausgewählten ansehen" not in client.get(f"/drafts/{slug}/participation").get_data(
        as_text=True
    )
    auth.logout()
    auth.login(delegate.email, factories.PASSWORD)
    assert client.post(
        f"/drafts/{slug}/participation/reminder", data={"csrf_token": token, "organisation": [b]}
    ).status_code in (400, 403)
    assert not db.session.scalars(select(Reminder)).all() and not db.session.scalars(select(OutboxMessage)).all()
