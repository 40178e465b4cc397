"""Casting the organisation's vote on a paragraph or on the whole draft."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from consult.accounts.auth import identity_only
from consult.core import clock
from consult.core.i18n import gettext as _
from consult.core.access import signed_in
from consult.core.once import create_once
from consult.core.refusals import Refusal
from consult.core.templating import labels
from consult.drafts.models import Draft
from consult.drafts.queries import DraftState, visible_draft_and_text_or_404
from consult.extensions import db, htmx
from consult.votes.forms import VoteForm
from consult.votes.models import Choice
from consult.votes.permissions import can_vote
from consult.votes.queries import Tally, choices_of, tally
from consult.votes.services import cast_vote

bp = Blueprint("votes", __name__)

VOTE_TEMPLATE = "votes/vote_box.html"


@dataclass(frozen=True)
class VoteWords:
    """What every vote box of a page shares: the URL and the translated words (formats unfilled).

    Attributes, not dict keys: a template reads them for each of 200 boxes, and Jinja looks a
    name up as an attribute first (for a dict, a raised and caught AttributeError each time)."""

    url: str
    names: dict[str, str]
    tally_word: str
    turnout: str
    question: str
    whole: str


def vote_words(draft: Draft | DraftState) -> VoteWords:
    """The shared words of the vote boxes of `draft`, in the request's language."""
    return VoteWords(url=url_for("votes.cast", slug=draft.slug), names=labels("vote"), tally_word=_("Tally:"),
                     turnout=_("%(voted)d of %(entitled)d organisations voted"), question=_("Vote on § %(num)d"),
                     whole=_("Vote on the whole draft"))


def vote_context(draft: Draft | DraftState, paragraph_id: int | None, position: int | None, tally: Tally,
                 choice: str | None, can_vote: bool, error: str | None = None,
                 focus_choice: str | None = None) -> dict:
    """What votes/vote_box.html needs for one question."""
    vb = vote_words(draft)
    return {"key": paragraph_id or "whole", "tally": tally, "choice": choice, "can_vote": can_vote,
            "question": vb.question % {"num": position} if position else vb.whole, "vb": vb,
            "error": error, "focus_choice": focus_choice, "oob": False}


@bp.route("/drafts/<slug>/votes", methods=["POST"])
@signed_in
@identity_only
def cast(slug: str):
    """Cast (or change) the organisation's vote; htmx gets the updated box, a plain form a redirect."""
    user = current_user._get_current_object()  # once: each use of the proxy looks the person up again
    form = VoteForm()
    valid = form.validate_on_submit()
    paragraph_id, choice = form.question_and_choice() if valid else (None, None)
    # The draft and the paragraph as it reads in the current version: one query.
    draft, text = visible_draft_and_text_or_404(slug, paragraph_id, user)
    if not valid:
        abort(400)
    position = text.position if text else None
    now = clock.now()
    try:
        # The page's one plain vote form has one key for all its questions: a key per question.
        outcome = create_once(user, form, "vote", lambda: cast_vote(user, draft, paragraph_id, Choice(choice), now,
                                                                    text=text), scope=str(paragraph_id or "whole"))
    except Refusal as refusal:
        db.session.rollback()
        if htmx:
            key = paragraph_id if text else None
            context = vote_context(draft, key, position, tally(draft.id, key),
                                   choices_of(user.organisation_id, draft.id, key).get(key),
                                   can_vote(user, draft, clock.now()), error=str(refusal.message))
            return render_block(VOTE_TEMPLATE, "vote_box", **context), refusal.status
        return render_template("votes/refused.html", draft=draft, position=position,
                               message=str(refusal.message)), refusal.status
    # Sent again (a double click, a retry): no second cast in the history; the answer shows the vote on record.
    on_record = outcome.result if not outcome.again else \
        choices_of(user.organisation_id, draft.id, paragraph_id).get(paragraph_id)
    if not htmx:
        db.session.commit()
        return redirect(url_for("reading.draft", slug=slug) + (f"#p{position}" if position else "#whole-draft"))
    # Read the new tally inside the transaction, then commit.
    context = vote_context(draft, paragraph_id, position, tally(draft.id, paragraph_id), on_record,
                           can_vote(user, draft, now), focus_choice=choice)
    db.session.commit()
    where = _("§ %(num)d", num=position) if position else _("the whole draft")
    message = _("Your organisation's vote on %(where)s: %(choice)s.", where=where, choice=labels("vote")[choice])
    return render_block(VOTE_TEMPLATE, "vote_box", **context) + render_template("_live.html", message=message)
