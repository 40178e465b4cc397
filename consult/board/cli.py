"""`flask adopt` and `flask set-phase`: the board's adoption and phase changes, from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from consult.accounts.services import get_by_email
from consult.amendments.outcomes import in_amendment_round
from consult.board.services import adopt, move_to_phase, next_phases
from consult.core import clock
from consult.core.refusals import Refusal
from consult.drafts.models import Phase
from consult.drafts.services import get_by_slug
from consult.exports import jobs
from consult.extensions import db
from consult.notifications.events import phase_changed


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
        since = clock.now()
        try:
            adopt(user, draft, None, since, reason)
            phase_changed(draft, user, since)  # the notifications the board's page sends
        except Refusal as refusal:
            db.session.rollback()
            raise click.ClickException(str(refusal.message)) from refusal
        db.session.commit()
    click.echo(f"{draft.slug} is adopted; the position is at /positions/{draft.slug}.")
    # The documents are made after the commit, as after the board's page; here the command waits for them.
    state = jobs.run(draft.id)
    click.echo(f"Documents: {state.value if state else 'made by another process'}.")


@click.command("set-phase")
@click.argument("slug")
@click.argument("phase", type=click.Choice([p.value for p in Phase]))
@with_appcontext
def set_phase_command(slug: str, phase: str) -> None:
    """Move a draft to another phase (audit log: "command line"). The amendments follow the step as on the
    board's phase page: leaving commenting, those without their supporter quorum lapse; entering voting where
    the organisations decide, the alternatives are fixed and what consent did not settle is put to the vote;
    leaving that vote on the amendments for editing counts it and decides them. While the organisations vote
    on amendments, the draft goes only to editing (which counts that vote) or to archived. Whoever opted in
    hears of the new phase, as after the board's page.

    Not into "adopted": adoption checks the final vote and renders the position's documents (`flask adopt
    SLUG`); a bare phase change would leave a draft adopted without its adopted text. Nor out of "adopted" but
    into "archived": the adopted position stays what was decided."""
    target = Phase(phase)
    if target == Phase.ADOPTED:
        raise click.ClickException(
            f"a draft is adopted with `flask adopt {slug} --by EMAIL`, which checks the "
            "final vote and renders the position's documents, as the board's page does"
        )
    draft = get_by_slug(slug)
    if draft is None:
        raise click.ClickException(f"no draft with the slug {slug!r}")
    if draft.phase == Phase.ADOPTED and target != Phase.ARCHIVED:
        raise click.ClickException(f"{slug} is adopted; it can only be archived")
    if draft.phase == target:
        click.echo(f"{draft.slug} is already in phase {draft.phase.value}.")
        return
    if in_amendment_round(draft) and target not in next_phases(draft):
        # Anywhere but editing (or the archive) its votes would stay uncounted.
        raise click.ClickException(
            f"the organisations are voting on amendments of {slug}; close and count that "
            f"vote with `flask set-phase {slug} editing` first (or archive the draft)"
        )
    # The same step as the board's page (its messages are translated as a page's: a request of their own).
    with current_app.test_request_context():
        since = clock.now()
        try:
            move_to_phase(None, draft, target, now=since)
            phase_changed(draft, None, since)  # the notifications the board's page sends
        except Refusal as refusal:
            db.session.rollback()
            raise click.ClickException(str(refusal.message)) from refusal
        db.session.commit()
    click.echo(f"{draft.slug} is now in phase {draft.phase.value}.")


def init_app(app) -> None:
    app.cli.add_command(adopt_command)
    app.cli.add_command(set_phase_command)
