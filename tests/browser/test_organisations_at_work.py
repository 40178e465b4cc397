"""Organisations at work in a real browser (issue 18, "Done when"): two delegates of one organisation prepare an
amendment internally, change it, agree and submit it; the office sees that organisation's progress change on the
participation overview and sends a reminder to another organisation; the admin finds the reminder on /admin/outbox.

Each person has a browser context of their own (their own session), as four people on four machines would.
Runs once per database backend (through `live_server` -> `app`).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from consult.demo.content import DELEGATES, STAFF
from consult.demo.services import demo_email
from consult.drafts.models import Draft, Phase
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.participation.queries import not_responded_ids
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

DRAFT = "participation-law"
PROSE_WORDS = "Orientierungskurse"  # a prose paragraph of participation-law
PROPOSAL = "Die Beiräte erhalten ein eigenes Budget und ein Rederecht in allen Ausschüssen."


def person(browser, base: str, email: str) -> Page:
    page = browser.new_context(locale="de-DE").new_page()
    sign_in(page, base, email)
    return page


def row(page: Page, organisation: str):
    return page.locator(f"#participation-table tr[data-organisation='{organisation}']")


def test_two_delegates_submit_an_amendment_and_the_office_reminds_another_organisation(
    live_server, browser, screenshot_dir
):
    base = live_server
    draft = db.session.scalar(db.select(Draft).where(Draft.slug == DRAFT))
    assert draft.phase == Phase.COMMENTING
    # Two member organisations that have not responded yet: one prepares an amendment, the other is reminded.
    waiting = [db.session.get(Organisation, i) for i in not_responded_ids(draft, Phase.COMMENTING)]
    ours, other = waiting[0], waiting[1]
    first, second = (demo_email(name, ours.short_name) for name in DELEGATES[ours.short_name])
    first_name, second_name = DELEGATES[ours.short_name]
    title, ours_name, other_name, other_short = draft.title, ours.name, other.name, other.short_name
    db.session.remove()

    # -- The office's overview before: our organisation has not responded -------------------------------------
    office = person(browser, base, demo_email(STAFF["moderator"]))
    office.goto(f"{base}/drafts/{DRAFT}/participation")
    expect(row(office, ours_name).locator(".mark-no")).to_have_count(1)
    expect(row(office, other_name).get_by_label(f"{other_name} erinnern")).to_be_visible()
    responded_before = office.locator("#participation-table .participation-row--responded").count()

    # -- The first delegate begins an amendment as "Entwurf unserer Organisation" -----------------------------
    a = person(browser, base, first)
    a.goto(f"{base}/drafts/{DRAFT}")
    item = a.locator("li.paragraph", has=a.locator(".paragraph__body", has_text=PROSE_WORDS))
    position = int(item.get_attribute("id")[1:])
    # Where they would propose it alone, the form offers to prepare it with the colleagues first.
    item.get_by_role("link", name=f"Änderungsantrag stellen zu § {position}").click()
    a.get_by_role("link", name=f"Entwurf unserer Organisation für § {position}").click()
    a.get_by_label("Vorgeschlagener Text").fill(PROPOSAL)
    a.get_by_label("Begründung").fill("Ohne Mittel bleibt ein Beirat ohne Wirkung.")
    a.get_by_role("button", name="Für meine Kolleg*innen speichern").click()
    expect(a.get_by_role("heading", level=1)).to_contain_text(f"Änderungsantrag · § {position}")
    internal_url = a.url
    # Who begins a draft agrees with it; the colleague has not yet.
    expect(a.locator("#agreement-title")).to_contain_text("1 von 2 einverstanden")

    # Nobody outside the organisation knows it exists: the other organisation's delegate gets a 404.
    outsider = person(browser, base, demo_email(DELEGATES[other_short][0], other_short))
    assert outsider.goto(internal_url).status == 404
    outsider.context.close()

    # -- The colleague finds it in the workspace, improves the justification and agrees ----------------------
    b = person(browser, base, second)
    b.goto(f"{base}/drafts/{DRAFT}/workspace")
    b.get_by_role("link", name=f"Änderungsantrag · § {position}").click()
    b.locator("#edit-title").click()  # "Text ändern" unfolds the form
    b.get_by_label("Begründung").fill("Ohne eigene Mittel und ohne Rederecht bleibt ein Beirat ohne Wirkung.")
    b.get_by_role("button", name="Änderungen speichern").click()
    # The text changed: who changed it agrees with the new wording; the first delegate agreed to the earlier one,
    # which no longer counts.
    expect(b.locator("#agreement-title")).to_contain_text("1 von 2 einverstanden")
    expect(b.locator("main")).to_contain_text(f"Einverstanden mit einer früheren Fassung: {first_name}")
    if screenshot_dir:
        b.screenshot(path=str(screenshot_dir / "organisations-at-work-internal.png"), full_page=True)

    # -- The first delegate agrees to the new wording and submits for the organisation -----------------------
    a.goto(internal_url)
    expect(a.locator("main")).to_contain_text("Einverstanden mit einer früheren Fassung")
    a.get_by_role("button", name="Einverstanden").click()
    expect(a.locator("#agreement-title")).to_contain_text("2 von 2 einverstanden")
    a.get_by_role("button", name="Für die Organisation einreichen").click()
    expect(a).to_have_url(re.compile(rf"/drafts/{DRAFT}/amendments/\d+$"))  # the organisation's amendment
    expect(a.locator("main")).to_contain_text(PROPOSAL)
    attribution = f"eingereicht von {ours_name}, verfasst von {first_name} und {second_name}"
    expect(a.locator("main")).to_contain_text(attribution)

    # -- The office sees the organisation's progress change, and reminds another organisation ----------------
    office.goto(f"{base}/drafts/{DRAFT}/participation")
    expect(row(office, ours_name).locator(".mark-yes")).to_have_count(1)
    expect(row(office, ours_name)).to_contain_text("Änderungsantrag")
    expect(office.locator("#participation-table .participation-row--responded")).to_have_count(responded_before + 1)
    row(office, other_name).get_by_label(f"{other_name} erinnern").check()
    office.get_by_role("button", name="Erinnerung an die Ausgewählten ansehen").click()
    expect(office.locator("main")).to_contain_text(other_name)
    office.get_by_role("button", name="Erinnerung senden").click()
    expect(office.locator("#reminder-result")).to_contain_text("1 Organisation wurde erinnert")
    if screenshot_dir:
        office.goto(f"{base}/drafts/{DRAFT}/participation")
        office.screenshot(path=str(screenshot_dir / "organisations-at-work-overview.png"), full_page=True)

    # -- The reminder is in the outbox, to the other organisation's people, in their own language -------------
    admin = person(browser, base, demo_email(STAFF["admin"]))
    admin.goto(f"{base}/admin/outbox")
    for delegate in DELEGATES[other_short]:
        reminder = admin.locator("tr", has_text=demo_email(delegate, other_short)).first
        expect(reminder).to_contain_text("Erinnerung")
        expect(reminder).to_contain_text(title)
    expect(admin.locator("tr", has_text=first)).to_have_count(0)  # our organisation was not reminded
    for page in (office, a, b, admin):
        page.context.close()
