"""Sign in, sign out, and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from consult.accounts.forms import EmptyForm, LanguageForm, LoginForm, TwoFactorCodeForm
from consult.accounts.services import SignInRefused, Throttle, authenticate
from consult.accounts.signin import complete_sign_in, end_session, start_pending
from consult.accounts.signin import next_target as _next_target
from consult.core import kept_text
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


def code_form() -> TwoFactorCodeForm:
    """The form of the code step, its field focused: the one thing to do on that page."""
    form = TwoFactorCodeForm(formdata=None)
    form.code.render_kw = {**form.code.render_kw, "autofocus": True}
    return form


@bp.route("/login", methods=["GET", "POST"])
@posts_limited_by("LOGIN_RATE_LIMIT")
@public
def login():
    """Sign in with e-mail and password, then go back to where the person came from.
    With two-factor sign-in on, the code page (consult.accounts.two_factor_views) finishes it.
    The sign-in embedded in a kept form (consult.core.kept_text) carries that form along and
    answers with it again, signed in, so that the person sends their text."""
    kept = kept_text.kept_from_sign_in() if request.method == "POST" else None
    if current_user.is_authenticated:
        if kept is not None:
            return kept_text.page(kept, sign_in=False, status=200, message=kept_text.SIGNED_IN_AGAIN)
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
            if kept is not None:
                return kept_text.page(
                    kept,
                    sign_in=True,
                    status=status,
                    message=kept_text.SIGNED_OUT,
                    error=message,
                    email=form.email.data or "",
                )
            return render_template("accounts/login.html", form=form, error=message), status
        if user.two_factor_enabled:
            start_pending(user, kept.action if kept is not None else form.next.data)
            db.session.commit()
            if kept is not None:  # the code page carries the kept form on
                return render_template(
                    "accounts/two_factor_code.html",
                    form=code_form(),
                    error=None,
                    kept=kept,
                    keep_prefix=kept_text.KEEP_PREFIX,
                    keep_action=kept_text.KEEP_ACTION,
                )
            return redirect(url_for("two_factor.sign_in_code"))
        complete_sign_in(user)
        db.session.commit()
        if kept is not None:
            return kept_text.page(kept, sign_in=False, status=200, message=kept_text.SIGNED_IN_AGAIN)
        return redirect(_next_target(form.next.data))
    if kept is not None:
        return kept_text.page(
            kept,
            sign_in=True,
            status=422,
            message=kept_text.SIGNED_OUT,
            error=_("Please enter your e-mail and your password."),
            email=form.email.data or "",
        )
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
