"""`flask backup` and `flask restore`: a full database (the demo, votes, an adopted position and its rendered
documents) comes back row for row in an empty database; refusals leave files and databases as they were."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from flask_migrate import stamp
from sqlalchemy import inspect, text

from consult import create_app
from consult.exports import jobs
from consult.exports.models import DocumentsState
from consult.extensions import db
from tests.backup.conftest import HEAD
from tests.conftest import TEST_CONFIG
from tests.exports.conftest import adopt_demo


def all_rows(app) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table of the models plus alembic_version: its columns and its rows, sorted, binaries included.
    A table missing in the database raises."""
    with app.app_context(), db.engine.connect() as connection:
        tables = [table.name for table in db.metadata.sorted_tables] + ["alembic_version"]
        found = {}
        for table in tables:
            result = connection.execute(text(f'SELECT * FROM "{table}"'))
            found[table] = (list(result.keys()), sorted((tuple(row) for row in result), key=repr))
        return found


@pytest.fixture(scope="module")
def filled(databases):
    """A database as `flask db upgrade` leaves it, with the demo, votes and an adopted position whose
    documents were rendered (PositionFile rows: PDF, DOCX, ...)."""
    app = databases.empty("consult_filled")
    with app.app_context():
        db.create_all()
        stamp()
        draft = adopt_demo(app)
        assert jobs.run(draft.id) == DocumentsState.DONE
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def backup(filled, folder, kind) -> tuple[Path, str]:
    path = folder / ("filled.dump" if kind == "postgresql" else "filled.sqlite3")
    result = filled.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    return path, result.output


def test_a_backup_restores_into_an_empty_database_row_for_row(filled, backup, databases):
    path, output = backup
    expected = all_rows(filled)
    assert expected["alembic_version"][1] == [(HEAD,)]
    documents = expected["position_file"][1]
    assert len(documents) >= 2 and any(row[-2].startswith(b"%PDF") for row in documents)
    assert expected["vote"][1] and expected["organisation"][1] and expected["audit_entry"][1]
    with filled.app_context():
        # Nothing outside the models' tables: the comparison below covers the whole database.
        assert set(inspect(db.engine).get_table_names()) == set(expected)
    rows = sum(len(found) for table, (_, found) in expected.items() if table != "alembic_version")
    assert f"Wrote {path}" in output and f"Schema revision: {HEAD} (this code's)" in output
    assert f"{len(expected) - 1} tables, {rows:,} rows" in output
    assert f"rendered documents of adopted positions: {len(documents)} files" in output
    assert path.stat().st_mode & 0o077 == 0, "a backup holds password hashes: only its owner may read it"

    target = databases.empty("consult_restored")
    result = target.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert f"The backup's schema revision: {HEAD} (this code's)" in result.output
    assert "flask db upgrade" not in result.output
    restored = all_rows(target)
    for table, (columns, found) in expected.items():
        assert restored[table][0] == columns, table
        assert restored[table][1] == found, f"{table}: the restored rows differ"
    assert restored == expected


def test_a_database_with_the_schema_but_no_rows_takes_the_restore_without_force(filled, backup, databases):
    """After `flask db upgrade` on a new server there is nothing to destroy: the restore replaces the schema."""
    path, _ = backup
    target = databases.empty("consult_upgraded_empty")
    with target.app_context():
        db.create_all()
        stamp()
        db.session.remove()
    result = target.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert all_rows(target) == all_rows(filled)


@pytest.fixture(scope="module")
def victim(databases):
    """A database at head that holds one organisation: what a careless restore would destroy."""
    app = databases.empty("consult_victim", SQLITE_BUSY_TIMEOUT=0.2)
    with app.app_context():
        db.create_all()
        stamp()
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisation (name, short_name, is_member, is_active, created_at, "
                    "vote_weight, level) VALUES ('Noch da e.V.', 'ND', true, true, "
                    "'2026-12-01 10:00:00', 1, 'state')"
                )
            )
        db.session.remove()
    return app


def _organisations(app) -> list[str]:
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(text("SELECT short_name FROM organisation")).scalars().all()


def test_restore_refuses_a_database_that_holds_data_and_says_what_it_would_destroy(victim, backup):
    path, _ = backup
    result = victim.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 1
    assert "already holds data, which the restore would destroy: 1 rows in 1 tables (organisation 1)" in result.output
    assert "--force" in result.output
    assert _organisations(victim) == ["ND"]


