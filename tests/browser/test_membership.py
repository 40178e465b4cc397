"""Issue 6's browser "Done when": an office runs membership without a technician.

The demo admin creates an organisation and invites a person to it; the person reads the
invitation in the outbox, accepts it, sets a password and is signed in as a delegate of
that organisation; later they reset their password by e-mail link; the admin deactivates
them, and they can no longer sign in.

Runs once per database backend (through `live_server` -> `app`).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from consult.demo.content import STAFF
from consult.demo.services import demo_email
from consult.extensions import db
from consult.mail.models import OutboxMessage
from tests.browser.conftest import sign_in
from tests.browser.test_reading import assert_accessible

pytestmark = pytest.mark.browser

ADMIN = demo_email(STAFF["admin"])
EMAIL, NAME = "awa.kone@example.org", "Awa Koné"
FIRST, SECOND = "Mein erstes Passwort", "Mein zweites Passwort"


def _mail_link(kind: str) -> str:
    """The link in the newest e-mail to the person, read from the outbox as the person reads their mail."""
    db.session.rollback()  # a fresh look at what the app's requests wrote
    body = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.recipient == EMAIL).order_by(OutboxMessage.id.desc())
    ).first()
    assert body is not None, "no e-mail to the person in the outbox"
    return re.search(rf"https?://\S+/{kind}/\S+", body).group(0)


def _shot(page: Page, screenshot_dir, name: str) -> None:
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)


def _try_sign_in(page: Page, base: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("E-Mail", exact=True).fill(EMAIL)
    page.get_by_label("Passwort").fill(password)
    page.locator("main form[action$='/login'] button[type=submit]").click()


def test_an_office_brings_a_person_in_and_out(live_server, page: Page, screenshot_dir):
    base = live_server
    # The admin creates an organisation ...
    sign_in(page, base, ADMIN)
    page.get_by_role("link", name="Verwaltung").click()
    page.get_by_role("link", name="Neue Organisation").click()
    page.get_by_label("Name", exact=True).fill("Verein Ivorischer Familien Leipzig e.V.")
    page.get_by_label("Kurzname").fill("VIFL")
    page.get_by_label("Bundesland").select_option("Sachsen")
    page.get_by_label("Kommunale Ebene").check()
    page.get_by_role("button", name="Organisation anlegen").click()
    expect(page.locator(".flash")).to_contain_text("wurde angelegt")

    # ... and invites a person to it.
    page.get_by_role("link", name="Einladungen").click()
    page.get_by_label("E-Mail", exact=True).fill(EMAIL)
    page.get_by_label("Organisation", exact=True).select_option(label="Verein Ivorischer Familien Leipzig e.V. (VIFL)")
    page.locator("input[name=roles][value=delegate]").check()
    page.get_by_role("button", name="Einladung senden").click()
    expect(page.locator(".flash")).to_contain_text(f"Die Einladung an {EMAIL} ist unterwegs")
    expect(page.locator("main table")).to_contain_text(EMAIL)
    assert_accessible(page, "the invitations page")
    _shot(page, screenshot_dir, "membership-invitations")

    # The person opens the link from the e-mail, chooses name and password, and is in.
    page.context.clear_cookies()
    page.goto(_mail_link("invitations/accept"))
    expect(page.locator("main")).to_contain_text("Sie sind eingeladen als Delegierte*r von Verein Ivorischer")
    assert_accessible(page, "the invitation page")
    page.get_by_label("Ihr Name").fill(NAME)
    page.get_by_label("Passwort (mindestens 10 Zeichen)").fill(FIRST)
    page.get_by_label("Passwort wiederholen").fill(FIRST)
    _shot(page, screenshot_dir, "membership-accept")
    page.get_by_role("button", name="Mein Konto anlegen").click()
    expect(page.locator(".flash")).to_contain_text(f"Willkommen, {NAME}!")
    expect(page.locator(".site-header .who")).to_contain_text(f"{NAME} · VIFL")

    # The invitation link works once.
    link = _mail_link("invitations/accept")
    page.context.clear_cookies()
    response = page.goto(link)
    assert response.status == 410
    expect(page.locator("main")).to_contain_text("bereits verwendet")

    # Later: a new password by e-mail link.
    page.goto(f"{base}/login")
    page.get_by_role("link", name="Passwort vergessen?").click()
    page.get_by_label("E-Mail", exact=True).fill(EMAIL)
    page.get_by_role("button", name="Link senden").click()
    expect(page.locator("h1")).to_have_text("Bitte prüfen Sie Ihre E-Mails")
    page.goto(_mail_link("password/reset"))
    page.get_by_label("Neues Passwort (mindestens 10 Zeichen)").fill(SECOND)
    page.get_by_label("Neues Passwort wiederholen").fill(SECOND)
    page.get_by_role("button", name="Neues Passwort speichern").click()
    expect(page.locator(".flash")).to_contain_text("Ihr neues Passwort ist gespeichert")
    _try_sign_in(page, base, FIRST)
    expect(page.locator("#login-error")).to_contain_text("nicht richtig")
    _try_sign_in(page, base, SECOND)
    expect(page.locator(".site-header .who")).to_contain_text(NAME)

    # The admin deactivates the person: they can no longer sign in.
    sign_in(page, base, ADMIN)
    page.goto(f"{base}/admin/people?q=Kon")
    page.get_by_role("link", name=NAME).click()
    page.get_by_role("button", name="Deaktivieren").click()
    expect(page.locator("main .meta")).to_contain_text("deaktiviert")
    _try_sign_in(page, base, SECOND)
    expect(page.locator("#login-error")).to_contain_text("nicht richtig")
    expect(page.locator("form[action$='/logout']")).to_have_count(0)
    _shot(page, screenshot_dir, "membership-deactivated")
