"""A real PostgreSQL restart under parallel requests to several gunicorn workers: every answer during the
outage is a normal one or consult's 503 page (in the person's language, with Retry-After, the typed text
kept), never gunicorn's bare "Internal Server Error" nor a 500; afterwards every request succeeds again,
because the workers' connection pools let go of the dead connections by themselves.

The test starts a cluster of its own (tests/postgres.py), so that stopping it does not touch the
session's cluster that other tests use."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter

import pytest

from consult import create_app
from consult.drafts.models import Phase
from consult.extensions import db
from tests import factories, postgres
from tests.conftest import TEST_CONFIG
from tests.served import TIMEOUT, Browser, Gunicorn, csrf_token

PG_BIN = postgres.server_bin()
WORKERS = 3
DOWN_SECONDS = 1.0
GERMAN, ENGLISH = "Bitte versuchen Sie es gleich noch einmal.", "Please try again in a moment."

pytestmark = pytest.mark.skipif(
    PG_BIN is None and os.environ.get("CONSULT_TEST_POSTGRES") != "1", reason="PostgreSQL server binaries not installed"
)


@pytest.fixture
def cluster():
    own = postgres.Cluster(PG_BIN)
    own.start()
    yield own
    own.stop()


def _seed(url: str) -> dict:
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        german = factories.user(email="de@example.org")
        english = factories.user(email="en@example.org")
        english.locale = "en"
        draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="teilhabe", public=True)
        db.session.commit()
        world = {
            "german": german.email,
            "english": english.email,
            "paragraph_id": draft.versions[0].texts[1].paragraph_id,
        }
        db.session.remove()
        db.engine.dispose()
    return world


def test_a_database_restart_gets_consults_503_page_and_then_everything_works(cluster):
    url = cluster.create_database("consult_outage")
    world = _seed(url)
    comment_url = f"/drafts/teilhabe/paragraphs/{world['paragraph_id']}/comments"
    server = Gunicorn(url, WORKERS)
    try:
        server.wait_until_ready()
        guest, german, english, writer = (Browser(server.base) for _ in range(4))
        german.sign_in(world["german"])
        english.sign_in(world["english"])
        writer.sign_in(world["german"])
        for browser in (guest, german, english, writer):  # the person's language is seen once
            assert browser.request("/drafts/teilhabe")[0] == 200
        token = csrf_token(writer.request("/drafts/teilhabe")[2])

        # Who asks what, and how their 503 page must speak. The writer's text must come back.
        def typed(n: int) -> str:
            return f"Kommentar Nummer {n}: bitte den Absatz streichen."

        plans = {
            "guest": (lambda n: guest.request("/drafts/teilhabe"), GERMAN, 200),
            "german": (lambda n: german.request("/account"), GERMAN, 200),
            "english": (lambda n: english.request("/account"), ENGLISH, 200),
            "writer": (
                lambda n: writer.request(comment_url, {"csrf_token": token, "body": typed(n), "stance": "neutral"}),
                GERMAN,
                302,
            ),
        }
        answers: dict[str, list] = {name: [] for name in plans}
        stop = threading.Event()

        def loop(name: str) -> None:
            send = plans[name][0]
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    answers[name].append((n, time.monotonic(), *send(n)))
                except Exception as error:  # reported with the others
                    answers[name].append((n, time.monotonic(), 0, {}, repr(error)))

        threads = [threading.Thread(target=loop, args=(name,)) for name in plans]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        down_at = time.monotonic()
        cluster.stop_server()
        time.sleep(DOWN_SECONDS)
        cluster.start_server()
        up_at = time.monotonic()
        time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join(TIMEOUT + 5)
        assert not any(thread.is_alive() for thread in threads), "a request hung"

        # -- afterwards, every request succeeds (each worker's pool dropped its dead connections)
        after = [
            browser.request(path)[0]
            for _ in range(3 * WORKERS)
            for browser, path in ((guest, "/drafts/teilhabe"), (german, "/account"))
        ]
    finally:
        log = server.quit()  # the whole log, once every worker has written its last line

    problems, unavailable = [], Counter()
    for name, (_, language, ok_status) in plans.items():
        for n, at, status, headers, body in answers[name]:
            if status == ok_status:
                continue
            if (
                status == 503
                and language in body
                and int(headers.get("Retry-After", "0")) > 0
                and '<html lang="' in body
            ):
                unavailable[name] += 1
                if name == "writer" and typed(n) not in body:
                    problems.append(f"writer #{n}: the typed text is not on the 503 page")
                continue
            problems.append(f"{name} #{n} ({at - down_at:+.2f} s after the stop): {status} {body[:200]!r}")
    total = sum(len(a) for a in answers.values())
    print(
        f"\n{total} requests, {sum(unavailable.values())} answered 503 ({dict(unavailable)}); "
        f"database down for {up_at - down_at:.2f} s; {len(after)} requests afterwards: {Counter(after)}"
    )
    assert not problems, (
        "answers that are neither normal nor consult's 503 page:\n" + "\n".join(problems[:20]) + "\n" + log[-6000:]
    )
    assert sum(unavailable.values()) > 0, "no request met the outage: the test proved nothing"
    assert set(unavailable) == set(plans), f"some kinds of request never met the outage: {dict(unavailable)}"
    assert after == [200] * len(after)
