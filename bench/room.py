"""The load of a real room (issue 16, point 9): a live session on gunicorn + PostgreSQL, followed by
300 delegates' phones and one projector, with 300 votes in the 10 s after each question opens.

    .venv/bin/python bench/room.py                       # about 2 minutes; prints the figures
    .venv/bin/python bench/room.py --questions 5 --workers 3 --worker-class sync
    STRICT=1 .venv/bin/python bench/room.py              # exit 1 when a goal is missed

What it does, in order:

1. Starts a throwaway PostgreSQL cluster as the `postgres` user (like tests/postgres.py, but durable by
   default: fsync and synchronous commit on, as a production server; `--pg-fast` turns both off), or uses
   `--database-url`. `flask db upgrade`.
2. Seeds through the app's models and services: bench/seed.py's draft (`--paragraphs`, in the voting phase,
   every organisation's online vote on every question already there), 100 member organisations with 3
   delegates each, a chair (board) and a projector laptop signed in as a moderator, both with two-factor
   sign-in switched on; the live session started by the chair (`live.services.start_session`), a quorum of
   half the members, and all 100 organisations checked in by one of their delegates (`check_in`).
3. Signs the 302 people in through the real sign-in form (and the code step for the office) with the app's
   test client against the same database and SECRET_KEY, rate limits off in that process only: the
   session cookies then work on the gunicorn server, which runs with production settings.
4. Serves `wsgi:app` with gunicorn (`--workers`, `--worker-class`, `--threads`), production settings.
5. In one asyncio process (aiohttp): every phone opens the delegate's page `/drafts/<slug>/live` once,
   then polls `/drafts/<slug>/live/state` as htmx does (the templates' `every 1.5s`; the browser sends
   If-None-Match with the ETag it has, and a 304 keeps the body it has; a poll due while one is in flight
   goes when it returns). The projector polls `/live/projector/state` (or `/live/state` while that route
   does not exist); the chair's page polls `/live/state` too when its block does (hx-trigger `every`).
   After `--idle` seconds of polling alone, the chair runs `--questions` questions: opens
   one (the real form POST, then the chair's page as the browser follows the redirect); each phone votes
   once at a random moment in the first `--vote-window` seconds (from the vote box it was shown: its
   once_key, `HX-Request`), so each organisation votes three times and the last vote counts; when every
   vote is answered (and no earlier than the window's end) the chair closes the question.
6. Prints per question and overall: errors, vote POST p50/p95/p99, the time from the chair's click until
   every phone and the projector show the new question (`data-item` of the state block), and until they
   no longer show it open after closing (`data-state`), request rates, the server's own time per request
   (gunicorn's access log), the CPU time of gunicorn, PostgreSQL, this client and everything else on the
   machine, the load average, and how late the client's event loop ran (its own lag inflates latencies).
   Then checks in the database that each organisation's vote on each question is the last one it sent.

`--app DIR` serves another checkout of the project (read only: no bytecode written there), e.g. a branch
against main, with this benchmark.

Goals (issue 16): 0 errors, vote POST p99 <= 200 ms, every phone and the projector within 2 s of the chair's
action. Load generator and server share the machine: see the CPU lines before comparing runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

UA = "consult-room-bench/1"
SECRET_KEY = "room-bench-only-secret"
PASSWORD = "bench password 2026"  # seed.BENCH_PASSWORD
HASH_METHOD = "pbkdf2:sha256:1000"  # seeding speed only (as bench/seed.py)
GOAL_VOTE_P99_MS = 200
GOAL_FOLLOW_S = 2.0
CHOICES = ("yes", "no", "abstain")
CHOICE_WEIGHTS = (6, 3, 1)

CSRF_INPUT = re.compile(r'<input\b[^>]*\bname="csrf_token"[^>]*>')
VALUE = re.compile(r'\bvalue="([^"]+)"')
ROOT_TAG = re.compile(r'<[a-z]+\b[^>]*\bdata-item="([^"]*)"[^>]*>')
DATA_STATE = re.compile(r'\bdata-state="([^"]*)"')
DATA_ITEM = re.compile(r'\bdata-item="([^"]*)"')
ONCE_KEY = re.compile(r'&#34;once_key&#34;: &#34;([A-Za-z0-9_-]+)&#34;|"once_key": "([A-Za-z0-9_-]+)"')
VOTE_KEY = re.compile(r'name="vote" value="([a-z0-9]+):yes"')
ALERT = re.compile(r'role="alert">([^<]*)<')
OPEN_ACTION = re.compile(r'action="[^"]*/live/items/(\d+)/open"')


def what_it_shows(body: str) -> tuple[str, str] | None:
    """(data-item, data-state) of the state block's root element (the first element naming data-item), as a
    page that follows the chair reads them; None when the answer has no such element."""
    tag = ROOT_TAG.search(body)
    if tag is None:
        return None
    state = DATA_STATE.search(tag.group(0))
    return tag.group(1), state.group(1) if state else ""


def vote_fields(body: str) -> tuple[str, str | None] | None:
    """(the question's key for the `vote` field, the vote box's once_key) of the block's vote box, as its
    buttons send them; None when it shows no vote buttons."""
    key = VOTE_KEY.search(body)
    if key is None:
        return None
    once = ONCE_KEY.search(body)
    return key.group(1), (once.group(1) or once.group(2)) if once else None


def chair_polls(page: str) -> bool:
    """Whether the chair's page polls the state block itself (htmx `every` on the block's root element)."""
    tag = ROOT_TAG.search(page)
    return tag is not None and 'hx-trigger="every' in tag.group(0)


def page_interval(app_root: Path) -> float:
    """How often the phones and the projector of the served app poll: their templates' hx-trigger "every Ns"
    (both the same: tests/live/test_room_bench.py), so that the room polls as the real pages do."""
    template = (app_root / "templates/live/session.html").read_text(encoding="utf-8")
    found = re.search(r'hx-trigger="every ([0-9.]+)s"', template)
    if found is None:
        raise SystemExit("room.py: no polling interval (hx-trigger every Ns) in templates/live/session.html")
    return float(found.group(1))


def vote_shown(answer: str, choice: str) -> bool:
    """Whether a vote's htmx answer shows the vote box with `choice` pressed and no refusal."""
    return f'vote--{choice}" aria-pressed="true"' in answer and "alert--error" not in answer


