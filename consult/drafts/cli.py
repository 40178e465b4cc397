"""`flask import-draft` and `flask set-phase`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from consult.drafts.models import Phase
from consult.drafts.services import DraftError, get_by_slug, import_draft, read_markdown_file, set_phase
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


@click.command("set-phase")
@click.argument("slug")
@click.argument("phase", type=click.Choice([p.value for p in Phase]))
@with_appcontext
def set_phase_command(slug: str, phase: str) -> None:
    """Move a draft to another phase. Not into "adopted": adoption checks the final vote and renders the
    position's documents (`flask adopt SLUG`); a bare phase change would leave a draft adopted without its
    adopted text. Nor out of "adopted" but into "archived": the adopted position stays what was decided."""
    if Phase(phase) == Phase.ADOPTED:
        raise click.ClickException(f"a draft is adopted with `flask adopt {slug} --by EMAIL`, which checks the "
                                   "final vote and renders the position's documents, as the board's page does")
    draft = get_by_slug(slug)
    if draft is None:
        raise click.ClickException(f"no draft with the slug {slug!r}")
    if draft.phase == Phase.ADOPTED and Phase(phase) != Phase.ARCHIVED:
        raise click.ClickException(f"{slug} is adopted; it can only be archived")
    set_phase(draft, Phase(phase))
    db.session.commit()
    click.echo(f"{draft.slug} is now in phase {draft.phase.value}.")


def init_app(app) -> None:
    app.cli.add_command(import_draft_command)
    app.cli.add_command(set_phase_command)
