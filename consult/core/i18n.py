"""Interface language: the session's choice, else the account's, else German."""
from __future__ import annotations

from flask import current_app, g, session
from flask_babel import get_translations
from flask_login import current_user

from consult.extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    user_locale = getattr(current_user, "locale", None)
    if user_locale in languages:
        return user_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _translations():
    """The catalogue of this request's language, looked up once per request."""
    translations = g.get("_consult_translations")
    if translations is None:
        translations = g._consult_translations = get_translations()
    return translations


def _gettext(message: str) -> str:
    return _translations().ugettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _translations().ungettext(singular, plural, n)


def _pgettext(context: str, message: str) -> str:
    """A word whose translation depends on where it stands ("Support": a stance, or co-signing)."""
    return _translations().upgettext(context, message)


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # Templates translate through the request's catalogue directly: Flask-Babel's own
    # callables look the catalogue up again on every call, which is most of the
    # time of a page with a few hundred translated words.
    app.jinja_env.install_gettext_callables(_gettext, _ngettext, newstyle=True, pgettext=_pgettext)
