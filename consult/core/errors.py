"""Error pages in the person's language; JSON for the addresses of an API (consult.core.json_errors)."""

from __future__ import annotations

import math
import time
from functools import wraps

from flask import current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from consult.core import kept_text, outage
from consult.core.inputs import RepeatedField, UnreadableText
from consult.core.json_errors import json_error, wants_json
from consult.extensions import limiter


def _minutes_to_wait() -> int | None:
    """For a request refused by a rate limit: whole minutes until it lets the next one through."""
    current = limiter.current_limit
    if current is None or not current.breached:
        return None
    # reset_at is rounded up to the next whole second already.
    return max(1, math.ceil((current.reset_at - 1 - time.time()) / 60))


def _megabytes(size: int) -> str:
    """A byte count as megabytes for people: 1048576 → "1", 10485760 → "10", 1572864 → "1.5"."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def _or_json(status: int):
    """The decorated handler answers with its page, or, for a request to an API, with JSON and `status`."""

    def decorator(handler):
        @wraps(handler)
        def answer(error):
            return json_error(status, error) if wants_json() else handler(error)

        return answer

    return decorator


def init_app(app) -> None:
    def page(status: int):
        @_or_json(status)
        def handler(error):
            return render_template("errors/error.html", status=status), status

        return handler

    for status in (400, 403, 404, 405):
        app.register_error_handler(status, page(status))

    @app.errorhandler(500)
    def server_error(error):
        # An unhandled error, or one raised while another error page was rendered (the person's name in
        # the page frame needs the database): when the database is away, that is an outage, not a bug.
        if outage.is_outage(getattr(error, "original_exception", None)):
            return outage.unavailable(error)
        if wants_json():
            return json_error(500)
        return render_template("errors/error.html", status=500), 500

    outage.init_app(app)

    @app.errorhandler(429)
    @_or_json(429)
    def too_many_requests(error):
        return render_template("errors/error.html", status=429, wait_minutes=_minutes_to_wait()), 429

    @app.errorhandler(UnreadableText)
    @_or_json(400)
    def unreadable_text(error):
        # A form's text comes back without the refused characters (kept_text); else the page explains.
        return kept_text.answer_unreadable_text() or (
            render_template("errors/error.html", status=400, unreadable=True),
            400,
        )

    @app.errorhandler(RepeatedField)
    @_or_json(400)
    def repeated_field(error):
        return render_template("errors/error.html", status=400, repeated=True), 400

    @app.errorhandler(RequestEntityTooLarge)
    @_or_json(413)
    def too_large(error):
        limit = request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"]
        return render_template("errors/error.html", status=413, limit_mb=_megabytes(limit)), 413

    @app.errorhandler(CSRFError)
    @_or_json(400)
    def csrf_error(error):
        # An aged token or an ended session: the form comes back with what was typed (kept_text).
        return kept_text.answer_csrf_error() or (render_template("errors/error.html", status=400, csrf=True), 400)
