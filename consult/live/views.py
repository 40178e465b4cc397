"""The live session's pages: the chair's (agenda, current question, quorum, check-in list) and the delegate's
(check-in and the open question with its vote box), on one URL; the confirmation of the start."""

from __future__ import annotations

import hashlib

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from jinja2_fragments.flask import render_block

from consult.accounts.auth import identity_only
from consult.accounts.forms import EmptyForm
from consult.accounts.permissions import speaks_for_member_organisation
from consult.core import clock
from consult.core.access import signed_in
from consult.core.i18n import gettext as _
from consult.core.inputs import database_id
from consult.core.refusals import Refusal
from consult.drafts.models import Draft, Phase
from consult.drafts.permissions import can_view_draft, phase_is_open
from consult.drafts.queries import DraftState
from consult.drafts.services import current_version, get_by_slug
from consult.extensions import db
from consult.live import services, shown
from consult.live.forms import CheckInForm, MoveForm, OpenForm, PaperForm, QuorumForm, ReopenForm
from consult.live.models import AgendaItem, LiveSession
from consult.live.paper import paper_panel
from consult.live.permissions import can_chair
from consult.live.proxy_queries import proxy_context
from consult.live.queries import (
    active_session,
    agenda_starts,
    check_ins,
    live_state,
    live_version,
    member_organisations,
    open_item,
    quorum,
)
from consult.organisations.models import Organisation
from consult.votes.views import vote_words

bp = Blueprint("live", __name__)


def _draft_or_404(slug: str) -> Draft:
    draft = get_by_slug(slug)
    if draft is None or not can_view_draft(current_user, draft):
        abort(404)
    return draft


def _session_and_item_or_404(draft: Draft, item_id: int) -> tuple[LiveSession, AgendaItem]:
    session = active_session(draft.id)
    item = db.session.get(AgendaItem, item_id)
    if session is None or item is None or item.session_id != session.id:
        abort(404)
    return session, item


def _back(draft: Draft):
    return redirect(url_for("live.session", slug=draft.slug))


def _done(draft: Draft, action):
    """Run one service; commit and go back to the page, or roll back and show the refusal there."""
    try:
        action()
    except Refusal as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return _back(draft)
    db.session.commit()
    return _back(draft)


def _labels(draft: Draft) -> dict[int, int]:
    version = current_version(draft)
    return {text.paragraph_id: text.position for text in version.texts} if version else {}


def _page_reader(slug: str):
    """The person, the draft and whether they chair: 404 for a draft they may not see, 403 for anybody who
    neither chairs nor speaks for a member organisation."""
    user = current_user._get_current_object()
    draft = _draft_or_404(slug)
    return user, draft, _chair_or_403(user)


def _chair_or_403(user) -> bool:
    """Whether the person chairs; 403 unless they do or speak for a member organisation."""
    chair = can_chair(user)
    if not chair and not speaks_for_member_organisation(user):
        abort(403)
    return chair


def _state_context(user, draft: Draft | DraftState, chair: bool, now, version: tuple | None) -> dict:
    """What the block `current` alone shows (the polled state), built from the facts shared by everybody
    (`consult.live.shown`, once per state of the session) and the person's own (their organisation's choice,
    whether they may vote, their proxy boxes)."""
    seen = shown.shown(draft, version if version is not None else live_version(draft.id, now), now)
    return dict(
        draft=draft,
        chair=chair,
        positions=seen.positions,
        current=shown.current_for(user, draft, seen, now),
        vb=seen.vb,
        proxies=shown.proxies_for(user, draft, seen, chair, now),
        server_now=now,
    )


