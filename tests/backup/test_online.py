"""A backup of a database the app keeps writing to is one consistent moment of it (SQLite's backup API; pg_dump's
snapshot, in which the rows it reports are also counted)."""

from __future__ import annotations

import re
import threading

from flask_migrate import stamp
from sqlalchemy import text

from consult.extensions import db


def _write_pairs(app, stop: threading.Event, written: list[int]) -> None:
    """Organisations two at a time, each pair in one transaction: a consistent copy holds an even number."""
    with app.app_context():
        n = 0
        while not stop.is_set():
            with db.engine.begin() as connection:
                for _ in range(2):
                    n += 1
                    connection.execute(
                        text(
                            "INSERT INTO organisation (name, short_name, is_member, is_active, created_at, "
                            "vote_weight, level) "
                            f"VALUES ('Verein {n}', 'V{n}', true, true, '2026-12-01 10:00:00', 1, 'state')"
                        )
                    )
            written.append(n)
        db.engine.dispose()


def test_a_backup_while_the_app_writes_is_one_moment_of_the_database(databases, folder, kind):
    source = databases.empty("consult_busy")
    with source.app_context():
        db.create_all()
        stamp()
        db.session.remove()
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_write_pairs, args=(source, stop, written))
    writer.start()
    try:
        while len(written) < 20:  # the writer is well under way
            stop.wait(0.01)
        path = folder / ("busy.dump" if kind == "postgresql" else "busy.sqlite3")
        result = source.test_cli_runner().invoke(args=["backup", str(path)])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    reported = int(re.search(r"(\d[\d,]*) rows;", result.output).group(1).replace(",", ""))

    target = databases.empty("consult_busy_restored")
    restored = target.test_cli_runner().invoke(args=["restore", str(path)])
    assert restored.exit_code == 0, restored.output
    with target.app_context(), db.engine.connect() as connection:
        organisations = connection.execute(text("SELECT count(*) FROM organisation")).scalar_one()
    assert organisations > 0 and organisations % 2 == 0, "a pair was copied half"
    assert organisations == reported, "the rows reported are those in the backup"
    assert organisations < written[-1], "the backup is a moment before the writer stopped"
