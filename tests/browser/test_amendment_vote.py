"""Voting on an amendment in the browser, with and without JavaScript: on the amendment's page the buttons
swap the box through htmx and announce the vote in the live region; without JavaScript the plain form comes
back to the same page at the box. And in the amendment round the draft page lists the amendment questions
instead of the paragraph boxes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from consult.drafts.models import Draft
from consult.extensions import db
from consult.votes.models import Choice, Vote
from tests.browser.conftest import wait_until
from tests.browser.test_annotate import VOTER_ORG, VOTING, delegate, sign_in
from tests.votes.test_amendment_votes import make_amendment

pytestmark = pytest.mark.browser


def _put_to_vote() -> int:
    """An amendment of the voting demo draft, put to the vote (the procedure's path is tested elsewhere)."""
    draft = db.session.scalar(select(Draft).where(Draft.slug == VOTING))
    amendment = make_amendment(draft, 1, None, None, text="Ein Text, über den abgestimmt wird.")
    db.session.commit()
    amendment_id = amendment.id
    db.session.remove()
    return amendment_id


def _choice(amendment_id: int):
    db.session.remove()
    return db.session.scalars(select(Vote.choice).where(Vote.amendment_id == amendment_id)).all()


def test_vote_on_an_amendment_with_and_without_javascript(live_server, page: Page, browser):
    amendment_id = _put_to_vote()
    key = f"a{amendment_id}"
    sign_in(page, live_server, delegate(VOTER_ORG, 0))
    page.goto(f"{live_server}/drafts/{VOTING}")
    round_section = page.locator("#amendment-round")
    expect(round_section).to_contain_text("Abstimmung über Änderungsanträge")
    expect(page.locator(f"#amendment-round #vote-{key}")).to_be_visible()
    expect(page.locator("#vote-whole")).to_have_count(0)

    page.goto(f"{live_server}/drafts/{VOTING}/amendments/{amendment_id}")
    page.locator(f"#vote-{key} button[value='{key}:yes']").click()
    expect(page.locator(f"#vote-{key} button[value='{key}:yes']")).to_have_attribute("aria-pressed", "true")
    wait_until(page, "() => document.getElementById('live-region').textContent.includes('Änderungsantrag')")
    expect(page.locator("#live-region")).to_have_text(
        f"Stimme Ihrer Organisation zu Änderungsantrag {amendment_id}: Ja."
    )
    assert page.url.endswith(f"/amendments/{amendment_id}")  # htmx: no page load
    assert _choice(amendment_id) == [Choice.YES]

    # Without JavaScript: the plain form, and back to the amendment's page at the box.
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    plain = context.new_page()
    try:
        sign_in(plain, live_server, delegate(VOTER_ORG, 1))
        plain.goto(f"{live_server}/drafts/{VOTING}/amendments/{amendment_id}")
        plain.locator(f"#vote-{key} button[value='{key}:no']").click()
        plain.wait_for_url(f"**/drafts/{VOTING}/amendments/{amendment_id}#vote-{key}")
        expect(plain.locator(f"#vote-{key} button[value='{key}:no']")).to_have_attribute("aria-pressed", "true")
    finally:
        context.close()
    assert _choice(amendment_id) == [Choice.NO]
