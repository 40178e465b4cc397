"""The adopted position in a reading language, as a document: the German document's print page and stylesheet
(consult.exports.page) with the translated paragraphs, in the language's own words, direction and `lang`, and
marked on its title page as a translation whose German text is authoritative. Rendered when asked for (the
translations may still be corrected after the adoption; the German documents are the ones stored)."""

from __future__ import annotations

from flask import render_template
from flask_babel import format_date
from flask_babel import gettext as _

from consult.core.i18n import in_language
from consult.drafts.models import Draft, Version
from consult.drafts.services import paragraph_rows
from consult.exports.document import FEDERATION
from consult.exports.page import file_policy, stylesheet
from consult.translations.languages import catalogue_locale, direction, name, reading_languages
from consult.translations.queries import progress, translations_for

FORMATS = {"html": ("text/html; charset=utf-8", "html"), "pdf": ("application/pdf", "pdf")}


def exported_languages(version: Version) -> list[dict]:
    """The reading languages the adopted `version` may be downloaded in: every paragraph translated, reviewed and
    up to date (two queries)."""
    figures = progress(version, reading_languages())
    return [
        {"code": code, "name": name(code), "dir": direction(code)}
        for code, figure in figures.items()
        if figure.complete
    ]


def render_page(draft: Draft, version: Version, language: str, inline_css: str | None = None) -> str:
    """The print page of the translation (with `inline_css`, the standalone HTML file)."""
    found = translations_for(version, language)
    blocks = [(row.position, found[row.paragraph_id].html) for row in paragraph_rows(version)]
    with in_language(catalogue_locale(language)):
        return render_template(
            "translations/print.html",
            draft=draft,
            blocks=blocks,
            lang=language,
            dir=direction(language),
            language_name=name(language),
            federation=FEDERATION,
            date=format_date(draft.adopted_at or version.published_at, format="long"),
            version_label=_("Version %(number)d", number=version.number),
            inline_css=inline_css,
            file_policy=file_policy(inline_css) if inline_css else None,
        )


def render(draft: Draft, version: Version, language: str, kind: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the translated position in `kind` (html or pdf)."""
    media_type, ending = FORMATS[kind]
    filename = f"{draft.slug}-{language}.{ending}"
    if kind == "html":
        return render_page(draft, version, language, inline_css=stylesheet()).encode("utf-8"), media_type, filename
    from consult.exports.pdf import write_pdf  # WeasyPrint loads pango: only when a PDF is asked for

    return write_pdf(render_page(draft, version, language), stylesheet()), media_type, filename
