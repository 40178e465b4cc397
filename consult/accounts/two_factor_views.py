"""Two-factor sign-in: the setup page, switching it off, the code step of signing in,
and sending moderators, board and admins to the setup page while they have no second factor."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from consult.accounts import two_factor
from consult.accounts.forms import TwoFactorCodeForm, TwoFactorOffForm
from consult.accounts.services import SignInRefused
from consult.accounts.signin import PENDING, complete_sign_in, next_target, pending_user
from consult.accounts.views import throttle
from consult.core import clock, kept_text
from consult.core.access import public, signed_in
from consult.core.refusals import Refusal
from consult.core.urls import is_local_path
from consult.extensions import db, htmx, posts_limited_by

bp = Blueprint("two_factor", __name__)

SETUP = "accounts/two_factor_setup.html"
NO_STORE = {"Cache-Control": "private, no-store"}
# What a privileged person without a second factor may still reach while it is required.
_OPEN_WHILE_REQUIRED = {
    "two_factor.setup",
    "two_factor.disable",
    "two_factor.sign_in_code",
    "accounts.logout",
    "accounts.set_language",
    "static",
}


@bp.before_app_request
def require_two_factor():
    """While REQUIRE_2FA is on, a moderator, board member or admin without a second factor sets it up first."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in _OPEN_WHILE_REQUIRED:
        return None
    user = current_user._get_current_object()
    if not two_factor.is_required_for(user) or user.two_factor_enabled:
        return None
    back = request.full_path.rstrip("?") if request.method == "GET" and not htmx else None
    target = url_for("two_factor.setup", next=back) if back else url_for("two_factor.setup")
    if htmx:
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


@bp.app_context_processor
def two_factor_notice():
    """Privileged people see on every page that the second factor is not required on this installation."""

    def shown() -> bool:
        return not current_app.config["REQUIRE_2FA"] and current_user.has_role(*two_factor.PRIVILEGED)

    return {"two_factor_not_required_notice": shown}


def _setup_page(code_form=None, off_form=None, status: int = 200):
    user = current_user
    back = request.args.get("next")
    context = {
        "required": two_factor.is_required_for(user),
        "next": back if is_local_path(back) else None,
        "code_form": code_form or TwoFactorCodeForm(),
        "off_form": off_form or TwoFactorOffForm(),
    }
    if not user.two_factor_enabled:
        secret = two_factor.pending_secret(user)
        db.session.commit()
        title = _("QR code for your authenticator app. If you cannot scan it, type the key shown below.")
        context.update(
            secret=two_factor.grouped(secret), qr=two_factor.qr_svg(two_factor.provisioning_uri(user, secret), title)
        )
    return render_template(SETUP, **context), status, NO_STORE


def _refused(form, refusal: Refusal):
    """Show a refused code or password at its field."""
    field = form.password if isinstance(refusal, two_factor.WrongPassword) else form.code
    field.errors = [*field.errors, str(refusal.message)]
    return refusal.status


@bp.route("/account/two-factor", methods=["GET", "POST"])
@signed_in
def setup():
    """What two-factor sign-in is, the QR code and key to set it up, and a code to switch it on."""
    form = TwoFactorCodeForm()
    if request.method == "GET" or current_user.two_factor_enabled:
        return _setup_page()
    if not form.validate_on_submit():
        return _setup_page(code_form=form, status=422)
    try:
        two_factor.enable(current_user, form.code.data, clock.now())
    except Refusal as refusal:
        db.session.rollback()
        status = _refused(form, refusal)
        return _setup_page(code_form=form, status=status)
    db.session.commit()
    flash(_("Two-factor sign-in is switched on. From now on, signing in asks for a code from your app."), "info")
    return redirect(next_target(request.args.get("next")) if request.args.get("next") else url_for("two_factor.setup"))


@bp.route("/account/two-factor/off", methods=["POST"])
@signed_in
def disable():
    """Switch two-factor sign-in off (where it is not required) with the password and a current code."""
    form = TwoFactorOffForm()
    if not form.validate_on_submit():
        return _setup_page(off_form=form, status=422)
    try:
        two_factor.disable(current_user, form.password.data, form.code.data, clock.now())
    except Refusal as refusal:
        db.session.rollback()
        status = _refused(form, refusal)
        return _setup_page(off_form=form, status=status)
    db.session.commit()
    flash(_("Two-factor sign-in is switched off. Signing in now takes only your password."), "info")
    return redirect(url_for("two_factor.setup"))


@bp.route("/login/code", methods=["GET", "POST"])
@posts_limited_by("LOGIN_RATE_LIMIT")
@public
def sign_in_code():
    """The second step of signing in: the six-digit code from the person's app. A form kept through
    the sign-in (consult.core.kept_text) travels along in hidden fields and comes back at the end."""
    user, target = pending_user()
    kept = kept_text.kept_from_sign_in() if request.method == "POST" else None
    if user is None:
        session.pop(PENDING, None)
        if kept is not None:
            return kept_text.page(kept, sign_in=True, status=401, message=kept_text.SIGNED_OUT)
        flash(_("Your sign-in has expired. Please enter your e-mail and password again."), "info")
        return redirect(url_for("accounts.login"))
    keep = {"kept": kept, "keep_prefix": kept_text.KEEP_PREFIX, "keep_action": kept_text.KEEP_ACTION}
    form = TwoFactorCodeForm()
    form.code.render_kw = {**form.code.render_kw, "autofocus": True}  # the one thing to do on this page
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("accounts/two_factor_code.html", form=form, error=None, **keep), status, NO_STORE
    try:
        two_factor.check_sign_in_code(user, form.code.data, throttle(), clock.now())
    except SignInRefused as refusal:
        db.session.commit()  # keep the failure count
        session.pop(PENDING, None)
        minutes = max(1, (refusal.locked_seconds + 59) // 60)
        message = ngettext(
            "Too many wrong codes for this account. Please wait %(num)d minute and sign in again.",
            "Too many wrong codes for this account. Please wait %(num)d minutes and sign in again.",
            minutes,
        )
        if kept is not None:
            return kept_text.page(kept, sign_in=True, status=429, message=kept_text.SIGNED_OUT, error=message)
        return render_template("accounts/two_factor_code.html", form=None, error=message), 429, NO_STORE
    except Refusal as refusal:
        db.session.commit()  # keep the failure count
        form.code.errors = [str(refusal.message)]
        form.code.data = ""
        return render_template("accounts/two_factor_code.html", form=form, error=None, **keep), refusal.status, NO_STORE
    complete_sign_in(user)
    db.session.commit()
    if kept is not None:
        return kept_text.page(kept, sign_in=False, status=200, message=kept_text.SIGNED_IN_AGAIN)
    complete_sign_in(user)
    db.session.commit()
    return redirect(target)
