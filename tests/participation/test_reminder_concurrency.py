"""Several people of the office press "Erinnerung senden" at the same moment, as real parallel HTTP requests to
the app served by several gunicorn processes on PostgreSQL (threads in one process, or SQLite, would hide the
race): each organisation gets one reminder row and one mail per recipient, whichever request won, and no request
got a server error. Their choices overlap, listed in different orders."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request

from sqlalchemy import func, select

from consult.accounts.models import Role
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.participation.models import Reminder
from tests import factories
from tests.participation.seed import seed
from tests.served import TIMEOUT, Browser, Gunicorn, csrf_token
from tests.votes.test_concurrency import only_postgresql

SENDERS = 6
WORKERS = 4


@only_postgresql
def test_parallel_sends_remind_each_organisation_once(app, database_url):
    seeded = seed()
    office = [
        factories.user(email=f"office{i}@example.org", roles=(Role.MODERATOR,), name=f"Büro {i}")
        for i in range(SENDERS)
    ]
    slug = seeded.draft.slug
    waiting = [seeded.organisations[x].id for x in "BCDFG"]
    emails = [p.email for p in office]
    recipients = {x: seeded.delegates[x].email for x in "BCDFG"}
    db.session.commit()
    db.session.remove()

    server = Gunicorn(
        database_url, WORKERS, env={"CONSULT_REQUIRE_2FA": "0", "CONSULT_PUBLIC_URL": "https://consult.example"}
    )
    try:
        server.wait_until_ready()
        browsers, tokens, choices = [], [], []
        for i, email in enumerate(emails):
            browser = Browser(server.base)
            browser.sign_in(email)
            # every sender picks the same organisations, half of them in the other order, some fewer
            chosen = waiting[i % 2 :] if i % 3 else list(reversed(waiting))
            query = "&".join(f"organisation={o}" for o in chosen)
            status, _, body = browser.request(f"/drafts/{slug}/participation/reminder?{query}")
            assert status == 200, f"{email}: {status}"
            browsers.append(browser)
            tokens.append(csrf_token(body))
            choices.append(chosen)

        barrier = threading.Barrier(SENDERS)
        results: list = [None] * SENDERS

        def send(i: int) -> None:
            try:
                barrier.wait(timeout=TIMEOUT)
                data = [("csrf_token", tokens[i])] + [("organisation", str(o)) for o in choices[i]]
                results[i] = _post(browsers[i], slug, data)
            except BaseException as error:  # reported below
                results[i] = error

        threads = [threading.Thread(target=send, args=(i,)) for i in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT + 5)
        assert not any(thread.is_alive() for thread in threads), "a request hung"
        problems = [
            f"{emails[i]}: {r!r}"[:400]
            for i, r in enumerate(results)
            if isinstance(r, BaseException) or r is None or r[0] != 200
        ]
        assert not problems, "\n".join(problems) + "\n" + server.log()
    finally:
        server.stop()

    rows = db.session.execute(select(Reminder.organisation_id, func.count()).group_by(Reminder.organisation_id)).all()
    assert sorted(rows) == sorted((o, 1) for o in waiting)
    for letter, email in recipients.items():
        assert (
            db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == email))
            == 1
        ), letter
    # Every organisation reminded by exactly one of the requests; the others say it was skipped.
    reminded = sum(int(re.search(r"(\d+) Organisation(?:en)? wurden? erinnert", r[2]).group(1)) for r in results)
    assert reminded == len(waiting)


def _post(browser: Browser, slug: str, pairs: list[tuple[str, str]]):
    """A form with a repeated field (urllib's urlencode of a dict cannot repeat one)."""
    request = urllib.request.Request(
        browser.base + f"/drafts/{slug}/participation/reminder", data=urllib.parse.urlencode(pairs).encode()
    )
    try:
        response = browser.opener.open(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
