"""One migration history for SQLite and PostgreSQL, and it agrees with the models."""
from __future__ import annotations

import shutil
import tempfile

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from consult import create_app
from consult.extensions import db
from tests.conftest import BACKENDS, TEST_CONFIG


@pytest.fixture(params=BACKENDS)
def empty_database(request):
    if request.param == "sqlite":
        folder = tempfile.mkdtemp(prefix="consult-migrate-")
        yield f"sqlite:///{folder}/migrate.sqlite3"
        shutil.rmtree(folder, ignore_errors=True)
    else:
        cluster = request.getfixturevalue("pg_cluster")
        yield cluster.create_database("consult_migrations")


def test_upgrade_from_empty_matches_models_and_downgrades_to_nothing(empty_database):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations disagree: {differences}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.session.remove()
        db.engine.dispose()
