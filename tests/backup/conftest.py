"""Databases for the backup tests: made per module (filling one with the demo and an adopted position takes
seconds), on SQLite and on the session's PostgreSQL cluster, each used through its own app."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask

from consult import ROOT, create_app
from consult.extensions import db
from tests.conftest import BACKENDS, PG_BIN, TEST_CONFIG


def _head_and_previous() -> tuple[str, str]:
    """The migrations' head and the revision before it (7460b542e66d and dc5201057422 when this was written)."""
    scripts = ScriptDirectory(str(ROOT / "migrations"))
    (head,) = scripts.get_heads()
    previous = scripts.get_revision(head).down_revision
    assert isinstance(previous, str), "the head migration merges branches: name the previous revision here"
    return head, previous


HEAD, PREVIOUS = _head_and_previous()


@pytest.fixture(scope="module", params=BACKENDS)
def kind(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def folder(kind) -> Iterator[Path]:
    """A folder for the module's backup files and SQLite databases, one per kind of database."""
    path = Path(tempfile.mkdtemp(prefix=f"consult-backup-{kind}-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


class Databases:
    """Makes empty databases of one kind, each with an app, and disposes of their connections at the end."""

    def __init__(self, request, kind: str, folder: Path):
        self.request, self.kind, self.folder = request, kind, folder
        self.apps: list[Flask] = []

    def empty(self, name: str, **config) -> Flask:
        """An app on a new database without any table."""
        if self.kind == "sqlite":
            url = f"sqlite:///{self.folder / name}.sqlite3"
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        else:
            url = self.request.getfixturevalue("pg_cluster").create_database(name)
        app = create_app(
            {
                **TEST_CONFIG,
                "SQLALCHEMY_DATABASE_URI": url,
                "PG_BIN_DIR": str(PG_BIN or ""),
                "BACKUP_DIR": str(self.folder / f"{name}-backups"),
                **config,
            }
        )
        self.apps.append(app)
        return app

    def close(self) -> None:
        for app in self.apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture(scope="module")
def databases(request, kind, folder) -> Iterator[Databases]:
    made = Databases(request, kind, folder)
    yield made
    made.close()
