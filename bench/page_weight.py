"""Page weight on a slow phone link: bytes transferred and first contentful paint, in Chromium.

    python bench/page_weight.py [--runs 2] [--keep] [--no-throttle]

Issue 17, point 5. Seeds a fresh SQLite database (the demo, a 60-paragraph draft with 5,000
comments, a 1,400-item moderation queue), serves it with gunicorn (2 sync workers, production
settings) and opens the pages in Debian's Chromium through Playwright, with Chromium's own
emulation through the DevTools protocol: `Network.emulateNetworkConditions` (400 ms latency,
400 kbit/s down and up) and `Emulation.setCPUThrottlingRate` 4.

For each case it prints the bytes transferred (the sum of `encodedDataLength` of every request of
the page load: compressed bodies plus headers, nothing counted for what came from the browser's
cache), the number of requests, and the first contentful paint:

- the demo draft `participation-law` as a delegate, first view (empty browser cache) and repeat
  view (the same page opened again in the same browser);
- the draft page of a 60-paragraph draft with 5,000 comments (`weight`), first view;
- the moderation queue with 1,400 waiting items, its first page, as a moderator, first view (1,479
  wait in all: seed.py holds 2 % of the 60-paragraph draft's comments too).

Goals (issue 17): ≤ 40 KB first view and ≤ 15 KB repeat view, FCP ≤ 2 s; ≤ 120 KB; ≤ 100 KB.
`--runs N` repeats each case N times and prints each run (the machine is shared: FCP varies).
Sign-in happens in another browser context, whose cookies are handed to the measured one, so the
measured first view starts with an empty cache. Needs the venv's playwright and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

PYTHON = sys.executable
VENV_BIN = Path(PYTHON).parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DEMO_PASSWORD = "konsultation-demo"
DEMO_DELEGATE = "elif.kaya@ieb.demo.bundeskonferenz.example"
MODERATOR = "bench-moderator@example.org"
QUEUE_ITEMS = 1400

LATENCY_MS = 400
THROUGHPUT = 400 * 1000 / 8  # 400 kbit/s in bytes per second
CPU_SLOWDOWN = 4
VERBOSE = False

GOALS = {  # case -> (bytes, FCP in ms or None)
    "demo draft, delegate, first view": (40 * 1024, 2000),
    "demo draft, delegate, repeat view": (15 * 1024, 2000),
    "60 paragraphs, 5,000 comments": (120 * 1024, None),
    "moderation queue, 1,400 waiting, page 1": (100 * 1024, None),
}


# --- seeding (in a child process: `--seed`) -----------------------------------------------------------------


def seed_all() -> dict:
    """The two benchmark drafts and the queue, in the database of `create_app()` (the demo is already there)."""
    from seed import BENCH_PASSWORD, BODIES, HASH_METHOD, seed
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from consult import create_app
    from consult.accounts.models import Role, User, UserRole
    from consult.comments.models import Comment, CommentStatus, Stance
    from consult.core.db import utcnow
    from consult.core.markdown import render_comment
    from consult.extensions import db

    app = create_app()
    with app.app_context():
        weight = seed(slug="weight", paragraphs=60, comments=5000, organisations=20, phase="commenting")
        seed(slug="queue", paragraphs=20, comments=0, organisations=0, phase="commenting")
        from consult.drafts.services import get_by_slug

        queue_draft = get_by_slug("queue")
        texts = list(queue_draft.versions[0].texts)
        authors = list(
            db.session.execute(db.select(User.id, User.organisation_id).where(User.email.like("bench-delegate-%")))
        )
        rng = random.Random(17)
        start = utcnow() - timedelta(days=3)
        rendered = {body: render_comment(body) for body in BODIES}
        rows = []
        for i in range(QUEUE_ITEMS):
            text, (author_id, organisation_id), body = rng.choice(texts), rng.choice(authors), rng.choice(BODIES)
            rows.append(
                {
                    "paragraph_id": text.paragraph_id,
                    "version_id": text.version_id,
                    "author_id": author_id,
                    "organisation_id": organisation_id,
                    "stance": Stance.NEUTRAL,
                    "body": body,
                    "body_html": rendered[body],
                    "status": CommentStatus.PENDING,
                    "created_at": start + timedelta(minutes=2 * i),
                }
            )
        db.session.execute(insert(Comment), rows)
        moderator = User(
            email=MODERATOR,
            name="Benchmark-Moderation",
            password_hash=generate_password_hash(BENCH_PASSWORD, method=HASH_METHOD),
        )
        db.session.add(moderator)
        db.session.flush()
        db.session.execute(insert(UserRole), [{"user_id": moderator.id, "role": Role.MODERATOR}])
        db.session.commit()
    return {"weight_email": weight["email"], "password": BENCH_PASSWORD}


# --- the server -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], env: dict) -> str:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"page_weight: {' '.join(args[:3])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(work: Path) -> tuple[dict, dict]:
    env = {
        **os.environ,
        "CONSULT_INSTANCE_PATH": str(work),
        "CONSULT_ENV": "production",
        "MAIL_BACKEND": "log",
        "SECRET_KEY": "bench-only-secret",
        "SESSION_COOKIE_SECURE": "0",
        "CONSULT_REQUIRE_2FA": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    run([str(VENV_BIN / "flask"), "--app", "consult", "db", "upgrade"], env)
    run([str(VENV_BIN / "flask"), "--app", "consult", "seed-demo"], env)
    info = json.loads(run([PYTHON, __file__, "--seed"], env).strip().splitlines()[-1])
    print(
        f"# seeded in {time.perf_counter() - started:.0f} s: demo, 60 paragraphs / 5,000 comments, "
        f"{QUEUE_ITEMS} waiting items",
        file=sys.stderr,
    )
    return env, info


def serve(env: dict, work: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = open(work / "gunicorn.log", "w")
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "-w",
            "2",
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/login", timeout=2).read()
            return server, base
        except OSError:
            time.sleep(0.1)
    server.terminate()
    sys.exit(f"page_weight: the app did not come up:\n{(work / 'gunicorn.log').read_text()}")


# --- measuring ----------------------------------------------------------------------------------------------


def signed_in_state(browser, base: str, email: str, password: str) -> dict:
    """The cookies of a signed-in person, from a context of its own (so the measured cache stays empty)."""
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    if "/login" in page.url:
        sys.exit(f"page_weight: signing in as {email} failed")
    state = context.storage_state()
    context.close()
    return state


class Measured:
    """A page in a context with the slow link and the slow CPU; counts the bytes of each load."""

    def __init__(self, browser, state: dict | None, throttle: bool):
        self.context = browser.new_context(locale="de-DE", storage_state=state)
        self.page = self.context.new_page()
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        if throttle:
            self.cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": LATENCY_MS,
                    "downloadThroughput": THROUGHPUT,
                    "uploadThroughput": THROUGHPUT,
                },
            )
            self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        self.received: dict[str, float] = {}
        self.urls: dict[str, str] = {}
        self.cdp.on(
            "Network.loadingFinished", lambda e: self.received.__setitem__(e["requestId"], e["encodedDataLength"])
        )
        self.cdp.on(
            "Network.responseReceived",
            lambda e: self.urls.__setitem__(e["requestId"], f"{e['response']['status']} {e['response']['url']}"),
        )

    def load(self, url: str) -> dict:
        self.received.clear()
        self.urls.clear()
        started = time.perf_counter()
        response = self.page.goto(url, wait_until="load", timeout=180_000)
        if response is None or response.status != 200:
            sys.exit(f"page_weight: {url} answered {response.status if response else 'nothing'}")
        self.page.wait_for_timeout(300)  # late loadingFinished events (the last bytes of the page)
        fcp = self.page.evaluate(
            "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null"
        )
        encoding = response.header_value("content-encoding")
        if VERBOSE:
            for request_id, size in self.received.items():
                print(f"#   {size:8.0f} B  {self.urls.get(request_id, request_id)}", file=sys.stderr)
            # Where the time before the first paint went: the page's first byte and last byte, the stylesheet's.
            marks = self.page.evaluate("""() => {
                const nav = performance.getEntriesByType('navigation')[0];
                const css = performance.getEntriesByType('resource').find(e => e.name.includes('.css'));
                return [nav.responseStart, nav.responseEnd, css ? css.responseEnd : null].map(Math.round);
            }""")
            print(
                f"#   page: first byte {marks[0]} ms, last byte {marks[1]} ms; stylesheet loaded {marks[2]} ms",
                file=sys.stderr,
            )
        return {
            "bytes": int(sum(self.received.values())),
            "requests": sum(1 for n in self.received.values() if n),
            "cached": sum(1 for n in self.received.values() if not n),
            "fcp_ms": round(fcp) if fcp else None,
            "load_s": round(time.perf_counter() - started, 2),
            "html_encoding": encoding or "none",
        }

    def close(self):
        self.context.close()


def verdict(case: str, result: dict) -> str:
    limit, fcp_limit = GOALS[case]
    ok = result["bytes"] <= limit and (fcp_limit is None or (result["fcp_ms"] or 1e9) <= fcp_limit)
    goal = f"≤ {limit // 1024} KB" + (f", FCP ≤ {fcp_limit / 1000:g} s" if fcp_limit else "")
    return f"goal {goal}: {'met' if ok else 'MISSED'}"


def measure(base: str, info: dict, runs: int, throttle: bool) -> list[tuple[str, dict]]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
        )
        delegate = signed_in_state(browser, base, DEMO_DELEGATE, DEMO_PASSWORD)
        weight = signed_in_state(browser, base, info["weight_email"], info["password"])
        moderator = signed_in_state(browser, base, MODERATOR, info["password"])
        for _ in range(runs):
            page = Measured(browser, delegate, throttle)
            results.append(("demo draft, delegate, first view", page.load(base + "/drafts/participation-law")))
            results.append(("demo draft, delegate, repeat view", page.load(base + "/drafts/participation-law")))
            page.close()
            page = Measured(browser, weight, throttle)
            results.append(("60 paragraphs, 5,000 comments", page.load(base + "/drafts/weight")))
            page.close()
            page = Measured(browser, moderator, throttle)
            results.append(("moderation queue, 1,400 waiting, page 1", page.load(base + "/moderation")))
            page.close()
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder and print its path")
    parser.add_argument("--no-throttle", action="store_true", help="no network or CPU emulation")
    parser.add_argument("--verbose", action="store_true", help="list each request of each load (stderr)")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global VERBOSE
    VERBOSE = args.verbose
    if args.seed:
        print(json.dumps(seed_all()))
        return
    work = Path(tempfile.mkdtemp(prefix="consult-weight."))
    server = None
    try:
        env, info = prepare(work)
        server, base = serve(env, work)
        throttle = not args.no_throttle
        print(
            f"# Chromium: latency {LATENCY_MS} ms, {THROUGHPUT * 8 / 1000:g} kbit/s, CPU ÷{CPU_SLOWDOWN}"
            if throttle
            else "# Chromium: no emulation",
            file=sys.stderr,
        )
        for case, result in measure(base, info, args.runs, throttle):
            fcp = f"{result['fcp_ms'] / 1000:.2f} s" if result["fcp_ms"] else "–"
            print(
                f"{case:42s} {result['bytes'] / 1024:7.1f} KB in {result['requests']:2d} requests "
                f"(+{result['cached']} from cache) "
                f"(HTML {result['html_encoding']})  FCP {fcp:>7s}  load {result['load_s']:5.2f} s  | "
                f"{verdict(case, result)}"
            )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if args.keep:
            print(f"# kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
