"""`flask backup` and `flask restore`: a full database (the demo, votes, an adopted position and its rendered
documents) comes back row for row in an empty database; refusals leave files and databases as they were."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask_migrate import stamp
from sqlalchemy import inspect, text

from consult.core import health
from consult.exports import jobs
from consult.exports.models import DocumentsState
from consult.extensions import db
from tests.exports.conftest import adopt_demo

HEAD = "7460b542e66d"


def head() -> str:
    (only,) = health.code_heads(str(Path(__file__).resolve().parents[2] / "migrations"))
    return only


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
