"""SQLite waits for its one write lock for SQLITE_BUSY_TIMEOUT seconds (15 by default) before it fails."""

from __future__ import annotations

import shutil
import tempfile

from sqlalchemy import text

from consult import create_app
from consult.extensions import db
from tests.conftest import TEST_CONFIG


def _busy_timeout_ms(monkeypatch, value: str | None) -> int:
    if value is None:
        monkeypatch.delenv("CONSULT_SQLITE_BUSY_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("CONSULT_SQLITE_BUSY_TIMEOUT", value)
    folder = tempfile.mkdtemp(prefix="consult-test-")
    try:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/t.sqlite3"})
        with app.app_context():
            try:
                return db.session.execute(text("PRAGMA busy_timeout")).scalar()
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_sqlite_waits_15_seconds_for_the_write_lock_unless_configured(monkeypatch):
    assert _busy_timeout_ms(monkeypatch, None) == 15000
    assert _busy_timeout_ms(monkeypatch, "2") == 2000
