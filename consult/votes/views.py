"""Casting the organisation's vote on a paragraph, on the whole draft or on an amendment put to the vote."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from consult.accounts.auth import identity_only
from consult.amendments.models import Amendment, AmendmentStatus, DecidedHow, LapseReason
from consult.amendments.permissions import can_see_amendment
from consult.core import clock
from consult.core.access import public, signed_in
from consult.core.announce import announce
from consult.core.i18n import gettext as _
from consult.core.once import create_once
from consult.core.refusals import Refusal
from consult.core.templating import labels
from consult.drafts.models import Draft
from consult.drafts.permissions import can_view_draft
from consult.drafts.queries import DraftState, visible_draft_and_text_or_404
from consult.extensions import db, htmx
from consult.reading.ranges import paragraph_url
from consult.votes.forms import VoteForm
from consult.votes.models import Choice
from consult.votes.permissions import can_vote, can_vote_on_amendment
from consult.votes.queries import Tally, amendment_choices_of, choices_of, feed_state, tally, tally_etag, tally_sheet
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
    amendment: str


def vote_words(draft: Draft | DraftState) -> VoteWords:
    """The shared words of the vote boxes of `draft`, in the request's language."""
    return VoteWords(
        url=url_for("votes.cast", slug=draft.slug),
        names=labels("vote"),
        tally_word=_("Tally:"),
        turnout=_("%(voted)d of %(entitled)d organisations voted"),
        question=_("Vote on § %(num)d"),
        whole=_("Vote on the whole draft"),
        amendment=_("Vote on amendment %(num)d"),
    )


def vote_context(
    draft: Draft | DraftState,
    paragraph_id: int | None,
    position: int | None,
    tally: Tally,
    choice: str | None,
    can_vote: bool,
    error: str | None = None,
    focus_choice: str | None = None,
    amendment_id: int | None = None,
) -> dict:
    """What votes/vote_box.html needs for one question (with `amendment_id`: that amendment's)."""
    vb = vote_words(draft)
    key: int | str
    if amendment_id is not None:
        key, question = f"a{amendment_id}", vb.amendment % {"num": amendment_id}
    else:
        key, question = paragraph_id or "whole", vb.question % {"num": position} if position else vb.whole
    return {
        "key": key,
        "tally": tally,
        "choice": choice,
        "can_vote": can_vote,
        "question": question,
        "vb": vb,
        "error": error,
        "focus_choice": focus_choice,
        "oob": False,
    }


def amendment_vote_context(user, draft: Draft, amendment: Amendment, now) -> dict:
    """What amendments/_vote.html needs on the amendment's page: its vote box when it is a question of the
    organisations' vote (put to the vote, or decided by it), else nothing (`amendment_vote` None). Two queries
    then, none otherwise."""
    if (
        amendment.status != AmendmentStatus.PUT_TO_VOTE
        and amendment.decided_how != DecidedHow.VOTE
        and amendment.lapse_reason != LapseReason.ALTERNATIVE
    ):
        return {"amendment_vote": None}
    choice = amendment_choices_of(user.organisation_id, draft.id, amendment.id).get(amendment.id)
    return {
        "amendment_vote": vote_context(
            draft,
            None,
            None,
            tally(draft.id, None, amendment.id),
            choice,
            can_vote_on_amendment(user, draft, amendment, now),
            amendment_id=amendment.id,
        )
    }


def _amendment_of_draft_or_404(user, draft: DraftState, amendment_id: int) -> Amendment:
    """The amendment, if it is one of this draft's and the person may see it (else 404, as on its page)."""
    amendment = db.session.get(Amendment, amendment_id)
    if amendment is None or amendment.draft_id != draft.id or not can_see_amendment(user, amendment):
        abort(404)
    return amendment


def _back(slug: str, form: VoteForm, position: int | None, amendment_id: int | None) -> str:
    """Where a plain vote goes back to: the question on the page the form was on (fixed targets)."""
    if form.back.data == "live":
        return url_for("live.session", slug=slug) + "#current-question"
    if amendment_id is not None:
        if form.back.data == "amendment":
            return url_for("amendments.show", slug=slug, amendment_id=amendment_id) + f"#vote-a{amendment_id}"
        return url_for("reading.draft", slug=slug) + f"#vote-a{amendment_id}"
    if position:
        return paragraph_url(slug, position)  # the § range that holds it, on a long draft
    return url_for("reading.draft", slug=slug) + "#whole-draft"


