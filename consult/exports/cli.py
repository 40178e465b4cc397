"""`flask export SLUG --format FORMAT --out PATH`: the same documents as the download links."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from consult.drafts.services import get_by_slug
from consult.exports.document import build_document
from consult.exports.formats import FORMATS
from consult.exports.jobs import render_left_behind
from consult.exports.models import DocumentsState
from consult.exports.storage import STORED_FORMATS, position_file


@click.command("export")
@click.argument("slug")
@click.option(
    "--format",
    "name",
    type=click.Choice(sorted(FORMATS)),
    required=True,
    help="pdf, docx, changes.docx / changes.pdf / changes.html (version 1 against the text, each change "
    "credited), md, html, "
    "comments.csv, votes.csv or json",
)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
@click.option(
    "--version", "number", type=int, default=None, help="a preview of this version (default: the adopted text)"
)
@with_appcontext
def export_command(slug: str, name: str, out: Path, number: int | None) -> None:
    """Write the adopted position (or a version's preview) of a draft in one format."""
    draft = get_by_slug(slug)
    if draft is None:
        raise click.ClickException(f"no draft with the slug {slug!r}")
    version = None
    if number is not None:
        version = next((v for v in draft.versions if v.number == number), None)
        if version is None:
            raise click.ClickException(f"{slug} has no version {number}")
    elif draft.adopted_version_id is None:
        version = draft.versions[-1]
        click.echo(f"{slug} is not adopted yet: exporting version {version.number} as a preview.", err=True)
    # The writers translate and format dates like a page does: give them a request of their own (German).
    with current_app.test_request_context():
        stored = position_file(draft, name) if version is None and name in STORED_FORMATS else None
        if stored is not None:
            out.write_bytes(stored.content)  # as rendered after the adoption
        else:  # a preview, a table, or documents not made yet
            out.write_bytes(FORMATS[name].write(build_document(draft, version)))
    click.echo(f"Wrote {out} ({out.stat().st_size} bytes).")


@click.command("render-documents")
@click.option("--retry-failed", is_flag=True, help="also try again the documents whose rendering failed")
@with_appcontext
def render_documents_command(retry_failed: bool) -> None:
    """Make the documents of adopted positions that are waiting: those still pending (their process did
    not get to them) and those whose rendering stopped (DOCUMENTS_STALE_AFTER). For a timer or cron job;
    safe beside the running app, which claims each job once."""
    done = render_left_behind(retry_failed)
    for slug, state in done:
        click.echo(f"{slug}: {state.value if state else 'taken by another process'}")
    click.echo(f"{len(done)} position(s) looked at.")
    if any(state == DocumentsState.FAILED for _, state in done):
        raise SystemExit(1)


def init_app(app) -> None:
    app.cli.add_command(export_command)
    app.cli.add_command(render_documents_command)
