"""The board runs a draft to its adoption in a real browser (issue 5, part of the browser "Done when" point).

The board moves the demo participation-law draft from commenting through editing to
voting, confirming each step; delegates of three organisations vote yes on the whole
draft; the board reads the results, closes the vote and adopts, downloads the PDF and
the DOCX; the adopted position opens signed out.

Runs once per database backend (through `live_server` -> `app`).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from consult.demo.content import DELEGATES, STAFF
from consult.demo.services import demo_email
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

SLUG = "participation-law"
BOARD = demo_email(STAFF["board"])
VOTERS = ("IEB", "NAVE", "GDGW")


def move_to(page: Page, base_url: str, phase: str) -> None:
    """From the board's page, to the confirmation of `phase`, and confirm."""
    page.goto(f"{base_url}/drafts/{SLUG}/settings")
    page.locator(f"a[href$='/phase?to={phase}']").click()
    expect(page.locator("main .card")).to_contain_text("Was sich für die Delegierten ändert")
    page.locator("main form[action$='/phase'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/(drafts|positions)/{SLUG}$"))  # adopted: the position's page


def test_the_board_moves_a_draft_to_voting_and_adopts_it(live_server, page: Page, screenshot_dir):
    base = live_server
    sign_in(page, base, BOARD)
    move_to(page, base, "editing")
    expect(page.locator(".draft-head .phase")).to_contain_text("Redaktion")
    move_to(page, base, "voting")
    expect(page.locator(".draft-head .phase")).to_contain_text("Abstimmung")

    for short_name in VOTERS:
        sign_in(page, base, demo_email(DELEGATES[short_name][0], short_name))
        page.goto(f"{base}/drafts/{SLUG}#whole-draft")
        page.locator("#whole-draft button[value='whole:yes']").click()
        expect(page.locator("#whole-draft button[value='whole:yes']")).to_have_attribute("aria-pressed", "true")

    sign_in(page, base, BOARD)
    page.goto(f"{base}/drafts/{SLUG}/results")
    whole = page.locator("main")
    expect(whole).to_contain_text("angenommen")
    expect(whole).to_contain_text("Noch nicht abgestimmt")  # the office sees whom to remind
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "board-results.png"), full_page=True)
    move_to(page, base, "adopted")
    expect(page.locator(".draft-head .eyebrow")).to_contain_text("Beschlossene Position")

    # The board downloads the adopted position as PDF and DOCX.
    page.goto(f"{base}/drafts/{SLUG}/settings")
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "board-settings-adopted.png"), full_page=True)
    for name, magic in (("pdf", b"%PDF"), ("docx", b"PK")):
        with page.expect_download() as download:
            page.locator(f"a[href$='/export/{name}']").click()
        path = download.value.path()
        assert download.value.suggested_filename.startswith(f"{SLUG}-") and download.value.suggested_filename.endswith(
            f".{name}"
        )
        with open(path, "rb") as file:
            assert file.read(4).startswith(magic)

    page.context.clear_cookies()
    page.goto(f"{base}/positions/{SLUG}")
    expect(page.locator("h1")).to_have_text("Für ein Bundespartizipationsgesetz")
    expect(page.locator("main")).to_contain_text("Beschlossene Position")
    expect(page.locator("form[action$='/logout']")).to_have_count(0)
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "board-position.png"), full_page=True)
    # Signed out, the position's PDF downloads from its page (rendered at adoption, served from storage).
    with page.expect_download() as download:
        page.locator(f"a[href$='/positions/{SLUG}/download/pdf']").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as file:
        assert file.read(4) == b"%PDF"
