"""Browser fixtures: Debian's Chromium for pytest-playwright, and the app with the demo served on a free port.

`live_server` builds on the `app` fixture of tests/conftest.py, so every browser
test runs once per database backend (sqlite, postgresql).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from consult.demo.services import DEMO_PASSWORD, seed_demo
from consult.extensions import db

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (never `playwright install`)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Every page reads German unless a test asks for another language: Playwright's Chromium sends
    `Accept-Language: en-US` by default, and consult follows the browser's language."""
    return {**browser_context_args, "locale": "de-DE"}


@pytest.fixture
def live_server(app):
    """The app with the demo seeded, served by werkzeug in a daemon thread; yields the base URL.

    The test's app context (from `app`) lives in this thread; every request of the
    server pushes its own app context, and with it its own database session.
    """
    seed_demo()
    db.session.commit()
    db.session.remove()

    with served(app) as base:
        yield base


@contextmanager
def served(app) -> Iterator[str]:
    """`app` served by werkzeug in a daemon thread while the block runs; gives the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # serve_forever looks for a shutdown every poll_interval (0.5 s by default): each test's end waited for it.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="consult-live-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def screenshot_dir() -> Path | None:
    """Where screenshots go: the folder in CONSULT_SCREENSHOTS, or None (don't save)."""
    folder = os.environ.get("CONSULT_SCREENSHOTS", "").strip()
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def sign_in(page, base_url: str, email: str, password: str | None = None) -> None:
    """Sign in through the form in a fresh session (the page's cookies are cleared first)."""
    page.context.clear_cookies()
    page.goto(f"{base_url}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password or DEMO_PASSWORD)
    page.locator("main form[action$='/login'] button[type=submit]").click()
    # Attached, not visible: on a phone the sign-out button is folded into the header's menu.
    expect(page.locator("form[action$='/logout'] button[type=submit]")).to_be_attached()


def wait_until(page, expression: str, arg=None, timeout: float = 5.0) -> None:
    """Wait until the function `expression` returns something true in the page.

    Playwright's `wait_for_function` compiles its predicate inside the page with `eval`, which the
    Content-Security-Policy (consult/core/headers.py) forbids; `page.evaluate` runs outside the page's
    policy, so this polls with it instead."""
    import time

    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise PlaywrightTimeoutError(f"timed out after {timeout} s waiting for {expression[:80]}")
        page.wait_for_timeout(50)
