"""A comment sent with htmx while the database is away: the answer (503) is not swapped in, the text stays
in the form, and the page says to try again in a moment; once the database is back, sending works."""

from __future__ import annotations

import threading

import pytest
from flask import request
from playwright.sync_api import Page, expect
from sqlalchemy.exc import OperationalError

from tests.browser.test_annotate import COMMENTER_ORG, comment_in_thread, delegate, write_a_comment

pytestmark = pytest.mark.browser


@pytest.fixture
def backend():
    return "sqlite"  # the outage is simulated; one database is enough


@pytest.fixture
def database_away(app) -> threading.Event:
    """While set, every POST fails as when the database server is restarting (before the view runs)."""
    away = threading.Event()

    @app.before_request
    def fail_while_away():
        if away.is_set() and request.method == "POST":
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    return away


def test_a_comment_sent_during_an_outage_stays_in_the_form(database_away, live_server, page: Page):
    body = "Bitte ergänzen: Sprachkurse in allen Landkreisen – browser test outage."
    pid = write_a_comment(page, live_server, delegate(COMMENTER_ORG, 0), body)

    database_away.set()
    page.locator(f"#thread-{pid} form.comment-form button[type=submit]").click()
    note = page.locator(f"#thread-{pid} .outage-note")
    expect(note).to_have_text("Bitte versuchen Sie es gleich noch einmal.")
    expect(page.locator(f"#body-{pid}")).to_have_value(body)

    database_away.clear()
    page.locator(f"#thread-{pid} form.comment-form button[type=submit]").click()
    expect(comment_in_thread(page, pid, body)).to_have_count(1)
