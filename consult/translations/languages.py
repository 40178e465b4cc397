"""The reading languages drafts are translated into (the setting `TRANSLATION_LANGUAGES`): their names, their
writing direction, and the interface catalogue their fixed words come from."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from consult.core.i18n import text_direction

# Each language's name in itself, as a reader looks for it; a code without a name here shows as the code.
NAMES = {
    "tr": "Türkçe",
    "ar": "العربية",
    "en": "English",
    "de-x-ls": "Leichte Sprache",
    "fa": "فارسی",
    "ru": "Русский",
    "uk": "Українська",
}
# What the interface calls each language (in the reader's interface language).
LABELS = {
    "tr": _l("Turkish"),
    "ar": _l("Arabic"),
    "en": _l("English"),
    "de-x-ls": _l("Easy-read German"),
}


def reading_languages() -> tuple[str, ...]:
    """The configured reading languages, in the order of the setting."""
    return tuple(current_app.config["TRANSLATION_LANGUAGES"])


def is_reading_language(code: str | None) -> bool:
    return code is not None and code in reading_languages()


def name(code: str) -> str:
    """The language's name in itself ("Türkçe")."""
    return NAMES.get(code, code)


def local_name(code: str) -> str:
    """The language's name in the interface language ("Türkisch")."""
    return str(LABELS[code]) if code in LABELS else name(code)


def label(code: str) -> str:
    """The language's name in the interface language, with its own name after it when they differ."""
    own = name(code)
    local = str(LABELS[code]) if code in LABELS else own
    return local if local == own else f"{local} ({own})"


def primary(code: str) -> str:
    """The primary subtag ("de" of "de-x-ls")."""
    return code.split("-", 1)[0].lower()


def direction(code: str) -> str:
    """`rtl` for a language written right to left, else `ltr`."""
    return text_direction(primary(code))


def catalogue_locale(code: str) -> str:
    """The interface language whose catalogue writes a document in this language: the language itself when the
    interface has it, else its primary language when that is one (Leichte Sprache: German), else the default."""
    languages = current_app.config["LANGUAGES"]
    for candidate in (code, primary(code)):
        if candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]
