"""20 delegates of 10 organisations vote on one paragraph at the same moment, as real
parallel HTTP requests to the app served by several gunicorn processes on PostgreSQL
(threads in one process, or SQLite, would hide the race).

Afterwards every organisation has exactly one vote, the history holds every cast,
the tally equals a recount, each organisation's vote is its latest cast, and no
request got a server error.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from consult.drafts.models import Phase
from consult.extensions import db
from consult.votes.models import Choice, Vote, VoteCast
from consult.votes.queries import tallies
from tests import factories, postgres
from tests.served import TIMEOUT, Browser, Gunicorn, csrf_token

ROOT = Path(__file__).resolve().parents[2]
ORGANISATIONS = 10
DELEGATES_PER_ORGANISATION = 2
WORKERS = 4

# Only PostgreSQL: the `backend` fixture of tests/conftest.py is overridden here, so the
# `app` fixture runs on the session's PostgreSQL database (and empties it afterwards).
# Without PostgreSQL binaries (and without CONSULT_TEST_POSTGRES=1, which makes their
# absence an error in conftest) the parameter set is empty and pytest reports the test
# as skipped for that reason; with them it always runs.
PG_AVAILABLE = postgres.server_bin() is not None or os.environ.get("CONSULT_TEST_POSTGRES") == "1"
only_postgresql = pytest.mark.parametrize("backend", ["postgresql"] if PG_AVAILABLE else [])


@only_postgresql
def test_parallel_votes_from_several_processes_leave_one_vote_per_organisation(app, database_url):
    # -- the data, committed so that the gunicorn processes see it
    organisations, delegates = [], []  # delegates: (email, user id, organisation id)
    for _ in range(ORGANISATIONS):
        org = factories.organisation()
        organisations.append(org.id)
        for _ in range(DELEGATES_PER_ORGANISATION):
            person = factories.user(org=org)
            delegates.append((person.email, person.id, org.id))
    draft = factories.draft(paragraphs=5, phase=Phase.VOTING)
    text = draft.versions[0].texts[2]
    slug, draft_id, paragraph_id, position = draft.slug, draft.id, text.paragraph_id, text.position
    db.session.commit()
    db.session.remove()

    choices = list(Choice)
    # Within an organisation the two delegates choose differently, so the one that wins shows.
    plan = [
        (email, user_id, org_id, choices[(i // 2 + i % 2) % 3].value, i % 2 == 0)
        for i, (email, user_id, org_id) in enumerate(delegates)
    ]

    server = Gunicorn(database_url, WORKERS)
    try:
        server.wait_until_ready()

        # -- every delegate signs in through the real form and opens the draft
        browsers, tokens = [], []
        for email, *_ in plan:
            browser = Browser(server.base)
            browser.sign_in(email)
            status, _, html = browser.request(f"/drafts/{slug}")
            assert status == 200, f"draft page for {email} answered {status}"
            assert f'name="vote" value="{paragraph_id}:yes"' in html, "no vote form for the paragraph"
            browsers.append(browser)
            tokens.append(csrf_token(html))

        # -- 20 votes released at the same moment from 20 threads
        barrier = threading.Barrier(len(plan))
        results: list[tuple[int, dict, str] | BaseException | None] = [None] * len(plan)

        def vote(i: int) -> None:
            _, _, _, choice, with_htmx = plan[i]
            headers = {"HX-Request": "true"} if with_htmx else {}
            data = {"csrf_token": tokens[i], "vote": f"{paragraph_id}:{choice}"}
            try:
                barrier.wait(timeout=TIMEOUT)
                results[i] = browsers[i].request(f"/drafts/{slug}/votes", data, headers)
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

    # -- no server error; htmx gets the vote box, a plain form a redirect to the paragraph
    problems = []
    for (email, _, _, _, with_htmx), result in zip(plan, results, strict=True):
        if isinstance(result, BaseException) or result is None:
            problems.append(f"{email}: {result!r}")
            continue
        status, headers, body = result
        if with_htmx and status == 200 and f'id="vote-{paragraph_id}"' in body:
            continue
        if not with_htmx and status == 302 and headers.get("Location", "").endswith(f"/drafts/{slug}#p{position}"):
            continue
        problems.append(f"{email} (htmx={with_htmx}): {status} {headers.get('Location', '')} {body[:300]!r}")
    assert not problems, "unexpected answers:\n" + "\n".join(problems) + "\n" + server.log()

    # -- the database: one vote per organisation, every cast in the history
    votes = db.session.execute(
        select(Vote.organisation_id, Vote.choice, Vote.cast_by_id, Vote.cast_at).where(
            Vote.draft_id == draft_id, Vote.paragraph_id == paragraph_id
        )
    ).all()
    assert len(votes) == ORGANISATIONS
    assert sorted(v.organisation_id for v in votes) == sorted(organisations)

    casts = db.session.execute(
        select(VoteCast.id, VoteCast.organisation_id, VoteCast.choice, VoteCast.cast_by_id, VoteCast.cast_at).where(
            VoteCast.draft_id == draft_id, VoteCast.paragraph_id == paragraph_id
        )
    ).all()
    assert sorted((c.cast_by_id, c.organisation_id, c.choice.value) for c in casts) == sorted(
        (user_id, org_id, choice) for _, user_id, org_id, choice, _ in plan
    )

    # -- the tally equals a recount
    tally = tallies(draft_id, [paragraph_id])[paragraph_id]
    assert tally.counts == {choice: Counter(v.choice for v in votes)[choice] for choice in Choice}
    assert tally.voted == ORGANISATIONS and tally.entitled == ORGANISATIONS

    # -- each organisation's vote is one of its own delegates' casts ...
    history = {org_id: [c for c in casts if c.organisation_id == org_id] for org_id in organisations}
    for vote in votes:
        assert (vote.choice, vote.cast_by_id, vote.cast_at) in [
            (c.choice, c.cast_by_id, c.cast_at) for c in history[vote.organisation_id]
        ]
    # ... and it is the latest of them by time: a cast the history shows as later never loses.
    # (Two casts of one organisation can commit in the opposite order of their `cast_at`;
    # the upsert must then keep the later cast, e.g. ON CONFLICT ... DO UPDATE ... WHERE
    # vote.cast_at <= excluded.cast_at.)
    stale = []
    for vote in votes:
        latest = max(history[vote.organisation_id], key=lambda c: (c.cast_at, c.id))
        if (vote.choice, vote.cast_by_id, vote.cast_at) != (latest.choice, latest.cast_by_id, latest.cast_at):
            stale.append(
                f"organisation {vote.organisation_id}: vote {vote.choice.value} cast by {vote.cast_by_id} "
                f"at {vote.cast_at:%H:%M:%S.%f}, but {latest.cast_by_id} cast {latest.choice.value} "
                f"at {latest.cast_at:%H:%M:%S.%f}"
            )
    assert not stale, "the current vote is not the latest cast:\n" + "\n".join(stale)

    db.session.remove()
