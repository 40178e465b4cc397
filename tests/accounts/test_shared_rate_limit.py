"""With CONSULT_RATELIMIT_STORAGE_URI=redis://..., the sign-in limit counts across the app's processes:
wrong sign-ins from one address, spread over two gunicorn workers, are let through exactly as often as
the limit says. With memory:// (the default) each worker counts on its own and lets more through.

Which worker answered each request is read from gunicorn's access log (its process id)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from tests.served import TIMEOUT, Browser, Gunicorn, csrf_token

LIMIT = 4  # wrong sign-ins an address may send per hour
ATTEMPTS = 2 * LIMIT + 2
PARALLEL = 3  # requests in flight at once, so that both workers take some


@pytest.fixture
def backend():
    """One SQLite file is enough: the test is about where the counts are kept, not the database."""
    return "sqlite"


def wrong_sign_ins(database_url: str, storage_uri: str) -> tuple[list[int], Counter]:
    """ATTEMPTS wrong sign-ins from one address against two workers: the statuses, and the POSTs per worker."""
    server = Gunicorn(
        database_url,
        2,
        env={
            "CONSULT_RATELIMIT": "1",
            "CONSULT_RATELIMIT_STORAGE_URI": storage_uri,
            "CONSULT_LOGIN_RATE_LIMIT": f"{LIMIT} per hour",
        },
        args=("--access-logfile", "-", "--access-logformat", "access %(p)s %(m)s %(U)s %(s)s"),
    )
    try:
        server.wait_until_ready()
        browsers = [Browser(server.base) for _ in range(PARALLEL)]
        tokens = [csrf_token(browser.request("/login")[2]) for browser in browsers]
        statuses: list[int] = []
        lock = threading.Lock()

        def send(slot: int) -> None:
            for n in range(slot, ATTEMPTS, PARALLEL):
                status, _, _ = browsers[slot].request(
                    "/login",
                    {"email": f"person{n}@example.org", "password": "falsch", "next": "", "csrf_token": tokens[slot]},
                )
                with lock:
                    statuses.append(status)

        threads = [threading.Thread(target=send, args=(slot,)) for slot in range(PARALLEL)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT * ATTEMPTS)
        assert not any(thread.is_alive() for thread in threads), "a sign-in request hung"
        # Every answer is in; their access lines follow a moment later (a SIGQUIT before would cut one off).
        server.wait_for_log(lambda log: log.count(" POST /login ") >= ATTEMPTS)
    finally:
        log = server.quit()  # the whole log, once every worker has written its last line
    workers = Counter(
        line.split()[1] for line in log.splitlines() if line.startswith("access ") and " POST /login " in line
    )
    assert sum(workers.values()) == ATTEMPTS, log[-2000:]
    return statuses, workers


def _over_both_workers(database_url, storage, before=lambda: None, rounds=3):
    """`wrong_sign_ins` until both workers answered some (a busy machine may hand one worker all of
    them, which proves nothing); each round is a fresh server, with `before` run first."""
    for _ in range(rounds):
        before()
        statuses, workers = wrong_sign_ins(database_url, storage)
        if len(workers) == 2:
            break
    return statuses, workers


def test_the_sign_in_limit_counts_across_workers_with_redis(app, database_url, redis_url):
    import redis

    statuses, workers = _over_both_workers(
        database_url, redis_url, before=lambda: redis.Redis.from_url(redis_url).flushdb()
    )
    print(f"\nredis://: {Counter(statuses)} over {len(workers)} workers ({dict(workers)})")
    assert len(workers) == 2, f"all sign-ins went to one worker, which proves nothing: {workers}"
    assert Counter(statuses) == {200: LIMIT, 429: ATTEMPTS - LIMIT}


def test_with_memory_storage_each_worker_counts_alone(app, database_url):
    """The contrast: the same requests with memory:// let up to LIMIT through per worker."""
    statuses, workers = _over_both_workers(database_url, "memory://")
    print(f"\nmemory://: {Counter(statuses)} over {len(workers)} workers ({dict(workers)})")
    assert len(workers) == 2, f"all sign-ins went to one worker, which proves nothing: {workers}"
    assert Counter(statuses)[200] == sum(min(n, LIMIT) for n in workers.values()) > LIMIT