def test_restore_refuses_files_that_are_no_consult_backup(victim, backup, folder, kind):
    text_file = folder / "notes.txt"
    text_file.write_text("not a backup\n")
    other = folder / "other-kind.bin"
    if kind == "sqlite":
        other.write_bytes(b"PGDMP" + bytes(200))
        other_says = "is a backup of a PostgreSQL database; the configured database is SQLite"
    else:
        import sqlite3
        from contextlib import closing

        with closing(sqlite3.connect(other)) as connection:
            connection.execute("CREATE TABLE t (x)")
        other_says = "is a backup of a SQLite database; the configured database is PostgreSQL"
    path, _ = backup
    damaged = folder / f"damaged{path.suffix}"
    damaged.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    for file, says in (
        (text_file, "is not a consult backup: neither a PostgreSQL custom-format dump nor an SQLite"),
        (other, other_says),
        (folder / "missing.dump", "does not exist"),
        (damaged, str(damaged)),
    ):
        result = victim.test_cli_runner().invoke(args=["restore", "--force", str(file)])
        assert result.exit_code == 1, (file, result.output)
        assert says in result.output, result.output
        assert _organisations(victim) == ["ND"]


def test_an_sqlite_file_without_a_schema_revision_is_refused():
    """An SQLite database, but not made from a consult database (no alembic_version); and no backup is made
    of a database without one, as `flask restore` would refuse it."""
    import sqlite3
    from contextlib import closing

    folder = Path(tempfile.mkdtemp(prefix="consult-stranger-"))
    stranger = folder / "stranger.sqlite3"
    with closing(sqlite3.connect(stranger)) as connection:
        connection.execute("CREATE TABLE organisation (id integer)")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/target.sqlite3"})
    try:
        result = app.test_cli_runner().invoke(args=["restore", str(stranger)])
        with app.app_context():
            db.create_all()  # the schema, without the migrations' alembic_version
        unstamped = app.test_cli_runner().invoke(args=["backup", str(folder / "unstamped.sqlite3")])
        left = sorted(path.name for path in folder.iterdir())
    finally:
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    assert result.exit_code == 1
    assert "is not a consult backup: it has no schema revision (no alembic_version row)" in result.output
    assert unstamped.exit_code == 1
    assert "has no schema revision (no alembic_version row)" in unstamped.output and "No file" in unstamped.output
    assert not [name for name in left if "unstamped" in name], "neither the backup nor its temporary file is left"


def test_a_restore_that_fails_midway_leaves_the_database_as_it_was(victim, backup, kind):
    """PostgreSQL: the restore's single transaction stops at a conflicting object and rolls back the drops too.
    SQLite: another connection holds the write lock; SQLite's backup API gives up before writing anything."""
    path, _ = backup
    if kind == "postgresql":
        with victim.app_context(), db.engine.begin() as connection:
            # Not a table, so the restore does not drop it, but the dump's table "vote" needs its name.
            db.metadata.tables["vote"].drop(connection)
            connection.execute(text("CREATE TYPE vote AS ENUM ('in the way')"))
        blocker = None
    else:
        import sqlite3

        with victim.app_context():
            blocker = sqlite3.connect(db.engine.url.database)
        blocker.execute("BEGIN IMMEDIATE")
    try:
        result = victim.test_cli_runner().invoke(args=["restore", "--force", str(path)])
    finally:
        if blocker is not None:
            blocker.rollback()
            blocker.close()
        else:
            with victim.app_context(), db.engine.begin() as connection:
                connection.execute(text("DROP TYPE vote"))
                db.metadata.tables["vote"].create(connection)
    assert result.exit_code == 1
    assert "the database was left as it was" in result.output, result.output
    assert _organisations(victim) == ["ND"]


def test_backup_refuses_to_overwrite_a_file_unless_forced(filled, folder, kind):
    path = folder / f"existing{'.dump' if kind == 'postgresql' else '.sqlite3'}"
    path.write_bytes(b"yesterday's backup")
    result = filled.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 1
    assert f"{path} already exists; choose another name or pass --force to overwrite it" in result.output
    assert path.read_bytes() == b"yesterday's backup"
    assert sorted(p.name for p in folder.glob(".existing*")) == [], "no temporary file is left behind"
    result = filled.test_cli_runner().invoke(args=["backup", "--force", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes().startswith(b"PGDMP" if kind == "postgresql" else b"SQLite format 3\x00")


def test_backup_without_a_path_writes_to_the_backup_folder_and_keeps_the_newest(filled, kind):
    suffix = ".dump" if kind == "postgresql" else ".sqlite3"
    backups = Path(filled.config["BACKUP_DIR"])
    backups.mkdir(parents=True, exist_ok=True)
    for year in (2023, 2024, 2025):
        (backups / f"consult-{year}0101T000000Z{suffix}").write_bytes(b"old")
    (backups / f"kept-by-hand{suffix}").write_bytes(b"mine")
    result = filled.test_cli_runner().invoke(args=["backup", "--keep", "2"])
    assert result.exit_code == 0, result.output
    (new,) = [p for p in backups.glob(f"consult-2026*{suffix}")]
    assert f"Wrote {new}" in result.output
    assert sorted(p.name for p in backups.iterdir()) == sorted(
        [new.name, f"consult-20250101T000000Z{suffix}", f"kept-by-hand{suffix}"]
    )
    assert f"Deleted the old backup {backups / f'consult-20230101T000000Z{suffix}'}" in result.output
