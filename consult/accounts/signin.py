"""The end of signing in, shared by the password step and the two-factor code step.

After a correct password, a person with two-factor sign-in is not signed in yet:
the session keeps who they are ("pending") for a few minutes, until the code
page accepts a code. Flask's session is signed, so nobody can write another
person into it; the pending entry also carries the person's session version, so
a password change in between ends it.
"""
from __future__ import annotations

import time

from flask import current_app, session, url_for
from flask_login import login_user

from consult.accounts.models import User
from consult.core.urls import is_local_path
from consult.extensions import db

PENDING = "two_factor_pending"


def next_target(value: str | None) -> str:
    return value if is_local_path(value) else url_for("reading.draft_list")


def complete_sign_in(user: User) -> None:
    """Sign `user` in for this session, in their own language."""
    session.pop(PENDING, None)
    login_user(user)
    if user.locale:
        session["locale"] = user.locale


def start_pending(user: User, target: str) -> None:
    """Remember that `user` gave the right password; the code page finishes the sign-in."""
    until = int(time.time()) + int(current_app.config["TWO_FACTOR_PENDING_SECONDS"])
    session[PENDING] = {"user": user.get_id(), "until": until, "next": next_target(target)}


def pending_user() -> tuple[User | None, str]:
    """The person waiting for the code step (None when there is none, it expired, or the account changed)
    and where they go afterwards."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or int(pending.get("until", 0)) < time.time():
        return None, url_for("reading.draft_list")
    user_id, _, version = str(pending.get("user", "")).partition(".")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active or str(user.session_version) != version or not user.two_factor_enabled:
        return None, url_for("reading.draft_list")
    return user, next_target(pending.get("next"))
