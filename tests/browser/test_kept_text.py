"""No typed text lost, in a real browser: a comment written while the session ended (cookies gone)
comes back on screen with the message and a sign-in; after signing in it is sent once."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from consult.comments.models import Comment
from consult.demo.services import DEMO_PASSWORD
from consult.extensions import db
from tests.browser.test_annotate import COMMENTER_ORG, delegate, sign_in, write_a_comment

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("CONSULT_SCREENSHOTS", "")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def _stored(body: str) -> int:
    """How many comments hold `body` (a browser sends a textarea's line breaks as CR LF)."""
    db.session.remove()
    bodies = db.session.scalars(select(Comment.body).where(Comment.body.contains("Test ohne Sitzung")))
    return sum(stored.replace("\r\n", "\n") == body for stored in bodies)


def test_a_comment_written_while_signed_out_is_kept_and_sent_after_signing_in(live_server, page: Page):
    email = delegate(COMMENTER_ORG, 0)
    body = "Die Kurse brauchen Kinderbetreuung.\nSonst kommen viele Mütter nicht – Test ohne Sitzung."
    pid = write_a_comment(page, live_server, email, body)

    page.context.clear_cookies()  # the session ends while the person writes
    page.locator(f"#thread-{pid} form.comment-form button[type=submit]").click()

    expect(page.locator("#kept-message")).to_contain_text("Sie wurden abgemeldet")
    expect(page.locator("textarea[name='keep-body']")).to_have_value(body)
    expect(page.locator("#kept-email")).to_be_focused()  # the next thing to do, by keyboard
    assert _stored(body) == 0
    _shot(page, "kept-sign-in.png")

    page.keyboard.type(email)
    expect(page.locator("#kept-email")).to_have_value(email)
    page.keyboard.press("Tab")
    expect(page.locator("#kept-password")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    expect(page.locator("#kept-password")).to_have_value(DEMO_PASSWORD)
    expect(page.locator("#kept-email")).to_have_value(email)  # nothing typed went astray
    page.keyboard.press("Enter")

    expect(page.locator("#kept-message")).to_contain_text("Sie sind wieder angemeldet")
    expect(page.locator("textarea[name='body']")).to_have_value(body)
    _shot(page, "kept-signed-in.png")
    page.get_by_role("button", name="Erneut senden").click()

    expect(page.locator(".comment__body", has_text="Test ohne Sitzung")).to_have_count(1)
    assert _stored(body) == 1
    _shot(page, "kept-sent.png")


def test_sign_out_everywhere_from_the_account_page_by_keyboard(live_server, page: Page, browser):
    """The button on the account page ends this session and the one in another browser."""
    email = delegate(COMMENTER_ORG, 1)
    other = browser.new_context(locale="de-DE").new_page()
    sign_in(other, live_server, email)
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/account")
    button = page.get_by_role("button", name="Überall abmelden")
    button.focus()
    _shot(page, "account-sign-out-everywhere.png")
    page.keyboard.press("Enter")
    expect(page.locator("main form[action$='/login']")).to_be_visible()
    expect(page.locator(".flash")).to_contain_text("auf allen Geräten abgemeldet")
    other.goto(f"{live_server}/account")
    expect(other.locator("main form[action$='/login']")).to_be_visible()
    other.context.close()


def test_a_comment_sent_with_an_aged_token_comes_back_with_its_text(live_server, page: Page, app, monkeypatch):
    import itsdangerous

    email = delegate("NAVE", 0)
    body = "Lange geschrieben, Test mit altem Formular."
    pid = write_a_comment(page, live_server, email, body)

    app.config["WTF_CSRF_TIME_LIMIT"] = 3600  # the form has been open for two hours
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: real(self) + 7200)
    page.locator(f"#thread-{pid} form.comment-form button[type=submit]").click()
    expect(page.locator("#kept-message")).to_contain_text("war lange offen")
    expect(page.locator("textarea[name='body']")).to_have_value(body)
    _shot(page, "kept-aged-token.png")

    monkeypatch.undo()
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    page.get_by_role("button", name="Erneut senden").click()
    expect(page.locator(".comment__body", has_text=body)).to_have_count(1)
    db.session.remove()
    assert len(list(db.session.scalars(select(Comment.id).where(Comment.body == body)))) == 1
