"""/password/forgot asks for a link by e-mail; /password/reset/<token> sets the new password."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from consult.core import clock
from consult.core.access import public
from consult.core.refusals import LinkGone, Refusal
from consult.extensions import db, posts_limited_by
from consult.password_reset.forms import ForgotForm, NewPasswordForm
from consult.password_reset.services import find_open, request_reset, reset_password

bp = Blueprint("password_reset", __name__)
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@posts_limited_by("RESET_RATE_LIMIT")
def forgot():
    """The same answer for every address, registered or not."""
    form = ForgotForm()
    if request.method == "POST" and form.validate_on_submit():
        request_reset(form.email.data, clock.now())
        db.session.commit()
        return render_template("password_reset/sent.html", email=form.email.data.strip()), 200, NO_STORE
    if request.method == "POST" and "csrf_token" in form.errors:
        abort(400)
    return render_template("password_reset/forgot.html", form=form), 422 if request.method == "POST" else 200


def _gone(gone: LinkGone) -> str:
    return render_template(
        "errors/link_gone.html",
        heading=_("This link does not work"),
        message=str(gone.message),
        retry_url=url_for("password_reset.forgot"),
        retry_label=_("Ask for a new link"),
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@posts_limited_by("RESET_RATE_LIMIT")
def reset(token: str):
    try:
        find_open(token, clock.now())
    except LinkGone as gone:
        return _gone(gone), gone.status, NO_STORE
    form = NewPasswordForm()
    if request.method == "GET" or not form.validate_on_submit():
        if request.method == "POST" and "csrf_token" in form.errors:
            abort(400)
        return (
            render_template("password_reset/reset.html", form=form),
            422 if request.method == "POST" else 200,
            NO_STORE,
        )
    try:
        reset_password(token, form.password.data, clock.now())
    except LinkGone as gone:
        db.session.rollback()
        return _gone(gone), gone.status, NO_STORE
    except Refusal as refusal:
        db.session.rollback()
        return render_template("password_reset/reset.html", form=form, error=str(refusal.message)), refusal.status
    db.session.commit()
    flash(
        _("Your new password is set, and you were signed out everywhere. Please sign in with the new password."), "info"
    )
    return redirect(url_for("accounts.login"))
