"""Back up the configured database into one file, and restore such a file into it.

A backup holds every table, the rendered documents of adopted positions (consult.exports keeps them in the
database) and the schema (alembic) revision it was made at, so a restore can say which `flask db upgrade` brings
it to the code's schema. Both operations are all or nothing: a backup appears under its name only when complete
(consult.backup.files), a restore replaces the database in one transaction or leaves it as it was."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from consult.backup import postgres, sqlite
from consult.backup.errors import BackupError
from consult.backup.files import written_atomically
from consult.core.health import code_heads
from consult.extensions import db

VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class Backup:
    """What a backup file holds (the row counts are known for a backup just made, or for an SQLite file)."""

    path: Path
    size: int
    revision: str
    rows: dict[str, int] | None = None


def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _kind(url: URL) -> str:
    kind = url.get_backend_name()
    if kind not in ("sqlite", "postgresql"):
        raise BackupError(f"backups know SQLite and PostgreSQL, not {kind}")
    return kind


def database_name() -> str:
    """The configured database, its password hidden, for messages."""
    return _url().render_as_string(hide_password=True)


def default_path(now: datetime) -> Path:
    """BACKUP_DIR/consult-<UTC time>.dump (PostgreSQL) or .sqlite3: names that sort by time."""
    suffix = postgres.SUFFIX if _kind(_url()) == "postgresql" else sqlite.SUFFIX
    return Path(current_app.config["BACKUP_DIR"]) / f"consult-{now:%Y%m%dT%H%M%SZ}{suffix}"


def back_up(path: Path, force: bool = False) -> Backup:
    """Write a backup of the configured database to `path`. Refuses an existing file unless `force`."""
    url = _url()
    kind = _kind(url)
    with written_atomically(path, force) as temporary:
        if kind == "sqlite":
            rows = sqlite.dump(url, temporary, current_app.config["SQLITE_BUSY_TIMEOUT"])
        else:
            rows = postgres.dump(url, db.engine, temporary, current_app.config["PG_BIN_DIR"])
        revision = _read_revision(kind, temporary)
        if revision is None:
            raise BackupError(
                f"{database_name()} has no schema revision (no {VERSION_TABLE} row): its schema was "
                "not made by `flask db upgrade`, and `flask restore` would refuse the backup. No file "
                "was written."
            )
    return Backup(path=path, size=path.stat().st_size, revision=revision, rows=rows)


def _read_revision(kind: str, path: Path) -> str | None:
    if kind == "sqlite":
        return sqlite.read(path)[0]
    return postgres.read(path, current_app.config["PG_BIN_DIR"])


def read_backup(path: Path) -> Backup:
    """Check that `path` is a consult backup this database can take, and what it holds.

    Refuses a file that is neither an SQLite database nor a PostgreSQL custom-format dump, one of the other
    database's kind (SQLite and PostgreSQL files do not convert), one that is damaged, and one without a schema
    revision (not made from a consult database by `flask backup`)."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file")
    with open(path, "rb") as file:
        start = file.read(len(sqlite.MAGIC))
    kind = "sqlite" if start.startswith(sqlite.MAGIC) else "postgresql" if start.startswith(postgres.MAGIC) else None
    if kind is None:
        raise BackupError(
            f"{path} is not a consult backup: neither a PostgreSQL custom-format dump nor an SQLite database"
        )
    configured = _kind(_url())
    if kind != configured:
        raise BackupError(
            f"{path} is a backup of a {_LABEL[kind]} database; the configured database is "
            f"{_LABEL[configured]}: restore it into a {_LABEL[kind]} database"
        )
    rows = None
    if kind == "sqlite":
        revision, rows = sqlite.read(path)
    else:
        revision = postgres.read(path, current_app.config["PG_BIN_DIR"])
    if revision is None:
        raise BackupError(f"{path} is not a consult backup: it has no schema revision (no {VERSION_TABLE} row)")
    return Backup(path=path, size=path.stat().st_size, revision=revision, rows=rows)


_LABEL = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def holdings() -> dict[str, int]:
    """The configured database's tables that hold rows, with their counts (the schema revision aside): what a
    restore would destroy. A database with tables but no rows (after `flask db upgrade`) holds nothing."""
    with db.engine.connect() as connection:
        tables = sorted(set(inspect(connection).get_table_names()) - {VERSION_TABLE})
        counts = {table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one() for table in tables}
    return {table: count for table, count in counts.items() if count}


def restore(path: Path, force: bool = False) -> Backup:
    """Replace the configured database by the backup at `path`.

    Refuses a database that holds rows unless `force` (the message names them), and any file `read_backup`
    refuses. The whole database is replaced, tables the backup does not have included, so that the migrations
    can bring it from the backup's revision to the code's."""
    backup = read_backup(path)
    held = holdings()
    if held and not force:
        raise BackupError(
            f"{database_name()} already holds data, which the restore would destroy: "
            f"{describe_rows(held)}. Pass --force (or --replace) to replace it by the backup."
        )
    url = _url()
    db.session.remove()
    db.engine.dispose()
    if _kind(url) == "sqlite":
        sqlite.restore(url, path, current_app.config["SQLITE_BUSY_TIMEOUT"])
    else:
        postgres.restore(url, db.engine, path, current_app.config["PG_BIN_DIR"])
    db.engine.dispose()
    return backup


def describe_rows(rows: dict[str, int]) -> str:
    """`1,234 rows in 12 tables (organisation 12, user 40, ...)`."""
    held = {table: count for table, count in sorted(rows.items()) if count}
    listed = ", ".join(f"{table} {count:,}" for table, count in held.items())
    return f"{sum(held.values()):,} rows in {len(held)} tables ({listed})"


def schema_state(revision: str) -> str:
    """ "current" (the code's head), "older" (a revision of this code's history: `flask db upgrade` brings it to
    head) or "unknown" (made by another, probably newer, version of consult)."""
    directory = current_app.extensions["migrate"].directory
    if revision in code_heads(directory):
        return "current"
    scripts = ScriptDirectory(directory)
    known = {script.revision for script in scripts.walk_revisions()}
    return "older" if revision in known else "unknown"


def code_head() -> str:
    return ", ".join(sorted(code_heads(current_app.extensions["migrate"].directory)))


def prune(keep: int) -> list[Path]:
    """Delete the oldest backups of BACKUP_DIR named like `default_path` beyond the newest `keep`; return them.
    Files named otherwise (a backup kept by hand under its own name) are never touched."""
    folder = Path(current_app.config["BACKUP_DIR"])
    suffix = postgres.SUFFIX if _kind(_url()) == "postgresql" else sqlite.SUFFIX
    backups = sorted(folder.glob(f"consult-*{suffix}"), reverse=True)  # the names sort by their time
    removed = backups[keep:]
    for old in removed:
        old.unlink()
    return removed
