"""Backups of a PostgreSQL database: `pg_dump --format=custom`, restored with `pg_restore`.

The server's own tools make the dump (any size, every type, the schema with its constraints). They connect with
the app's SQLALCHEMY_DATABASE_URI; its password goes to them through PGPASSWORD, never on a command line (which
every user of the machine can read in the process list). The binaries come from PG_BIN_DIR (the setting
CONSULT_PG_BIN_DIR), else from PATH; they must be at least the server's version."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL

from consult.backup.errors import BackupError

MAGIC = b"PGDMP"
SUFFIX = ".dump"


def binary(name: str, bin_dir: str) -> str:
    """The path of a PostgreSQL client program, from `bin_dir` if set, else from PATH."""
    if bin_dir:
        path = Path(bin_dir) / name
        if not path.exists():
            raise BackupError(f"{name} is not in {bin_dir} (CONSULT_PG_BIN_DIR)")
        return str(path)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH: install the PostgreSQL client of the server's version "
            "(apt-get install postgresql-client) or set CONSULT_PG_BIN_DIR to its bin directory"
        )
    return found


def connection(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the tools (without the password) and their environment (with it)."""
    params: dict[str, str | int | None] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "dbname": url.database,
    }
    params.update({key: value for key, value in url.query.items() if isinstance(value, str)})
    conninfo = make_conninfo("", **{key: value for key, value in params.items() if value is not None})
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return conninfo, environment


def _run(command: list[str], environment: dict[str, str], what: str) -> str:
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        said = "\n".join(result.stderr.strip().splitlines()[-8:]) or f"exit status {result.returncode}"
        raise BackupError(f"{what} failed:\n{said}")
    return result.stdout


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def count_rows(connection) -> dict[str, int]:
    """Rows per table of the connection's schema."""
    return {
        table: connection.execute(text(f"SELECT count(*) FROM {_quote(table)}")).scalar_one()
        for table in sorted(inspect(connection).get_table_names())
    }


def dump(url: URL, engine: Engine, into: Path, bin_dir: str) -> dict[str, int]:
    """Dump the database into `into`; return the rows per table the dump holds.

    The rows are counted in a transaction whose snapshot pg_dump then uses (--snapshot): the counts are those of
    the dump, however busy the app is meanwhile."""
    conninfo, environment = connection(url)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as db_connection:
        with db_connection.begin():
            snapshot = db_connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            rows = count_rows(db_connection)
            _run(
                [
                    binary("pg_dump", bin_dir),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={into}",
                    f"--dbname={conninfo}",
                ],
                environment,
                "pg_dump",
            )
    return rows


def read(path: Path, bin_dir: str) -> str | None:
    """The schema revision a dump was made at, after pg_restore read its table of contents; None when it has
    no alembic_version table (not made from a consult database)."""
    environment = dict(os.environ)
    pg_restore = binary("pg_restore", bin_dir)
    _run([pg_restore, "--list", str(path)], environment, f"reading {path} with pg_restore")
    script = _run(
        [pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)],
        environment,
        f"reading the schema revision of {path}",
    )
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY ") and "alembic_version" in line:
            first = next(lines, "\\.")
            return None if first == "\\." else first.split("\t")[0]
    return None


def _existing_objects(engine: Engine) -> str:
    """SQL that drops the tables, views and sequences of the database's schema (what a restore replaces)."""
    with engine.connect() as db_connection:
        found = db_connection.execute(
            text(
                "SELECT c.relkind, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
                "ORDER BY c.relname"
            )
        ).all()
    kinds = {"v": "VIEW", "m": "MATERIALIZED VIEW", "r": "TABLE", "p": "TABLE", "f": "FOREIGN TABLE", "S": "SEQUENCE"}
    order = "vmrpfS"
    return "".join(
        f"DROP {kinds[kind]} IF EXISTS {_quote(name)} CASCADE;\n"
        for kind, name in sorted(found, key=lambda row: (order.index(row[0]), row[1]))
    )


def restore(url: URL, engine: Engine, backup: Path, bin_dir: str) -> None:
    """Replace the database's schema content by the dump's, in ONE transaction: it fails whole or succeeds whole.

    pg_restore first turns the whole dump into SQL in a temporary file, so a damaged dump fails before anything
    in the database changes; then psql runs the drops of what is there and that SQL in a single transaction that
    stops at the first error. Objects are owned by the app's database user (--no-owner, --no-acl): the new
    server's user names need not be the old one's."""
    conninfo, environment = connection(url)
    drops = _existing_objects(engine)
    with tempfile.TemporaryDirectory(prefix="consult-restore-") as folder:
        script = Path(folder) / "restore.sql"
        _run(
            [binary("pg_restore", bin_dir), "--no-owner", "--no-acl", f"--file={script}", str(backup)],
            environment,
            f"reading {backup} with pg_restore (the database was not changed)",
        )
        _run(
            [
                binary("psql", bin_dir),
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                "--output=/dev/null",
                f"--dbname={conninfo}",
                f"--command={drops or 'SELECT 1;'}",
                f"--file={script}",
            ],
            environment,
            "the restore (rolled back: the database was left as it was)",
        )
