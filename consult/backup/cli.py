"""`flask backup [PATH]` and `flask restore PATH`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade as upgrade_schema
from sqlalchemy.exc import SQLAlchemyError

from consult.backup import services
from consult.backup.errors import BackupError
from consult.core import clock


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=None,
    help="Then delete the oldest backups of the backup folder (named consult-<time>) beyond the newest KEEP.",
)
@with_appcontext
def backup_command(path: Path | None, force: bool, keep: int | None) -> None:
    """Back up the whole database (documents of adopted positions included) into PATH, by default
    consult-<UTC time>.dump (PostgreSQL) or .sqlite3 (SQLite) in CONSULT_BACKUP_DIR (default: the instance
    folder's backups/)."""
    try:
        backup = services.back_up(path or services.default_path(clock.now()), force=force)
        removed = services.prune(keep) if keep else []
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    except SQLAlchemyError as error:
        raise click.ClickException(f"the database {services.database_name()} did not answer: {error}") from error
    click.echo(f"Wrote {backup.path} ({_size(backup.size)}) from {services.database_name()}.")
    click.echo(f"Schema revision: {backup.revision} ({_state_words(services.schema_state(backup.revision))}).")
    if backup.rows is not None:
        rows = {table: count for table, count in backup.rows.items() if table != services.VERSION_TABLE}
        click.echo(
            f"{len(rows)} tables, {sum(rows.values()):,} rows; rendered documents of adopted positions: "
            f"{rows.get('position_file', 0)} files."
        )
    for old in removed:
        click.echo(f"Deleted the old backup {old}.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--force", "--replace", "force", is_flag=True, help="Replace a database that holds data (everything in it is lost)."
)
@click.option("--upgrade", is_flag=True, help="Then bring the restored schema to this code's (`flask db upgrade`).")
@with_appcontext
def restore_command(path: Path, force: bool, upgrade: bool) -> None:
    """Replace the configured database by the backup in PATH (made by `flask backup`)."""
    try:
        backup = services.restore(path, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    except SQLAlchemyError as error:
        raise click.ClickException(
            f"the database {services.database_name()} did not answer (on a new server, "
            f"create it first: see the README's Backups section): {error}"
        ) from error
    held = services.holdings()
    click.echo(f"Restored {path} into {services.database_name()}: {services.describe_rows(held)}.")
    state = services.schema_state(backup.revision)
    click.echo(f"The backup's schema revision: {backup.revision} ({_state_words(state)}).")
    if state == "current":
        return
    if state == "unknown":
        click.echo(
            f"This code does not know that revision (its head is {services.code_head()}): the backup was made "
            "by another version of consult; install that version (or a newer one) before starting the app."
        )
        return
    if upgrade:
        try:
            upgrade_schema()
        except Exception as error:  # any migration's failure: say where the database stands, then exit 1
            raise click.ClickException(
                f"The backup was restored, but upgrading its schema failed: {type(error).__name__}: {error}. The "
                "database is at the revision of the last migration that completed; fix the cause and run "
                "`flask db upgrade`."
            ) from error
        click.echo(f"Upgraded the schema to {services.code_head()}.")
    else:
        click.echo(
            f"It is older than this code's ({services.code_head()}): run `flask db upgrade` (or restore with "
            "--upgrade) before starting the app."
        )


def _state_words(state: str) -> str:
    return {"current": "this code's", "older": "older than this code's", "unknown": "not one this code knows"}[state]


def _size(size: int) -> str:
    if size < 1024:
        return f"{size:,} bytes"
    scaled = size / 1024
    for unit in ("KB", "MB"):
        if scaled < 1024:
            return f"{scaled:.1f} {unit}"
        scaled /= 1024
    return f"{scaled:.1f} GB"


def init_app(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