@bp.route("/drafts/<slug>/tallies")
@public
@identity_only
def tallies(slug: str):
    """Every question's tally of the draft as JSON, for the pages that show its vote boxes and poll for other
    organisations' votes (static/js/consult.js). Whoever may see the draft may see its tallies (as on its page).

    The ETag names the tally revision (every vote raises it) and who counts; `If-None-Match` with it is
    `304 Not Modified` after one query. The body is counted once per process and revision (`tally_sheet`) and
    kept as bytes, so a 200 after a vote costs one more query in the first request of each process."""
    state = feed_state(slug)
    if state is None or not can_view_draft(current_user, state):
        abort(404)
    etag = tally_etag(state.id, state.tally_revision, state.entitled)
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
    else:
        response = make_response(_feed_body(state), 200, {"Content-Type": "application/json"})
    response.set_etag(etag)
    # The browser keeps the answer and asks again each time (If-None-Match): private, revalidated on each use.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _feed_body(state) -> bytes:
    """The JSON of the draft's tally sheet at the state's revision, encoded once per process and revision."""
    sheet = tally_sheet(state.id, state.tally_revision, state.entitled)
    bodies = current_app.extensions.setdefault("consult_tally_bodies", {})
    known = bodies.get(state.id)
    if known is None or known[0] is not sheet:
        known = bodies[state.id] = (sheet, json.dumps(sheet.as_json(), separators=(",", ":")).encode())
    return known[1]


@bp.route("/drafts/<slug>/votes", methods=["POST"])
@signed_in
@identity_only
def cast(slug: str):
    """Cast (or change) the organisation's vote on a paragraph, the whole draft or an amendment put to the vote;
    htmx gets the updated box and a message for the live region, a plain form a redirect back."""
    user = current_user._get_current_object()  # once: each use of the proxy looks the person up again
    form = VoteForm()
    valid = form.validate_on_submit()
    paragraph_id, amendment_id, choice = form.question() if valid else (None, None, "")  # "": refused below
    # The draft and the paragraph as it reads in the current version: one query.
    draft, text = visible_draft_and_text_or_404(slug, paragraph_id, user)
    if not valid:
        abort(400)
    amendment = _amendment_of_draft_or_404(user, draft, amendment_id) if amendment_id is not None else None
    position = text.position if text else None
    now = clock.now()
    scope = f"a{amendment_id}" if amendment is not None else str(paragraph_id or "whole")
    try:
        # The page's one plain vote form has one key for all its questions: a key per question.
        outcome = create_once(
            user,
            form,
            "vote",
            lambda: cast_vote(user, draft, paragraph_id, Choice(choice), now, text=text, amendment=amendment),
            scope=scope,
        )
    except Refusal as refusal:
        db.session.rollback()
        if htmx:
            if amendment is not None:
                context = vote_context(
                    draft,
                    None,
                    None,
                    tally(draft.id, None, amendment_id),
                    amendment_choices_of(user.organisation_id, draft.id, amendment.id).get(amendment.id),
                    can_vote_on_amendment(user, draft, amendment, clock.now()),
                    error=str(refusal.message),
                    amendment_id=amendment_id,
                    focus_choice=choice,
                )
            else:
                key = paragraph_id if text else None
                context = vote_context(
                    draft,
                    key,
                    position,
                    tally(draft.id, key),
                    choices_of(user.organisation_id, draft.id, key).get(key),
                    can_vote(user, draft, clock.now()),
                    error=str(refusal.message),
                    focus_choice=choice,
                )
            return render_block(VOTE_TEMPLATE, "vote_box", **context), refusal.status
        back_label = (
            _("Back to the live session")
            if form.back.data == "live"
            else _("Back to the amendment")
            if amendment is not None and form.back.data == "amendment"
            else _("Back to the draft")
        )
        return render_template(
            "votes/refused.html",
            draft=draft,
            back_url=_back(slug, form, position, amendment_id),
            back_label=back_label,
            message=str(refusal.message),
        ), refusal.status
    # Sent again (a double click, a retry): no second cast in the history; the answer shows the vote on record.
    if not outcome.again:
        assert isinstance(outcome.result, Choice), "cast_vote returns the choice on record"
        on_record: str | None = outcome.result
    elif amendment is not None:
        on_record = amendment_choices_of(user.organisation_id, draft.id, amendment.id).get(amendment.id)
    else:
        on_record = choices_of(user.organisation_id, draft.id, paragraph_id).get(paragraph_id)
    if not htmx:
        db.session.commit()
        return redirect(_back(slug, form, position, amendment_id))
    # Read the new tally inside the transaction, then commit.
    if amendment is not None:
        context = vote_context(
            draft,
            None,
            None,
            tally(draft.id, None, amendment_id),
            on_record,
            can_vote_on_amendment(user, draft, amendment, now),
            focus_choice=choice,
            amendment_id=amendment_id,
        )
        where = _("amendment %(num)d", num=amendment_id)
    else:
        context = vote_context(
            draft,
            paragraph_id,
            position,
            tally(draft.id, paragraph_id),
            on_record,
            can_vote(user, draft, now),
            focus_choice=choice,
        )
        where = _("§ %(num)d", num=position) if position else _("the whole draft")
    db.session.commit()
    message = _("Your organisation's vote on %(where)s: %(choice)s.", where=where, choice=labels("vote")[choice])
    return render_block(VOTE_TEMPLATE, "vote_box", **context), 200, announce(message)
