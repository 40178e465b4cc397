"""`flask create-user` and `flask reset-two-factor`."""

from __future__ import annotations

import os

import click
from flask.cli import with_appcontext

from consult.accounts.models import Role
from consult.accounts.services import AccountError, create_user
from consult.extensions import db
from consult.organisations.services import get_by_short_name


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Full name as shown to others.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--organisation", default=None, help="Short name of the person's organisation.")
@with_appcontext
def create_user_command(email: str, name: str, roles: tuple[str, ...], organisation: str | None) -> None:
    """Create a person. The password comes from CONSULT_PASSWORD, else a prompt."""
    org = None
    if organisation:
        org = get_by_short_name(organisation)
        if org is None:
            raise click.ClickException(f"no organisation with the short name {organisation!r}")
    password = os.environ.get("CONSULT_PASSWORD") or click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, name, password, [Role(r) for r in roles], org)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(user.roles))}).")


@click.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def reset_two_factor_command(email: str) -> None:
    """Switch two-factor sign-in off for a person who lost their app (written to the audit log)."""
    from consult.accounts.services import get_by_email
    from consult.accounts.two_factor import reset
    from consult.core import clock

    user = get_by_email(email)
    if user is None:
        raise click.ClickException(f"no person with the address {email!r}")
    reset(user, clock.now())
    db.session.commit()
    click.echo(
        f"Two-factor sign-in is off for {user.email}; they sign in with the password"
        " (and set it up again where it is required)."
    )


def init_app(app) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(reset_two_factor_command)
