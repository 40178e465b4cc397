"""The proxies' routes on the live blueprint: a delegate hands over the organisation's vote or withdraws it,
the office confirms or withdraws, and the holder's delegate votes for the giving organisation."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from consult.accounts.forms import EmptyForm
from consult.accounts.permissions import speaks_for_member_organisation
from consult.core import clock
from consult.core.access import signed_in
from consult.core.i18n import gettext as _
from consult.core.inputs import database_id
from consult.core.refusals import Refusal
from consult.extensions import db
from consult.live import proxies
from consult.live.forms import ProxyForm, ProxyVoteForm
from consult.live.models import Proxy
from consult.live.permissions import can_chair
from consult.live.queries import active_session
from consult.live.views import _done, _draft_or_404, bp
from consult.organisations.models import Organisation
from consult.votes.models import Choice
from consult.votes.proxy import cast_by_proxy


def _live_or_404(draft):
    live = active_session(draft.id)
    if live is None:
        abort(404)
    return live


def _proxy_or_404(live, proxy_id: int) -> Proxy:
    proxy = db.session.get(Proxy, proxy_id)
    if proxy is None or proxy.session_id != live.id:
        abort(404)
    return proxy


@bp.route("/drafts/<slug>/live/proxies", methods=["POST"])
@signed_in
def grant_proxy(slug: str):
    """A delegate hands their organisation's vote for the session to another member organisation."""
    user = current_user._get_current_object()
    draft = _draft_or_404(slug)
    live = _live_or_404(draft)
    if not speaks_for_member_organisation(user):
        abort(403)
    form = ProxyForm()
    if not form.validate_on_submit():
        abort(400)
    holder_id = database_id(form.holder_id.data)
    holder = db.session.get(Organisation, holder_id) if holder_id is not None else None
    return _done(draft, lambda: proxies.grant_proxy(user, draft, live, holder, clock.now()))


@bp.route("/drafts/<slug>/live/proxies/<int:proxy_id>/confirm", methods=["POST"])
@signed_in
def confirm_proxy(slug: str, proxy_id: int):
    """The office confirms a proxy: from now on the holder's delegates vote for the giver."""
    user = current_user._get_current_object()
    draft = _draft_or_404(slug)
    proxy = _proxy_or_404(live := _live_or_404(draft), proxy_id)
    if not can_chair(user):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _done(draft, lambda: proxies.confirm_proxy(user, draft, live, proxy, clock.now()))


@bp.route("/drafts/<slug>/live/proxies/<int:proxy_id>/withdraw", methods=["POST"])
@signed_in
def withdraw_proxy(slug: str, proxy_id: int):
    """The giver's delegate or the office withdraws a proxy (one in force only while no question is open)."""
    user = current_user._get_current_object()
    draft = _draft_or_404(slug)
    proxy = _proxy_or_404(live := _live_or_404(draft), proxy_id)
    if not proxies.can_withdraw(user, proxy):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _done(draft, lambda: proxies.withdraw_proxy(user, draft, live, proxy, clock.now()))


@bp.route("/drafts/<slug>/live/proxy-votes", methods=["POST"])
@signed_in
def cast(slug: str):
    """The holder's delegate casts the giving organisation's vote on the open question; back to the live page,
    or the refusal with its status and a way back."""
    user = current_user._get_current_object()
    draft = _draft_or_404(slug)
    if not speaks_for_member_organisation(user):
        abort(403)
    form = ProxyVoteForm()
    if not form.validate_on_submit():
        abort(400)
    key, choice = form.vote.data.split(":")
    paragraph_id, amendment_id = (
        (None, database_id(key[1:])) if key.startswith("a") else (None if key == "whole" else database_id(key), None)
    )
    giver_id = database_id(form.organisation_id.data)
    if giver_id is None or (key != "whole" and paragraph_id is None and amendment_id is None):
        abort(404)
    back = url_for("live.session", slug=slug) + "#current-question"
    try:
        cast_by_proxy(user, draft, paragraph_id, amendment_id, giver_id, Choice(choice), clock.now())
    except Refusal as refusal:
        db.session.rollback()
        return render_template(
            "votes/refused.html",
            draft=draft,
            back_url=back,
            back_label=_("Back to the live session"),
            message=str(refusal.message),
        ), refusal.status
    db.session.commit()
    return redirect(back)
