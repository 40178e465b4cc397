"""The fixtures every database test stands on: each test starts on empty tables whose ids count from 1."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from consult.accounts.models import User
from consult.drafts.models import Draft
from consult.extensions import db
from consult.organisations.models import Organisation
from tests import factories
from tests.conftest import BACKENDS, empty_postgres_tables


def test_a_test_starts_with_every_table_and_no_rows(app):
    assert set(inspect(db.engine).get_table_names()) >= {table.name for table in db.metadata.sorted_tables}
    for table in db.metadata.sorted_tables:
        assert db.session.execute(select(table).limit(1)).first() is None, table.name


@pytest.mark.parametrize("backend", [name for name in BACKENDS if name == "postgresql"])
def test_emptying_postgresql_clears_the_tables_and_restarts_the_sequences(app, backend):
    """After a test every table is empty and every id counts from 1 again, also for a table whose rows were
    written and deleted (its sequence was used). SQLite needs none of this: each test gets its own copy of an
    empty file."""
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
