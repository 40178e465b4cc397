"""The live session's pages: the chair's (agenda, current question, quorum, check-in list) and the delegate's
(check-in and the open question with its vote box), on one URL; the confirmation of the start."""
from __future__ import annotations

import hashlib

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from jinja2_fragments.flask import render_block

from consult.accounts.forms import EmptyForm
from consult.accounts.permissions import speaks_for_member_organisation
from consult.amendments.models import Amendment
from consult.core import clock
from consult.core.inputs import database_id
from consult.core.access import signed_in
from consult.core.i18n import gettext as _
from consult.core.refusals import Refusal
from consult.drafts.models import Draft, Phase
from consult.drafts.permissions import can_view_draft, phase_is_open
from consult.drafts.services import current_text, current_version, get_by_slug
from consult.extensions import db
from consult.live import screens, services
from consult.live.forms import CheckInForm, MoveForm, OpenForm, PaperForm, QuorumForm, ReopenForm
from consult.live.models import AgendaItem, LiveSession
from consult.live.paper import paper_panel
from consult.live.permissions import can_chair
from consult.live.proxy_queries import proxy_context
from consult.live.queries import (active_session, agenda_starts, check_ins, live_version, member_organisations,
                                  open_item, quorum)
from consult.organisations.models import Organisation
from consult.votes.permissions import can_vote_on_question
from consult.votes.queries import amendment_choices_of, choices_of, tally
from consult.votes.views import vote_context, vote_words

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


def _current(user, draft: Draft, item: AgendaItem | None, positions: dict[int, int], now,
             live: LiveSession | None = None) -> dict | None:
    """The question the screens show (`consult.live.screens`): the running one with the organisation's vote
    box (for a delegate) and its tally (`state` "open"), or else the one closed last with its result
    ("closed": the tally as bars, whether it is carried, the organisation's choice); None before any."""
    live = live or active_session(draft.id)
    if live is None:
        return None
    item = item if screens.running(item, now) else screens.last_closed(live, now)
    if item is None:
        return None
    paragraph_id, amendment_id = item.paragraph_id, item.amendment_id
    text = current_text(draft, paragraph_id) if paragraph_id is not None else None
    amendment = db.session.get(Amendment, amendment_id) if amendment_id is not None else None
    organisation_id = getattr(user, "organisation_id", None)
    if amendment_id is not None:
        choice = amendment_choices_of(organisation_id, draft.id, amendment_id).get(amendment_id)
    else:
        choice = choices_of(organisation_id, draft.id, paragraph_id).get(paragraph_id)
    box = vote_context(draft, paragraph_id, positions.get(paragraph_id), tally(draft.id, paragraph_id, amendment_id),
                       choice, can_vote_on_question(user, draft, paragraph_id, amendment_id, now),
                       amendment_id=amendment_id)
    shown = {"item": item, "text": text, "amendment": amendment, "box": box,
             "state": "open" if screens.running(item, now) else "closed"}
    if shown["state"] == "closed":
        shown.update(bars=screens.bars(box["tally"]), carried=screens.carried(draft, box["tally"]))
    return shown


def _page_reader(slug: str):
    """The person, the draft and whether they chair: 404 for a draft they may not see, 403 for anybody who
    neither chairs nor speaks for a member organisation."""
    user = current_user._get_current_object()
    draft = _draft_or_404(slug)
    chair = can_chair(user)
    if not chair and not speaks_for_member_organisation(user):
        abort(403)
    return user, draft, chair


def _session_context(user, draft: Draft, chair: bool, now, page: bool = True) -> dict:
    """What the session page shows; without `page` (the block `current` alone, polled) not the chair's paper
    ballots, conflicts and agenda texts, which that block does not show."""
    live = active_session(draft.id)
    whole = chair and live is not None and page
    positions = _labels(draft)
    present = check_ins(live.id) if live else {}
    return dict(
        draft=draft, live=live, chair=chair, positions=positions, present=present, server_now=now,
        quorum=quorum(draft, live.id if live else None), organisations=member_organisations() if chair else [],
        current=_current(user, draft, open_item(live), positions, now, live) if live else None,
        can_start=chair and live is None and phase_is_open(draft, Phase.VOTING, now),
        vb=vote_words(draft), form=EmptyForm(), open_form=OpenForm(), reopen_form=ReopenForm(),
        quorum_form=QuorumForm(data={"number": draft.live_quorum, "is_share": draft.live_quorum_is_share,
                                     "proxy_limit": draft.live_proxy_limit}),
        proxies=proxy_context(user, draft, live, open_item(live) if live else None, chair, now),
        paper=paper_panel(live, open_item(live)) if whole else None, paper_form=PaperForm(formdata=None),
        paper_error=None, starts=agenda_starts(draft) if whole else {})


@bp.route("/drafts/<slug>/live")
@signed_in
def session(slug: str):
    """The chair's page for the office, the delegate's page for delegates of member organisations."""
    user, draft, chair = _page_reader(slug)
    now = clock.now()
    return render_template("live/session.html", state_tag=state_tag(draft.id, user, now, "phone"),
                           **_session_context(user, draft, chair, now))


@bp.route("/drafts/<slug>/live/state")
@signed_in
def state(slug: str):
    """The current question alone (the block `current` of the session page), for pages that follow the chair.

    Its ETag names everything it shows (`consult.live.queries.live_version`, the person, the language): while
    nothing changed, the answer is `304 Not Modified` after one query for the draft, one for the state."""
    user, draft, chair = _page_reader(slug)
    now = clock.now()
    return state_response(state_tag(draft.id, user, now, "phone"),
                          lambda: render_block("live/session.html", "current",
                                               **_session_context(user, draft, chair, now, page=False)))


def state_tag(draft_id: int, user, now, screen: str) -> str:
    """The ETag of a screen's state block: everything it shows (`live_version`), the person, the language and
    which screen. The full page carries it too (`data-etag`), so that its first poll is not swapped in."""
    return hashlib.sha1(repr((live_version(draft_id, now), user.id, str(get_locale()), screen)).encode()).hexdigest()


def state_response(tag: str, render):
    """`304 Not Modified` when the browser has the block of `tag`, else the block `render()` makes."""
    response = make_response("", 304) if request.if_none_match.contains(tag) else make_response(render())
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
    return _done(draft, lambda: services.set_quorum(user, draft, form.number.data, form.is_share.data, clock.now(),
                                                    proxy_limit=form.proxy_limit.data))


from consult.live import projector_views  # noqa: E402,F401  (the projector's routes, on this blueprint)
from consult.live import proxy_views  # noqa: E402,F401  (its routes join the blueprint)
from consult.live import paper_views  # noqa: E402,F401  (the office's paper ballots and conflicts)
