"""Errors answered as JSON rather than as a page, for the addresses of a JSON API.

A program reading `/api/v1` expects JSON whatever happens: an unknown address under it, a method it does not
take, a refused parameter, a database away for a moment. The error handlers (consult.core.errors,
consult.core.outage) ask `wants_json()` first and then answer `{"error": "<reason>"}` with the same status and
headers the page would have had (`Allow` of a 405, `Retry-After` of a 503). An area declares its prefix with
`answer_json_under` when its blueprint is registered; core knows no area's addresses.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask.sansio.app import App
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

EXTENSION = "consult.json_error_prefixes"


def answer_json_under(app: App, prefix: str) -> None:
    """Errors of requests for `prefix` and the addresses below it are answered as JSON."""
    app.extensions.setdefault(EXTENSION, []).append(prefix.rstrip("/"))


def wants_json() -> bool:
    """Whether the current request's address lies under a prefix declared with `answer_json_under`."""
    path = request.path
    return any(path == prefix or path.startswith(prefix + "/") for prefix in current_app.extensions.get(EXTENSION, ()))


def json_error(status: int, error: BaseException | None = None, headers: dict | None = None):
    """`{"error": "<reason in lower case>"}` with `status`, the headers the HTTP error carries (e.g. `Allow`)
    and `headers`."""
    response = jsonify(error=HTTP_STATUS_CODES.get(status, "error").lower())
    response.status_code = status
    if isinstance(error, HTTPException):
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
    response.headers.update(headers or {})
    return response
