"""Changing translations and translators. Each function checks its rule, raises a Refusal with a message in the
person's language, writes the audit line, flushes, and never commits.

Saving a translation records the German text it was made from: the paragraph's text in the version the
translator had in front of them (the draft's current one). Writing to a paragraph raises the draft's revision
(consult.drafts.revision), so cached draft pages show the new words at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from consult.audit.services import record
from consult.core.markdown import MarkdownError, render_block
from consult.core.refusals import InvalidInput, NotAllowed
from consult.drafts.models import Draft, Version
from consult.drafts.services import paragraph_texts
from consult.extensions import db
from consult.translations.languages import is_reading_language
from consult.translations.models import ParagraphTranslation, TranslationStatus, Translator
from consult.translations.permissions import can_edit_translation, can_grant_translators
from consult.translations.queries import is_outdated, translations_for

# Translations are read beside the German text: no line wrapping of their own (the German line numbers rule).
NO_WRAP = 10**9


@dataclass(frozen=True)
class Entry:
    """What the editor sent for one paragraph: the text, whether it is marked checked, and the text the
    translator started from (`base`: the stored translation when the page was loaded)."""

    paragraph_id: int
    text: str
    checked: bool
    base: str


class TranslationRefused(InvalidInput):
    """Some paragraphs could not be saved: `problems` maps their paragraph ids to the reason; nothing was saved."""

    def __init__(self, message, problems: dict[int, str], status: int = 422):
        super().__init__(message)
        self.problems = problems
        self.status = status


def _cleaned(text: str) -> str:
    return (text or "").replace("\r\n", "\n").strip()


def save_translations(
    user, draft: Draft, version: Version, language: str, entries: list[Entry], languages, now: datetime
) -> list[int]:
    """Save the editor's paragraphs of `version` (the draft's current one) in `language`; returns the paragraph
    ids that changed.

    A paragraph changes when its text differs from the stored one, or its "checked" mark differs from what the
    page showed (checked and up to date). Then it takes the text, the German text of `version` as its source
    (so a translation confirmed or rewritten after a change is no longer outdated) and the status asked for.
    An emptied text removes the translation. Refuses people who may not translate into `language` (only the
    board and its translators), and — saving nothing then — texts that are too long, hold empty lines (a
    paragraph is one block) or were changed by someone else since the page was loaded.
    """
    if not can_edit_translation(user, draft, language, languages):
        raise NotAllowed(_l("You may not translate this draft into this language."))
    limit = current_app.config["MARKDOWN_MAX_LENGTH"]
    german = {text.paragraph_id: text.text for text in paragraph_texts(version)}
    stored = translations_for(version, language)
    problems: dict[int, str] = {}
    conflicts = False
    changes = []
    for entry in entries:
        if entry.paragraph_id not in german:
            continue  # a paragraph of another version: not on this page
        text, base = _cleaned(entry.text), _cleaned(entry.base)
        current = stored.get(entry.paragraph_id)
        if current is not None and current.text != base and current.text != text:
            problems[entry.paragraph_id] = str(
                _l(
                    "Someone else changed this translation after you opened the page. Their text is shown below; "
                    "please take it into yours and save again."
                )
            )
            conflicts = True
            continue
        shown_checked = (
            current is not None
            and current.status == TranslationStatus.CHECKED
            and not is_outdated(current, german[entry.paragraph_id])
        )
        if current is None and not text:
            continue
        if current is not None and current.text == text and entry.checked == shown_checked:
            continue
        rendered = None
        if text:
            if "\n\n" in text:
                problems[entry.paragraph_id] = str(
                    _l("A translated paragraph is one paragraph: please remove the empty lines.")
                )
                continue
            try:
                rendered = render_block(text, max_length=limit, width=NO_WRAP)
            except MarkdownError:
                problems[entry.paragraph_id] = str(_l("The text is too long (at most %(max)d characters).", max=limit))
                continue
        changes.append((entry, text, rendered, current))
    if problems:
        raise TranslationRefused(
            _l("Nothing was saved: please look at the marked paragraphs."), problems, status=409 if conflicts else 422
        )
    changed = []
    for entry, text, rendered, current in changes:
        if not text:
            db.session.delete(current)
            changed.append(entry.paragraph_id)
            continue
        assert rendered is not None, "a text is rendered before it is kept"
        if current is None:
            current = ParagraphTranslation(paragraph_id=entry.paragraph_id, language=language)
            db.session.add(current)
        current.text, current.html, current.source_text = text, rendered.html, german[entry.paragraph_id]
        current.updated_by_id, current.updated_at = user.id, now
        if entry.checked:
            current.status, current.checked_by_id, current.checked_at = TranslationStatus.CHECKED, user.id, now
        else:
            current.status, current.checked_by_id, current.checked_at = TranslationStatus.DRAFT, None, None
        changed.append(entry.paragraph_id)
    if changed:
        record(
            user,
            "translation.save",
            f"version:{version.id}",
            now,
            draft_id=draft.id,
            language=language,
            paragraphs=changed,
            checked=[e.paragraph_id for e, text, _r, _c in changes if e.checked and text],
        )
    db.session.flush()
    return changed


def set_translator_languages(actor, person, languages: list[str], now: datetime) -> None:
    """Give `person` the role "Übersetzung" for exactly `languages` (administrators only; configured reading
    languages only)."""
    if not can_grant_translators(actor):
        raise NotAllowed(_l("Only administrators can do this."))
    wanted = sorted(set(languages))
    if any(not is_reading_language(language) for language in wanted):
        raise InvalidInput(_l("Please choose among the reading languages."))
    before = sorted(db.session.scalars(select(Translator.language).where(Translator.user_id == person.id)))
    if before == wanted:
        return
    db.session.execute(delete(Translator).where(Translator.user_id == person.id, Translator.language.not_in(wanted)))
    for language in set(wanted) - set(before):
        db.session.add(Translator(user_id=person.id, language=language, granted_by_id=actor.id, granted_at=now))
    record(actor, "translator.set", f"user:{person.id}", now, changes={"languages": [before, wanted]})
    db.session.flush()
