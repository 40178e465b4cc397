"""The administration and the own account in a real browser (issue 6).

The demo admin creates an organisation, then makes a demo delegate a delegate of it and its
contact person; the audit log shows both. A delegate opens their account page. Every page
is checked with axe-core, and screenshots go to CONSULT_SCREENSHOTS.

Runs once per database backend (through `live_server` -> `app`).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from consult.demo.content import DELEGATES, STAFF
from consult.demo.services import DEMO_PASSWORD, demo_email
from tests.browser.conftest import sign_in
from tests.browser.test_reading import assert_accessible

pytestmark = pytest.mark.browser

ADMIN = demo_email(STAFF["admin"])


def _shot(page: Page, screenshot_dir, name: str) -> None:
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)


def test_the_admin_creates_an_organisation_and_edits_a_person(live_server, page: Page, screenshot_dir):
    base = live_server
    sign_in(page, base, ADMIN)
    page.get_by_role("link", name="Verwaltung").click()
    expect(page.locator("h1")).to_have_text("Mitgliedsorganisationen")
    assert_accessible(page, "the organisations list")
    _shot(page, screenshot_dir, "admin-organisations")

    page.get_by_role("link", name="Neue Organisation").click()
    page.get_by_label("Name", exact=True).fill("Türkischer Elternverein Köln e.V.")
    page.get_by_label("Kurzname").fill("IEB")  # taken: refused on the field
    page.get_by_label("Bundesland").select_option("Nordrhein-Westfalen")
    page.get_by_label("Kommunale Ebene").check()
    page.get_by_label("Stimmgewicht").fill("2")
    page.get_by_role("button", name="Organisation anlegen").click()
    expect(page.locator("#short_name-error")).to_have_text("Eine andere Organisation hat schon diesen Kurznamen.")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Türkischer Elternverein Köln e.V.")
    assert_accessible(page, "the refused organisation form")
    _shot(page, screenshot_dir, "admin-organisation-error")
    page.get_by_label("Kurzname").fill("TEK")
    page.get_by_role("button", name="Organisation anlegen").click()
    expect(page.locator(".flash")).to_contain_text("„Türkischer Elternverein Köln e.V.“ wurde angelegt")
    expect(page.locator("main table")).to_contain_text("Türkischer Elternverein Köln e.V.")

    page.get_by_role("link", name="Personen", exact=True).click()
    delegate = DELEGATES["IEB"][1]
    page.get_by_label("Suche nach Name, E-Mail oder Organisation").fill(delegate.split()[0])
    page.get_by_role("button", name="Suchen").click()
    expect(page.locator("main table tbody tr")).to_have_count(1)
    assert_accessible(page, "the people list")
    _shot(page, screenshot_dir, "admin-people")
    page.get_by_role("link", name=delegate).click()
    page.get_by_label("Organisation", exact=True).select_option(label="Türkischer Elternverein Köln e.V. (TEK)")
    page.get_by_label("Moderation").check()
    page.get_by_label("Ansprechperson der Organisation").check()
    assert_accessible(page, "the person form")
    _shot(page, screenshot_dir, "admin-person")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.locator(".flash")).to_contain_text(f"Die Änderungen an {delegate} wurden gespeichert.")
    row = page.locator("main table tbody tr", has_text=delegate)
    expect(row).to_contain_text("TEK")
    expect(row).to_contain_text("Moderation")

    page.get_by_role("link", name="Protokoll").first.click()
    expect(page.locator("main")).to_contain_text("Rollen oder Organisation einer Person geändert")
    expect(page.locator("main")).to_contain_text("Organisation angelegt")
    _shot(page, screenshot_dir, "admin-audit")


def test_a_delegate_changes_their_password_and_deletes_their_account(live_server, page: Page, screenshot_dir):
    base = live_server
    delegate = DELEGATES["NAVE"][0]
    sign_in(page, base, demo_email(delegate, "NAVE"))
    page.locator("a.who").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.locator("h1")).to_have_text("Ihr Konto")
    assert_accessible(page, "the account page")
    page.get_by_label("Aktuelles Passwort").fill("falsch-falsch")
    page.get_by_label("Neues Passwort (mindestens 10 Zeichen)").fill("ein neues Passwort")
    page.get_by_label("Neues Passwort wiederholen").fill("ein neues Passwort")
    page.get_by_role("button", name="Passwort ändern").click()
    expect(page.locator("#current_password-error")).to_have_text("Das ist nicht Ihr aktuelles Passwort.")
    assert_accessible(page, "the refused password form")
    _shot(page, screenshot_dir, "account")

    page.get_by_label("Ihr Passwort, zur Bestätigung").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Mein Konto löschen").click()
    expect(page.locator(".flash")).to_contain_text("Ihr Konto wurde gelöscht.")
    expect(page.get_by_role("link", name="Anmelden")).to_be_visible()
    # Their comment on § 8 of the diversity council stays, by a former delegate of their organisation.
    sign_in(page, base, demo_email(DELEGATES["IEB"][0], "IEB"))
    page.goto(f"{base}/drafts/diversity-council")
    page.locator("#p8 a.comment-count").click()
    thread = page.locator("#p8")
    expect(thread).to_contain_text("ehemalige*r Delegierte*r von Netzwerk afrikanischer Vereine an der Elbe e.V.")
    expect(thread).not_to_contain_text(delegate)
    if screenshot_dir is not None:
        thread.screenshot(path=str(screenshot_dir / "former-delegate.png"))
