"""The reading language of the draft page: which translation a reader reads beside the German text.

A reader chooses it on the draft page (a GET form, `?reading=tr`); the choice is kept in the session, so that the
page's other links (a thread, a comment posted) keep it, and the page's address stays the one the page cache
keys (`reading_key` is part of the key: two languages never share a cached page).
"""

from __future__ import annotations

from flask import request, session

from consult.drafts.models import Version
from consult.translations.languages import direction, is_reading_language, label, local_name, name, reading_languages
from consult.translations.queries import is_outdated, languages_with_text, translations_for

SESSION_KEY = "reading_language"
PARAMETER = "reading"


def choice_in_request() -> bool:
    """The request chooses a reading language (the view stores it and answers with a redirect)."""
    return PARAMETER in request.args


def store_choice() -> None:
    """Keep the language chosen in `?reading=` (none, or an unknown one: German alone)."""
    chosen = request.args.get(PARAMETER, "")
    if is_reading_language(chosen):
        session[SESSION_KEY] = chosen
    else:
        session.pop(SESSION_KEY, None)


def reading_key() -> str | None:
    """The reading language of this request (None: German alone)."""
    chosen = session.get(SESSION_KEY)
    return chosen if is_reading_language(chosen) else None


def reading_context(version: Version | None, language: str | None) -> dict:
    """What the draft page needs to show a translation beside each German paragraph: the languages that have
    text in `version`, and for the chosen one its paragraphs (two queries with a version, whatever its length)."""
    if version is None:
        return {"reading": None, "reading_languages": []}
    offered = languages_with_text(version, reading_languages())
    choices = [{"code": code, "label": label(code)} for code in offered]
    if language not in offered:  # none chosen, or nothing of this version translated into it yet
        return {"reading": None, "reading_languages": choices}
    return {
        "reading": {
            "code": language,
            "name": name(language),
            "label": label(language),
            "local": local_name(language),
            "dir": direction(language),
            "texts": translations_for(version, language),
            "outdated": is_outdated,
        },
        "reading_languages": choices,
    }
