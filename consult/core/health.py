"""`/healthz` and `/readyz` for a process manager, a load balancer or a monitor: no session, no page.

- `/healthz`: the process answers (200). It touches nothing else, so a slow database never makes a living
  process look dead (and restarted for nothing).
- `/readyz`: the process can serve: the database answers, and its schema is at the migrations' head
  (`flask db upgrade` has run for this code). 200 when both hold, else 503; the JSON says which failed.
"""

from __future__ import annotations

from functools import cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from consult.core.access import public
from consult.extensions import db

bp = Blueprint("health", __name__)
NO_STORE = {"Cache-Control": "no-store"}


@cache
def code_heads(directory: str) -> frozenset[str]:
    """The migrations' head revisions of this code (read once per process: they change only with the code)."""
    return frozenset(ScriptDirectory(directory).get_heads())


@bp.route("/healthz")
@public
def healthz():
    """The process is alive."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", **NO_STORE}


@bp.route("/readyz")
@public
def readyz():
    """The database answers and its schema is current; 503 otherwise."""
    report = {"database": "ok", "migrations": "current"}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            database_heads = frozenset(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        report.update(database=f"unreachable: {type(error).__name__}", migrations="unknown")
        return jsonify(status="not ready", **report), 503, NO_STORE
    expected = code_heads(current_app.extensions["migrate"].directory)
    if database_heads != expected:
        report["migrations"] = (
            f"database at {', '.join(sorted(database_heads)) or 'none'}, "
            f"code at {', '.join(sorted(expected))}: run `flask db upgrade`"
        )
        return jsonify(status="not ready", **report), 503, NO_STORE
    return jsonify(status="ready", **report), 200, NO_STORE
