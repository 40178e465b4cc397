"""A backup made at the previous schema revision restores, says it is older, and upgrades to the code's head."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from consult.extensions import db
from tests.backup.conftest import HEAD, PREVIOUS

# Plain SQL of that revision: an organisation, a delegate with a role, a draft with a version and a paragraph.
ROWS = [
    "INSERT INTO organisation (id, name, short_name, state, is_member, is_active, created_at, vote_weight, level) "
    "VALUES (7, 'Alte Zeiten e.V.', 'AZ', 'Bayern', true, true, '2026-12-01 10:00:00', 1, 'state')",
    'INSERT INTO "user" (id, email, name, password_hash, organisation_id, is_active_account, failed_logins, '
    "created_at, session_version, is_contact_person) VALUES (3, 'alt@az.example', 'Ada Alt', 'x', 7, true, 0, "
    "'2026-12-01 10:00:00', 0, false)",
    "INSERT INTO user_role (user_id, role) VALUES (3, 'delegate')",
    "INSERT INTO draft (id, slug, title, phase, moderation_policy, is_public, created_at) "
    "VALUES (5, 'alt', 'Ein alter Entwurf', 'commenting', 'publish', true, '2026-12-01 10:00:00')",
    "INSERT INTO version (id, draft_id, number, status, created_at) "
    "VALUES (9, 5, 1, 'published', '2026-12-01 10:00:00')",
    "INSERT INTO paragraph (id, draft_id, created_at) VALUES (11, 5, '2026-12-01 10:00:00')",
]


@pytest.fixture(scope="module")
def old_backup(databases, folder, kind):
    app = databases.empty("consult_previous")
    with app.app_context():
        upgrade(revision=PREVIOUS)
        with db.engine.begin() as connection:
            for statement in ROWS:
                connection.execute(text(statement))
        db.session.remove()
    path = folder / ("previous.dump" if kind == "postgresql" else "previous.sqlite3")
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Schema revision: {PREVIOUS} (older than this code's)" in result.output
    return path


def _assert_at_head_with_the_rows(app):
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [HEAD]
        assert connection.execute(text("SELECT short_name FROM organisation")).scalars().all() == ["AZ"]
        assert connection.execute(text('SELECT email FROM "user"')).scalars().all() == ["alt@az.example"]
        assert connection.execute(text("SELECT slug, phase FROM draft")).all() == [("alt", "commenting")]
        assert connection.execute(text("SELECT count(*) FROM paragraph")).scalar_one() == 1
        # A table the head revision added is there (empty): the schema is the code's.
        assert "internal_draft" in inspect(connection).get_table_names()


def test_a_backup_of_the_previous_schema_restores_and_upgrades_to_head(old_backup, databases):
    target = databases.empty("consult_previous_restored")
    result = target.test_cli_runner().invoke(args=["restore", str(old_backup)])
    assert result.exit_code == 0, result.output
    assert f"The backup's schema revision: {PREVIOUS} (older than this code's)" in result.output
    assert f"It is older than this code's ({HEAD}): run `flask db upgrade`" in result.output
    with target.app_context():
        assert "internal_draft" not in inspect(db.engine).get_table_names()  # as it was backed up
        upgrade()
        db.session.remove()
    _assert_at_head_with_the_rows(target)


def test_restore_upgrade_brings_the_backup_to_head_at_once(old_backup, databases):
    target = databases.empty("consult_previous_upgraded")
    result = target.test_cli_runner().invoke(args=["restore", "--upgrade", str(old_backup)])
    assert result.exit_code == 0, result.output
    assert f"Upgraded the schema to {HEAD}." in result.output
    _assert_at_head_with_the_rows(target)


def test_a_failing_upgrade_after_the_restore_says_where_the_database_stands(old_backup, databases, monkeypatch):
    def failing_upgrade():
        raise RuntimeError("disk full")

    monkeypatch.setattr("consult.backup.cli.upgrade_schema", failing_upgrade)
    target = databases.empty("consult_previous_failed_upgrade")
    result = target.test_cli_runner().invoke(args=["restore", "--upgrade", str(old_backup)])
    assert result.exit_code == 1
    assert "The backup was restored, but upgrading its schema failed: RuntimeError: disk full" in result.output
    assert "run `flask db upgrade`" in result.output
    with target.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [PREVIOUS]
        assert connection.execute(text("SELECT short_name FROM organisation")).scalars().all() == ["AZ"]
