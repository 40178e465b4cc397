"""The own-account page: name, password, language, the data download, deleting the account."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from consult.accounts.forms import EmptyForm
from consult.accounts.services import end_sessions
from consult.core import clock
from consult.core.access import signed_in
from consult.core.forms import message_for
from consult.core.refusals import Refusal
from consult.extensions import db
from consult.profile.forms import AccountLanguageForm, DeleteForm, NameForm, PasswordForm
from consult.profile.services import change_name, change_password, delete_account, only_admin, personal_data, set_locale

bp = Blueprint("profile", __name__, url_prefix="/account")

NO_STORE = {"Cache-Control": "private, no-store"}


def _page(status=200, error=None, **forms):
    user = current_user
    defaults = {
        "name_form": NameForm(formdata=None, name=user.name),
        "password_form": PasswordForm(formdata=None),
        "language_form": AccountLanguageForm(formdata=None, language=user.locale or "de"),
        "delete_form": DeleteForm(formdata=None),
        "everywhere_form": EmptyForm(formdata=None),
    }
    defaults.update(forms)
    return (
        render_template("profile/account.html", error=error, only_admin=only_admin(user), **defaults),
        status,
        NO_STORE,
    )


def _refused(key: str, form, refusal: Refusal | None = None):
    db.session.rollback()
    return _page(refusal.status if refusal else 422, message_for(form, refusal), **{key: form})


@bp.route("")
@signed_in
def account():
    """The person's own account."""
    return _page()


@bp.route("/name", methods=["POST"])
@signed_in
def name():
    """Change one's name."""
    form = NameForm()
    if not form.validate_on_submit():
        return _refused("name_form", form)
    try:
        change_name(current_user, form.name.data)
    except Refusal as refusal:
        return _refused("name_form", form, refusal)
    db.session.commit()
    flash(_("Your name was saved."), "info")
    return redirect(url_for("profile.account"))


@bp.route("/password", methods=["POST"])
@signed_in
def password():
    """Change one's password; every other session of the person ends."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return _refused("password_form", form)
    try:
        change_password(current_user, form.current_password.data, form.new_password.data, form.repeat_password.data)
    except Refusal as refusal:
        return _refused("password_form", form, refusal)
    db.session.commit()
    flash(_("Your password was changed. You are signed out everywhere else."), "info")
    return redirect(url_for("profile.account"))


@bp.route("/sign-out-everywhere", methods=["POST"])
@signed_in
def sign_out_everywhere():
    """End every session of the person, on every device and this one ("Überall abmelden"): for a
    sign-in left open on a shared or lost device."""
    form = EmptyForm()
    if not form.validate_on_submit():
        return _refused("everywhere_form", form)
    end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You are signed out on every device. Please sign in again."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/language", methods=["POST"])
@signed_in
def language():
    """The interface language of the account."""
    form = AccountLanguageForm()
    if not form.validate_on_submit():
        return _refused("language_form", form)
    set_locale(current_user, form.language.data)
    session["locale"] = form.language.data
    db.session.commit()
    flash(_("The language was saved."), "info")
    return redirect(url_for("profile.account"))


@bp.route("/data.json")
@signed_in
def data():
    """Everything the platform holds about the person, and what they wrote and cast, as JSON."""
    body = json.dumps(personal_data(current_user), ensure_ascii=False, indent=2)
    filename = f"consult-{clock.now().date().isoformat()}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/delete", methods=["POST"])
@signed_in
def delete():
    """Delete the account after the password: the person and their data go, contributions stay."""
    form = DeleteForm()
    if not form.validate_on_submit():
        return _refused("delete_form", form)
    user = current_user._get_current_object()
    try:
        delete_account(user, form.password.data, clock.now())
    except Refusal as refusal:
        return _refused("delete_form", form, refusal)
    db.session.commit()
    logout_user()
    session.pop("locale", None)
    flash(
        _(
            "Your account was deleted. Your contributions stay, marked as those of a former delegate of your "
            "organisation."
        ),
        "info",
    )
    return redirect(url_for("reading.draft_list"))
