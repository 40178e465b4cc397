"""/account/notifications: how and about what a person wants e-mail; /notifications/unsubscribe/<token>: turn
off what one e-mail was about, without signing in."""

from __future__ import annotations

from contextlib import nullcontext

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.accounts.forms import EmptyForm
from consult.core import clock
from consult.core.access import public, signed_in
from consult.core.i18n import in_language
from consult.core.tokens import LinkExpired
from consult.extensions import db, posts_limited_by
from consult.mail.services import absolute_path
from consult.notifications.forms import SettingsForm
from consult.notifications.models import NotificationMode, Topic
from consult.notifications.services import ALL, expired_token_owner, read_unsubscribe_token, save_settings, setting_of
from consult.notifications.services import unsubscribe as turn_off
from consult.notifications.texts import describe, kind_heading, topic_label

bp = Blueprint("notifications", __name__)
# The e-mails' words (templates/mail/notification.txt and digest.txt), written in one place.
for _function in (describe, absolute_path, kind_heading, topic_label):
    bp.add_app_template_global(_function)
# The unsubscribe page names a person's setting: no cache keeps it, and its token goes to no other site.
NO_STORE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/account/notifications", methods=["GET", "POST"])
@signed_in
def settings():
    """The person's notification settings: off, at once or a daily summary, and the four topics."""
    stored = setting_of(current_user)
    if request.method == "GET":
        form = SettingsForm(
            formdata=None, mode=stored.mode.value, **{topic.value: getattr(stored, topic.value) for topic in Topic}
        )
        return render_template("notifications/settings.html", form=form), 200, NO_STORE
    form = SettingsForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return (
            render_template(
                "notifications/settings.html", form=form, error=_("Please choose how you want to be notified.")
            ),
            422,
            NO_STORE,
        )
    save_settings(current_user, NotificationMode(form.mode.data), form.topics(), clock.now())
    db.session.commit()
    flash(_("Your notification settings were saved."), "info")
    return redirect(url_for("notifications.settings"))


def _in_language_of(user):
    """The unsubscribe pages speak the language of the person the link is for (who may not be signed in)."""
    return in_language(user.locale) if user is not None and user.locale else nullcontext()


def _refused(message: str, status: int):
    """A link that does not work: why, and the way to the settings (after signing in)."""
    return (
        render_template(
            "errors/link_gone.html",
            heading=_("This link does not work"),
            message=message,
            retry_url=url_for("notifications.settings"),
            retry_label=_("Change your notification settings"),
        ),
        status,
        NO_STORE,
    )


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@public
@posts_limited_by("UNSUBSCRIBE_RATE_LIMIT")
def unsubscribe(token: str):
    """GET names the setting the link changes and shows a button; only the POST (CSRF) changes it: mail
    scanners open links, and an open must not unsubscribe anyone. An expired link answers 410 (it was
    genuine, and is gone), an altered or forged one 400 (it never was a link of ours)."""
    now = clock.now()
    try:
        found = read_unsubscribe_token(token, now)
    except LinkExpired as expired:
        with _in_language_of(expired_token_owner(expired)):
            return _refused(
                _(
                    "This unsubscribe link has expired: such links work for 60 days. Sign in to "
                    "change your notification settings."
                ),
                410,
            )
    if found is None:
        return _refused(
            _(
                "This unsubscribe link is not valid: it may have been cut off or changed. Sign in "
                "to change your notification settings."
            ),
            400,
        )
    user, topic = found
    form = EmptyForm()
    with _in_language_of(user):
        if request.method == "POST":
            if not form.validate_on_submit():
                abort(400)
            turn_off(user, topic, now)
            db.session.commit()
        return (
            render_template(
                "notifications/unsubscribe.html", form=form, what=_what(topic), done=request.method == "POST"
            ),
            200,
            NO_STORE,
        )


def _what(topic: str) -> str:
    """The setting a link turns off, in the settings' words."""
    return _("All notifications") if topic == ALL else topic_label(topic)
