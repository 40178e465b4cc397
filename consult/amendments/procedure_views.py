"""Where the organisations decide: the proposing organisation answers a procedural recommendation
("Der Übernahme zustimmen" / "Über das Original abstimmen lassen"), other organisations ask for a vote
("Abstimmung verlangen"). Plain POST forms (CSRF) that redirect back to the amendment's recommendation
with a confirmation; a refusal shows the amendment page with its message. Registered on the amendments
blueprint (imported at the end of consult/amendments/views.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.accounts.forms import EmptyForm
from consult.amendments.procedure import consent, insist, request_vote
from consult.amendments.views import PAGE, _amendment_or_404, bp, page_context
from consult.core import clock
from consult.core.access import signed_in
from consult.core.refusals import Refusal
from consult.extensions import db


def _answer(slug: str, amendment_id: int, action, done: str):
    """Load (404), check the form (400), call the service (it holds the rules), commit once."""
    draft, amendment = _amendment_or_404(slug, amendment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(current_user, amendment, draft, clock.now())
    except Refusal as refusal:
        db.session.rollback()
        db.session.refresh(amendment)
        return render_template(PAGE, **page_context(draft, amendment, error=str(refusal.message))), refusal.status
    db.session.commit()
    flash(done, "info")
    return redirect(url_for("amendments.show", slug=slug, amendment_id=amendment_id) + "#recommendation-title")


@bp.route("/drafts/<slug>/amendments/<int:amendment_id>/consent", methods=["POST"])
@signed_in
def consent_view(slug: str, amendment_id: int):
    """The proposing organisation agrees to the recommendation: taken over without a vote."""
    return _answer(
        slug,
        amendment_id,
        consent,
        _("Your organisation agrees to the recommendation: it is taken over without a vote."),
    )


@bp.route("/drafts/<slug>/amendments/<int:amendment_id>/insist", methods=["POST"])
@signed_in
def insist_view(slug: str, amendment_id: int):
    """The proposing organisation puts its original text to the vote."""
    return _answer(
        slug,
        amendment_id,
        insist,
        _("Your organisation's original text will be put to the vote, with the recommendation beside it."),
    )


@bp.route("/drafts/<slug>/amendments/<int:amendment_id>/request-vote", methods=["POST"])
@signed_in
def request_vote_view(slug: str, amendment_id: int):
    """Another organisation asks for a vote on an amendment recommended for acceptance."""
    return _answer(
        slug,
        amendment_id,
        request_vote,
        _("Your organisation asked for a vote: this amendment will be put to the vote."),
    )
