"""A moderator sets up two-factor sign-in in a real browser, signs out, and signs in with password and code.

Nothing is scanned: the test reads the key shown on the setup page and computes the
code with pyotp, as an authenticator app would. REQUIRE_2FA is on here, as in
production. Runs once per database backend (through `live_server` -> `app`).
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from consult.demo.content import STAFF
from consult.demo.services import DEMO_PASSWORD, demo_email
from tests.browser.conftest import sign_in
from tests.browser.test_reading import assert_accessible

pytestmark = pytest.mark.browser

MODERATOR = demo_email(STAFF["moderator"])


@pytest.fixture
def extra_config():
    return {"REQUIRE_2FA": True}


def shot(page: Page, screenshot_dir, name: str) -> None:
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / f"two-factor-{name}.png"), full_page=True)


def test_a_moderator_sets_up_two_factor_and_signs_in_with_a_code(live_server, page: Page, screenshot_dir):
    base = live_server
    sign_in(page, base, MODERATOR)
    page.goto(f"{base}/moderation")
    expect(page).to_have_url(re.compile(r"/account/two-factor\?next=/moderation$"))
    expect(page.get_by_role("alert")).to_contain_text("vorgeschrieben")
    expect(page.locator(".qr svg title")).to_have_count(1)
    shot(page, screenshot_dir, "setup")
    assert_accessible(page, "two-factor setup")

    # An authenticator app, played by pyotp: the key typed by hand, spaces and all.
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)
    page.get_by_label("Sechsstelliger Code").fill("000000" if app.now() != "000000" else "111111")
    page.get_by_role("button", name="Zwei-Faktor-Anmeldung einschalten").click()
    expect(page.locator(".field-error")).to_contain_text("Dieser Code ist nicht richtig")
    page.get_by_label("Sechsstelliger Code").fill(app.now())
    page.get_by_role("button", name="Zwei-Faktor-Anmeldung einschalten").click()
    expect(page).to_have_url(f"{base}/moderation")
    expect(page.locator(".flashes")).to_contain_text("Die Zwei-Faktor-Anmeldung ist eingeschaltet")

    page.locator("form[action$='/logout'] button[type=submit]").click()
    page.goto(f"{base}/moderation")
    page.get_by_label("E-Mail").fill(MODERATOR)
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.locator("main form[action$='/login'] button[type=submit]").click()
    expect(page).to_have_url(f"{base}/login/code")
    expect(page.locator("form[action$='/logout']")).to_have_count(0)  # not signed in yet
    code_field = page.get_by_label("Sechsstelliger Code")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    shot(page, screenshot_dir, "code")
    assert_accessible(page, "two-factor code page")
    # The code that switched it on is used up; the app's next code (30 seconds on) is accepted.
    code_field.fill(app.at(time.time() + 30))
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(f"{base}/moderation")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Moderation")
    shot(page, screenshot_dir, "queue")
