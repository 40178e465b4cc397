"""Backups of an SQLite database: a copy through SQLite's online backup API.

The API copies a consistent state of the database while the app keeps running (a plain file copy could catch a
write half done, or miss what still sits in the WAL file). The copy is an SQLite database itself, its schema
revision in its own alembic_version table: it can be opened and checked with `sqlite3` alone."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL

from consult.backup.errors import BackupError

MAGIC = b"SQLite format 3\x00"
SUFFIX = ".sqlite3"


def database_file(url: URL) -> Path:
    """The file of the configured database (an in-memory database has nothing to back up)."""
    if not url.database or url.database == ":memory:":
        raise BackupError("the configured SQLite database lives in memory: there is nothing to back up or restore into")
    return Path(url.database)


def dump(url: URL, into: Path, timeout: float) -> dict[str, int]:
    """Copy the database into `into` (an empty file); return the rows per table of the copy."""
    source_file = database_file(url)
    if not source_file.exists():
        raise BackupError(f"the database file {source_file} does not exist")
    with closing(sqlite3.connect(source_file, timeout=timeout)) as source, closing(sqlite3.connect(into)) as copy:
        _copy(source, copy, timeout, f"the database {source_file} stayed locked")
        # One self-contained file: no -wal or -shm beside it when it is read, copied or restored later.
        copy.execute("PRAGMA journal_mode=DELETE")
    return read(into)[1]


def read(path: Path) -> tuple[str | None, dict[str, int]]:
    """The schema revision and the rows per table of an SQLite backup, after SQLite checked the file is whole.
    The revision is None when the file has no alembic_version table (not made from a consult database)."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
            check = copy.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"{path} is damaged (SQLite's check says: {check})")
            tables = [
                name
                for (name,) in copy.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            rows = {table: copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
            revision = None
            if "alembic_version" in tables:
                found = copy.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = found[0] if found else None
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database ({error})") from error
    return revision, rows


class _GaveUp(Exception):
    pass


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, timeout: float, locked: str) -> None:
    """Copy with SQLite's backup API, waiting at most `timeout` seconds for a lock held by another connection
    (Python's `backup()` alone retries forever). On giving up SQLite rolls the target back: nothing changed."""
    deadline = time.monotonic() + timeout

    def progress(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise _GaveUp

    try:
        source.backup(target, progress=progress, sleep=0.05)
    except _GaveUp:
        raise BackupError(f"{locked} for {timeout:g} s (SQLITE_BUSY_TIMEOUT)") from None


def restore(url: URL, backup: Path, timeout: float) -> None:
    """Replace the configured database by the backup's content, in one transaction of SQLite's backup API:
    it fails whole or succeeds whole (the target's WAL and other connections are handled by SQLite itself)."""
    target_file = database_file(url)
    target_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source,
            closing(sqlite3.connect(target_file, timeout=timeout)) as target,
        ):
            _copy(
                source, target, timeout, f"the database {target_file} stayed locked by another process (stop the app)"
            )
    except (sqlite3.Error, BackupError) as error:
        raise BackupError(
            f"restoring {backup} into {target_file} failed, the database was left as it was: {error}"
        ) from error
