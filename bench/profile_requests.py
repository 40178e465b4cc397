"""Where the time of one draft-page GET and one vote POST goes, in-process (cProfile).

    bench/annotate.sh with PROFILE=1          # on the database it benchmarked
    .venv/bin/python bench/profile_requests.py         # standalone: seeds a fresh SQLite database in /tmp

Signs in through the real form with Flask's test client, warms up, then for each
request prints: wall time per request without the profiler, SQL statements and
time spent in the database per request, and the functions with the most own
time and cumulative time under cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

UA = "consult-bench/1"


def token_of(html: str) -> str:
    for tag in re.findall(r'<input\b[^>]*\bname="csrf_token"[^>]*>', html):
        match = re.search(r'\bvalue="([^"]+)"', tag)
        if match:
            return match.group(1)
    raise SystemExit("no CSRF token in the page")


class SqlMeter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count, self.seconds, self._started = 0, 0.0, 0.0
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, *args):
        self.statements.append(" ".join(statement.split()))
        self._started = time.perf_counter()

    def _after(self, *args):
        self.count += 1
        self.seconds += time.perf_counter() - self._started

    def reset(self):
        self.count, self.seconds = 0, 0.0
        self.statements.clear()


class PageSplit:
    """Where a draft page's time goes without the profiler: gathering what the page shows (the view's
    `_render_draft` before its template), rendering the template, and the rest (the stack, the view around it,
    the page cache and its holes)."""

    def __init__(self) -> None:
        import flask.templating

        import consult.reading.views as reading_views

        self.render = self.template = 0.0
        reading_views._render_draft = self._timed(reading_views._render_draft, "render")
        flask.templating._render = self._timed(flask.templating._render, "template")  # render_template's inside

    def _timed(self, function, into: str):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                setattr(self, into, getattr(self, into) + time.perf_counter() - started)

        return timed

    def reset(self) -> None:
        self.render = self.template = 0.0

    def line(self, wall: float, requests: int) -> str:
        render, template = self.render / requests, self.template / requests
        return (
            f"# of which: gathering the page's data {(render - template) * 1000:.2f} ms, its template "
            f"{template * 1000:.2f} ms, the rest (stack, view, page cache and holes) {(wall - render) * 1000:.2f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slug", default="bench")
    parser.add_argument("--email", default="bench-delegate-1@example.org")
    parser.add_argument("--password", default=None)
    parser.add_argument("--as", dest="as_", choices=["delegate", "guest"], default="delegate")
    parser.add_argument("--htmx", default="1")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per endpoint")
    parser.add_argument(
        "--statements", action="store_true", help="print the SQL statements of one request of each kind"
    )
    parser.add_argument("--top", type=int, default=22)
    parser.add_argument(
        "--focus",
        default=r"consult/|templates/|flask_login|flask_wtf|flask_babel|jinja2_fragments"
        r"|session\.py.*\((commit|flush|get|scalar|execute)\)|engine/base\.py.*\(execute\)"
        r"|environment\.py.*\((render|get_template)\)|signing|hashlib|sha",
        help="regular expression: a third listing shows only these functions, by cumulative time",
    )
    args = parser.parse_args()

    scratch = None
    if not os.environ.get("CONSULT_INSTANCE_PATH") and not os.environ.get("DATABASE_URL"):
        scratch = tempfile.mkdtemp(prefix="consult-profile-")
        os.environ["CONSULT_INSTANCE_PATH"] = scratch
    os.environ.setdefault("CONSULT_ENV", "production")
    os.environ.setdefault("MAIL_BACKEND", "log")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ["SESSION_COOKIE_SECURE"] = "0"
    try:
        run(args)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def run(args) -> None:
    import seed as seeding

    from consult import create_app
    from consult.drafts.services import get_by_slug, is_heading
    from consult.extensions import db

    app = create_app()
    with app.app_context():
        from sqlalchemy import inspect

        if not inspect(db.engine).has_table("draft"):
            from flask_migrate import upgrade

            upgrade()
        if get_by_slug(args.slug) is None:
            info = seeding.seed(args.slug)
            print(f"# seeded a fresh database in {info['seconds']} s")
        paragraph_ids = [
            t.paragraph_id for t in get_by_slug(args.slug).versions[-1].texts if not is_heading(t.text)
        ]  # headings are not put to the vote
        meter = SqlMeter(db.engine)
    split = PageSplit()
    password = args.password or seeding.BENCH_PASSWORD

    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": UA})
    login = client.get("/login").get_data(as_text=True)
    answer = client.post(
        "/login", data={"email": args.email, "password": password, "next": "", "csrf_token": token_of(login)}
    )
    assert answer.status_code == 302, f"sign-in answered {answer.status_code}"
    page = client.get(f"/drafts/{args.slug}")
    assert page.status_code == 200
    csrf = token_of(page.get_data(as_text=True))
    guest = app.test_client()
    guest.environ_base.update({"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": UA})
    rng = random.Random(1)
    headers = {"HX-Request": "true"} if args.htmx == "1" else {}

    def get_page():
        response = (client if args.as_ == "delegate" else guest).get(f"/drafts/{args.slug}")
        assert response.status_code == 200, response.status_code

    def post_vote():
        response = client.post(
            f"/drafts/{args.slug}/votes",
            headers=headers,
            data={"csrf_token": csrf, "vote": f"{rng.choice(paragraph_ids)}:{rng.choice(['yes', 'no', 'abstain'])}"},
        )
        assert response.status_code in (200, 302), response.status_code

    for label, call in ((f"draft page GET ({args.as_})", get_page), (f"vote POST (htmx={args.htmx})", post_vote)):
        for _ in range(5):
            call()
        if args.statements:
            meter.reset()
            call()
            print(f"\n### {label}: the SQL statements of one request")
            for statement in meter.statements:
                print("  " + statement[:160])
        meter.reset()
        split.reset()
        started = time.perf_counter()
        for _ in range(args.requests):
            call()
        wall = (time.perf_counter() - started) / args.requests
        page_split = split.line(wall, args.requests) if call is get_page else None
        queries, sql = meter.count / args.requests, meter.seconds / args.requests
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            call()
        profiler.disable()
        print(
            f"\n### {label}: {wall * 1000:.2f} ms per request in-process (1 process, no profiler); "
            f"{queries:.1f} SQL statements, {sql * 1000:.2f} ms in the database driver per request"
        )
        if page_split:
            print(page_split)
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats(order).print_stats(args.top)
            text = out.getvalue()
            body = text[text.index("ncalls") :] if "ncalls" in text else text
            print(f"# by {order} ({args.requests} requests; divide by {args.requests} for one request)")
            print(body.rstrip())
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(args.focus, args.top * 2)
        text = out.getvalue()
        print(f"# only {args.focus!r}, by cumulative")
        print((text[text.index("ncalls") :] if "ncalls" in text else text).rstrip())


if __name__ == "__main__":
    main()
