"""Creating people and checking their passwords, with a throttle against guessing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from consult.accounts.models import NAME_MAX_LENGTH, Role, User, UserRole, UserSession
from consult.core.db import utcnow
from consult.core.names import name_refusal
from consult.extensions import db
from consult.organisations.models import Organisation

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
# Checked when an address is unknown, so that a wrong address takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A person cannot be created as asked."""


class SignInRefused(Exception):
    """Sign-in failed; `locked_seconds` is set when the account refuses attempts for a while."""

    def __init__(self, locked_seconds: int = 0):
        super().__init__("sign-in refused")
        self.locked_seconds = locked_seconds


@dataclass(frozen=True)
class Throttle:
    max_failures: int
    lock_seconds: int


def hash_password(password: str) -> str:
    """Hash with werkzeug's current default (scrypt) unless the config names another method.

    The hash takes about a tenth of a second of CPU on purpose. Call it before the request's
    first write: on SQLite the first write takes the database's one write lock until the commit,
    and every other write of every process waits for it (at most `busy_timeout`), so a hash
    computed while the lock is held makes a crowd of sign-ups fail with "database is locked"."""
    method = current_app.config.get("PASSWORD_HASH_METHOD")
    return generate_password_hash(password, method=method) if method else generate_password_hash(password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    email: str,
    name: str,
    password: str,
    roles: list[Role],
    organisation: Organisation | None = None,
    *,
    password_hash: str | None = None,
) -> User:
    """Add a person. Refuses a malformed or taken address, an empty name, a short password,
    no role, and a delegate without an organisation.

    `password_hash`: `hash_password(password)`, when the caller hashed it before its transaction
    began writing (see `hash_password`)."""
    email = normalise_email(email)
    if not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    if get_by_email(email) is not None:
        raise AccountError(f"a person with the address {email} already exists")
    if not name.strip():
        raise AccountError("the name must not be empty")
    if (problem := name_refusal(name, NAME_MAX_LENGTH)) is not None:
        raise AccountError(problem)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if not roles:
        raise AccountError("give at least one role")
    if Role.DELEGATE in roles and organisation is None:
        raise AccountError("a delegate belongs to an organisation: give --organisation")
    user = User(
        email=email,
        name=name.strip(),
        password_hash=password_hash or hash_password(password),
        organisation=organisation,
    )
    user.role_rows = [UserRole(role=role) for role in dict.fromkeys(roles)]
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, throttle: Throttle) -> User:
    """The active person with this address and password, or SignInRefused.

    After `throttle.max_failures` wrong passwords in a row the account refuses every
    attempt, right or wrong, until `throttle.lock_seconds` have passed since the last
    failure; each wrong password after that starts the wait again. The throttle
    lives in the database, so several app processes share it. For a person with
    two-factor sign-in the count is only cleared by a correct code
    (consult.accounts.two_factor.check_sign_in_code), so wrong codes count as well.
    """
    user = get_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise SignInRefused()
    now = utcnow()
    refuse_while_locked(user, throttle, now)
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        count_failure(user, throttle, now)
        raise SignInRefused()
    if not user.two_factor_enabled:
        clear_failures(user)
    return user


def refuse_while_locked(user: User, throttle: Throttle, now) -> None:
    """SignInRefused(locked_seconds) while the account waits after too many failures."""
    if user.failed_logins >= throttle.max_failures and user.last_failed_login_at is not None:
        unlock_at = user.last_failed_login_at + timedelta(seconds=throttle.lock_seconds)
        if now < unlock_at:
            raise SignInRefused(locked_seconds=int((unlock_at - now).total_seconds()) + 1)


def count_failure(user: User, throttle: Throttle, now) -> None:
    """One more wrong password (or code); SignInRefused(locked) when that reaches the limit."""
    user.failed_logins += 1
    user.last_failed_login_at = now
    db.session.flush()
    if user.failed_logins >= throttle.max_failures:
        raise SignInRefused(locked_seconds=throttle.lock_seconds)


def clear_failures(user: User) -> None:
    user.failed_logins = 0
    user.last_failed_login_at = None
    db.session.flush()


def end_sessions(user: User, keep_current: bool = False) -> None:
    """End every session and remember-me cookie of `user` (a new password, a deactivated account,
    "sign out everywhere"): their sign-ins are deleted and their session version raised, which
    also voids a half-finished two-factor sign-in. With `keep_current`, the session of this
    request stays signed in: the person who changed their password here goes on working,
    everywhere else they must sign in again."""
    from flask_login import current_user, login_user

    from consult.accounts.signin import token_hash

    current_token = None
    if keep_current and current_user.is_authenticated and current_user.id == user.id:
        current_token = getattr(current_user, "session_token", None)
    ended = delete(UserSession).where(UserSession.user_id == user.id)
    if current_token:
        ended = ended.where(UserSession.token_hash != token_hash(current_token))
    db.session.execute(ended)
    user.session_version += 1
    db.session.flush()
    if current_token:
        user.session_token = current_token
        login_user(user)  # the session now carries the new version