def _session_context(user, draft: Draft, chair: bool, now, version: tuple | None = None) -> dict:
    """What the session page shows, its block `current` from the same shared facts as `_state_context`."""
    seen = shown.shown(draft, version if version is not None else live_version(draft.id, now), now)
    current = shown.current_for(user, draft, seen, now)
    live = active_session(draft.id)
    whole = chair and live is not None
    positions = _labels(draft)
    present = check_ins(live.id) if live else {}
    return dict(
        draft=draft,
        live=live,
        chair=chair,
        positions=positions,
        present=present,
        server_now=now,
        quorum=quorum(draft, live.id if live else None),
        organisations=member_organisations() if chair else [],
        current=current,
        can_start=chair and live is None and phase_is_open(draft, Phase.VOTING, now),
        vb=vote_words(draft),
        form=EmptyForm(),
        open_form=OpenForm(),
        reopen_form=ReopenForm(),
        quorum_form=QuorumForm(
            data={
                "number": draft.live_quorum,
                "is_share": draft.live_quorum_is_share,
                "proxy_limit": draft.live_proxy_limit,
            }
        ),
        proxies=proxy_context(user, draft, live, open_item(live) if live else None, chair, now),
        paper=paper_panel(live, open_item(live)) if chair and live is not None else None,
        paper_form=PaperForm(formdata=None),
        paper_error=None,
        starts=agenda_starts(draft) if whole else {},
    )


@bp.route("/drafts/<slug>/live")
@signed_in
def session(slug: str):
    """The chair's page for the office, the delegate's page for delegates of member organisations."""
    user, draft, chair = _page_reader(slug)
    now = clock.now()
    version = live_version(draft.id, now)
    return render_template(
        "live/session.html",
        state_tag=state_tag(version, user, "phone"),
        **_session_context(user, draft, chair, now, version=version),
    )


@bp.route("/drafts/<slug>/live/state")
@signed_in
@identity_only
def state(slug: str):
    """The current question alone (the block `current` of the session page), for pages that follow the chair.

    Its ETag names everything it shows (`consult.live.queries.live_version`, the person, the language): while
    nothing changed, the answer is `304 Not Modified` after one query for the person, one for the draft and
    its state (`live_state`). Else the block is rendered from the facts shared by everybody (built once per
    process for each state, see `consult.live.shown`) and the person's own: one query more (their
    organisation's choice). The most frequent request of a conference day: 300 phones poll it every second,
    so the person is an `Identity` and the draft a `DraftState` (rows, not objects)."""
    user = current_user._get_current_object()
    now = clock.now()
    found = live_state(slug, now)
    if found is None or not can_view_draft(user, found[0]):
        abort(404)
    draft, version = found
    chair = _chair_or_403(user)
    return state_response(
        state_tag(version, user, "phone"),
        lambda: render_block("live/session.html", "current", **_state_context(user, draft, chair, now, version)),
    )


def state_tag(version: tuple | None, user, screen: str) -> str:
    """The ETag of a screen's state block: everything it shows (`version`: `live_version(draft_id, now)`), the
    person, the language and which screen. The full page carries it too (`data-etag`), so that its first poll
    is not swapped in."""
    return hashlib.sha1(repr((version, user.id, str(get_locale()), screen)).encode()).hexdigest()


def state_response(tag: str, render):
    """`304 Not Modified` when the browser has the block of `tag`, else the block `render()` makes."""
    response = make_response("", 304) if request.if_none_match.contains_weak(tag) else make_response(render())
    response.set_etag(tag)
    # The browser keeps the answer and asks again each time (If-None-Match): private, revalidated on each use.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/drafts/<slug>/live/start", methods=["GET", "POST"])
@signed_in
def start(slug: str):
    """Confirm, then start the live session: the online voting of the phase ends."""
    user, draft = _chaired_draft(slug)
    form = EmptyForm()
    if not form.validate_on_submit():
        return render_template("live/start.html", draft=draft, form=form)
    return _done(draft, lambda: services.start_session(user, draft, clock.now()))


def _chaired_draft(slug: str):
    """The person and the draft, for the chair's actions: 404 for a draft they may not see, 403 unless they
    chair (board or moderators)."""
    user = current_user._get_current_object()
    draft = _draft_or_404(slug)
    if not can_chair(user):
        abort(403)
    return user, draft


