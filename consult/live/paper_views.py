"""The office's paper ballots and vote conflicts on the chair's page: entering a paper ballot on the open question
and confirming a conflict between paper and phone ("Gesehen, gilt"). Routes on the live blueprint."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from jinja2_fragments.flask import render_block

from consult.accounts.forms import EmptyForm
from consult.core import clock
from consult.core.access import signed_in
from consult.core.i18n import gettext as _
from consult.core.inputs import database_id
from consult.core.refusals import PhaseClosed, Refusal
from consult.core.templating import labels
from consult.extensions import db
from consult.live.forms import PaperForm
from consult.live.models import VoteConflict
from consult.live.paper import confirm_conflict, conflicts_version, paper_panel
from consult.live.queries import active_session, open_item
from consult.live.views import _chaired_draft, _done, _labels, _session_context, bp
from consult.organisations.models import Organisation
from consult.votes.models import Choice
from consult.votes.paper import enter_paper_ballot

NO_LONGER_OPEN = _l(
    "This question is no longer open: the paper ballot was not entered. Please look at the question that is open now."
)


def _again(user, draft, form: PaperForm, message: str, status: int):
    """The chair's page again with the paper ballot as typed and the message beside it (nothing typed lost)."""
    context = _session_context(user, draft, True, clock.now())
    context["paper_form"], context["paper_error"] = form, message
    return render_template("live/session.html", **context), status


@bp.route("/drafts/<slug>/live/paper", methods=["POST"])
@signed_in
def paper(slug: str):
    """Enter an organisation's paper ballot on the open question (the office only)."""
    user, draft = _chaired_draft(slug)
    live = active_session(draft.id)
    if live is None:
        abort(404)
    form = PaperForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        first = next(iter(form.errors.values()))[0]
        return _again(user, draft, form, str(first), 422)
    item = open_item(live)
    if item is None or str(item.id) != form.item_id.data:
        return _again(user, draft, form, str(NO_LONGER_OPEN), PhaseClosed.status)
    organisation_id = database_id(form.organisation_id.data)
    organisation = db.session.get(Organisation, organisation_id) if organisation_id is not None else None
    if organisation is None:
        return _again(user, draft, form, _("Please choose the organisation."), 422)
    choice = Choice(form.choice.data)
    try:
        enter_paper_ballot(user, draft, organisation, item.paragraph_id, item.amendment_id, choice, clock.now())
    except Refusal as refusal:
        db.session.rollback()
        return _again(user, draft, form, str(refusal.message), refusal.status)
    db.session.commit()
    flash(
        _(
            "Paper ballot entered: %(organisation)s – %(choice)s",
            organisation=organisation.short_name,
            choice=labels("vote")[choice.value],
        ),
        "info",
    )
    # Back to the form: the office enters one ballot after another.
    return redirect(url_for("live.session", slug=draft.slug, _anchor="paper"))


@bp.route("/drafts/<slug>/live/conflicts/<int:conflict_id>/confirm", methods=["POST"])
@signed_in
def confirm(slug: str, conflict_id: int):
    """The office confirms a conflict between a paper ballot and a phone vote: seen, the later vote counts."""
    user, draft = _chaired_draft(slug)
    live = active_session(draft.id)
    conflict = db.session.get(VoteConflict, conflict_id)
    if live is None or conflict is None or conflict.session_id != live.id:
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    return _done(draft, lambda: confirm_conflict(user, live, conflict, clock.now()))


@bp.route("/drafts/<slug>/live/conflicts")
@signed_in
def conflicts(slug: str):
    """The chair's list of conflicts alone (the block `conflicts` of live/_paper.html), polled by the chair's page
    with the version it shows (`seen`): `204 No Content`, nothing swapped, while it is the same. Once the session
    has ended, `286` with `HX-Reswap: none`: htmx stops polling and swaps nothing (the list stays as shown; a reload
    shows the page without a session)."""
    user, draft = _chaired_draft(slug)
    live = active_session(draft.id)
    if live is None:
        return make_response("", 286, {"Cache-Control": "no-store", "HX-Reswap": "none"})
    if request.args.get("seen") == conflicts_version(live.id):
        response = make_response("", 204)
    else:
        response = make_response(
            render_block(
                "live/_paper.html",
                "conflicts",
                draft=draft,
                paper=paper_panel(live, None, conflicts_only=True),
                form=EmptyForm(),
                positions=_labels(draft),
            )
        )
    response.headers["Cache-Control"] = "no-store"
    return response
