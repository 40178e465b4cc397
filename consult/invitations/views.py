"""Invitation pages: the list with the invite form and the CSV import (admins, contact persons),
and the public page where an invited person makes their account."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.accounts.forms import EmptyForm
from consult.accounts.models import Role
from consult.accounts.signin import end_session, start_session
from consult.core import clock
from consult.core.access import public, signed_in
from consult.core.inputs import accepts_upload
from consult.core.once import ALREADY_SENT, create_once
from consult.core.refusals import LinkGone, Refusal
from consult.extensions import db, posts_limited_by
from consult.invitations.forms import NO_ORGANISATION, AcceptForm, ImportForm, InviteForm
from consult.invitations.models import Invitation
from consult.invitations.services import (
    Grant,
    ImportReport,
    accept,
    can_invite,
    find_open,
    grant_of,
    import_invitations,
    invitations_for,
    invite,
    revoke,
)
from consult.organisations.models import Organisation

bp = Blueprint("invitations", __name__)


def _invite_form(grant: Grant) -> InviteForm:
    form = InviteForm()
    form.fill(grant.organisations, grant.roles)
    return form


def _page(grant: Grant, form=None, import_form=None, report=None, error=None, status=200):
    return (
        render_template(
            "invitations/list.html",
            form=form or _invite_form(grant),
            import_form=import_form or ImportForm(),
            report=report,
            error=error,
            invitations=invitations_for(current_user),
            now=clock.now(),
            revoke_form=EmptyForm(),
        ),
        status,
        {"Cache-Control": "private, no-store"},
    )


@bp.route("/invitations", methods=["GET", "POST"])
@signed_in
@posts_limited_by("INVITATION_RATE_LIMIT")
def index():
    """Invitations of the admin (all) or of a contact person (their organisation's), and the invite form."""
    if not can_invite(current_user):
        abort(403)
    grant = grant_of(current_user)
    form = _invite_form(grant)
    if request.method == "GET":
        return _page(grant, form)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(grant, form, error=_("Please check the form."), status=422)
    organisation = (
        db.session.get(Organisation, form.organisation.data) if form.organisation.data != NO_ORGANISATION else None
    )
    try:  # sent again (a double click, a retry): the same answer, no second e-mail
        outcome = create_once(
            current_user,
            form,
            "invitation",
            lambda: invite(
                current_user,
                form.email.data,
                organisation,
                [Role(r) for r in form.roles.data],
                form.language.data,
                clock.now(),
                grant,
            ),
        )
    except Refusal as refusal:
        db.session.rollback()
        return _page(grant, form, error=str(refusal.message), status=refusal.status)
    db.session.commit()
    invitation = db.session.get(Invitation, outcome.object_id)
    flash(
        _("The invitation to %(email)s is on its way. The link works for 14 days.", email=invitation.email)
        if invitation is not None
        else str(ALREADY_SENT),
        "info",
    )
    return redirect(url_for("invitations.index"))


@bp.route("/invitations/import", methods=["POST"])
@accepts_upload
@signed_in
@posts_limited_by("INVITATION_RATE_LIMIT")
def import_csv():
    """Invite everyone on a CSV list, or nobody when a row is wrong (the page says which and why)."""
    if not can_invite(current_user):
        abort(403)
    grant = grant_of(current_user)
    import_form = ImportForm()
    if not import_form.validate_on_submit():
        if "csrf_token" in import_form.errors:
            abort(400)
        return _page(grant, import_form=import_form, error=_("Please check the form."), status=422)
    try:
        text = import_form.upload.data.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return _page(
            grant,
            import_form=import_form,
            status=422,
            error=_("The file is not UTF-8 text. Please save it as “CSV UTF-8” and try again."),
        )
    try:
        outcome = create_once(
            current_user,
            import_form,
            "invitation_import",
            lambda: import_invitations(current_user, text, import_form.language.data, clock.now(), grant),
        )
    except Refusal as refusal:
        db.session.rollback()
        return _page(grant, import_form=import_form, error=str(refusal.message), status=refusal.status)
    if outcome.again:  # the list was sent before: nobody is invited twice
        flash(str(ALREADY_SENT), "info")
        return redirect(url_for("invitations.index"))
    report = outcome.result
    assert isinstance(report, ImportReport), "import_invitations returns its report"
    if not report.ok:
        db.session.rollback()
        return _page(grant, import_form=import_form, report=report, status=422)
    db.session.commit()
    flash(_("%(num)d invitations are on their way.", num=len(report.rows)), "info")
    return _page(grant, report=report)


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@signed_in
def revoke_invitation(invitation_id: int):
    invitation = db.session.get(Invitation, invitation_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        revoke(current_user, invitation, clock.now())
    except Refusal as refusal:
        db.session.rollback()
        return _page(grant_of(current_user), error=str(refusal.message), status=refusal.status)
    db.session.commit()
    flash(_("The invitation to %(email)s was withdrawn: its link no longer works.", email=invitation.email), "info")
    return redirect(url_for("invitations.index"))


def _gone(gone: LinkGone) -> str:
    return render_template(
        "errors/link_gone.html", heading=_("This invitation link does not work"), message=str(gone.message)
    )


@bp.route("/invitations/accept/<token>", methods=["GET", "POST"])
@public
@posts_limited_by("INVITATION_RATE_LIMIT")
def accept_invitation(token: str):
    """The link of the e-mail: set name and password, and the account is made and signed in."""
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    try:
        invitation = find_open(token, clock.now())
    except LinkGone as gone:
        return _gone(gone), gone.status, headers
    form = AcceptForm()
    if request.method == "GET" or not form.validate_on_submit():
        if request.method == "POST" and "csrf_token" in form.errors:
            abort(400)
        status = 422 if request.method == "POST" else 200
        return render_template("invitations/accept.html", form=form, invitation=invitation), status, headers
    try:
        user = accept(token, form.name.data, form.password.data, clock.now())
    except LinkGone as gone:
        db.session.rollback()
        return _gone(gone), gone.status, headers
    except Refusal as refusal:
        db.session.rollback()
        return (
            render_template("invitations/accept.html", form=form, invitation=invitation, error=str(refusal.message)),
            refusal.status,
            headers,
        )
    if current_user.is_authenticated:
        end_session()
    start_session(user)
    db.session.commit()
    session["locale"] = user.locale
    flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "info")
    return redirect(url_for("reading.draft_list"))