# --- PostgreSQL --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bin() -> Path:
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0
    )
    for candidate in reversed(candidates):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if not found:
        sys.exit("room.py: no PostgreSQL server binaries (initdb, pg_ctl); apt-get install postgresql")
    return Path(found).parent


class Cluster:
    """A throwaway PostgreSQL cluster, run as `postgres` when we are root (pg_ctl refuses root)."""

    def __init__(self, fast: bool):
        self.bindir = pg_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="consult-room-pg-"))
        self.as_root = os.geteuid() == 0
        # Durable (production-like) unless fast: the tests' cluster turns off fsync and synchronous commit.
        self.options = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off" if fast else ""

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> str:
        if self.as_root:
            shutil.chown(self.dir, "postgres")
        self._run(
            "initdb",
            "-D",
            f"{self.dir}/data",
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self._run(
            "pg_ctl",
            "-D",
            f"{self.dir}/data",
            "-l",
            f"{self.dir}/log",
            "-w",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200 {self.options}",
            "start",
        )
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute('CREATE DATABASE "consult_room"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/consult_room"

    def postmaster_pid(self) -> int | None:
        try:
            return int(Path(self.dir, "data", "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


# --- seeding and signing in (in this process, through the app) ---------------------------------------------


def seed_room(paragraphs: int, organisations: int, phones_per_organisation: int) -> dict:
    """The draft (bench/seed.py), more delegates, the office with two-factor sign-in, the live session
    started with everybody checked in. Inside an app context; commits."""
    import pyotp
    import seed as bench_seed
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from consult.accounts.models import Role, User, UserRole
    from consult.core import clock
    from consult.drafts.models import Draft
    from consult.extensions import db
    from consult.live import services
    from consult.live.queries import active_session
    from consult.organisations.models import Organisation

    info = bench_seed.seed("room", paragraphs=paragraphs, comments=paragraphs * 5, organisations=organisations)
    password_hash = generate_password_hash(PASSWORD, method=HASH_METHOD)
    orgs = list(db.session.scalars(select(Organisation).order_by(Organisation.id)))
    firsts = {u.organisation_id: u for u in db.session.scalars(select(User).where(User.organisation_id.isnot(None)))}
    more = [
        User(
            email=f"bench-delegate-{org.id}-{k}@example.org",
            name=f"Delegierte {org.id}/{k}",
            password_hash=password_hash,
            organisation_id=org.id,
        )
        for org in orgs
        for k in range(2, phones_per_organisation + 1)
    ]
    now = clock.now()
    office = []
    for email, name, role in (
        ("room-chair@example.org", "Sitzungsleitung", Role.BOARD),
        ("room-projector@example.org", "Beamer Saal 1", Role.MODERATOR),
    ):
        office.append(
            (
                User(
                    email=email,
                    name=name,
                    password_hash=password_hash,
                    totp_secret=pyotp.random_base32(),
                    totp_enabled_at=now,
                ),
                role,
            )
        )
    db.session.add_all(more + [user for user, _ in office])
    db.session.flush()
    rows = [{"user_id": u.id, "role": Role.DELEGATE} for u in more] + [
        {"user_id": user.id, "role": role} for user, role in office
    ]
    db.session.execute(insert(UserRole), rows)
    db.session.commit()

    chair = db.session.get(User, office[0][0].id)
    draft = db.session.scalar(select(Draft).where(Draft.slug == info["slug"]))
    services.set_quorum(chair, draft, 50, True, now)
    services.start_session(chair, draft, now)
    db.session.commit()
    live = active_session(draft.id)
    for org in orgs:
        services.check_in(firsts[org.id], live, org, clock.now())
    db.session.commit()
    phones = [u.email for org in orgs for u in [firsts[org.id]]] + [u.email for u in more]
    return {
        "slug": info["slug"],
        "draft_id": draft.id,
        "session_id": live.id,
        "phones": sorted(phones),
        "organisation_of": {u.email: u.organisation_id for u in list(firsts.values()) + more},
        "chair": (office[0][0].email, office[0][0].totp_secret),
        "projector": (office[1][0].email, office[1][0].totp_secret),
    }


def sign_in(app, email: str, totp_secret: str | None = None) -> str:
    """The session cookie of `email`, signed in through the real form (and the code step) by the test client."""
    import pyotp

    client = app.test_client()
    headers = {"User-Agent": UA}
    page = client.get("/login", headers=headers).get_data(as_text=True)
    answer = client.post(
        "/login",
        headers=headers,
        data={"email": email, "password": PASSWORD, "next": "", "csrf_token": csrf_token(page)},
    )
    if totp_secret:
        assert answer.status_code == 302 and "/login/code" in answer.headers["Location"], answer.status_code
        page = client.get("/login/code", headers=headers).get_data(as_text=True)
        answer = client.post(
            "/login/code", headers=headers, data={"code": pyotp.TOTP(totp_secret).now(), "csrf_token": csrf_token(page)}
        )
    assert answer.status_code == 302, f"sign-in of {email} answered {answer.status_code}"
    cookie = client.get_cookie("session")
    assert cookie is not None, f"no session cookie for {email}"
    return f"session={cookie.value}"


def csrf_token(html: str) -> str:
    for tag in CSRF_INPUT.findall(html):
        match = VALUE.search(tag)
        if match:
            return match.group(1)
    raise AssertionError("no CSRF token in the page")


# --- the room (asyncio + aiohttp) ---------------------------------------------------------------------------


@dataclass
class Client:
    """A phone or the projector: a person's cookie and what their page shows now."""

    name: str
    cookie: str
    organisation_id: int | None = None
    etag: str | None = None
    item: str = ""
    state: str = ""
    body: str = ""
    csrf: str = ""
    in_flight: bool = False
    seen_open: dict[str, float] = field(default_factory=dict)  # item -> when it first showed it open
    seen_closed: dict[str, float] = field(default_factory=dict)  # item -> when it first showed it not open


@dataclass
class Question:
    item: str
    opened_click: float = 0.0  # the chair's POST sent
    opened: float = 0.0  # its answer received (committed)
    closed_click: float = 0.0
    closed: float = 0.0
    chair_page_ms: float = 0.0
    votes: list = field(default_factory=list)  # (latency ms, ok)
    last_choice: dict = field(default_factory=dict)  # organisation id -> (sent, answered, choice)
    ambiguous: set = field(default_factory=set)  # organisations whose votes overlapped in flight
    tasks: list = field(default_factory=list)
    votes_planned: set = field(default_factory=set)  # phones that have their vote scheduled


class Room:
    def __init__(self, base: str, slug: str, args, rng: random.Random):
        self.base, self.slug, self.args, self.rng = base, slug, args, rng
        self.errors: Counter = Counter()
        self.error_examples: dict[str, str] = {}
        self.requests: list = []  # (start, kind, status, latency ms)
        self.stop = False
        self.question: Question | None = None
        self.lag: list[float] = []
        self.loaded = 0
        self.projector_path = f"/drafts/{slug}/live/projector/state"

    def error(self, kind: str, detail: str = "") -> None:
        self.errors[kind] += 1
        self.error_examples.setdefault(kind, detail[:300])

    async def request(
        self, http, client: Client, method: str, path: str, kind: str, data=None, headers=None
    ) -> tuple[int, dict, str]:
        h = {"User-Agent": UA, "Cookie": client.cookie, **(headers or {})}
        start = time.perf_counter()
        try:
            async with http.request(method, self.base + path, data=data, headers=h, allow_redirects=False) as r:
                body = await r.text()
                status, rh = r.status, r.headers
        except Exception as exc:  # a refused or broken connection, a timeout: an error of the room
            self.requests.append((start, kind, 0, (time.perf_counter() - start) * 1000))
            self.error(f"{kind}: {type(exc).__name__}", repr(exc))
            return 0, {}, ""
        self.requests.append((start, kind, status, (time.perf_counter() - start) * 1000))
        for value in rh.getall("Set-Cookie", []):
            if value.startswith("session="):
                client.cookie = value.split(";", 1)[0]
        return status, rh, body

    def show(self, client: Client, body: str, at: float) -> None:
        """What the page shows after a 200 of the state block (or the first page)."""
        shown = what_it_shows(body)
        if shown is None:
            self.error("state: no data-item in the answer", body[:200])
            return
        client.body, (client.item, client.state) = body, shown
        if client.state == "open" and client.item:
            client.seen_open.setdefault(client.item, at)
            q = self.question
            if (
                q is not None
                and q.item == client.item
                and client.organisation_id is not None
                and client.name not in q.votes_planned
            ):
                q.votes_planned.add(client.name)
                q.tasks.append(asyncio.ensure_future(self.vote(client, q)))
        for item, _ in list(client.seen_open.items()):
            if item != client.item or client.state != "open":
                client.seen_closed.setdefault(item, at)

    async def poll(self, http, client: Client, path: str, kind: str) -> None:
        headers = {"HX-Request": "true"}
        if client.etag:
            headers["If-None-Match"] = client.etag
        status, rh, body = await self.request(http, client, "GET", path, kind, headers=headers)
        if status == 304:
            return
        if status != 200:
            if status:
                self.error(f"{kind}: HTTP {status}", body[:200])
            return
        client.etag = rh.get("ETag")
        self.show(client, body, time.perf_counter())

    async def follow(self, http, client: Client, path: str, kind: str, start_at: float) -> None:
        """Poll every `--interval` seconds from `start_at` (htmx `every 1s`: the next tick is set when one
        fires; a tick due while the request is in flight is sent once it returns)."""
        await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
        tick = time.perf_counter()
        while not self.stop:
            await self.poll(http, client, path, kind)
            tick += self.args.interval
            now = time.perf_counter()
            if tick < now:
                tick = now
            await asyncio.sleep(tick - now)

    async def phone(self, http, client: Client, start_at: float) -> None:
        await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
        for _attempt in range(5):  # a person whose page did not load loads it again
            status, _, body = await self.request(http, client, "GET", f"/drafts/{self.slug}/live", "page")
            if status == 200:
                break
            if status:
                self.error(f"page: HTTP {status}", body[:200])
            await asyncio.sleep(1)
        else:
            return
        client.csrf = csrf_token(body)
        self.show(client, body, time.perf_counter())
        self.loaded += 1
        await self.follow(
            http,
            client,
            f"/drafts/{self.slug}/live/state",
            "state",
            time.perf_counter() + self.rng.uniform(0, self.args.interval),
        )

    async def vote(self, client: Client, q: Question) -> None:
        """One delegate presses Ja / Nein / Enthaltung at a random moment of the vote window."""
        at = q.opened_click + self.rng.uniform(0.3, self.args.vote_window - 0.5)
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        fields = vote_fields(client.body)
        if client.item != q.item or fields is None:
            self.error("vote: no vote box on the phone", client.body[:300])
            return
        key, once = fields
        choice = self.rng.choices(CHOICES, CHOICE_WEIGHTS)[0]
        data = {"csrf_token": client.csrf, "vote": f"{key}:{choice}", "back": "live"}
        if once:
            data["once_key"] = once
        org = client.organisation_id
        sent = time.perf_counter()
        previous = q.last_choice.get(org)
        if previous is not None and previous[1] is None:
            q.ambiguous.add(org)  # another delegate's vote of this organisation is still in flight
        q.last_choice[org] = (sent, None, choice)
        status, _, answer = await self.request(
            self.http, client, "POST", f"/drafts/{self.slug}/votes", "vote", data=data, headers={"HX-Request": "true"}
        )
        latency = (time.perf_counter() - sent) * 1000
        # Another delegate of the organisation voting at the same moment: the answer shows the choice on record,
        # which is the later cast's whichever commits first (consult.votes.services.cast_vote), not an error.
        overlapped = org in q.ambiguous or q.last_choice.get(org, (sent,))[0] > sent
        ok = status == 200 and (
            vote_shown(answer, choice) or overlapped and any(vote_shown(answer, other) for other in CHOICES)
        )
        q.votes.append((latency, ok))
        if not ok:
            if status:
                alert = ALERT.search(answer)
                self.error(
                    f"vote: HTTP {status}" if status != 200 else "vote: answer does not show the choice",
                    alert.group(1) if alert else answer[:300],
                )
            q.ambiguous.add(org)
            return
        current = q.last_choice.get(org)
        if current is not None and current[0] > sent:
            if current[1] is None:
                q.ambiguous.add(org)  # a later vote is in flight: which lands last is the server's order
            return
        q.last_choice[org] = (sent, time.perf_counter(), choice)

    async def chair_post(self, http, chair: Client, item: str, action: str, q: Question) -> tuple[float, float]:
        click = time.perf_counter()
        if action == "open":
            q.opened_click = click  # before the answer: phones may show the question (and vote) sooner
        status, rh, body = await self.request(
            http,
            chair,
            "POST",
            f"/drafts/{self.slug}/live/items/{item}/{action}",
            "chair",
            data={"csrf_token": chair.csrf, "countdown": ""},
        )
        done = time.perf_counter()
        if status != 302:
            self.error(f"chair {action}: HTTP {status}", body[:300])
        # The chair's browser follows the redirect to the chair's page (not part of the followers' time).
        page_start = time.perf_counter()
        status, _, body = await self.request(http, chair, "GET", f"/drafts/{self.slug}/live", "chair page")
        q.chair_page_ms = (time.perf_counter() - page_start) * 1000
        if status == 200:
            chair.csrf = csrf_token(body)
            if action == "open" and f"/live/items/{item}/close" not in body:
                self.error("chair open: the chair's page shows no close button", "")
        return click, done

    async def watch_lag(self) -> None:
        while not self.stop:
            start = time.perf_counter()
            await asyncio.sleep(0.05)
            self.lag.append((time.perf_counter() - start - 0.05) * 1000)

    async def run(self, phones: list[Client], projector: Client, chair: Client, monitor) -> dict:
        import aiohttp

        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=None)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(
            connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
        ) as http:
            self.http = http
            lag_task = asyncio.ensure_future(self.watch_lag())
            status, _, body = await self.request(http, chair, "GET", f"/drafts/{self.slug}/live", "chair page")
            assert status == 200, f"the chair's page answered {status}"
            chair.csrf = csrf_token(body)
            items = OPEN_ACTION.findall(body)[: self.args.questions]
            if len(items) < self.args.questions:
                raise SystemExit(f"room.py: only {len(items)} questions on the agenda")
            status, _, _ = await self.request(http, projector, "GET", self.projector_path, "projector")
            if status == 404:
                self.projector_path = f"/drafts/{self.slug}/live/state"
            t0 = time.perf_counter()
            tasks = [
                asyncio.ensure_future(self.phone(http, p, t0 + i * self.args.warmup / len(phones)))
                for i, p in enumerate(phones)
            ]
            tasks.append(asyncio.ensure_future(self.follow(http, projector, self.projector_path, "projector", t0)))
            if chair_polls(body):
                # The chair's page follows too (its block polls like the phone's): one more follower, not timed.
                watcher = Client(name="chair's page", cookie=chair.cookie)
                tasks.append(
                    asyncio.ensure_future(
                        self.follow(http, watcher, f"/drafts/{self.slug}/live/state", "chair state", t0)
                    )
                )
            while self.loaded < len(phones) and time.perf_counter() - t0 < self.args.warmup + 60:
                await asyncio.sleep(0.1)
            # Everybody on the page and polling: the idle room (every poll a 304) first.
            await asyncio.sleep(self.args.interval)
            idle = monitor.mark("idle")
            await asyncio.sleep(self.args.idle)
            idle.end()
            results = []
            everyone = phones + [projector]
            for number, item in enumerate(items, start=1):
                q = Question(item=item)
                self.question = q
                phase = monitor.mark(f"question {number}")
                q.opened_click, q.opened = await self.chair_post(http, chair, item, "open", q)
                window_end = q.opened_click + self.args.vote_window
                while time.perf_counter() < window_end + 20:
                    done = (
                        time.perf_counter() >= window_end
                        and len(q.votes) >= len(phones)
                        and all(t.done() for t in q.tasks)
                    )
                    if done:
                        break
                    await asyncio.sleep(0.05)
                await asyncio.gather(*q.tasks, return_exceptions=True)
                q.closed_click, q.closed = await self.chair_post(http, chair, item, "close", q)
                limit = time.perf_counter() + 10
                while time.perf_counter() < limit and not all(item in c.seen_closed for c in everyone):
                    await asyncio.sleep(0.05)
                phase.end()
                results.append(q)
                await asyncio.sleep(self.args.pause)
            self.stop = True
            for task in tasks + [lag_task]:
                task.cancel()
            await asyncio.gather(*tasks, lag_task, return_exceptions=True)
            return {"questions": results, "everyone": everyone}


# --- measuring the machine ----------------------------------------------------------------------------------


def cpu_seconds(pid: int, reaped: bool = False) -> float:
    """User + system CPU seconds of `pid`; with `reaped`, also of its children that ended and were waited
    for (a gunicorn worker replaced by the arbiter, a PostgreSQL backend that ended): a parent's cutime."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if reaped else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def children(ppid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == ppid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, total) seconds of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    hz = os.sysconf("SC_CLK_TCK")
    return (total - idle) / hz, total / hz


class Monitor:
    """CPU time of gunicorn's workers, PostgreSQL's processes, this client and the whole machine, per phase."""

    def __init__(self, gunicorn_pid: int, postmaster_pid: int | None):
        self.gunicorn, self.postmaster = gunicorn_pid, postmaster_pid
        self.phases: list[dict] = []

    def sample(self) -> dict:
        workers = children(self.gunicorn)
        pg = children(self.postmaster) if self.postmaster else []
        me = resource.getrusage(resource.RUSAGE_SELF)
        busy, total = machine_cpu()
        return {
            "t": time.perf_counter(),
            "gunicorn": sum(cpu_seconds(p) for p in workers) + cpu_seconds(self.gunicorn, reaped=True),
            "postgres": sum(cpu_seconds(p) for p in pg)
            + (cpu_seconds(self.postmaster, reaped=True) if self.postmaster else 0.0),
            "client": me.ru_utime + me.ru_stime,
            "busy": busy,
            "total": total,
            "load": os.getloadavg()[0],
        }

    def mark(self, name: str):
        monitor, start = self, self.sample()

        class Phase:
            def end(self_inner):
                monitor.phases.append({"name": name, "start": start, "end": monitor.sample()})

        return Phase()


# --- reporting -----------------------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def spread(values: list[float]) -> str:
    top = max(values, default=float("nan"))
    return f"p50 {pct(values, 50):7.1f}  p95 {pct(values, 95):7.1f}  p99 {pct(values, 99):7.1f}  max {top:7.1f}"


def server_times(log: Path) -> dict[str, list[float]]:
    """Milliseconds each request took inside gunicorn (access log: method, path, status, microseconds)."""
    times: dict[str, list[float]] = defaultdict(list)
    if not log.exists():
        return times
    for line in log.read_text().splitlines():
        parts = line.split()
        if len(parts) != 4 or not parts[3].isdigit():
            continue
        method, path, status, micros = parts
        if path.endswith("/votes"):
            kind = "vote POST"
        elif path.endswith("/state"):
            kind = f"{'projector' if '/projector/' in path else 'state'} GET {status}"
        elif "/items/" in path:
            kind = "chair POST"
        elif path.endswith("/live"):
            kind = "page GET"
        else:
            kind = f"{method} other"
        times[kind].append(int(micros) / 1000)
    return times


def report(
    room: Room, outcome: dict, monitor: Monitor, args, conditions: dict, log: Path, mismatches: list[str]
) -> bool:
    questions, everyone = outcome["questions"], outcome["everyone"]
    out = print
    out(f"# === consult room benchmark: {conditions['describe']}")
    out("# conditions: " + json.dumps({k: v for k, v in conditions.items() if k != "describe"}))
    follow_all, final_all, votes_all = [], [], []
    out(
        f"{'question':<9} {'votes':>5} {'vote ms p50':>11} {'p95':>7} {'p99':>7} | {'shown open s: p50':>17} "
        f"{'max':>6} {'from answer':>11} | {'shown closed s: p50':>19} {'max':>6} | chair POST ms, chair page ms"
    )
    for number, q in enumerate(questions, start=1):
        latencies = [ms for ms, _ in q.votes]
        votes_all += latencies
        shown = [c.seen_open.get(q.item, float("inf")) - q.opened_click for c in everyone]
        shown_answer = [c.seen_open.get(q.item, float("inf")) - q.opened for c in everyone]
        final = [c.seen_closed.get(q.item, float("inf")) - q.closed_click for c in everyone]
        follow_all += shown
        final_all += final
        out(
            f"{number:<9} {len(latencies):>5} {pct(latencies, 50):>11.1f} {pct(latencies, 95):>7.1f} "
            f"{pct(latencies, 99):>7.1f} | {pct(shown, 50):>17.2f} {max(shown):>6.2f} {max(shown_answer):>11.2f} | "
            f"{pct(final, 50):>19.2f} {max(final):>6.2f} | {(q.opened - q.opened_click) * 1000:.0f} / "
            f"{(q.closed - q.closed_click) * 1000:.0f}, {q.chair_page_ms:.0f}"
        )
    missing = sum(1 for c in everyone for q in questions if q.item not in c.seen_open or q.item not in c.seen_closed)
    if missing:
        room.error("a phone or the projector never showed a question (open or closed)", f"{missing} times")
    out("")
    out("client side, ms (phones, projector, chair):")
    by_kind: dict[str, list[float]] = defaultdict(list)
    for _, kind, status, ms in room.requests:
        by_kind[f"{kind} {status}" if kind in ("state", "projector", "chair state") else kind].append(ms)
    for kind in sorted(by_kind):
        out(f"  {kind:<16} n {len(by_kind[kind]):>6}  {spread(by_kind[kind])}")
    times = server_times(log)
    if times:
        out("inside gunicorn, ms (access log %(D)s: from the request read to the answer written):")
        for kind in sorted(times):
            out(f"  {kind:<16} n {len(times[kind]):>6}  {spread(times[kind])}")
    out("phases (requests per second, CPU seconds per second of wall time; 2 cores = 2.0):")
    for phase in monitor.phases:
        a, b = phase["start"], phase["end"]
        wall = b["t"] - a["t"]
        count = sum(1 for start, *_ in room.requests if a["t"] <= start < b["t"])
        votes = sum(1 for start, kind, *_ in room.requests if kind == "vote" and a["t"] <= start < b["t"])
        gun, pg, me = (b[k] - a[k] for k in ("gunicorn", "postgres", "client"))
        busy = b["busy"] - a["busy"]
        out(
            f"  {phase['name']:<11} {wall:5.1f} s  {count / wall:6.1f} req/s ({votes / wall:4.1f} votes/s) | "
            f"gunicorn {gun / wall:.2f}  postgres {pg / wall:.2f}  client {me / wall:.2f}  "
            f"others {max(0.0, busy - gun - pg - me) / wall:.2f}  machine {busy / wall:.2f} | load {b['load']:.2f} | "
            f"CPU per request: gunicorn {gun * 1000 / max(count, 1):.1f} ms, postgres {pg * 1000 / max(count, 1):.1f} "
            f"ms, "
            f"client {me * 1000 / max(count, 1):.1f} ms"
        )
    out(f"client event loop lag, ms: {spread(room.lag)}")
    errors = sum(room.errors.values()) + len(mismatches)
    out("")
    if room.errors or mismatches:
        out("errors:")
        for kind, n in room.errors.most_common():
            out(f"  {n:>5}  {kind}  (e.g. {room.error_examples.get(kind, '')!r})")
        for line in mismatches[:10]:
            out(f"  vote on record: {line}")
        if len(mismatches) > 10:
            out(f"  ... {len(mismatches) - 10} more records not as last sent")
    total = len(room.requests)
    wall = monitor.phases[-1]["end"]["t"] - monitor.phases[0]["start"]["t"] if monitor.phases else 1
    vote_p99 = pct(votes_all, 99)
    follow, final = max(follow_all, default=float("inf")), max(final_all, default=float("inf"))
    verdict = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    out(
        f"# {errors} errors (goal 0: {verdict(errors == 0)}); {len(votes_all)} votes: p50 {pct(votes_all, 50):.1f} "
        f"p95 {pct(votes_all, 95):.1f} p99 {vote_p99:.1f} ms (goal p99 <= {GOAL_VOTE_P99_MS}: "
        f"{verdict(vote_p99 <= GOAL_VOTE_P99_MS)}); every phone and the projector showed the new question "
        f"within {follow:.2f} s of the chair's click (goal {GOAL_FOLLOW_S}: {verdict(follow <= GOAL_FOLLOW_S)}) "
        f"and the closed question within {final:.2f} s (goal {GOAL_FOLLOW_S}: {verdict(final <= GOAL_FOLLOW_S)}); "
        f"{total} requests, {total / wall:.0f} req/s over {wall:.0f} s"
    )
    return errors == 0 and vote_p99 <= GOAL_VOTE_P99_MS and follow <= GOAL_FOLLOW_S and final <= GOAL_FOLLOW_S


def check_votes(app, draft_id: int, questions: list[Question]) -> list[str]:
    """Each organisation's vote on record for each question: cast live, and the choice it sent last (where two
    of its votes were in flight at once, the server's order decides, and that organisation is not checked)."""
    from sqlalchemy import select

    from consult.extensions import db
    from consult.live.models import AgendaItem
    from consult.votes.models import Channel, Vote

    wrong = []
    with app.app_context():
        for q in questions:
            item = db.session.get(AgendaItem, int(q.item))
            rows = {
                v.organisation_id: v
                for v in db.session.scalars(
                    select(Vote).where(
                        Vote.draft_id == draft_id,
                        Vote.paragraph_id == item.paragraph_id,
                        Vote.amendment_id == item.amendment_id
                        if item.amendment_id is not None
                        else Vote.amendment_id.is_(None),
                    )
                )
            }
            for org, (_, answered, choice) in q.last_choice.items():
                if org in q.ambiguous or answered is None:
                    continue
                vote = rows.get(org)
                if vote is None or vote.choice.value != choice or vote.channel != Channel.LIVE:
                    wrong.append(
                        f"item {q.item}, organisation {org}: sent {choice} last, on record "
                        f"{getattr(vote, 'choice', None)} ({getattr(vote, 'channel', None)})"
                    )
        db.session.remove()
    return wrong


# --- where a request's time goes (in this process, after the run) ---------------------------------------------


def profile(
    app, seeded: dict, requests: int, projector_path: str, followers: int, interval: float, votes_per_second: float
) -> None:
    """CPU time, SQL statements and driver time per request of each kind the room sends, through the test
    client on the same database (one process, no network, no other request at the same time), with a
    question open; then cProfile's top functions of the phone's state block (the room's most frequent 200)."""
    import cProfile
    import io
    import pstats

    from profile_requests import SqlMeter
    from sqlalchemy import select

    from consult.accounts.models import User
    from consult.core import clock
    from consult.drafts.models import Draft
    from consult.extensions import db
    from consult.live import services
    from consult.live.models import ItemState
    from consult.live.queries import active_session

    def signed_in(email: str, secret: str | None = None):
        client = app.test_client()
        client.set_cookie("session", sign_in(app, email, secret).split("=", 1)[1])
        return client

    phone = signed_in(seeded["phones"][0])
    projector = signed_in(*seeded["projector"])
    with app.app_context():
        chair = db.session.scalar(select(User).where(User.email == seeded["chair"][0]))
        draft = db.session.get(Draft, seeded["draft_id"])
        live = active_session(draft.id)
        item = next(i for i in live.items if i.state == ItemState.WAITING and i.paragraph_id is not None)
        services.open_question(chair, draft, live, item, clock.now())
        db.session.commit()
        paragraph_id = item.paragraph_id
        meter = SqlMeter(db.engine)
    headers = {"User-Agent": UA, "HX-Request": "true"}
    slug = seeded["slug"]
    page = phone.get(f"/drafts/{slug}/live", headers=headers).get_data(as_text=True)
    token = csrf_token(page)
    etag = {"now": phone.get(f"/drafts/{slug}/live/state", headers=headers).headers["ETag"]}
    kinds = {
        "state 200 (phone)": lambda i: phone.get(f"/drafts/{slug}/live/state", headers=headers),
        "state 304 (phone)": lambda i: phone.get(
            f"/drafts/{slug}/live/state", headers={**headers, "If-None-Match": etag["now"]}
        ),
        "projector 200": lambda i: projector.get(projector_path, headers=headers),
        "vote POST (htmx)": lambda i: phone.post(
            f"/drafts/{slug}/votes",
            headers=headers,
            data={"csrf_token": token, "vote": f"{paragraph_id}:{CHOICES[i % 3]}", "back": "live"},
        ),
    }
    print(
        f"\nin-process, one request at a time ({requests} each, after 5 to warm up; CPU ms is this process's "
        "user+system time, PostgreSQL's own time not included):"
    )
    # The floor of any poll on this stack: the state route answering an empty 200 behind its guard (session
    # cookie, the person loaded, the two-factor rule, the after-request hooks), as bench/stack_floor.py does
    # for the vote. Measured last, then the real view is put back.
    from consult.core.access import signed_in as guard

    real_state = app.view_functions["live.state"]

    @guard
    def _nothing(slug: str):
        return ""

    def floor(i):
        app.view_functions["live.state"] = _nothing
        try:
            return phone.get(f"/drafts/{slug}/live/state", headers=headers)
        finally:
            app.view_functions["live.state"] = real_state

    kinds["empty GET (floor)"] = floor
    costs = {}
    for label, send in kinds.items():
        for i in range(5):
            send(i)
        meter.reset()
        cpu, wall = time.process_time(), time.perf_counter()
        statuses = Counter(send(i).status_code for i in range(requests))
        cpu, wall = (time.process_time() - cpu) * 1000 / requests, (time.perf_counter() - wall) * 1000 / requests
        costs[label] = cpu
        print(
            f"  {label:<18} {cpu:6.2f} ms CPU  {wall:6.2f} ms wall  {meter.count / requests:4.1f} SQL statements, "
            f"{meter.seconds * 1000 / requests:5.2f} ms in the driver  (answers {dict(statuses)})"
        )
    etag["now"] = phone.get(f"/drafts/{slug}/live/state", headers=headers).headers["ETag"]  # after the votes
    for label in ("state 200 (phone)", "state 304 (phone)"):
        meter.reset()
        kinds[label](0)
        print(f"  the SQL statements of one {label}:")
        for statement in meter.statements:
            print(f"    {statement[:150]}")
    polls = followers / interval
    idle = polls * costs["state 304 (phone)"] / 1000
    voting = (polls * costs["state 200 (phone)"] + votes_per_second * costs["vote POST (htmx)"]) / 1000
    print(
        f"  what the room asks of the app's processes alone, at these costs: idle {polls:.0f} polls/s, all 304: "
        f"{idle:.2f} CPU cores; while votes come in ({votes_per_second:.0f}/s, each raising the tally revision, so "
        f"that every poll renders its block): {voting:.2f} CPU cores (this machine: {os.cpu_count()}, shared "
        "with PostgreSQL and this client)"
    )
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(requests):
        kinds["state 200 (phone)"](i)
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(r"consult|jinja2|sqlalchemy/orm/session|flask_login|flask_wtf", 25)
    print("\ncProfile of the phone's state 200, by cumulative time (top 25 of the app's functions):")
    print("\n".join(line for line in stream.getvalue().splitlines()[6:] if line.strip()))
    with app.app_context():
        db.session.remove()


# --- main ------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--organisations", type=int, default=100)
    parser.add_argument("--phones-per-organisation", type=int, default=3)
    parser.add_argument("--paragraphs", type=int, default=30)
    parser.add_argument(
        "--interval",
        type=float,
        default=None,
        help='seconds between polls (default: the live pages\' own, hx-trigger "every Ns")',
    )
    parser.add_argument("--vote-window", type=float, default=10.0, help="votes fall in this many seconds")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds over which the phones open the page")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of polling alone before the first question")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between questions")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("ROOM_WORKERS", "3")))
    parser.add_argument("--worker-class", default=os.environ.get("ROOM_WORKER_CLASS", "sync"))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("ROOM_THREADS", "1")))
    parser.add_argument("--pg-fast", action="store_true", help="fsync and synchronous commit off (as the tests)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database instead of a throwaway cluster")
    parser.add_argument("--no-access-log", action="store_true", help="no server times (saves a little CPU)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs) in /tmp")
    parser.add_argument(
        "--app",
        default=str(ROOT),
        help="the checkout whose app is served (default: this one), e.g. to compare branches",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="then time N requests of each kind in-process and profile the state block",
    )
    parser.add_argument(
        "--profile-only",
        action="store_true",
        help="with --profile: seed, then profile in-process only (no room, no gunicorn; ~1 min)",
    )
    args = parser.parse_args()
    # The app from this checkout; bench/seed.py and bench/profile_requests.py beside this file.
    app_root = Path(args.app).resolve()
    if args.interval is None:
        args.interval = page_interval(app_root)
    if app_root != ROOT:
        sys.dont_write_bytecode = True  # another checkout is only read
    sys.path[:0] = [str(app_root), str(HERE)]
    # Stopped from outside (timeout, kill): still stop gunicorn and the cluster.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    python = sys.executable
    venv_bin = Path(python).parent
    work = Path(tempfile.mkdtemp(prefix="consult-room."))
    cluster = None if args.database_url else Cluster(args.pg_fast)
    server = app = None
    try:
        url = args.database_url or cluster.start()
        env = {
            **os.environ,
            "CONSULT_INSTANCE_PATH": str(work),
            "CONSULT_ENV": "production",
            "MAIL_BACKEND": "log",
            "SECRET_KEY": SECRET_KEY,
            "SESSION_COOKIE_SECURE": "0",
            "DATABASE_URL": url,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        env.pop("CONSULT_RATELIMIT", None)
        env.pop("CONSULT_REQUIRE_2FA", None)
        started = time.perf_counter()
        subprocess.run(
            [str(venv_bin / "flask"), "--app", "consult", "db", "upgrade"],
            cwd=app_root,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        # This process signs people in through the test client: the same settings, rate limits off here only.
        os.environ.update(
            {
                k: env[k]
                for k in (
                    "CONSULT_INSTANCE_PATH",
                    "CONSULT_ENV",
                    "MAIL_BACKEND",
                    "SECRET_KEY",
                    "SESSION_COOKIE_SECURE",
                    "DATABASE_URL",
                )
            }
        )
        os.environ["CONSULT_RATELIMIT"] = "0"
        import consult
        from consult import create_app

        if not Path(consult.__file__).resolve().is_relative_to(app_root):
            raise SystemExit(f"room.py: imported {consult.__file__}, not the app of {app_root}")
        app = create_app()
        with app.app_context():
            seeded = seed_room(args.paragraphs, args.organisations, args.phones_per_organisation)
        if args.profile_only:
            phones = args.organisations * args.phones_per_organisation
            profile(
                app,
                seeded,
                args.profile or 40,
                "/drafts/{}/live/projector/state".format(seeded["slug"]),
                phones + 1,
                args.interval,
                phones / args.vote_window,
            )
            return 0
        cookies = {email: sign_in(app, email) for email in seeded["phones"]}
        chair_cookie = sign_in(app, *seeded["chair"])
        projector_cookie = sign_in(app, *seeded["projector"])
        print(
            f"# seeded and signed in {len(cookies) + 2} people in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )

        port = free_port()
        command = [
            str(venv_bin / "gunicorn"),
            "--chdir",
            str(app_root),
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(args.workers),
            "-k",
            args.worker_class,
            "--threads",
            str(args.threads),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            "--error-logfile",
            str(work / "gunicorn.log"),
        ]
        if not args.no_access_log:
            command += ["--access-logfile", str(work / "access.log"), "--access-logformat", "%(m)s %(U)s %(s)s %(D)s"]
        server = subprocess.Popen(
            command + ["wsgi:app"], cwd=app_root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        import urllib.request

        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("room.py: gunicorn did not come up:\n" + (work / "gunicorn.log").read_text())

        rng = random.Random(args.seed)
        room = Room(f"http://127.0.0.1:{port}", seeded["slug"], args, rng)
        phones = [
            Client(name=email, cookie=cookies[email], organisation_id=seeded["organisation_of"][email])
            for email in seeded["phones"]
        ]
        projector = Client(name="projector", cookie=projector_cookie)
        chair = Client(name="chair", cookie=chair_cookie)
        monitor = Monitor(server.pid, cluster.postmaster_pid() if cluster else None)
        outcome = asyncio.run(room.run(phones, projector, chair, monitor))
        mismatches = check_votes(app, seeded["draft_id"], outcome["questions"])
        log = work / "gunicorn.log"
        if log.exists():
            # A traceback, an error, or the arbiter killing a worker that stopped answering (WORKER TIMEOUT).
            problems = [
                line
                for line in log.read_text().splitlines()
                if "Traceback" in line or "[ERROR]" in line or "[CRITICAL]" in line
            ]
            for line in problems:
                room.error("gunicorn error log", line)
        conditions = {
            "describe": f"{args.organisations} organisations checked in, {len(phones)} phones + 1 projector polling "
            f"every {args.interval:g} s, {args.questions} questions with {len(phones)} votes each in "
            f"{args.vote_window:g} s; gunicorn -w {args.workers} -k {args.worker_class} "
            f"--threads {args.threads}, PostgreSQL "
            f"{'fsync off' if args.pg_fast else 'durable (fsync on)'}" + (" (given)" if args.database_url else ""),
            "cpus": os.cpu_count(),
            "load_before": round(monitor.phases[0]["start"]["load"], 2),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "projector_path": room.projector_path.rsplit("/live", 1)[1],
            "app": str(app_root),
            "commit": subprocess.run(
                ["git", "-C", str(app_root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
            ).stdout.strip(),
        }
        met = report(room, outcome, monitor, args, conditions, work / "access.log", mismatches)
        if args.profile:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=15)
            server = None
            profile(
                app,
                seeded,
                args.profile,
                room.projector_path,
                len(phones) + 1,
                args.interval,
                len(phones) / args.vote_window,
            )
        return 1 if os.environ.get("STRICT") == "1" and not met else 0
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        if app is not None:
            with app.app_context():
                from consult.extensions import db

                db.session.remove()
                db.engine.dispose()
        if cluster is not None:
            cluster.stop()
        if args.keep:
            print(f"# work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
