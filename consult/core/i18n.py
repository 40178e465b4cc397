"""Interface language: the session's choice, else the account's, else the browser's (`Accept-Language`),
else German."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g, request, session
from flask_babel import force_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user

from consult.extensions import babel

# The signed-in person's language as last read from their account (see select_locale).
ACCOUNT_LOCALE = "account_locale"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    user_locale = getattr(current_user, "locale", None)
    if isinstance(user_locale, str) and user_locale in languages:
        # Kept in the session cookie too: a page made while the database is away (consult.core.outage)
        # cannot load the person, and still answers in their language.
        if session.get(ACCOUNT_LOCALE) != user_locale:
            session[ACCOUNT_LOCALE] = user_locale
        return user_locale
    if not request:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    # The answer now depends on a request header: caches in between must keep one copy per language.
    g._consult_locale_from_header = True
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def text_direction(locale: str) -> str:
    """`rtl` for a language written right to left (Arabic), else `ltr`: the `dir` of its pages."""
    return "rtl" if locale in current_app.config["RTL_LANGUAGES"] else "ltr"


def _vary_on_language(response):
    if g.get("_consult_locale_from_header"):
        response.vary.add("Accept-Language")
    return response


def _translations():
    """The catalogue of this request's language, looked up once per request."""
    translations = g.get("_consult_translations")
    if translations is None:
        translations = g._consult_translations = get_translations()
    return translations


def _gettext(message: str) -> str:
    return _translations().ugettext(message)


def gettext(message: str, **variables) -> str:
    """Flask-Babel's `gettext`, through the catalogue looked up once per request: for a view
    that translates a few words in every answer (each Flask-Babel call finds the catalogue again)."""
    text = _translations().ugettext(message)
    return text % variables if variables else text


def lazy_gettext(message: str, **variables) -> LazyString:
    """Flask-Babel's `lazy_gettext`, translated through `gettext` above when it is shown."""
    return LazyString(gettext, message, **variables)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _translations().ungettext(singular, plural, n)


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    """Flask-Babel's `ngettext` (`num` is `n`), through the catalogue looked up once per request."""
    return _ngettext(singular, plural, n) % {"num": n, **variables}


def _pgettext(context: str, message: str) -> str:
    """A word whose translation depends on where it stands ("Support": a stance, or co-signing)."""
    return _translations().upgettext(context, message)


_REQUEST_CACHES = ("_consult_translations", "_consult_labels", "_consult_comment_words")


@contextmanager
def in_language(locale: str) -> Iterator[None]:
    """Translate in `locale` for a while (an e-mail to someone who reads another language than
    this page's): Flask-Babel's force_locale, with this request's caches of catalogue and labels set aside."""
    saved = {name: g.pop(name) for name in _REQUEST_CACHES if name in g}
    try:
        with force_locale(locale):
            yield
    finally:
        for name in _REQUEST_CACHES:
            g.pop(name, None)
        for name, value in saved.items():
            setattr(g, name, value)


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_vary_on_language)
    # Templates translate through the request's catalogue directly: Flask-Babel's own
    # callables look the catalogue up again on every call, which is most of the
    # time of a page with a few hundred translated words.
    app.jinja_env.install_gettext_callables(_gettext, _ngettext, newstyle=True, pgettext=_pgettext)
