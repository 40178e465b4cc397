"""An alternatives set in the browser (issue 15): in the amendment round the draft page shows the set's members
together under "Alternativen zu § 2", in their voting order, at 1280 and 390 px; after the round the results
page groups them the same way and its tables fit their container at both widths (no column cut off, nothing
to scroll sideways), as the paragraphs' table does. With CONSULT_SCREENSHOTS set, the pages are saved as
display-round-<width>.png and display-results-<width>.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from consult.accounts.models import User
from consult.drafts.services import get_by_slug, import_draft
from consult.extensions import db
from consult.organisations.models import Organisation
from tests.browser.conftest import sign_in
from tests.browser.test_amendment_procedure import BOARD, delegate
from tests.votes.test_amendment_round_display import alternatives_round, close_round

pytestmark = pytest.mark.browser

SLUG = "beiraete-vor-ort"
TEXT = (
    "Die Kommunen richten Beiräte für Migration und Teilhabe ein und statten sie angemessen aus.\n\n"
    "Die Beiräte erhalten ein Rede- und Antragsrecht in allen Ausschüssen des Rates und werden vor jeder "
    "Entscheidung gehört, die Zugewanderte betrifft.\n\n"
    "Die Verwaltung berichtet jährlich über die Umsetzung.\n\n"
    "Die Mitglieder der Beiräte werden von den Migrantenorganisationen vorgeschlagen.\n"
)
VOTERS = ("IEB", "NAVE", "FPK", "VDBE")
WIDTHS = (1280, 390)

# Per table: how far it (and its scrolling wrapper) is wider than the wrapper's visible width.
TABLES_FIT = """() => [...document.querySelectorAll('.table-scroll')].map(wrapper => {
    const table = wrapper.querySelector('table');
    return [table.className, table.scrollWidth - wrapper.clientWidth, wrapper.scrollWidth - wrapper.clientWidth];
})"""
PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _page(browser, width: int) -> Page:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="de-DE", is_mobile=width < 600, has_touch=width < 600
    )
    return context.new_page()


def test_alternatives_in_the_round_and_in_the_results(live_server, browser, screenshot_dir):
    draft = import_draft(TEXT, "Beiräte vor Ort", SLUG)
    draft.is_public = True
    author = db.session.scalar(select(User).where(User.email == delegate("IEB")))
    voters = list(db.session.scalars(select(Organisation).where(Organisation.short_name.in_(VOTERS))))
    ids = alternatives_round(draft, author, voters)
    db.session.remove()
    order = [f"amendment-{ids[name]}" for name in ("first", "second", "third", "on_one", "on_four")]

    for width in WIDTHS:
        page = _page(browser, width)
        try:
            sign_in(page, live_server, delegate("NAVE"))
            page.goto(f"{live_server}/drafts/{SLUG}")
            group = page.locator("#amendment-round .amendment-alternatives")
            expect(group.locator("h3")).to_have_text("Alternativen zu § 2")
            expect(group).to_contain_text("Abgestimmt wird in dieser Reihenfolge.")
            expect(group.locator(".amendment-question__place")).to_have_text(
                ["1. Alternative:", "2. Alternative:", "3. Alternative:"]
            )
            assert (
                page.locator("#amendment-round .amendment-question").evaluate_all("els => els.map(e => e.id)") == order
            )
            assert page.evaluate(PAGE_OVERFLOW) <= 0
            if screenshot_dir is not None:
                page.locator("#amendment-round").scroll_into_view_if_needed()
                page.screenshot(path=str(screenshot_dir / f"display-round-{width}.png"), full_page=True)
        finally:
            page.context.close()

    draft = get_by_slug(SLUG)
    close_round(draft, db.session.scalar(select(User).where(User.email == BOARD)))
    db.session.remove()
    for width in WIDTHS:
        page = _page(browser, width)
        try:
            sign_in(page, live_server, BOARD)  # staff: with the column "Noch nicht abgestimmt"
            page.goto(f"{live_server}/drafts/{SLUG}/results")
            expect(page.locator(".results-group")).to_contain_text("Alternativen zu § 2")
            expect(page.locator(f"#amendment-{ids['third']} .result")).to_contain_text(
                f"Erledigt, weil Änderungsantrag {ids['second']} angenommen wurde"
            )
            assert (
                page.locator(".results-table--amendments tbody.results-row").evaluate_all("els => els.map(e => e.id)")
                == order
            )
            expect(page.locator(".results-table--amendments th.missing")).to_have_count(1)
            fits = page.evaluate(TABLES_FIT)
            assert any("results-table--amendments" in name for name, _, _ in fits) and all(
                table <= 0 and wrapper <= 0 for _, table, wrapper in fits
            ), (width, fits)
            assert page.evaluate(PAGE_OVERFLOW) <= 0
            if screenshot_dir is not None:
                page.screenshot(path=str(screenshot_dir / f"display-results-{width}.png"), full_page=True)
        finally:
            page.context.close()
