"""Once, and only once, in parallel: the same form sent four times at the same moment, as real
HTTP requests to four gunicorn workers (a double click that reaches two processes, a retry
while the first is still running), for every path that creates something.

On PostgreSQL the later requests wait on the unique index of submission_key until the first
commits, then answer with its result; on SQLite they wait for the write lock. Either way:
one object, no server error, and every answer the same as the first's.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid

from consult.extensions import db
from tests.core.once_paths import PATHS, Post, same_answer
from tests.core.once_paths import world as make_world
from tests.served import TIMEOUT, Browser, Gunicorn

SENDINGS = 4
WORKERS = 4


def _body(post: Post) -> tuple[bytes, str]:
    if not post.files:
        return urllib.parse.urlencode(post.data).encode(), "application/x-www-form-urlencoded"
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in post.data.items()
    ]
    for name, (filename, content) in post.files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: text/csv\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _send(browser: Browser, post: Post) -> tuple[int, str | None, str]:
    body, content_type = _body(post)
    headers = {"Content-Type": content_type, **({"HX-Request": "true"} if post.htmx else {})}
    request = urllib.request.Request(browser.base + post.url, data=body, headers=headers)
    try:
        response = browser.opener.open(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
        response = error
    with response:
        return response.status, response.headers.get("Location"), response.read().decode("utf-8", "replace")


def _get(browser: Browser):
    def get(path: str, htmx: bool = False) -> str:
        status, _, html = browser.request(path, headers={"HX-Request": "true"} if htmx else {})
        assert status == 200, f"GET {path} answered {status}"
        return html

    return get


def test_the_same_form_sent_four_times_at_once_stores_once(app, database_url, monkeypatch):
    w = make_world()
    db.session.remove()
    # The admin who invites signs in with the password alone (the servers read the environment).
    monkeypatch.setenv("CONSULT_REQUIRE_2FA", "0")
    server = Gunicorn(database_url, WORKERS)
    problems, sent = [], 0
    try:
        server.wait_until_ready()
        browsers = {}
        for path in PATHS:
            if path.person not in browsers:
                browsers[path.person] = Browser(server.base)
                browsers[path.person].sign_in(path.person)
            browser = browsers[path.person]
            post = path.prepare(w, _get(browser))
            before = path.created()
            db.session.remove()

            barrier = threading.Barrier(SENDINGS)
            answers: list = [None] * SENDINGS

            # This path's barrier, answers and browser are bound now: a thread that outlived its join
            # must not see the next path's.
            def send(i: int, barrier=barrier, answers=answers, browser=browser, post=post) -> None:
                try:
                    barrier.wait(timeout=TIMEOUT)
                    answers[i] = _send(browser, post)
                except BaseException as error:  # reported below
                    answers[i] = error

            threads = [threading.Thread(target=send, args=(i,)) for i in range(SENDINGS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(TIMEOUT + 5)
            sent += SENDINGS
            if any(thread.is_alive() for thread in threads):
                problems.append(f"{path.name}: a request hung")
                continue
            failed = [a for a in answers if not isinstance(a, tuple) or a[0] >= 500]
            if failed:
                shown = [a if not isinstance(a, tuple) else (a[0], a[1], a[2][:300]) for a in failed]
                problems.append(f"{path.name}: {shown}")
                continue
            stored = path.created() - before
            if stored != path.rows:
                problems.append(f"{path.name}: stored {stored} instead of {path.rows}")
            normalised = {(status, location, same_answer(body)) for status, location, body in answers}
            if path.same_answer and len(normalised) != 1:
                problems.append(f"{path.name}: the answers differ: {sorted((s, where) for s, where, _ in normalised)}")
            if not path.same_answer and not all(status in (200, 302) for status, _, _ in answers):
                problems.append(f"{path.name}: {[status for status, _, _ in answers]}")
    finally:
        server.stop()
        db.session.remove()
    print(f"\nonce, in parallel ({database_url.split(':')[0]}): {len(PATHS)} create paths, {sent} POSTs")
    assert not problems, "\n".join(problems) + "\n" + server.log()
