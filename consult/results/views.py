"""The results page of a draft: in and after its voting phase, the figures of every question,
whether the majority rule is met, who voted how and (for the office) who has not voted yet."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import format_percent
from flask_login import current_user

from consult.amendments.queries import amendment_round, any_voted_on
from consult.core import clock
from consult.core.access import public
from consult.drafts.models import Draft, Phase
from consult.drafts.permissions import STAFF_ROLES, can_view_draft, phase_is_open
from consult.drafts.services import visible_draft_or_404
from consult.results.queries import results

bp = Blueprint("results", __name__)

RESULTS_PHASES = (Phase.VOTING, Phase.ADOPTED, Phase.ARCHIVED)


def can_view_results(user, draft: Draft) -> bool:
    """Whoever sees the draft, from its voting phase on (voting, adopted, archived), and where the
    organisations vote on amendments, from that vote on (it is followed by editing the next version).
    The votes of organisations are public in the federation, so this includes who voted how."""
    return can_view_draft(user, draft) and (draft.phase in RESULTS_PHASES or any_voted_on(draft.id))


def shows_text_questions(draft: Draft) -> bool:
    """The paragraphs and the whole draft are questions in the voting phase once no amendment is put to
    the vote any more, and after it (adopted, archived)."""
    return draft.phase in RESULTS_PHASES and not amendment_round(draft.id)


def can_see_missing_voters(user) -> bool:
    """Board, moderators and admins see which entitled organisations have not voted yet:
    the office reminds them before the deadline. Nobody else sees the list."""
    return user.has_role(*STAFF_ROLES)


@bp.route("/drafts/<slug>/results")
@public
def show(slug: str):
    """The results of a draft: the whole draft first, then each paragraph put to the vote.

    404 for a draft this person may not see, and before the voting phase (staff, who see the
    draft then, get a page saying so with 409 instead)."""
    draft = visible_draft_or_404(slug, current_user)
    headers = {"Cache-Control": "private, no-store"} if current_user.is_authenticated else {}
    if not can_view_results(current_user, draft):
        if current_user.has_role(*STAFF_ROLES):  # they see the draft in every phase: say why there is nothing
            return render_template("results/not_yet.html", draft=draft), 409, headers
        abort(404)
    context = {
        "draft": draft,
        "results": results(draft),
        "show_missing": can_see_missing_voters(current_user),
        "voting_open": phase_is_open(draft, Phase.VOTING, clock.now()),
        "percent": format_percent,
        "text_questions": shows_text_questions(draft),
    }
    return render_template("results/results.html", **context), 200, headers
