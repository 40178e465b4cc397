"""What the translation pages read, each in a fixed number of queries, and the one rule of "outdated".

A translation is outdated when the German text it was made from (`source_text`) is not the paragraph's text in
the version read: `is_outdated` says it for a row in Python, `outdated_clause` for a query. Nothing is stored
about it, so publishing a version needs no step of its own: the rows carry over by the paragraph's identity.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select

from consult.drafts.models import ParagraphText, Version
from consult.extensions import db
from consult.translations.models import ParagraphTranslation, TranslationStatus, Translator


def is_outdated(translation, german_text: str) -> bool:
    """The German paragraph changed since the translation was made (or last confirmed)."""
    return translation.source_text != german_text


def outdated_clause():
    """`is_outdated` as SQL, for a query that joins ParagraphTranslation to the version's ParagraphText."""
    return ParagraphTranslation.source_text != ParagraphText.text


def translator_languages(user) -> frozenset[str]:
    """The languages `user` holds the role "Übersetzung" for (one query; none for guests)."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(db.session.scalars(select(Translator.language).where(Translator.user_id == user.id)))


def translators_of(person_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Translator.language).where(Translator.user_id == person_id).order_by(Translator.language)
        )
    )


def translations_for(version: Version, language: str) -> dict[int, ParagraphTranslation]:
    """Paragraph id -> its translation into `language`, for the paragraphs of `version` (one query)."""
    rows = db.session.scalars(
        select(ParagraphTranslation)
        .join(
            ParagraphText,
            and_(
                ParagraphText.paragraph_id == ParagraphTranslation.paragraph_id, ParagraphText.version_id == version.id
            ),
        )
        .where(ParagraphTranslation.language == language)
    )
    return {row.paragraph_id: row for row in rows}


@dataclass(frozen=True)
class Progress:
    """How far the translation of a version into one language is."""

    language: str
    paragraphs: int  # paragraphs in the version
    translated: int  # with a translation
    checked: int  # with a checked translation that is not outdated
    outdated: int  # with a translation made from another German text

    @property
    def complete(self) -> bool:
        """Every paragraph translated, checked and up to date: the language may be exported."""
        return self.paragraphs > 0 and self.checked == self.paragraphs


def progress(version: Version, languages) -> dict[str, Progress]:
    """Per language, how many paragraphs of `version` are translated, checked and outdated (two queries)."""
    paragraphs = db.session.scalar(select(func.count(ParagraphText.id)).where(ParagraphText.version_id == version.id))
    current = and_(ParagraphTranslation.status == TranslationStatus.CHECKED, ~outdated_clause())
    rows = db.session.execute(
        select(
            ParagraphTranslation.language,
            func.count(ParagraphTranslation.id),
            func.count(ParagraphTranslation.id).filter(current),
            func.count(ParagraphTranslation.id).filter(outdated_clause()),
        )
        .join(
            ParagraphText,
            and_(
                ParagraphText.paragraph_id == ParagraphTranslation.paragraph_id, ParagraphText.version_id == version.id
            ),
        )
        .where(ParagraphTranslation.language.in_(list(languages)))
        .group_by(ParagraphTranslation.language)
    )
    found = {language: (translated, checked, outdated) for language, translated, checked, outdated in rows}
    return {language: Progress(language, paragraphs or 0, *found.get(language, (0, 0, 0))) for language in languages}


def languages_with_text(version: Version, languages) -> list[str]:
    """The languages of `languages` (in their order) with at least one translated paragraph in `version`
    (one query): what a reader may choose on the draft page."""
    found = set(
        db.session.scalars(
            select(ParagraphTranslation.language)
            .distinct()
            .join(
                ParagraphText,
                and_(
                    ParagraphText.paragraph_id == ParagraphTranslation.paragraph_id,
                    ParagraphText.version_id == version.id,
                ),
            )
            .where(ParagraphTranslation.language.in_(list(languages)))
        )
    )
    return [language for language in languages if language in found]
