"""Colleagues act on one internal draft at the same moment, as real parallel HTTP requests to the app served
by several gunicorn processes on PostgreSQL: of four edits from the same text revision exactly one is stored
(the others get 409 with their words kept, nothing overwritten), and of four "Für die Organisation einreichen"
exactly one creates the amendment (one audit row), without a server error."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from consult.amendments.models import Amendment, AmendmentKind
from consult.audit.models import AuditEntry
from consult.core.db import utcnow
from consult.drafts.models import Phase
from consult.extensions import db
from consult.workspace.models import InternalDraft, InternalKind, InternalStatus
from consult.workspace.services import InternalText, start_internal
from tests import factories
from tests.served import TIMEOUT, Browser, Gunicorn, csrf_token
from tests.votes.test_concurrency import only_postgresql

PEOPLE = 4
WORKERS = 4


def _at_once(actions) -> list:
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            results[i] = actions[i]()
        except BaseException as error:  # reported by the caller
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT + 5)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    return results


@only_postgresql
def test_parallel_edits_keep_one_and_parallel_submits_submit_once(app, database_url):
    org = factories.organisation()
    people = [factories.user(org=org) for _ in range(PEOPLE)]
    draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING)
    text = draft.versions[0].texts[1]
    internal = start_internal(
        people[0],
        draft,
        text,
        InternalKind.AMENDMENT,
        InternalText(
            amendment_kind=AmendmentKind.REPLACE, proposed_text=text.text + " Erste Fassung.", justification="Weil."
        ),
        utcnow(),
    )
    internal_id, page = internal.id, f"/drafts/{draft.slug}/workspace/{internal.id}"
    emails, paragraph = [person.email for person in people], text.text
    db.session.commit()
    db.session.remove()

    server = Gunicorn(database_url, WORKERS)
    try:
        server.wait_until_ready()
        browsers, tokens = [], []
        for email in emails:
            browser = Browser(server.base)
            browser.sign_in(email)
            status, _, body = browser.request(page)
            assert status == 200 and "Erste Fassung." in body
            browsers.append(browser)
            tokens.append(csrf_token(body))

        edits = _at_once(
            [
                (
                    lambda i=i: browsers[i].request(
                        page,
                        {
                            "csrf_token": tokens[i],
                            "kind": "replace",
                            "text": paragraph + f" Fassung {i}.",
                            "justification": f"Begründung {i}.",
                            "text_revision": "1",
                        },
                    )
                )
                for i in range(PEOPLE)
            ]
        )
        problems = [repr(r)[:300] for r in edits if isinstance(r, BaseException) or r[0] not in (302, 409)]
        assert not problems, "\n".join(problems) + "\n" + server.log()
        assert sorted(r[0] for r in edits) == [302] + [409] * (PEOPLE - 1)
        for i, result in enumerate(edits):
            if result[0] == 409:  # the words of the refused edit come back, and the stored ones are shown
                assert f"Begründung {i}." in result[2]

        submits = _at_once(
            [
                (lambda i=i: browsers[i].request(page + "/submit", {"csrf_token": tokens[i], "text_revision": "2"}))
                for i in range(PEOPLE)
            ]
        )
        problems = [repr(r)[:300] for r in submits if isinstance(r, BaseException) or r[0] not in (302, 409)]
        assert not problems, "\n".join(problems) + "\n" + server.log()
        assert sorted(r[0] for r in submits) == [302] + [409] * (PEOPLE - 1)
    finally:
        server.stop()

    stored = db.session.get(InternalDraft, internal_id)
    assert stored.text_revision == 2 and stored.status == InternalStatus.SUBMITTED
    assert db.session.scalar(select(func.count()).select_from(Amendment)) == 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "internal_draft.submit")
        )
        == 1
    )
