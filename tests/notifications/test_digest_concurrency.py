"""Two scheduled runs at the same moment (a cron line and a timer, or a slow run and the next one), each in its
own transaction on PostgreSQL: both find the same person's digest due before either writes; the claim (a
conditional UPDATE on the time of the last digest) lets one of them write it. One e-mail, not two."""

from __future__ import annotations

import os
import threading
from datetime import datetime, timezone

import pytest

from consult.extensions import db
from consult.notifications import services
from consult.notifications.models import NotificationKind, NotificationMode
from tests import postgres
from tests.notifications.conftest import mails, opt_in

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)
PG_AVAILABLE = postgres.server_bin() is not None or os.environ.get("CONSULT_TEST_POSTGRES") == "1"
only_postgresql = pytest.mark.parametrize("backend", ["postgresql"] if PG_AVAILABLE else [])


@only_postgresql
def test_two_runs_at_once_write_one_digest(app, world, monkeypatch):
    opt_in(world["a1"], mode=NotificationMode.DAILY)
    services.notify(
        [world["a1"]],
        NotificationKind.REPLY,
        link="/drafts/teilhabe",
        now=NOW,
        draft=world["draft"],
        params={"draft": "Teilhabegesetz", "name": "Xaver"},
    )
    db.session.commit()
    db.session.remove()

    both_found_it_due = threading.Barrier(2, timeout=20)
    claim = services._claim_digest

    def after_both_found_it(*args):
        both_found_it_due.wait()
        return claim(*args)

    monkeypatch.setattr(services, "_claim_digest", after_both_found_it)
    written: list[int] = []
    errors: list[BaseException] = []

    def run():
        with app.app_context():
            try:
                written.append(services.send_digests(NOW))
            except BaseException as error:  # reported below, not lost in the thread
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and sorted(written) == [0, 1]
    assert [m.recipient for m in mails("digest")] == ["a1@example.org"]


@only_postgresql
def test_two_runs_at_once_announce_a_deadline_once(app, world, monkeypatch):
    from datetime import timedelta

    from consult.drafts.models import DraftDeadline, Phase
    from tests.notifications.conftest import notified

    opt_in(world["a1"], world["x1"])
    db.session.add(DraftDeadline(draft_id=world["draft_id"], phase=Phase.COMMENTING, ends_at=NOW + timedelta(hours=30)))
    db.session.commit()
    db.session.remove()

    both_found_it = threading.Barrier(2, timeout=20)
    audience = services.audience

    def after_both_found_it(draft):
        both_found_it.wait()
        return audience(draft)

    monkeypatch.setattr(services, "audience", after_both_found_it)
    lines: list[str] = []
    errors: list[BaseException] = []

    def run():
        with app.app_context():
            try:
                lines.append(services.run_scheduled_step(NOW))
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(lines) == [
        "0 about deadlines, 0 daily digests written.",
        "2 about deadlines, 0 daily digests written.",
    ]
    assert sorted(n.user.email for n in notified(kind=NotificationKind.DEADLINE_SOON)) == [
        "a1@example.org",
        "x1@example.org",
    ]
    assert sorted(m.recipient for m in mails("notification")) == ["a1@example.org", "x1@example.org"]
