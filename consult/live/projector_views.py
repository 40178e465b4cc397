"""The projector: a full-screen page for the room that follows the chair (the current question with its text,
the countdown, how many of the organisations present have voted, and after closing the result as bars).

It names no people: the question, the counts and the result only. Who may open it: whoever may open the live
session's page (the office, and delegates of member organisations, e.g. a signed-in laptop at the venue)."""

from __future__ import annotations

from flask import render_template
from jinja2_fragments.flask import render_block

from consult.core import clock
from consult.core.access import signed_in
from consult.live import shown
from consult.live.queries import live_version
from consult.live.views import _page_reader, bp, state_response, state_tag


def _projector_context(user, draft, now, version) -> dict:
    """What the projector shows: the facts every screen shares (`consult.live.shown`, built once per state of
    the session); on a question that runs, the organisations present (checked in or represented by a proxy)
    and how many of them have voted on it in the session. Nothing of the person's own."""
    seen = shown.shown(draft, version, now)
    present, voted = shown.room_counts(draft, seen, version)
    return dict(
        draft=draft,
        live=seen.live,
        positions=seen.positions,
        current=shown.current_for(user, draft, seen, now, personal=False),
        present=present,
        voted=voted,
        vb=seen.vb,
        server_now=now,
    )


@bp.route("/drafts/<slug>/live/projector")
@signed_in
def projector(slug: str):
    user, draft, _chair = _page_reader(slug)
    now = clock.now()
    version = live_version(draft.id, now)
    return render_template(
        "live/projector.html",
        state_tag=state_tag(version, user, "projector"),
        **_projector_context(user, draft, now, version),
    )


@bp.route("/drafts/<slug>/live/projector/state")
@signed_in
def projector_state(slug: str):
    """The projector's block alone, with an ETag as `consult.live.views.state` (304 while nothing changed)."""
    user, draft, _chair = _page_reader(slug)
    now = clock.now()
    version = live_version(draft.id, now)
    return state_response(
        state_tag(version, user, "projector"),
        lambda: render_block("live/projector.html", "screen", **_projector_context(user, draft, now, version)),
    )
