"""Casting the organisation's vote on a paragraph or on the whole draft."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block

from consult.core import clock
from consult.core.access import signed_in
from consult.core.refusals import Refusal
from consult.drafts.models import Draft
from consult.drafts.services import current_text, visible_draft_or_404
from consult.extensions import db, htmx
from consult.votes.forms import VoteForm
from consult.votes.models import Choice
from consult.votes.permissions import can_vote
from consult.votes.queries import choices_of, tallies
from consult.votes.services import cast_vote

bp = Blueprint("votes", __name__)

VOTE_TEMPLATE = "votes/vote_box.html"


def vote_context(draft: Draft, paragraph_id: int | None, position: int | None, error: str | None = None,
                 focus_choice: str | None = None) -> dict:
    """What votes/vote_box.html needs for one question (three queries)."""
    tally = tallies(draft.id, [paragraph_id])[paragraph_id]
    choice = choices_of(current_user.organisation_id, draft.id).get(paragraph_id) \
        if current_user.is_authenticated else None
    question = _("Vote on § %(num)d", num=position) if position else _("Vote on the whole draft")
    return {"draft": draft, "key": paragraph_id or "whole", "tally": tally, "choice": choice,
            "can_vote": can_vote(current_user, draft, clock.now()), "question": question,
            "error": error, "focus_choice": focus_choice}


@bp.route("/drafts/<slug>/votes", methods=["POST"])
@signed_in
def cast(slug: str):
    """Cast (or change) the organisation's vote; htmx gets the updated box, a plain form a redirect."""
    draft = visible_draft_or_404(slug, current_user)
    form = VoteForm()
    if not form.validate_on_submit():
        abort(400)
    raw = form.paragraph_id.data or ""
    if raw and not raw.isdigit():
        abort(400)
    paragraph_id = int(raw) if raw else None
    try:
        text = cast_vote(current_user, draft, paragraph_id, Choice(form.choice.data), clock.now())
    except Refusal as refusal:
        db.session.rollback()
        text = current_text(draft, paragraph_id) if paragraph_id is not None else None
        position = text.position if text else None
        if htmx:
            context = vote_context(draft, paragraph_id if text else None, position, error=str(refusal.message))
            return render_block(VOTE_TEMPLATE, "vote_box", **context), refusal.status
        return render_template("votes/refused.html", draft=draft, position=position,
                               message=str(refusal.message)), refusal.status
    position = text.position if text else None
    db.session.commit()
    anchor = f"p{position}" if position else "whole-draft"
    if not htmx:
        return redirect(url_for("reading.draft", slug=slug) + f"#{anchor}")
    labels = {"yes": _("Yes"), "no": _("No"), "abstain": _("Abstain")}
    where = _("§ %(num)d", num=position) if position else _("the whole draft")
    message = _("Your organisation's vote on %(where)s: %(choice)s.", where=where, choice=labels[form.choice.data])
    html = render_block(VOTE_TEMPLATE, "vote_box", **vote_context(draft, paragraph_id, position,
                                                                   focus_choice=form.choice.data))
    return html + render_template("_live.html", message=message)
