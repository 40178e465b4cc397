"""Keyboard only, in a real browser (issue 17, point 3 and its "Done when"): no mouse event anywhere.

A delegate signs in, jumps to a paragraph with "Zu § springen", opens its comments, comments on a
passage, replies, proposes an amendment; a delegate of another organisation supports it and takes the
support back; a third votes; the moderator decides queue items. Every step moves only by Tab, typing and
Enter/Space (`tab_to` presses Tab until the wanted element has the focus: the count of presses is what a
person would need), and after each step the test asserts where the focus is (document.activeElement)
and what the page's one live region says — the same element all along, only its text changes.

Runs once per database backend (through `live_server` -> `app`), in one browser page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from consult.demo.content import DELEGATES, STAFF
from consult.demo.services import DEMO_PASSWORD, demo_email
from tests.browser.conftest import wait_until

pytestmark = pytest.mark.browser

COMMENTING = "participation-law"
VOTING = "diversity-council"
PROSE_WORDS = "Orientierungskurse"  # a prose paragraph of participation-law without demo comments
PASSAGE = "Sprachkurse, Orientierungskurse, Beratung"
MODERATOR = demo_email(STAFF["moderator"])


def delegate(short_name: str, index: int = 0) -> str:
    return demo_email(DELEGATES[short_name][index], short_name)


def active(page: Page, selector: str) -> bool:
    """Whether the focused element matches `selector`."""
    return page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector)


def expect_focus(page: Page, selector: str) -> None:
    wait_until(page, "(s) => !!document.activeElement && document.activeElement.matches(s)", selector)


def tab_to(page: Page, selector: str, limit: int = 400, back: bool = False) -> int:
    """Press Tab (Shift+Tab with `back`) until the focused element matches `selector`; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if active(page, selector):
            return presses
    raise AssertionError(f"{selector} not reached with {limit} Tab presses")


def expect_said(page: Page, text: str) -> None:
    """The live region says `text` (consult.js writes it a moment after the answer)."""
    wait_until(page, "(t) => document.getElementById('live-region').textContent.trim() === t", text)


def mark_region(page: Page) -> None:
    """Remember the live region element (it must be the same element after every answer) and record
    each text it shows."""
    page.evaluate("""() => {
        const region = window.__region = document.getElementById('live-region');
        window.__said = [];
        new MutationObserver(() => window.__said.push(region.textContent))
            .observe(region, { childList: true, characterData: true, subtree: true });
    }""")


def same_region(page: Page) -> bool:
    return page.evaluate("() => window.__region === document.getElementById('live-region')")


def sign_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    tab_to(page, "input[name=email]")
    page.keyboard.type(email)
    tab_to(page, "input[name=password]")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("form[action$='/logout'] button[type=submit]")).to_be_visible()


def jump_to(page: Page, position: int) -> None:
    """ "Zu § springen": type the number, Enter; the paragraph has the focus."""
    tab_to(page, "#jump-to")
    page.keyboard.type(str(position))
    page.keyboard.press("Enter")
    expect_focus(page, f"li#p{position}")


