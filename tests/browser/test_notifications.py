"""Notification settings and an e-mail's unsubscribe link in a real browser: chosen with the keyboard alone,
no axe-core (WCAG 2 A/AA) violations, and the unsubscribe page in Arabic on a phone, mirrored.

Runs once per database backend (through `live_server` -> `app`)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from consult.accounts.models import User
from consult.core import clock
from consult.demo.content import DELEGATES
from consult.demo.services import demo_email
from consult.extensions import db
from consult.notifications.models import NotificationMode, NotificationSetting
from consult.notifications.services import unsubscribe_token
from tests.browser.conftest import sign_in
from tests.browser.test_reading import assert_accessible

pytestmark = pytest.mark.browser

ELIF = demo_email(DELEGATES["IEB"][0], "IEB")


def _setting(email: str) -> NotificationSetting | None:
    db.session.remove()
    user = db.session.scalar(select(User).where(User.email == email))
    return db.session.get(NotificationSetting, user.id)


def _shot(page: Page, screenshot_dir, name: str) -> None:
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)


def test_settings_by_keyboard_and_the_unsubscribe_page_in_arabic(live_server, page: Page, browser, screenshot_dir):
    sign_in(page, live_server, ELIF)
    page.goto(f"{live_server}/account")
    page.get_by_role("link", name="Benachrichtigungen auswählen").click()
    expect(page.locator("h1")).to_have_text("Benachrichtigungen")
    expect(page.get_by_label("Aus: keine E-Mail")).to_be_checked()
    assert_accessible(page, "the notification settings")

    # Keyboard only: into the mode's radio group, down to "once a day", then through the topics.
    page.get_by_label("Aus: keine E-Mail").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Einmal täglich", exact=False)).to_be_checked()
    page.keyboard.press("Tab")  # replies
    page.keyboard.press("Tab")  # my organisation's amendments
    page.keyboard.press("Space")  # ... off
    page.keyboard.press("Tab")  # phases
    page.keyboard.press("Tab")  # internal drafts
    page.keyboard.press("Tab")  # the button
    expect(page.get_by_role("button", name="Einstellungen speichern")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Ihre Einstellungen für Benachrichtigungen wurden gespeichert.")).to_be_visible()
    _shot(page, screenshot_dir, "notifications-settings")
    setting = _setting(ELIF)
    assert setting.mode == NotificationMode.DAILY
    assert (setting.replies, setting.amendments, setting.phases, setting.internal) == (True, False, True, True)

    # The digest's link, opened on a phone by someone who reads Arabic, not signed in.
    user = db.session.scalar(select(User).where(User.email == ELIF))
    user.locale = "ar"
    db.session.commit()
    token = unsubscribe_token(user, "all", clock.now())
    phone = browser.new_context(locale="ar", viewport={"width": 390, "height": 844}).new_page()
    phone.goto(f"{live_server}/notifications/unsubscribe/{token}")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone.get_by_text("جميع الإشعارات: متوقّف")).to_be_visible()
    assert_accessible(phone, "the unsubscribe page in Arabic")
    _shot(phone, screenshot_dir, "notifications-unsubscribe-ar-390")
    assert _setting(ELIF).mode == NotificationMode.DAILY  # opening it changed nothing
    phone.get_by_role("button", name="أوقِف").click()
    expect(phone.locator("main [role=status]")).to_contain_text("تمّ الحفظ")
    assert_accessible(phone, "the confirmation in Arabic")
    assert _setting(ELIF).mode == NotificationMode.OFF
    phone.context.close()
