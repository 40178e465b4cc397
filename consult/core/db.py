"""Database base class, constraint naming convention and column types shared by all areas."""

from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    """A Python enum stored as its values in a VARCHAR with a CHECK constraint (portable, easy to migrate)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class UTCDateTime(TypeDecorator):
    """A point in time, stored as UTC, always returned timezone-aware.

    SQLite has no time zones; storing naive UTC and attaching UTC on the way out
    makes both databases behave the same.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware datetimes")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Foreign keys on and WAL journal for every SQLite connection.

    SQLite lets one transaction write at a time; the others wait for it up to the busy timeout,
    then fail with "database is locked". The timeout is the driver's `timeout`, set from
    SQLITE_BUSY_TIMEOUT (15 s, below gunicorn's 30 s worker timeout) by `create_app`. Write
    transactions are kept short (slow work such as password hashing comes before the first
    write), but an adoption renders the position's documents while it holds the lock
    (consult.board.services.adopt), a few seconds for a long draft on a busy machine: a vote
    sent meanwhile waits for it (and is then refused, the vote being closed) rather than failing."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
