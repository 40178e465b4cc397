"""A database that cannot be reached for a moment (a restart, a failover, a dropped connection).

Every request that meets it gets consult's own page, status 503 with Retry-After, in the person's
language, with what they typed offered to send again: wherever the failure happened, in a view, in a
hook before it (loading the signed-in person, the two-factor check) or while rendering another error
page. The page itself reads nothing from the database: the person is shown as not loaded, the language
comes from the session or from what was already loaded of the person.

Only errors that mean "no database right now" count: SQLAlchemy's OperationalError (connection refused,
server shutting down, a lock timeout) and InterfaceError (a closed connection), and any DBAPI error that
SQLAlchemy recognised as a disconnect. Others stay server errors (500). The connection pool recovers by
itself: SQLAlchemy discards a connection that failed as a disconnect, and pool_pre_ping (on for database
servers, see create_app) tests each connection as it leaves the pool.
"""

from __future__ import annotations

from flask import current_app, g, render_template, request, session
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError, InterfaceError, NoInspectionAvailable, OperationalError

from consult.core import kept_text
from consult.core.i18n import ACCOUNT_LOCALE, in_language
from consult.core.json_errors import json_error, wants_json
from consult.extensions import db, login_manager

# Seconds a browser (or a person) is asked to wait before trying again.
RETRY_AFTER_SECONDS = 5
# Fields whose values are never written into a page: the person types them again.


def is_outage(error: BaseException | None) -> bool:
    """Whether `error` means the database cannot be reached now (not: the request was wrong)."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def _loaded_locale(person) -> str | None:
    """The person's language if it was loaded before the failure, read without asking the database."""
    if person is None:
        return None
    try:
        state = inspect(person)
    except NoInspectionAvailable:  # an Identity or a guest: plain attributes
        return getattr(person, "locale", None)
    return state.dict.get("locale")  # what is loaded; an expired attribute is not read again


def page_language() -> str:
    """The language the page would have had: the session's choice, else the person's (as loaded before the
    failure, or, when loading them failed, as their session remembers it), else the default. Like every
    other page, not the browser's Accept-Language: a person sees one language throughout."""
    languages = current_app.config["LANGUAGES"]
    for candidate in (session.get("locale"), _loaded_locale(g.get("_login_user")), session.get(ACCOUNT_LOCALE)):
        if isinstance(candidate, str) and candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def unavailable(error=None):
    """consult's 503 page for a database outage (JSON for a request to an API)."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if wants_json():
        return json_error(503, headers=headers)
    language = page_language()
    # Whoever the person is, the page must not load them (that needs the database): show no one.
    g._login_user = login_manager.anonymous_user()
    with in_language(language):
        html = render_template(
            "errors/unavailable.html", kept=kept_text.kept_for_retry(), action=request.full_path.rstrip("?")
        )
    return html, 503, headers


def init_app(app) -> None:
    """Outage errors, wherever they are raised in a request, get the 503 page. A disconnect of another
    DBAPI class, and an outage met while another error page was rendered, reach the 500 handler, which
    asks `is_outage` of the original error (see consult.core.errors)."""
    for error_class in (OperationalError, InterfaceError):
        app.register_error_handler(error_class, unavailable)

    @app.teardown_appcontext
    def end_session_without_database(error=None) -> None:
        """Runs before Flask-SQLAlchemy's own teardown (teardowns run in reverse order). Ending the
        request's session rolls its transaction back; when the server ended the connection meanwhile,
        that ROLLBACK fails after the answer was made, outside every error handler, and the WSGI server
        would send its bare 500 instead of the answer. The failure marked the connection dead: closing
        again discards it, and the pool opens a new one for the next request."""
        try:
            db.session.remove()
        except DBAPIError as failure:
            if not is_outage(failure):
                raise
            db.session.remove()
