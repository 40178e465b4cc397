"""Live tallies in the browser (issue 16, point 7): two organisations' delegates have the voting draft open; one
votes, and the other's page shows it within 2 s, without a reload and without losing its focus."""

from __future__ import annotations

import os
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_annotate import OTHER_ORG, VOTER_ORG, VOTING, delegate, sign_in

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("CONSULT_SCREENSHOTS", "").strip()


def test_another_organisations_vote_shows_within_two_seconds(live_server, page: Page, browser):
    watcher_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    watcher = watcher_context.new_page()
    try:
        sign_in(watcher, live_server, delegate(OTHER_ORG, 0))
        watcher.goto(f"{live_server}/drafts/{VOTING}#whole-draft")
        loaded = watcher.evaluate("() => performance.timeOrigin")
        before = watcher.locator("#vote-whole .tally").inner_text()
        # The watcher is in the middle of something: focus on one of its own buttons.
        watcher.locator("#vote-whole button[value='whole:abstain']").focus()

        sign_in(page, live_server, delegate(VOTER_ORG, 0))
        page.goto(f"{live_server}/drafts/{VOTING}#whole-draft")
        choice = page.locator("#vote-whole button[aria-pressed='false']").first
        choice.click()
        expect(page.locator("#vote-whole button[aria-pressed='true']")).to_have_count(1)
        voted_at = time.monotonic()

        box = watcher.locator("#vote-whole .tally")
        while box.inner_text() == before:
            assert time.monotonic() - voted_at < 2.0, "the other organisation's page did not follow within 2 s"
            watcher.wait_for_timeout(50)
        followed = time.monotonic() - voted_at
        print(f"the watcher's tally changed {followed:.2f} s after the vote")
        assert box.inner_text() == page.locator("#vote-whole .tally").inner_text()
        # No reload, and the focus stayed where it was.
        assert watcher.evaluate("() => performance.timeOrigin") == loaded
        assert watcher.evaluate("() => document.activeElement.value") == "whole:abstain"
        if SHOTS:
            watcher.locator("#whole-draft").screenshot(path=os.path.join(SHOTS, "tallies-watcher.png"))
    finally:
        watcher_context.close()
