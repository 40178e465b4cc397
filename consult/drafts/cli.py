"""`flask import-draft` (`flask set-phase` is the board's: consult/board/cli.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from consult.drafts.services import DraftError, import_draft, read_markdown_file
from consult.extensions import db


@click.command("import-draft")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", required=True, help="Title of the draft position.")
@click.option("--slug", required=True, help="Short name in its address, e.g. partizipationsgesetz.")
@with_appcontext
def import_draft_command(path: Path, title: str, slug: str) -> None:
    """Create a draft from a UTF-8 Markdown file, one paragraph per top-level block."""
    try:
        draft = import_draft(read_markdown_file(path), title, slug)
    except DraftError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    count = len(draft.versions[0].texts)
    click.echo(f"Imported {draft.slug}: {count} paragraphs (phase: {draft.phase.value}).")


def init_app(app) -> None:
    app.cli.add_command(import_draft_command)
