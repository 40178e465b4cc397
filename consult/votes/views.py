"""Casting the organisation's vote on a paragraph or on the whole draft."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block

from consult.core import clock
from consult.core.access import signed_in
from consult.core.refusals import Refusal
from consult.core.templating import labels
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


def vote_words(draft: Draft) -> dict:
    """What every vote box of a page shares: the URL and the translated words (formats unfilled)."""
    return {"url": url_for("votes.cast", slug=draft.slug), "names": labels("vote"), "tally_word": _("Tally:"),
            "turnout": _("%(voted)d of %(entitled)d organisations voted"), "question": _("Vote on § %(num)d"),
            "whole": _("Vote on the whole draft")}


def vote_context(draft: Draft, paragraph_id: int | None, position: int | None, error: str | None = None,
                 focus_choice: str | None = None) -> dict:
    """What votes/vote_box.html needs for one question (three queries)."""
    vb = vote_words(draft)
    choices = choices_of(current_user.organisation_id, draft.id, paragraph_id) if current_user.is_authenticated else {}
    return {"key": paragraph_id or "whole", "tally": tallies(draft.id, [paragraph_id])[paragraph_id],
            "choice": choices.get(paragraph_id), "can_vote": can_vote(current_user, draft, clock.now()),
            "question": vb["question"] % {"num": position} if position else vb["whole"], "vb": vb,
            "error": error, "focus_choice": focus_choice, "oob": False}


@bp.route("/drafts/<slug>/votes", methods=["POST"])
@signed_in
def cast(slug: str):
    """Cast (or change) the organisation's vote; htmx gets the updated box, a plain form a redirect."""
    draft = visible_draft_or_404(slug, current_user)
    form = VoteForm()
    if not form.validate_on_submit():
        abort(400)
    paragraph_id, choice = form.question_and_choice()
    try:
        text = cast_vote(current_user, draft, paragraph_id, Choice(choice), clock.now())
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
    if not htmx:
        db.session.commit()
        return redirect(url_for("reading.draft", slug=slug) + (f"#p{position}" if position else "#whole-draft"))
    # Read the new tally inside the transaction, then commit: nothing is loaded twice.
    context = vote_context(draft, paragraph_id, position, focus_choice=choice)
    db.session.commit()
    where = _("§ %(num)d", num=position) if position else _("the whole draft")
    message = _("Your organisation's vote on %(where)s: %(choice)s.", where=where, choice=labels("vote")[choice])
    return render_block(VOTE_TEMPLATE, "vote_box", **context) + render_template("_live.html", message=message)
