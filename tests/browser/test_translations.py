"""A draft read with a translation, in a real browser: German and the translation side by side and aligned by §
on a wide screen, stacked under 700 px; the translator's editor; both pages without axe-core violations (in
German, and in Arabic with the Arabic translation). One browser context per language, runs per database."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from sqlalchemy import select

from consult.accounts.models import User
from consult.drafts.models import Draft
from consult.drafts.services import current_version, paragraph_texts
from consult.extensions import db
from consult.translations.models import ParagraphTranslation, TranslationStatus, Translator
from tests.browser.conftest import sign_in
from tests.browser.test_reading import assert_accessible, delegate_email

pytestmark = pytest.mark.browser

SLUG = "participation-law"


def _translate(language: str, word: str) -> int:
    """Every paragraph of the demo draft translated into `language` (one checked, one outdated); returns § count.
    The first demo delegate becomes a translator into it."""
    try:
        draft = db.session.scalar(select(Draft).where(Draft.slug == SLUG))
        texts = paragraph_texts(current_version(draft))
        for row in texts:
            db.session.add(
                ParagraphTranslation(
                    paragraph_id=row.paragraph_id,
                    language=language,
                    text=f"{word} {row.position}",
                    html=f"<p>{word} {row.position}</p>",
                    source_text=row.text if row.position != 3 else "früher",
                    status=TranslationStatus.CHECKED if row.position == 2 else TranslationStatus.DRAFT,
                )
            )
        person = db.session.scalar(select(User).where(User.email == delegate_email()))
        db.session.add(Translator(user_id=person.id, language=language))
        db.session.commit()
        return len(texts)
    finally:
        db.session.remove()


def _boxes(page: Page, position: int) -> tuple[dict, dict]:
    item = page.locator(f"#p{position}")
    return item.locator(".paragraph__body").bounding_box(), item.locator(".paragraph__translation").bounding_box()


@pytest.mark.parametrize(
    "locale, language, word, direction", [("de-DE", "tr", "Paragraf", "ltr"), ("ar", "ar", "فقرة", "rtl")]
)
def test_the_translation_reads_beside_the_german_text_and_under_it_on_phones(
    live_server, browser, locale, language, word, direction
):
    count = _translate(language, word)
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server, delegate_email())
        page.goto(f"{live_server}/drafts/{SLUG}")
        page.locator("#reading-language").select_option(language)
        page.locator("form.reading-choice button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator(".paragraph__translation").count() == count
        assert page.locator("#p3 .badge--outdated").count() == 1 and page.locator(".badge--outdated").count() == 1
        assert page.locator("#p5 .translation-text").inner_text().strip() == f"{word} 5"
        assert page.locator("#p5 .translation-text").get_attribute("dir") == direction
        for position in (2, 5):  # side by side: the same row, the translation after the German
            german, translated = _boxes(page, position)
            assert abs(german["y"] - translated["y"]) < 24
            if direction == "ltr":
                assert translated["x"] >= german["x"] + german["width"] - 1
            else:
                assert translated["x"] + translated["width"] <= german["x"] + 1
        assert_accessible(page, f"the draft read in {language}")
        for width in (690, 390):  # stacked under 700 px: the translation under its German paragraph
            page.set_viewport_size({"width": width, "height": 844})
            german, translated = _boxes(page, 5)
            assert translated["y"] >= german["y"] + german["height"] - 1
            assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_server}/drafts/{SLUG}/translations/{language}")
        assert page.locator("section.translate-row").count() == count
        assert page.locator(".translate-row--outdated .diff del, .translate-row--outdated .diff ins").count() > 0
        assert_accessible(page, f"the {language} translation editor")
    finally:
        context.close()
