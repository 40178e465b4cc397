"""Five organisations support an amendment with a supporter quorum of 3 at the same moment, as real
parallel HTTP requests to the app served by several gunicorn processes on PostgreSQL (threads in one
process, or SQLite, would hide the race). Each support is counted once, the amendment is published
exactly once (one audit row, by the third support counted), and no request got a server error."""

from __future__ import annotations

import html as html_lib
import re
import threading

from sqlalchemy import select

from consult.amendments.models import Amendment, AmendmentKind, AmendmentSupport
from consult.amendments.services import propose
from consult.audit.models import AuditEntry
from consult.core.db import utcnow
from consult.drafts.models import Phase
from consult.extensions import db
from tests import factories
from tests.served import TIMEOUT, Browser, Gunicorn, csrf_token
from tests.votes.test_concurrency import only_postgresql

SUPPORTERS = 5
QUORUM = 3
WORKERS = 4


@only_postgresql
def test_concurrent_supports_count_once_each_and_publish_once(app, database_url):
    proposer_org = factories.organisation()
    proposer = factories.user(org=proposer_org)
    supporters = [factories.user(org=factories.organisation()) for _ in range(SUPPORTERS)]
    outsider = factories.user(org=factories.organisation())
    draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING)
    draft.support_quorum = QUORUM
    text = draft.versions[0].texts[1]
    amendment = propose(proposer, draft, text, AmendmentKind.REPLACE, text.text + " Parallelwort.", "Weil.", utcnow())
    amendment_id, page = amendment.id, f"/drafts/{draft.slug}/amendments/{amendment.id}"
    emails, outsider_email, proposer_email = [p.email for p in supporters], outsider.email, proposer.email
    supporter_orgs = sorted(p.organisation_id for p in supporters)
    db.session.commit()
    db.session.remove()

    server = Gunicorn(database_url, WORKERS)
    try:
        server.wait_until_ready()
        # -- the proposer copies the support link from the amendment's page
        own = Browser(server.base)
        own.sign_in(proposer_email)
        status, _, body = own.request(page)
        assert status == 200
        link = html_lib.unescape(re.search(r'id="support-link"[^>]* value="([^"]+)"', body).group(1))
        path = link[link.index("/drafts/") :]

        # -- an outsider without the link sees nothing; each supporter opens the link
        stranger = Browser(server.base)
        stranger.sign_in(outsider_email)
        assert stranger.request(page)[0] == 404
        browsers, tokens = [], []
        for email in emails:
            browser = Browser(server.base)
            browser.sign_in(email)
            status, _, body = browser.request(path)
            assert status == 200 and "Parallelwort" in body, f"{email}: {status}"
            browsers.append(browser)
            tokens.append(csrf_token(body))

        # -- five supports released at the same moment
        barrier = threading.Barrier(SUPPORTERS)
        results: list = [None] * SUPPORTERS

        def support(i: int) -> None:
            headers = {"HX-Request": "true"} if i % 2 else {}
            try:
                barrier.wait(timeout=TIMEOUT)
                results[i] = browsers[i].request(f"{page}/support", {"csrf_token": tokens[i]}, headers)
            except BaseException as error:  # reported below
                results[i] = error

        threads = [threading.Thread(target=support, args=(i,)) for i in range(SUPPORTERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT + 5)
        assert not any(thread.is_alive() for thread in threads), "a support request hung"
        problems = [
            f"{emails[i]}: {r!r}"[:400]
            for i, r in enumerate(results)
            if isinstance(r, BaseException) or r is None or r[0] not in (200, 302)
        ]
        assert not problems, "\n".join(problems) + "\n" + server.log()

        # -- published: now the outsider sees it
        status, _, body = stranger.request(page)
        assert status == 200 and f"{SUPPORTERS} von {QUORUM} unterstützenden Organisationen" in body
    finally:
        server.stop()

    supports = db.session.scalars(
        select(AmendmentSupport.organisation_id).where(AmendmentSupport.amendment_id == amendment_id)
    ).all()
    assert sorted(supports) == supporter_orgs
    published = db.session.get(Amendment, amendment_id)
    assert published.published_at is not None
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "amendment.published")).all()
    assert len(audit) == 1, [a.details for a in audit]
    assert audit[0].details["supporters"] == QUORUM and audit[0].at == published.published_at
    # The support that published it is the third one stored.
    third = db.session.scalars(
        select(AmendmentSupport).where(AmendmentSupport.amendment_id == amendment_id).order_by(AmendmentSupport.id)
    ).all()[QUORUM - 1]
    assert third.user_id == audit[0].actor_id
