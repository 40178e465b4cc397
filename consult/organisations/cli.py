"""`flask create-organisation`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consult.extensions import db
from consult.organisations.models import OrganisationLevel
from consult.organisations.services import OrganisationError, create_organisation


@click.command("create-organisation")
@click.argument("name")
@click.option("--short-name", required=True, help="Short name, e.g. BVMO.")
@click.option("--state", default=None, help="Federal state, e.g. Berlin.")
@click.option(
    "--level",
    type=click.Choice([level.value for level in OrganisationLevel]),
    default="state",
    show_default=True,
    help="Federal, state or local organisation.",
)
@with_appcontext
def create_organisation_command(name: str, short_name: str, state: str | None, level: str) -> None:
    """Create a member organisation."""
    try:
        organisation = create_organisation(name, short_name, state, OrganisationLevel(level))
    except OrganisationError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created organisation {organisation.short_name} ({organisation.name}).")


def init_app(app) -> None:
    app.cli.add_command(create_organisation_command)
