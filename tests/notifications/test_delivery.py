"""Delivery: at once (one e-mail per notification, in the recipient's language), or the daily digest (one
e-mail, grouped by draft and kind, once a day, safe under two runs at once); the scheduled step."""

from __future__ import annotations

import re
from datetime import timedelta

from consult.core import clock
from consult.extensions import db
from consult.notifications.models import NotificationKind, NotificationMode, NotificationSetting, Topic
from consult.notifications.services import _claim_digest, notify, send_digests
from consult.scheduled import run_scheduled
from tests import factories
from tests.notifications.conftest import mails, notified, opt_in


def _event(world, person, kind, draft=None, now=None, **params):
    draft = draft or world["draft"]
    made = notify(
        [person],
        kind,
        link=f"/drafts/{draft.slug}",
        now=now or clock.now(),
        draft=draft,
        params={"draft": draft.title, **params},
    )
    db.session.commit()
    return made


def test_at_once_one_mail_per_notification_in_the_recipients_language(app, world):
    world["a1"].locale = "tr"
    db.session.commit()
    opt_in(world["a1"], world["a2"])
    _event(world, world["a1"], NotificationKind.REPLY, name="Xaver")
    _event(world, world["a2"], NotificationKind.REPLY, name="Xaver")
    turkish, german = mails("notification")
    assert turkish.recipient == "a1@example.org" and german.recipient == "a2@example.org"
    assert "Xaver, “Teilhabegesetz” hakkındaki yorumunuza yanıt verdi." in turkish.body
    assert "Xaver hat auf Ihren Kommentar zu „Teilhabegesetz“ geantwortet." in german.body
    assert "http://localhost/drafts/teilhabe" in german.body
    # The unsubscribe link names the topic it switches off.
    assert re.search(r"http://localhost/notifications/unsubscribe/\S+", german.body)
    assert "Antworten auf meine Kommentare" in german.body
    assert all(n.mailed_at is not None for n in notified())


def test_the_daily_digest_groups_by_draft_and_kind_and_goes_once_a_day(app, world):
    now = clock.now()
    other = factories.draft(paragraphs=2, slug="vielfalt", title="Vielfaltsrat")
    db.session.commit()
    opt_in(world["a1"], mode=NotificationMode.DAILY)
    _event(world, world["a1"], NotificationKind.REPLY, now=now, name="Xaver")
    _event(world, world["a1"], NotificationKind.PHASE_STARTED, draft=other, now=now, phase="voting")
    _event(world, world["a1"], NotificationKind.REPLY, now=now, name="Moni")
    _event(
        world, world["a1"], NotificationKind.AMENDMENT_SUPPORTED, now=now, amendment=7, organisation="Verein Xenia e.V."
    )
    assert mails() == []  # nothing at once on the digest
    assert send_digests(now) == 1
    [digest] = mails("digest")
    body = digest.body
    assert digest.recipient == "a1@example.org" and digest.subject == (
        "Ihre tägliche Zusammenfassung von der Konsultationsplattform"
    )
    # Drafts in the order of their first notification; within a draft, kinds in a fixed order.
    order = [
        body.index(text)
        for text in (
            "== Teilhabegesetz ==",
            "Antworten auf Ihre Kommentare",
            "Xaver hat",
            "Moni hat",
            "Unterstützung für Änderungsanträge Ihrer Organisation",
            "Verein Xenia e.V. unterstützt",
            "== Vielfaltsrat ==",
            "Neue Phasen",
            "„Vielfaltsrat“ ist jetzt in der Phase „Abstimmung“",
        )
    ]
    assert order == sorted(order)
    assert body.count("http://localhost/drafts/teilhabe") == 3 and "http://localhost/drafts/vielfalt" in body
    assert "/notifications/unsubscribe/" in body
    # A second run the same day sends nothing, also with something new waiting.
    _event(world, world["a1"], NotificationKind.REPLY, now=now + timedelta(hours=2), name="Bora")
    assert send_digests(now + timedelta(hours=3)) == 0
    assert send_digests(now + timedelta(hours=23, minutes=59)) == 0
    # The next day: only what is new.
    assert send_digests(now + timedelta(hours=24)) == 1
    latest = mails("digest")[-1].body
    assert "Bora hat" in latest and "Xaver hat" not in latest
    db.session.expire_all()
    assert db.session.get(NotificationSetting, world["a1"].id).last_digest_at == now + timedelta(hours=24)
    assert all(n.mailed_at is not None for n in notified())
    assert send_digests(now + timedelta(hours=60)) == 0  # nothing waits: no empty digest


def test_what_was_turned_off_before_the_digest_is_not_sent(app, world):
    now = clock.now()
    opt_in(world["a1"], world["a2"], mode=NotificationMode.DAILY)
    _event(world, world["a1"], NotificationKind.REPLY, now=now, name="Xaver")
    _event(world, world["a1"], NotificationKind.PHASE_STARTED, now=now, phase="editing")
    _event(world, world["a2"], NotificationKind.REPLY, now=now, name="Xaver")
    opt_in(world["a1"], mode=NotificationMode.DAILY, topics=(Topic.PHASES,))  # replies off
    opt_in(world["a2"], mode=NotificationMode.OFF)
    assert send_digests(now) == 1
    [digest] = mails("digest")
    assert digest.recipient == "a1@example.org"
    assert "Redaktion" in digest.body and "Xaver" not in digest.body
    # Not sent, and not found again later.
    assert all(n.mailed_at is not None for n in notified())


def test_two_runs_at_once_claim_a_persons_digest_once(app, world):
    opt_in(world["a1"], mode=NotificationMode.DAILY)
    now = clock.now()
    assert _claim_digest(world["a1"].id, None, now) is True
    # The other run read the same "never" a moment ago: its claim finds the row changed.
    assert _claim_digest(world["a1"].id, None, now) is False
    db.session.commit()
    assert _claim_digest(world["a1"].id, now, now + timedelta(days=1)) is True
    assert _claim_digest(world["a1"].id, now, now + timedelta(days=1)) is False


def test_run_scheduled_announces_deadlines_and_writes_digests_before_sending(app, world):
    from consult.drafts.models import DraftDeadline, Phase

    now = clock.now()
    opt_in(world["a1"], mode=NotificationMode.DAILY)
    db.session.add(DraftDeadline(draft_id=world["draft_id"], phase=Phase.COMMENTING, ends_at=now + timedelta(hours=30)))
    db.session.commit()
    lines = run_scheduled(now)
    assert "notifications: 1 about deadlines, 1 daily digests written." in lines
    assert lines[-1].startswith("mail: sent 1,")
    [digest] = mails("digest")
    assert "Fristen in den nächsten 48 Stunden" in digest.body and digest.sent_at is not None
    assert "notifications: 0 about deadlines, 0 daily digests written." in run_scheduled(now + timedelta(minutes=5))


def test_run_scheduled_deletes_notifications_mailed_long_ago(app, world):
    now = clock.now()
    opt_in(world["a1"])
    old = _event(world, world["a1"], NotificationKind.REPLY, now=now - timedelta(days=91), name="Xaver")[0].id
    recent = _event(world, world["a1"], NotificationKind.REPLY, now=now - timedelta(days=89), name="Moni")[0].id
    waiting = _event(world, world["a1"], NotificationKind.REPLY, now=now - timedelta(days=100), name="Bora")[0]
    waiting.mailed_at = None  # never mailed (e.g. a digest that never came due): kept
    db.session.commit()
    run_scheduled(now)
    assert old not in [n.id for n in notified()]
    assert [n.id for n in notified()] == [recent, waiting.id]
