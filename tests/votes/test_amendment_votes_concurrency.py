"""One organisation, one vote on an amendment: 12 delegates of 6 organisations vote on an amendment put to the
vote at the same moment, as real parallel HTTP requests to gunicorn processes on PostgreSQL (as
tests/votes/test_concurrency.py does for a paragraph). Afterwards every organisation has exactly one vote on the
amendment, its latest cast; the history holds every cast; the tally equals a recount; no server error."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select

from consult.drafts.models import Phase
from consult.extensions import db
from consult.votes.models import Choice, Vote, VoteCast
from consult.votes.queries import tally
from tests import factories
from tests.served import TIMEOUT, Browser, Gunicorn, csrf_token
from tests.votes.test_amendment_votes import make_amendment
from tests.votes.test_concurrency import only_postgresql

ORGANISATIONS = 6
WORKERS = 3


@only_postgresql
def test_parallel_votes_on_an_amendment_leave_one_vote_per_organisation(app, database_url):
    organisations, delegates = [], []
    for _ in range(ORGANISATIONS):
        org = factories.organisation()
        organisations.append(org.id)
        for _ in range(2):
            person = factories.user(org=org)
            delegates.append((person.email, person.id, org.id))
    draft = factories.draft(paragraphs=4, phase=Phase.VOTING)
    amendment = make_amendment(draft, 2, None, None)
    slug, draft_id, amendment_id = draft.slug, draft.id, amendment.id
    db.session.commit()
    db.session.remove()
    choices = list(Choice)
    plan = [
        (email, user_id, org_id, choices[(i // 2 + i % 2) % 3].value, i % 2 == 0)
        for i, (email, user_id, org_id) in enumerate(delegates)
    ]

    server = Gunicorn(database_url, WORKERS)
    try:
        server.wait_until_ready()
        browsers, tokens = [], []
        for email, *_ in plan:
            browser = Browser(server.base)
            browser.sign_in(email)
            status, _, html = browser.request(f"/drafts/{slug}")
            assert status == 200 and f'name="vote" value="a{amendment_id}:yes"' in html
            browsers.append(browser)
            tokens.append(csrf_token(html))
        barrier = threading.Barrier(len(plan))
        results: list = [None] * len(plan)

        def vote(i: int) -> None:
            _, _, _, choice, with_htmx = plan[i]
            headers = {"HX-Request": "true"} if with_htmx else {}
            try:
                barrier.wait(timeout=TIMEOUT)
                results[i] = browsers[i].request(
                    f"/drafts/{slug}/votes", {"csrf_token": tokens[i], "vote": f"a{amendment_id}:{choice}"}, headers
                )
            except BaseException as error:  # reported below, with the others
                results[i] = error

        threads = [threading.Thread(target=vote, args=(i,)) for i in range(len(plan))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT + 5)
        assert not any(thread.is_alive() for thread in threads), "a vote request hung"
    finally:
        server.stop()

    problems = []
    for (email, _, _, _, with_htmx), result in zip(plan, results, strict=True):
        if isinstance(result, BaseException) or result is None:
            problems.append(f"{email}: {result!r}")
            continue
        status, headers, body = result
        if with_htmx and status == 200 and f'id="vote-a{amendment_id}"' in body:
            continue
        if not with_htmx and status == 302 and headers.get("Location", "").endswith(f"#vote-a{amendment_id}"):
            continue
        problems.append(f"{email} (htmx={with_htmx}): {status} {headers.get('Location', '')} {body[:300]!r}")
    assert not problems, "unexpected answers:\n" + "\n".join(problems) + "\n" + server.log()

    votes = db.session.execute(
        select(Vote.organisation_id, Vote.choice, Vote.cast_by_id, Vote.cast_at, Vote.paragraph_id).where(
            Vote.draft_id == draft_id
        )
    ).all()
    assert sorted(v.organisation_id for v in votes) == sorted(organisations)
    assert all(v.paragraph_id is None for v in votes)
    casts = db.session.execute(
        select(VoteCast.id, VoteCast.organisation_id, VoteCast.choice, VoteCast.cast_by_id, VoteCast.cast_at).where(
            VoteCast.amendment_id == amendment_id
        )
    ).all()
    assert sorted((c.cast_by_id, c.organisation_id, c.choice.value) for c in casts) == sorted(
        (user_id, org_id, choice) for _, user_id, org_id, choice, _ in plan
    )
    counted = tally(draft_id, None, amendment_id)
    assert counted.counts == {choice: Counter(v.choice for v in votes)[choice] for choice in Choice}
    assert counted.voted == counted.entitled == ORGANISATIONS
    for vote in votes:
        latest = max((c for c in casts if c.organisation_id == vote.organisation_id), key=lambda c: (c.cast_at, c.id))
        assert (vote.choice, vote.cast_by_id, vote.cast_at) == (latest.choice, latest.cast_by_id, latest.cast_at)
    db.session.remove()
