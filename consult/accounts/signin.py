"""The end of signing in, shared by the password step and the two-factor code step.

After a correct password, a person with two-factor sign-in is not signed in yet:
the session keeps who they are ("pending") for a few minutes, until the code
page accepts a code. Flask's session is signed, so nobody can write another
person into it; the pending entry also carries the person's session version, so
a password change in between ends it.

Every sign-in is a row (`UserSession`) holding the hash of a random token; the token is part
of the id in the session and remember-me cookie ("id.session_version.token"), and the user
loader (consult.accounts.auth) accepts the cookie only while the row exists, checked in the
query that loads the person. Signing out deletes the row, so a copy of the cookie taken before
is worth nothing; ending every session (consult.accounts.services.end_sessions) deletes them all.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from flask import current_app, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete

from consult.accounts.models import User, UserSession
from consult.core.db import utcnow
from consult.core.urls import is_local_path
from consult.extensions import db

PENDING = "two_factor_pending"


def next_target(value: str | None) -> str:
    return value if value is not None and is_local_path(value) else url_for("reading.draft_list")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, remember: bool = False) -> None:
    """Sign `user` in on this browser as a new session of their own, which `end_session` can end.
    Rows of sign-ins older than any cookie can live are cleared on the way."""
    config = current_app.config
    oldest = utcnow() - max(config["PERMANENT_SESSION_LIFETIME"], config["REMEMBER_COOKIE_DURATION"])
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.created_at < oldest))
    user.session_token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=token_hash(user.session_token)))
    db.session.flush()
    login_user(user, remember=remember)


def end_session() -> None:
    """Sign out on this browser and end this session on the server: a copy of its cookie
    (the session or the remember-me cookie) no longer signs anyone in."""
    token = getattr(current_user, "session_token", None)
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))
    logout_user()


def complete_sign_in(user: User) -> None:
    """Sign `user` in for this session, in their own language."""
    session.pop(PENDING, None)
    start_session(user)
    if user.locale:
        session["locale"] = user.locale


def start_pending(user: User, target: str) -> None:
    """Remember that `user` gave the right password; the code page finishes the sign-in."""
    until = int(time.time()) + int(current_app.config["TWO_FACTOR_PENDING_SECONDS"])
    session[PENDING] = {"user": f"{user.id}.{user.session_version}", "until": until, "next": next_target(target)}


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
