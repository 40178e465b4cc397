"""Asking for a reset link and setting a new password with it.

`request_reset()` does the same work whether or not the address belongs to an active
account (a token is made, a message rendered) and answers the same, so that nobody
learns from the page, or from its timing, whether an address is registered. Only for
a real account is the link stored and the message put in the outbox; the outbox is
sent after the response, so a mail server's delay shows in no answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from consult.accounts.models import User
from consult.accounts.services import MIN_PASSWORD_LENGTH, end_sessions, get_by_email, hash_password
from consult.audit.services import record
from consult.core.refusals import InvalidInput, LinkGone
from consult.core.tokens import digest, new_token
from consult.extensions import db
from consult.mail.services import absolute_url, queue_mail, render_mail
from consult.password_reset.models import PasswordReset

RESET_VALID = timedelta(hours=1)
USED = _l(
    "This link has already been used or was replaced by a newer one. Please ask for a new link if you still need one."
)


def request_reset(email: str, now: datetime) -> None:
    """Send a reset link to `email` if it is an active account's address; otherwise do the same work silently."""
    user = get_by_email(email)
    token, token_digest = new_token()
    minutes = int(RESET_VALID.total_seconds() // 60)
    if user is None or not user.is_active:
        # The real branch's costly work, done and dropped: a hash, and the e-mail rendered.
        hash_password(token)
        render_mail(
            "password_reset",
            None,
            user=User(name=email),
            minutes=minutes,
            link=absolute_url("password_reset.reset", token=token),
        )
        return
    hash_password(token)  # as slow as the other branch, and before the writes (see hash_password)
    # Only the newest link works.
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    db.session.add(
        PasswordReset(user_id=user.id, token_digest=token_digest, created_at=now, expires_at=now + RESET_VALID)
    )
    queue_mail(
        user.email,
        "password_reset",
        user.locale,
        user=user,
        minutes=minutes,
        link=absolute_url("password_reset.reset", token=token),
    )


def find_open(token: str, now: datetime) -> PasswordReset:
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_digest == digest(token)))
    if reset is None or reset.used_at is not None:
        raise LinkGone(USED)
    if now >= reset.expires_at:
        raise LinkGone(_l("This link has expired: it works for one hour. Please ask for a new one."))
    return reset


def reset_password(token: str, password: str, now: datetime) -> User:
    """Set the new password, once per link; every session of the person ends."""
    reset = find_open(token, now)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_l("The password needs at least %(num)d characters.", num=MIN_PASSWORD_LENGTH))
    password_hash = hash_password(password)  # before the first write (see hash_password)
    taken = db.session.execute(
        update(PasswordReset).where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None)).values(used_at=now)
    )
    assert isinstance(taken, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    if taken.rowcount != 1:
        raise LinkGone(USED)
    user = db.session.get_one(User, reset.user_id)  # the link goes with its person (ON DELETE CASCADE)
    if not user.is_active:
        raise LinkGone(_l("This account is deactivated. Please contact the federation's office."))
    user.password_hash = password_hash
    user.failed_logins = 0
    user.last_failed_login_at = None
    end_sessions(user)
    record(user, "account.password_reset", f"user:{user.id}", now)
    db.session.flush()
    return user
