"""`flask seed-demo`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consult.demo.services import DEMO_PASSWORD, DemoError, database_is_empty, seed_demo, sign_ins
from consult.extensions import db


def _print_sign_ins(rows, password: str) -> None:
    click.echo("Demo sign-ins (password for all: %s):" % password)
    for role, name, email in rows:
        click.echo(f"  {role:<15} {name:<24} {email}")
    click.echo("  every other delegate: firstname.lastname@<short name>.demo.bundeskonferenz.example")


@click.command("seed-demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Exit quietly (status 0) instead of with an error when the database already holds data.",
)
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Fill an empty database with demo organisations, people, drafts, comments and votes."""
    if if_empty and not database_is_empty():
        click.echo("The database already holds data; the demo was not seeded again.")
        _print_sign_ins(sign_ins(), DEMO_PASSWORD)
        return
    try:
        summary = seed_demo()
    except DemoError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"Seeded the demo: {summary.organisations} organisations, {summary.people} people, "
        f"{summary.drafts} drafts, {summary.comments} comments, {summary.votes} votes."
    )
    _print_sign_ins(summary.sign_ins, DEMO_PASSWORD)


def init_app(app) -> None:
    app.cli.add_command(seed_demo_command)
