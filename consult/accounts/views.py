"""Sign in, sign out, and the language switch."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from consult.accounts.forms import EmptyForm, LanguageForm, LoginForm
from consult.accounts.services import SignInRefused, Throttle, authenticate
from consult.accounts.signin import complete_sign_in, end_session, start_pending
from consult.accounts.signin import next_target as _next_target
from consult.core.access import public, signed_in
from consult.extensions import db, posts_limited_by

bp = Blueprint("accounts", __name__)


def throttle() -> Throttle:
    return Throttle(current_app.config["LOGIN_MAX_FAILURES"], current_app.config["LOGIN_LOCK_SECONDS"])


def locked_message(refusal: SignInRefused) -> str:
    minutes = max(1, (refusal.locked_seconds + 59) // 60)
    return ngettext(
        "Too many wrong passwords for this account. Please wait %(num)d minute and try again.",
        "Too many wrong passwords for this account. Please wait %(num)d minutes and try again.",
        minutes,
    )


@bp.route("/login", methods=["GET", "POST"])
@posts_limited_by("LOGIN_RATE_LIMIT")
@public
def login():
    """Sign in with e-mail and password, then go back to where the person came from.
    With two-factor sign-in on, the code page (consult.accounts.two_factor_views) finishes it."""
    if current_user.is_authenticated:
        return redirect(_next_target(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, throttle())
        except SignInRefused as refusal:
            db.session.commit()  # keep the failure count
            if refusal.locked_seconds:
                message = locked_message(refusal)
                status = 429
            else:
                message = _("E-mail or password is not correct. Please check both and try again.")
                status = 200
            form.password.data = ""
            return render_template("accounts/login.html", form=form, error=message), status
        if user.two_factor_enabled:
            start_pending(user, form.next.data)
            db.session.commit()
            return redirect(url_for("two_factor.sign_in_code"))
        complete_sign_in(user)
        db.session.commit()
        return redirect(_next_target(form.next.data))
    return render_template("accounts/login.html", form=form, error=None)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    """Sign out (a POST with CSRF token, so that no link can sign someone out). The session ends on
    the server too: a copy of the cookie signs no one in afterwards."""
    form = EmptyForm()
    if form.validate_on_submit():
        end_session()
        db.session.commit()
        flash(_("You are signed out."), "info")
    return redirect(url_for("reading.draft_list"))


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Switch the interface language for this session (and the account, if signed in)."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.language.data
        if current_user.is_authenticated:
            current_user.locale = form.language.data
            db.session.commit()
    return redirect(_next_target(form.next.data))
