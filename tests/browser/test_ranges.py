"""A long draft in the browser: the first § range, the next one loaded as the reader scrolls to its link (with the
quoted passages highlighted), and a link to a § of a later range landing on it. Ranges of 5 paragraphs here."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from consult.comments.models import Comment, CommentStatus, Stance
from consult.comments.services import locate_quote
from consult.drafts.models import Phase
from consult.extensions import db
from tests import factories
from tests.browser.conftest import wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def extra_config():
    return {"DRAFT_RANGE_PARAGRAPHS": 5}


@pytest.fixture
def long_draft(live_server):
    """A public 12-paragraph draft in the commenting phase, with a comment on a passage of § 7."""
    try:
        draft = factories.draft(paragraphs=12, phase=Phase.COMMENTING, slug="lang", public=True)
        author = factories.user(email="lang@example.org")
        text = draft.versions[0].texts[6]
        exact, prefix, suffix = locate_quote(text.text, "Teilhabe und")
        db.session.add(
            Comment(
                paragraph_id=text.paragraph_id,
                version_id=text.version_id,
                author=author,
                organisation_id=author.organisation_id,
                body="Zitat",
                body_html="<p>Zitat</p>",
                stance=Stance.NEUTRAL,
                status=CommentStatus.PUBLISHED,
                quote_exact=exact,
                quote_prefix=prefix,
                quote_suffix=suffix,
            )
        )
        db.session.commit()
        return {"base": live_server, "pid7": text.paragraph_id}
    finally:
        db.session.remove()


def test_the_next_range_comes_as_the_reader_scrolls(long_draft, page: Page, screenshot_dir):
    base = long_draft["base"]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/drafts/lang")
    expect(page.locator("li.paragraph")).to_have_count(5)
    link = page.locator(".range-link--later a")
    expect(link).to_have_text("Weiter ab § 6")
    link.focus()  # as Tab would: the link scrolls into view
    # Revealed: htmx puts § 6–10 in place of the link, with the link to § 11 after them; no page load.
    expect(page.locator("li.paragraph")).to_have_count(10)
    expect(page.locator("#p6")).to_be_attached()
    expect(page.locator(".range-link--later a")).to_have_text("Weiter ab § 11")
    # The reader was on the link: they go on from the range's first paragraph, not from the page's start.
    wait_until(page, "() => document.activeElement && document.activeElement.id === 'p6'")
    # The passage quoted in § 7 is highlighted in the range that came later.
    # (in pieces: the emphasis of *Teilhabe* cuts it in two)
    wait_until(
        page,
        "pid => Array.from(document.querySelectorAll('#text-' + pid + ' mark.quote'))"
        ".map(m => m.textContent).join('') === 'Teilhabe und'",
        long_draft["pid7"],
    )
    if screenshot_dir:
        page.locator("#p7").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "lazy-next-range-390.png"))


def test_a_link_to_a_later_paragraph_lands_on_it(long_draft, page: Page):
    base = long_draft["base"]
    page.goto(f"{base}/drafts/lang#p12")
    wait_until(page, "() => !!document.getElementById('p12')")
    assert "from=12" in page.url and page.url.endswith("#p12")
    expect(page.locator("li.paragraph")).to_have_count(2)
    expect(page.locator(".range-link--earlier a")).to_have_text("Vorige Absätze: § 6 bis § 10")
