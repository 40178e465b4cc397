"""The projector: a full-screen page for the room that follows the chair (the current question with its text,
the countdown, how many of the organisations present have voted, and after closing the result as bars).

It names no people: the question, the counts and the result only. Who may open it: whoever may open the live
session's page (the office, and delegates of member organisations, e.g. a signed-in laptop at the venue)."""
from __future__ import annotations

from flask import render_template
from jinja2_fragments.flask import render_block

from consult.core import clock
from consult.core.access import signed_in
from consult.live import screens
from consult.live.queries import active_session, open_item
from consult.live.views import _current, _labels, _page_reader, bp, state_tag, state_response
from consult.votes.views import vote_words


def _projector_context(user, draft, now) -> dict:
    """What the projector shows; on a question that runs, the organisations present (checked in or represented
    by a proxy) and how many of them have voted on it in the session."""
    live = active_session(draft.id)
    positions = _labels(draft)
    current = _current(user, draft, open_item(live), positions, now, live) if live else None
    present = voted = None
    if current is not None:
        in_room = screens.present_organisations(live.id)
        present, voted = len(in_room), screens.voted_in_room(draft.id, current["item"], in_room)
    return dict(draft=draft, live=live, positions=positions, current=current, present=present, voted=voted,
                vb=vote_words(draft), server_now=now)


@bp.route("/drafts/<slug>/live/projector")
@signed_in
def projector(slug: str):
    user, draft, _chair = _page_reader(slug)
    now = clock.now()
    return render_template("live/projector.html", state_tag=state_tag(draft.id, user, now, "projector"),
                           **_projector_context(user, draft, now))


@bp.route("/drafts/<slug>/live/projector/state")
@signed_in
def projector_state(slug: str):
    """The projector's block alone, with an ETag as `consult.live.views.state` (304 while nothing changed)."""
    user, draft, _chair = _page_reader(slug)
    now = clock.now()
    return state_response(state_tag(draft.id, user, now, "projector"),
                          lambda: render_block("live/projector.html", "screen", **_projector_context(user, draft, now)))
