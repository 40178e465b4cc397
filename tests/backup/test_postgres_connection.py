"""The PostgreSQL tools get the app's connection, its password only through PGPASSWORD."""

from __future__ import annotations

import subprocess

import pytest
from flask_migrate import stamp
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import make_url

from consult import create_app
from consult.backup import postgres
from consult.extensions import db
from tests.conftest import BACKENDS, PG_BIN, TEST_CONFIG


def test_the_password_goes_to_the_environment_and_the_rest_to_the_connection_string():
    url = make_url("postgresql+psycopg://consult:p%40ss%20'w@db.example:5433/consult?sslmode=require")
    conninfo, environment = postgres.connection(url)
    assert conninfo_to_dict(conninfo) == {
        "host": "db.example",
        "port": "5433",
        "user": "consult",
        "dbname": "consult",
        "sslmode": "require",
    }
    assert "p@ss" not in conninfo
    assert environment["PGPASSWORD"] == "p@ss 'w"


def test_a_unix_socket_url_keeps_its_host_folder(monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    conninfo, environment = postgres.connection(make_url("postgresql+psycopg:///consult?host=/var/run/postgresql"))
    assert conninfo_to_dict(conninfo) == {"host": "/var/run/postgresql", "dbname": "consult"}
    assert "PGPASSWORD" not in environment


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="no PostgreSQL server binaries")
@pytest.mark.parametrize("kind", ["postgresql"])  # named so: the run's summary counts it as a PostgreSQL test
def test_no_command_line_carries_the_password(kind, pg_cluster, monkeypatch, tmp_path):
    """Any user of the machine can read a process's command line (ps); only its owner its environment."""
    # The test cluster trusts every connection, so any password is accepted: enough to see where it goes.
    url = make_url(pg_cluster.create_database("consult_password")).set(password="s3cret-pw")
    app = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False), "PG_BIN_DIR": str(PG_BIN)}
    )
    with app.app_context():
        db.create_all()
        stamp()
        db.session.remove()
    calls = []
    real_run = subprocess.run

    def spy(command, *args, **kwargs):
        calls.append((command, kwargs.get("env") or {}))
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    try:
        path = tmp_path / "b.dump"
        backed_up = app.test_cli_runner().invoke(args=["backup", str(path)])
        restored = app.test_cli_runner().invoke(args=["restore", "--force", str(path)])
    finally:
        with app.app_context():
            db.engine.dispose()
    assert backed_up.exit_code == 0, backed_up.output
    assert restored.exit_code == 0, restored.output
    assert {command[0].rsplit("/", 1)[-1] for command, _ in calls} == {"pg_dump", "pg_restore", "psql"}
    for command, environment in calls:
        assert not any("s3cret-pw" in part for part in command), command
        if command[0].endswith(("pg_dump", "psql")):
            assert environment["PGPASSWORD"] == "s3cret-pw"
    assert "s3cret-pw" not in backed_up.output + restored.output
