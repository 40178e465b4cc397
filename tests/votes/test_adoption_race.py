"""Delegates keep voting while the board adopts the draft: no vote is counted after the vote closed.

Real parallel HTTP requests to several gunicorn processes on PostgreSQL (and on an SQLite file,
where the lock is the database's one write lock): delegates vote on the
paragraphs in a loop from many threads, and in the middle the board adopts the draft through
the real adoption form (whose worker renders the position's documents in a thread after its
commit). Afterwards:

- every answer was a stored vote (before the adoption) or the "phase closed" refusal (409),
  never a server error;
- no `VoteCast` is later than `adopted_at`;
- the figures in every document stored after the adoption (Markdown, HTML, PDF via pdftotext, DOCX)
  equal those of the results page, the JSON and CSV exports, and a recount of the votes.

On the code before `consult.drafts.locks`, votes that waited for the adoption's lock were
stored after it: the stored documents missed them and their `cast_at` was after `adopted_at`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
from collections import Counter

import docx
from sqlalchemy import func, select

from consult.accounts.models import Role
from consult.core import clock
from consult.drafts.models import Draft, Phase
from consult.extensions import db
from consult.votes.models import Choice, Vote, VoteCast
from consult.votes.services import cast_vote
from tests import factories
from tests.served import TIMEOUT, Browser, Gunicorn, csrf_token

ORGANISATIONS = 24
VOTER_THREADS = 12  # each alternates between two delegates
WORKERS = 4
VOTING_BEFORE = 1.0  # seconds of voting before the board adopts
VOTING_AFTER = 1.0  # and after the adoption's answer
CHOICES = [c.value for c in Choice]

Figures = dict  # question ("whole" or the paragraph's number) -> (yes, no, abstain)


def _key(label: str):
    match = re.search(r"§\s*(\d+)", label)
    return int(match.group(1)) if match else "whole"


def figures_of_markdown(text: str) -> Figures:
    return {
        _key(m[1]): tuple(map(int, m.group(2, 3, 4)))
        for m in re.finditer(r"^- (.+?): \S+ (\d+) · \S+ (\d+) · \S+ (\d+) · ", text, re.M)
    }


def figures_of_html(text: str) -> Figures:
    return {
        _key(m[1]): tuple(map(int, m.group(2, 3, 4)))
        for m in re.finditer(r"<th[^>]*>([^<]+)</th>\s*<td>(\d+)</td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>", text)
    }


def figures_of_pdf(content: bytes) -> Figures:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(content)
        pdf.flush()
        text = subprocess.run(
            ["pdftotext", "-layout", pdf.name, "-"], capture_output=True, check=True, text=True
        ).stdout
    rows = re.finditer(r"^\s*(§\s*\d+|[^\d\s][^\d]*?)\s{2,}(\d+)\s+(\d+)\s+(\d+)\s+\d+ \S+ \d+", text, re.M)
    return {_key(m[1]): tuple(map(int, m.group(2, 3, 4))) for m in rows}


def figures_of_docx(content: bytes) -> Figures:
    found = {}
    for table in docx.Document(io.BytesIO(content)).tables:
        for row in table.rows[1:]:
            cells = [cell.text.strip() for cell in row.cells]
            if len(cells) >= 4 and all(c.isdigit() for c in cells[1:4]):
                found[_key(cells[0])] = tuple(int(c) for c in cells[1:4])
    return found


def figures_of_results_page(html: str) -> Figures:
    whole = re.findall(r'class="figures__number">(\d+)<', html)
    found = {"whole": tuple(map(int, whole[:3]))}
    for m in re.finditer(
        r'<tbody class="results-row" id="p(\d+)".*?data-label="[^"]*">(\d+).*?'
        r'data-label="[^"]*">(\d+).*?data-label="[^"]*">(\d+)',
        html,
        re.S,
    ):
        found[int(m[1])] = tuple(map(int, m.group(2, 3, 4)))
    return found


def figures_of_json(text: str) -> Figures:
    results = json.loads(text)["results"]
    found = {"whole": tuple(results["whole"][c] for c in CHOICES)}
    found.update({q["paragraph"]: tuple(q[c] for c in CHOICES) for q in results["paragraphs"]})
    return found


def figures_of_csv(text: str, questions) -> Figures:
    counts = Counter((row["question"], row["choice"]) for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    return {q: tuple(counts[(str(q), c)] for c in CHOICES) for q in questions}


def test_no_vote_is_counted_after_the_board_adopted_the_draft(app, database_url, backend, monkeypatch):
    # -- the data, committed so that the gunicorn processes see it: every organisation has voted
    #    yes on the whole draft (so it can be adopted); the race is on the paragraphs.
    delegates = [factories.user(org=factories.organisation()) for _ in range(ORGANISATIONS)]
    board = factories.user(roles=(Role.BOARD,))
    draft = factories.draft(paragraphs=5, phase=Phase.VOTING)
    with app.test_request_context():
        for person in delegates:
            cast_vote(person, draft, None, Choice.YES, clock.now())
    positions = {t.paragraph_id: t.position for t in draft.versions[0].texts if not t.text.startswith("#")}
    paragraph_ids = sorted(positions)
    slug, draft_id = draft.slug, draft.id
    emails, board_email = [p.email for p in delegates], board.email
    db.session.commit()
    db.session.remove()

    # The board signs in with the password alone here (two-factor sign-in has its own tests).
    monkeypatch.setenv("CONSULT_REQUIRE_2FA", "0")
    server = Gunicorn(database_url, WORKERS)
    answers: list[tuple[int, float, float, str]] = []  # (status, sent, answered, body of a refusal)
    errors: list[BaseException] = []
    try:
        server.wait_until_ready()
        voters = []
        for email in emails:
            browser = Browser(server.base)
            browser.sign_in(email)
            status, _, html = browser.request(f"/drafts/{slug}")
            assert status == 200
            voters.append((browser, csrf_token(html)))
        chair = Browser(server.base)
        chair.sign_in(board_email)
        status, _, html = chair.request(f"/drafts/{slug}/phase?to=adopted")
        assert status == 200, html[:500]
        board_token = csrf_token(html)

        stop, lock = threading.Event(), threading.Lock()

        def vote(thread: int) -> None:
            mine = voters[thread::VOTER_THREADS]
            n = thread
            try:
                while not stop.is_set():
                    browser, token = mine[n % len(mine)]
                    paragraph_id = paragraph_ids[n % len(paragraph_ids)]
                    headers = {"HX-Request": "true"} if n % 2 else {}
                    data = {"csrf_token": token, "vote": f"{paragraph_id}:{CHOICES[(n // 3) % 3]}"}
                    sent = time.time()
                    status, _, body = browser.request(f"/drafts/{slug}/votes", data, headers)
                    with lock:
                        answers.append((status, sent, time.time(), body if status == 409 else ""))
                    n += 1
            except BaseException as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=vote, args=(i,)) for i in range(VOTER_THREADS)]
        for thread in threads:
            thread.start()
        time.sleep(VOTING_BEFORE)
        adopt_sent = time.time()
        status, headers, html = chair.request(
            f"/drafts/{slug}/phase", {"csrf_token": board_token, "to": "adopted", "from": "voting", "reason": ""}
        )
        adopt_answered = time.time()
        assert status == 302, f"the adoption answered {status}: {html[:500]}"
        time.sleep(VOTING_AFTER)
        stop.set()
        for thread in threads:
            thread.join(TIMEOUT + 5)
        assert not any(thread.is_alive() for thread in threads), "a vote request hung"
        assert not errors, errors

        # -- what the board and the public read afterwards
        served = {}
        for name, path in (
            ("results page", f"/drafts/{slug}/results"),
            ("json", f"/drafts/{slug}/export/json"),
            ("csv", f"/drafts/{slug}/export/votes.csv"),
        ):
            status, _, body = chair.request(path)
            assert status == 200, f"{path} answered {status}"
            served[name] = body
        # The documents are made after the adoption's commit, by a thread of the worker that adopted:
        # until then a download answers 503 (Retry-After), then the stored file.
        stored, public = {}, Browser(server.base)
        deadline = time.monotonic() + 60
        for name in ("md", "html", "pdf", "docx"):
            while True:
                try:
                    with public.opener.open(f"{server.base}/positions/{slug}/download/{name}", timeout=TIMEOUT) as r:
                        stored[name] = r.read()
                    break
                except urllib.error.HTTPError as error:
                    assert error.code == 503 and error.headers["Retry-After"] and time.monotonic() < deadline, (
                        f"{name} answered {error.code}"
                    )
                    time.sleep(0.2)
    finally:
        server.stop()

    # -- every answer: a stored vote before the adoption, the refusal after it; never a server error
    statuses = Counter(status for status, *_ in answers)
    refused = [a for a in answers if a[0] == 409]
    during = [a for a in answers if a[1] < adopt_answered and a[2] > adopt_sent]
    print(
        f"\n{backend}: {len(answers)} vote requests from {VOTER_THREADS} threads on {WORKERS} gunicorn workers: "
        f"{dict(statuses)}; {len(during)} overlapped the adoption "
        f"({adopt_answered - adopt_sent:.2f} s)"
    )
    assert set(statuses) <= {200, 302, 409}, [a for a in answers if a[0] not in (200, 302, 409)][:3]
    assert refused, "no vote was refused: the voting did not go on past the adoption"
    assert all("Abstimmen ist jetzt nicht möglich" in body for *_, body in refused)
    # (A vote sent a moment before the board's request may reach the draft's lock after it: refused, rightly.)
    assert all(answered > adopt_sent for _, _, answered, _ in refused), "a vote was refused before the adoption"

    # -- nothing cast after the vote closed
    adopted_at = db.session.scalar(select(Draft.adopted_at).where(Draft.id == draft_id))
    late = db.session.scalar(
        select(func.count()).select_from(VoteCast).where(VoteCast.draft_id == draft_id, VoteCast.cast_at > adopted_at)
    )

    # -- a recount of the votes on record
    votes = db.session.execute(select(Vote.paragraph_id, Vote.choice).where(Vote.draft_id == draft_id)).all()
    counted = Counter((positions.get(v.paragraph_id, "whole"), v.choice.value) for v in votes)
    questions = ["whole", *sorted(positions.values())]
    recount = {q: tuple(counted[(q, c)] for c in CHOICES) for q in questions}
    assert recount["whole"] == (ORGANISATIONS, 0, 0)
    assert sum(sum(recount[q]) for q in questions[1:]) > 0, "no paragraph vote was stored before the adoption"

    sources = {
        "results page": figures_of_results_page(served["results page"]),
        "json": figures_of_json(served["json"]),
        "csv": figures_of_csv(served["csv"], questions),
        "stored md": figures_of_markdown(stored["md"].decode()),
        "stored html": figures_of_html(stored["html"].decode()),
        "stored docx": figures_of_docx(stored["docx"]),
    }
    if shutil.which("pdftotext"):
        sources["stored pdf"] = figures_of_pdf(stored["pdf"])
    disagree = {name: figures for name, figures in sources.items() if figures != recount}
    assert not late and not disagree, (
        f"{late} votes were cast after adopted_at {adopted_at:%H:%M:%S.%f}; the recount is {recount}, but:\n"
        + "\n".join(f"{n}: {f}" for n, f in disagree.items())
    )
    db.session.remove()
