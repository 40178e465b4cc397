"""Real servers for tests that need parallel processes: `Gunicorn` serves the app (`wsgi:app`) with
several sync workers as in production, `Browser` is one person's HTTP client with its own cookies.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests import factories

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 30  # seconds for any one HTTP request

CSRF_INPUT = re.compile(r'<input\b[^>]*\bname="csrf_token"[^>]*>')
VALUE = re.compile(r'\bvalue="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken":\s*"([^"]+)"')


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand redirects back to the caller: a plain vote POST answers 302, and we look at it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """One delegate's HTTP client: its own cookie jar, no redirects followed."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            response = self.opener.open(req, timeout=TIMEOUT)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            response = error
        with response:
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")

    def sign_in(self, email: str) -> None:
        status, _, html = self.request("/login")
        assert status == 200, f"GET /login answered {status}"
        status, headers, html = self.request(
            "/login", {"email": email, "password": factories.PASSWORD, "next": "", "csrf_token": csrf_token(html)}
        )
        assert status == 302, f"sign-in of {email} answered {status}: {html[:500]}"


def csrf_token(html: str) -> str:
    """The token of a form on the page, else the one htmx sends (body's hx-headers)."""
    for tag in CSRF_INPUT.findall(html):
        match = VALUE.search(tag)
        if match:
            return match.group(1)
    match = CSRF_HEADER.search(html.replace("&#34;", '"').replace("&quot;", '"'))
    assert match, "no CSRF token in the page"
    return match.group(1)


class Gunicorn:
    """`gunicorn wsgi:app` with several sync workers, as in production, on a free loopback port."""

    def __init__(self, database_url: str, workers: int, env: dict | None = None, args: tuple[str, ...] = ()):
        """`env`: settings added to the workers' environment; `args`: further gunicorn options."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.folder = tempfile.mkdtemp(prefix="consult-gunicorn-")
        self.log_path = Path(self.folder) / "gunicorn.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test",
            "CONSULT_ENV": "production",
            "SESSION_COOKIE_SECURE": "0",
            "CONSULT_INSTANCE_PATH": self.folder,
            "PYTHONDONTWRITEBYTECODE": "1",
            # 20 delegates sign in from one address within seconds: not what the sign-in limit is for.
            "CONSULT_RATELIMIT": "0",
            # No mail server in tests: on purpose, each message is a log line (production refuses otherwise).
            "MAIL_BACKEND": "log",
            **(env or {}),
        }
        gunicorn = Path(sys.executable).parent / "gunicorn"
        # --preload imports the app once before forking (no database connection is made at
        # import), so all workers are ready together and the test starts in about a second.
        command = [
            str(gunicorn),
            "--chdir",
            str(ROOT),
            "-b",
            f"127.0.0.1:{self.port}",
            "-w",
            str(workers),
            "-k",
            "sync",
            "--preload",
            "--timeout",
            str(TIMEOUT),
            "--log-level",
            "warning",
            *args,
            "wsgi:app",
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def wait_until_ready(self, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                status, _, _ = Browser(self.base).request("/login")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"gunicorn did not answer within {seconds} s:\n{self.log()}")

    def wait_for_log(self, written, seconds: float = 10.0) -> None:
        """Wait until `written(whole log)` holds: a worker writes a request's access line after it sent the
        answer, so a client can have every answer before the log has every line."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if written(self.log_path.read_text(errors="replace")):
                    return
            except OSError:
                pass
            time.sleep(0.05)

    def quit(self) -> str:
        """Stop at once and return the whole log: SIGQUIT, because on SIGTERM a sync worker waits up to
        half its timeout; the workers' last log lines are written by then."""
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        log = self.log_path.read_text(errors="replace")
        self.stop()
        return log

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
