"""The fixtures every database test stands on: each test starts on empty tables whose ids count from 1."""

from __future__ import annotations

from sqlalchemy import inspect, select

from consult.accounts.models import User
from consult.drafts.models import Draft
from consult.extensions import db
from consult.organisations.models import Organisation
from tests import factories
from tests.conftest import empty_postgres_tables


def test_a_test_starts_with_every_table_and_no_rows(app):
    assert set(inspect(db.engine).get_table_names()) >= {table.name for table in db.metadata.sorted_tables}
    for table in db.metadata.sorted_tables:
        assert db.session.execute(select(table).limit(1)).first() is None, table.name


def test_emptying_postgresql_clears_written_tables_and_restarts_used_sequences(app, backend):
    """After a test: tables with rows are emptied, and a sequence a test used is restarted even when its table
    was left empty again (a row written and deleted)."""
    if backend != "postgresql":
        return  # SQLite: each test gets its own copy of the empty template file
    factories.user()  # a person and their organisation: rows
    db.session.commit()
    gone = factories.draft()
    db.session.commit()
    assert gone.id == 1
    db.session.delete(gone)
    db.session.commit()
    assert db.session.scalars(select(Draft)).all() == []  # empty, but its sequence was used
    db.session.remove()

    empty_postgres_tables()

    assert db.session.scalars(select(User)).all() == []
    assert db.session.scalars(select(Organisation)).all() == []
    assert factories.user().id == 1
    assert factories.draft().id == 1