def test_keyboard_only_from_sign_in_to_the_moderation_queue(live_server, page: Page):
    base = live_server

    # -- A delegate comments on a passage and replies ------------------------------------------------
    sign_in(page, base, delegate("IEB"))
    page.goto(f"{base}/drafts/{COMMENTING}")
    item = page.locator("li.paragraph", has=page.locator(".paragraph__body", has_text=PROSE_WORDS))
    position = int(item.get_attribute("id")[1:])
    pid = item.locator(".paragraph__body").get_attribute("data-paragraph")
    jump_to(page, position)
    assert page.url.endswith(f"#p{position}")

    # The toggle says its paragraph and that the thread is closed; Enter opens it and keeps the focus.
    toggle = page.locator(f"#count-{pid}")
    presses = tab_to(page, f"#count-{pid}")
    assert presses <= 3, f"{presses} Tab presses from the paragraph to its comments"
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", f"thread-{pid}")
    expect(toggle).to_have_accessible_name(f"Kommentieren zu § {position}")
    mark_region(page)
    page.keyboard.press("Enter")
    expect(page.locator(f"#thread-{pid}.thread--open")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect_focus(page, f"#count-{pid}")

    # The passage by keyboard: the quote field of the form ("Zitierte Stelle").
    tab_to(page, f"#quote-{pid}")
    page.keyboard.type(PASSAGE)
    tab_to(page, f"#body-{pid}")
    page.keyboard.type("Beratung in der Herkunftssprache fehlt – Tastatur.")
    tab_to(page, f"#thread-{pid} form.comment-form button[type=submit]")
    page.keyboard.press("Enter")
    new = page.locator(f"#thread-{pid} li.comment", has_text="Beratung in der Herkunftssprache fehlt")
    expect(new).to_have_count(1)
    expect(new.locator(".comment__quote")).to_contain_text(PASSAGE)
    cid = new.get_attribute("id").split("-")[1]
    expect_focus(page, f"#comment-{cid} > article")  # the new comment
    expect_said(page, "Ihr Kommentar wurde veröffentlicht.")
    expect(toggle).to_have_text("1 Kommentar")
    expect(toggle).to_have_accessible_name(f"1 Kommentar zu § {position}")
    assert same_region(page), "the live region was replaced"

    # Reply: the <details> opens with Enter; the reply is sent with Enter on its button.
    tab_to(page, f"#comment-{cid} details.reply > summary")
    page.keyboard.press("Enter")
    tab_to(page, f"#reply-{cid}")
    page.keyboard.type("Dem schließen wir uns an – Tastatur.")
    tab_to(page, f"#comment-{cid} details.reply form button[type=submit]")
    page.keyboard.press("Enter")
    reply = page.locator(f"#comment-{cid} li.comment--reply", has_text="Dem schließen wir uns an")
    expect(reply).to_have_count(1)
    rid = reply.get_attribute("id").split("-")[1]
    expect_focus(page, f"#comment-{rid} > article")  # the new reply
    expect_said(page, "Ihr Kommentar wurde veröffentlicht.")
    # The same sentence again: the region was emptied in between, so that it is said again.
    said = page.evaluate("() => window.__said")
    assert said[-3:] == ["Ihr Kommentar wurde veröffentlicht.", "", "Ihr Kommentar wurde veröffentlicht."], said
    assert same_region(page), "the live region was replaced"

    # Closing with the toggle: it says so and keeps the focus.
    tab_to(page, f"#count-{pid}", back=True)
    page.keyboard.press("Enter")
    expect(page.locator(f"#thread-{pid}.thread--open")).to_have_count(0)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect_focus(page, f"#count-{pid}")

    # -- The same delegate proposes an amendment ----------------------------------------------------
    tab_to(page, f"li#p{position} a.propose-link")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/amendments/new$"))
    tab_to(page, "textarea[name=text]")
    page.keyboard.press("End")
    page.keyboard.type(" Auch digital.")
    tab_to(page, "textarea[name=justification]")
    page.keyboard.type("Viele erreichen Beratung nur online.")
    tab_to(page, "form.amendment-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/amendments/\d+$"))
    amendment_url = page.url
    confirmation = page.locator("p.flash--confirmation")
    expect(confirmation).to_have_text("Ihr Änderungsantrag wurde eingereicht.")
    expect_focus(page, "p.flash--confirmation")  # the confirmation, seen and said
    expect_said(page, "Ihr Änderungsantrag wurde eingereicht.")

    # -- A delegate of another organisation supports it, then takes the support back ----------------
    sign_in(page, base, delegate("NAVE"))
    page.goto(amendment_url)
    mark_region(page)
    tab_to(page, "#support-box button[type=submit]")
    expect(page.locator("#support-box button[type=submit]")).to_have_text("Unterstützen")
    page.keyboard.press("Enter")
    expect(page.locator("#support-box button[type=submit]")).to_have_text("Unterstützung zurückziehen")
    expect_focus(page, "#support-box button[type=submit]")  # the changed control
    expect_said(page, "Ihre Organisation unterstützt diesen Änderungsantrag.")
    page.keyboard.press("Enter")
    expect(page.locator("#support-box button[type=submit]")).to_have_text("Unterstützen")
    expect_focus(page, "#support-box button[type=submit]")
    expect_said(page, "Ihre Organisation unterstützt diesen Änderungsantrag nicht mehr.")
    assert same_region(page), "the live region was replaced"

    # ... and reports the first delegate's comment (the thanks replace the form and take the focus).
    page.goto(f"{base}/drafts/{COMMENTING}?open={pid}")
    mark_region(page)
    tab_to(page, f"#comment-{cid} details.report > summary")
    page.keyboard.press("Enter")
    tab_to(page, f"#comment-{cid} details.report textarea")
    page.keyboard.type("Bitte prüfen – Tastatur.")
    tab_to(page, f"#comment-{cid} details.report button[type=submit]")
    page.keyboard.press("Enter")
    expect_focus(page, f"#comment-{cid} p.report-done")
    expect_said(page, "Danke. Die Moderation sieht es sich an.")
    assert same_region(page), "the live region was replaced"

    # -- A delegate of an organisation that has not voted votes ---------------------------------------
    sign_in(page, base, delegate("GDGW"))
    page.goto(f"{base}/drafts/{VOTING}")
    paragraph = page.evaluate(
        "() => { const box = document.querySelector('li.paragraph .vote-box button.vote--yes');"
        " return box && box.closest('li.paragraph').id; }"
    )
    assert paragraph, "no paragraph to vote on"
    voted = int(paragraph[1:])
    jump_to(page, voted)
    mark_region(page)
    yes = f"li#p{voted} .vote-box button.vote--yes"
    tab_to(page, yes)
    page.keyboard.press("Enter")
    expect(page.locator(yes)).to_have_attribute("aria-pressed", "true")
    expect_focus(page, yes)  # the pressed button, swapped in anew
    expect_said(page, f"Stimme Ihrer Organisation zu § {voted}: Ja.")
    assert same_region(page), "the live region was replaced"

    # -- The moderator decides queue items -----------------------------------------------------------
    sign_in(page, base, MODERATOR)
    page.goto(f"{base}/moderation")
    mark_region(page)
    number = amendment_url.rsplit("/", 1)[1]
    tab_to(page, f"#item-amendment-{number} button[value=accept]")
    page.keyboard.press("Enter")
    done = f"#item-amendment-{number} .queue-item__done"
    expect(page.locator(done)).to_have_text("Der Änderungsantrag wurde übernommen.")
    expect_focus(page, done)  # the message that replaced the decided item
    expect_said(page, "Der Änderungsantrag wurde übernommen.")

    # The next item, reached from there by Tab: reject with a reason (the <details> opens with Enter).
    items = page.locator(".queue-item:not(.queue-item--done):has(details.reason-form)")
    expect(items.first).to_be_visible()
    key = items.first.get_attribute("id")[len("item-") :]
    tab_to(page, f"#item-{key} details.reason-form > summary")
    page.keyboard.press("Enter")
    tab_to(page, f"#item-{key} details.reason-form textarea")
    page.keyboard.type("Bitte sachlich bleiben.")
    tab_to(page, f"#item-{key} details.reason-form button[type=submit]")
    page.keyboard.press("Enter")
    expect_focus(page, f"#item-{key} .queue-item__done")
    message = page.locator(f"#item-{key} .queue-item__done").inner_text().strip()
    assert message, "the decided item says nothing"
    expect_said(page, message)
    assert same_region(page), "the live region was replaced"

    # The focus ring on what has the focus now: a dark ring with a white one inside it (not the old yellow).
    tab_to(page, "a, button")
    ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineColor, s.boxShadow]; }""")
    assert ring[0] == "solid" and ring[1] == "rgb(29, 36, 48)" and "rgb(255, 255, 255)" in ring[2], ring
