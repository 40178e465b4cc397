"""`flask adopt`: the board's adoption, from the command line."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from consult.accounts.services import get_by_email
from consult.board.services import adopt
from consult.core import clock
from consult.core.refusals import Refusal
from consult.drafts.services import get_by_slug
from consult.exports import jobs
from consult.extensions import db


@click.command("adopt")
@click.argument("slug")
@click.option("--by", "email", required=True, help="E-mail address of the board member who adopts (audit log).")
@click.option("--reason", default=None, help="A note for the audit log, e.g. the meeting's decision.")
@with_appcontext
def adopt_command(slug: str, email: str, reason: str | None) -> None:
    """Close the vote and adopt the draft, as the board's adoption page does: only when the vote on the
    whole draft meets its majority rule; the position's documents are rendered right after the commit."""
    draft = get_by_slug(slug)
    if draft is None:
        raise click.ClickException(f"no draft with the slug {slug!r}")
    user = get_by_email(email)
    if user is None:
        raise click.ClickException(f"no person with the address {email!r}")
    # The same service as the board's page: its checks (board role, voting phase, majority), in one
    # transaction that is committed once. Its messages are translated as a page's: a request of their own.
    with current_app.test_request_context():
        try:
            adopt(user, draft, None, clock.now(), reason)
        except Refusal as refusal:
            db.session.rollback()
            raise click.ClickException(str(refusal.message)) from refusal
        db.session.commit()
    click.echo(f"{draft.slug} is adopted; the position is at /positions/{draft.slug}.")
    # The documents are made after the commit, as after the board's page; here the command waits for them.
    state = jobs.run(draft.id)
    click.echo(f"Documents: {state.value if state else 'made by another process'}.")


def init_app(app) -> None:
    app.cli.add_command(adopt_command)