def _chair_item(slug: str, item_id: int, form_class):
    user, draft = _chaired_draft(slug)
    live, item = _session_and_item_or_404(draft, item_id)
    form = form_class()
    return user, draft, live, item, form


@bp.route("/drafts/<slug>/live/items/<int:item_id>/move", methods=["POST"])
@signed_in
def move(slug: str, item_id: int):
    user, draft, live, item, form = _chair_item(slug, item_id, MoveForm)
    if not form.validate_on_submit():
        abort(400)
    return _done(draft, lambda: services.move_item(user, draft, live, item, form.direction.data == "up", clock.now()))


@bp.route("/drafts/<slug>/live/items/<int:item_id>/open", methods=["POST"])
@signed_in
def open_(slug: str, item_id: int):
    user, draft, live, item, form = _chair_item(slug, item_id, OpenForm)
    if not form.validate_on_submit():
        flash(_("A countdown is between 1 and 120 minutes."), "error")
        return _back(draft)
    return _done(draft, lambda: services.open_question(user, draft, live, item, clock.now(), form.countdown.data))


@bp.route("/drafts/<slug>/live/items/<int:item_id>/close", methods=["POST"])
@signed_in
def close(slug: str, item_id: int):
    user, draft, live, item, form = _chair_item(slug, item_id, EmptyForm)
    if not form.validate_on_submit():
        abort(400)
    return _done(draft, lambda: services.close_question(user, draft, live, item, clock.now()))


@bp.route("/drafts/<slug>/live/items/<int:item_id>/reopen", methods=["POST"])
@signed_in
def reopen(slug: str, item_id: int):
    user, draft, live, item, form = _chair_item(slug, item_id, ReopenForm)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return _back(draft)
    return _done(draft, lambda: services.reopen_question(user, draft, live, item, form.reason.data, clock.now()))


@bp.route("/drafts/<slug>/live/check-in", methods=["POST"])
@signed_in
def check_in(slug: str):
    """A delegate confirms their organisation's presence; the office ticks an organisation of the list."""
    user = current_user._get_current_object()
    draft = _draft_or_404(slug)
    form = CheckInForm()
    if not form.validate_on_submit():
        abort(400)
    live = active_session(draft.id)
    if live is None:
        abort(404)
    raw = form.organisation_id.data
    organisation_id = database_id(raw) if raw else user.organisation_id
    organisation = db.session.get(Organisation, organisation_id) if organisation_id is not None else None
    if organisation is None:
        abort(404)
    return _done(draft, lambda: services.check_in(user, live, organisation, clock.now()))


@bp.route("/drafts/<slug>/live/check-out", methods=["POST"])
@signed_in
def check_out(slug: str):
    """The office undoes an organisation's check-in ("Abmelden"), while no question is open."""
    user, draft = _chaired_draft(slug)
    form = CheckInForm()
    if not form.validate_on_submit():
        abort(400)
    live = active_session(draft.id)
    organisation_id = database_id(form.organisation_id.data)
    organisation = db.session.get(Organisation, organisation_id) if organisation_id is not None else None
    if live is None or organisation is None:
        abort(404)
    return _done(draft, lambda: services.check_out(user, draft, live, organisation, clock.now()))


@bp.route("/drafts/<slug>/live/quorum", methods=["POST"])
@signed_in
def set_quorum(slug: str):
    user, draft = _chaired_draft(slug)
    form = QuorumForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Please check the form."), "error")
        return _back(draft)
    return _done(
        draft,
        lambda: services.set_quorum(
            user, draft, form.number.data, form.is_share.data, clock.now(), proxy_limit=form.proxy_limit.data
        ),
    )


# The projector's routes, the proxies' and the office's paper ballots and conflicts: their routes join this
# blueprint, so they are imported once it exists.
from consult.live import paper_views, projector_views, proxy_views  # noqa: E402, F401  (their routes, see above)
