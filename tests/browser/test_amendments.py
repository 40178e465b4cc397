"""Amendments end to end in a real browser (issue 4, first "Done when" point).

Delegate A proposes a new text for a paragraph; delegate B of another organisation
co-signs; the moderator finds it in the queue and accepts it in modified form. Two more
amendments change other words of the same paragraph's neighbour sentence and of another
paragraph; the moderator accepts them in the queue (in place, htmx). The moderator starts
version 2: the two amendments on one paragraph that touch different sentences merge by
themselves, the two that change the same words collide and are resolved by hand; then the
moderator publishes. The draft shows version 2 with the adopted text, the old comments of
the paragraph are marked as on version 1, and the comparison shows the changes.

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
# § 9 has demo comments (they will show as on version 1); § 5 gets the colliding amendments.
DEFINITION = "im Sinne des Gesetzes Personen"
APPEALS = "Absichtserklärungen bleiben dagegen oft folgenlos"


def delegate(short_name: str, index: int = 0) -> str:
    return demo_email(DELEGATES[short_name][index], short_name)


MODERATOR = demo_email(STAFF["moderator"])


def paragraph(page: Page, words: str):
    item = page.locator("li.paragraph", has=page.locator(".paragraph__body", has_text=words))
    expect(item).to_have_count(1)
    return item


def propose(page: Page, base_url: str, words: str, old: str, new: str, why: str) -> str:
    """Propose, through the paragraph's link and the form, to replace `old` by `new`; the amendment's URL."""
    page.goto(f"{base_url}/drafts/{SLUG}")
    paragraph(page, words).locator("a.propose-link").click()
    text = page.locator("textarea[name=text]")
    current = text.input_value()
    assert old in current, f"{old!r} is not in the form's text"
    text.fill(current.replace(old, new, 1))
    page.locator("textarea[name=justification]").fill(why)
    page.locator("form.amendment-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/amendments/\d+$"))
    return page.url


def accept_in_queue(page: Page, base_url: str, amendment_url: str) -> None:
    number = amendment_url.rsplit("/", 1)[1]
    page.goto(f"{base_url}/moderation?kind=amendment")
    item = page.locator(f"#item-amendment-{number}")
    page.evaluate("() => { window.__noReload = 1; }")
    item.locator("button[value=accept]").click()
    expect(page.locator(f"#item-amendment-{number}.queue-item--done")).to_be_visible()
    assert page.evaluate("() => window.__noReload") == 1, "the queue was reloaded"


def test_propose_support_decide_build_and_publish_version_2(live_server, page: Page, screenshot_dir):
    base = live_server

    def shot(name: str) -> None:
        if screenshot_dir is not None:
            page.screenshot(path=str(screenshot_dir / f"amendments-{name}.png"), full_page=True)

    # Delegate A proposes a new wording for the second sentence of § 9.
    sign_in(page, base, delegate("IEB"))
    first = propose(
        page,
        base,
        DEFINITION,
        "Wir schlagen vor, diesen Begriff",
        "Wir fordern, diesen Begriff",
        "Eine Forderung ist klarer als ein Vorschlag.",
    )
    expect(page.locator("p.diff del")).to_have_text("schlagen vor")
    expect(page.locator("p.diff ins")).to_have_text("fordern")
    shot("1-proposed")

    # Delegate B of another organisation co-signs, in place.
    sign_in(page, base, delegate("NAVE"))
    page.goto(first)
    page.locator("#support-box button[type=submit]").click()
    expect(page.locator("#support-box")).to_contain_text("Netzwerk afrikanischer Vereine an der Elbe e.V.")
    expect(page.locator("#support-box h2")).to_contain_text("1 ")
    # B also proposes a change to the first sentence of the same paragraph ...
    second = propose(
        page, base, DEFINITION, "im Sinne des Gesetzes", "im Sinne dieses Gesetzes", "Gemeint ist dieses Gesetz."
    )
    # ... and one of two colliding changes to § 5.
    third = propose(
        page, base, APPEALS, "dagegen oft folgenlos", "dagegen häufig wirkungslos", "Wirkungslos trifft es genauer."
    )
    sign_in(page, base, delegate("IEB"))
    fourth = propose(page, base, APPEALS, "dagegen oft folgenlos", "dagegen meist folgenlos", "Meist, nicht nur oft.")

    # The moderator finds the first amendment in the queue and accepts it in modified form.
    sign_in(page, base, MODERATOR)
    page.goto(f"{base}/moderation")
    expect(page.locator("#queue-link")).to_contain_text("4")
    shot("2-queue")
    item = page.locator(f"#item-amendment-{first.rsplit('/', 1)[1]}")
    expect(item).to_contain_text("Eine Forderung ist klarer als ein Vorschlag.")
    item.locator("a[href$='/amendments/" + first.rsplit("/", 1)[1] + "']").click()
    page.locator("input[name=decision][value=accept_modified]").check()
    page.locator("form[action$='/decision'] textarea[name=reason]").fill("Sprachlich verstärkt.")
    adopted = page.locator("textarea[name=adopted_text]")
    adopted.fill(adopted.input_value().replace("Wir fordern,", "Wir fordern nachdrücklich,"))
    page.locator("form[action$='/decision'] button[type=submit]").click()
    expect(page.locator(".decision")).to_contain_text("Sprachlich verstärkt.")
    expect(page.locator(".amendment")).to_contain_text("nachdrücklich")
    shot("3-accepted-modified")
    # The others are accepted in place in the queue.
    for url in (second, third, fourth):
        accept_in_queue(page, base, url)
    expect(page.locator("#queue-link")).to_contain_text("0")

    # Version 2: § 9 merges by itself, § 5 collides and is resolved by hand.
    page.goto(f"{base}/drafts/{SLUG}")
    page.locator("form[action$='/versions'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/versions/2$"))
    publish = page.locator("form[action$='/publish'] button[type=submit]")
    expect(publish).to_be_disabled()
    combined = page.locator("form[action*='/conflicts/'] textarea[name=text]")
    expect(combined).to_have_count(1)
    shot("4-version-2-collision")
    combined.fill(combined.input_value().replace("dagegen oft folgenlos", "dagegen meist wirkungslos"))
    page.locator("form[action*='/conflicts/'] button[value=text]").click()
    expect(publish).to_be_enabled()
    publish.click()

    # The draft shows version 2 with the adopted texts.
    page.goto(f"{base}/drafts/{SLUG}")
    expect(page.locator(".draft-head")).to_contain_text("Fassung 2")
    nine = paragraph(page, "im Sinne dieses Gesetzes")
    expect(nine).to_contain_text("Wir fordern nachdrücklich, diesen Begriff")
    expect(paragraph(page, "Absichtserklärungen bleiben dagegen meist wirkungslos")).to_be_visible()
    # The old comments of § 9 stay with it, marked as written on version 1.
    nine.locator("a.comment-count").click()
    thread = nine.locator("section.thread--open")
    expect(thread).to_be_visible()
    expect(thread.locator(".badge--version").first).to_have_text("zu Fassung 1")
    shot("5-version-2")

    # The comparison of version 1 and version 2 marks what changed.
    page.goto(f"{base}/drafts/{SLUG}/compare?from=1&to=2")
    main = page.locator("main")
    expect(main.locator("ins", has_text="nachdrücklich").first).to_be_visible()
    expect(main.locator("del", has_text="schlagen vor").first).to_be_visible()
    expect(main.locator("ins", has_text="wirkungslos").first).to_be_visible()
    shot("6-compare")
