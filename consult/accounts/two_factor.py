"""Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238), as any authenticator app makes them.

A person sets it up by scanning a QR code (or typing the secret) and confirming
with one code; from then on signing in takes the password and a current code.
Each code works once: the newest time step used is kept on the person and only
a newer one is accepted, written with a conditional UPDATE, so that two parallel
requests with the same code cannot both succeed.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import or_, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash

from consult.accounts.models import Role, User
from consult.accounts.services import Throttle, clear_failures, count_failure, refuse_while_locked
from consult.audit.services import record
from consult.core.db import utcnow
from consult.core.refusals import AlreadyChanged, InvalidInput, NotAllowed
from consult.extensions import db

ISSUER = "consult"
# Codes of the time step before and after the current one are accepted too (clocks drift, people type slowly).
VALID_WINDOW = 1
PRIVILEGED = (Role.MODERATOR, Role.BOARD, Role.ADMIN)
_CODE = re.compile(r"^\d{6}$")


class WrongCode(InvalidInput):
    """The code is not the app's current code."""


class CodeUsed(InvalidInput):
    """The code (or a later one) was used already."""


class WrongPassword(InvalidInput):
    """The password given to confirm a change is not the person's."""


def is_required_for(user) -> bool:
    """Moderators, board and admins must use two-factor sign-in, unless REQUIRE_2FA is off."""
    return bool(current_app.config["REQUIRE_2FA"]) and user.is_authenticated and user.has_role(*PRIVILEGED)


def pending_secret(user: User) -> str:
    """The secret to set up with: made once and kept until it is switched on (a reload shows the same code)."""
    if user.two_factor_enabled:
        raise AlreadyChanged(_l("Two-factor sign-in is already switched on."))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        db.session.flush()
    return user.totp_secret


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address that the QR code carries."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> Markup:
    """The QR code as inline SVG (white, with its quiet zone; sized by CSS), named by its title for screen readers."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, title=title, svgclass="qr-code", light="#fff", omitsize=True
    )
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


def grouped(secret: str) -> str:
    """'ABCD EFGH …': the secret in groups of four, for typing by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (counter) whose code `code` is, within the valid window; None when none matches."""
    code = re.sub(r"\s", "", code or "")
    if not secret or not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current + VALID_WINDOW, current - VALID_WINDOW - 1, -1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def use_code(user: User, code: str, now: datetime) -> int:
    """Accept `code` once for `user`: WrongCode when it does not match, CodeUsed when its time step
    is not newer than the last one used. The step is taken with one conditional UPDATE, so of two
    requests with the same code only one gets it."""
    step = matching_step(user.totp_secret or "", code, now)
    if step is None:
        raise WrongCode(_l("This code is not correct. Please type the six digits that your app shows now."))
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_counter.is_(None), User.totp_last_counter < step))
        .values(totp_last_counter=step)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    if result.rowcount != 1:
        raise CodeUsed(_l("This code has already been used. Please wait for the next code in your app."))
    set_committed_value(user, "totp_last_counter", step)
    return step


def enable(user: User, code: str, now: datetime) -> None:
    """Switch two-factor sign-in on, only with a correct code for the secret being set up."""
    if user.two_factor_enabled:
        raise AlreadyChanged(_l("Two-factor sign-in is already switched on."))
    if not user.totp_secret:
        raise AlreadyChanged(_l("The setup has expired. Please scan the new QR code."))
    use_code(user, code, now)
    user.totp_enabled_at = now
    record(user, "two_factor.enable", f"user:{user.id}", now)
    db.session.flush()


def disable(user: User, password: str, code: str, now: datetime) -> None:
    """Switch two-factor sign-in off with the password and a current code; refused where it is required."""
    if is_required_for(user):
        raise NotAllowed(_l("Two-factor sign-in is required for your role; it cannot be switched off."))
    if not user.two_factor_enabled:
        raise AlreadyChanged(_l("Two-factor sign-in is already switched off."))
    if not check_password_hash(user.password_hash, password or ""):
        raise WrongPassword(_l("The password is not correct."))
    use_code(user, code, now)
    _switch_off(user)
    record(user, "two_factor.disable", f"user:{user.id}", now)
    db.session.flush()


def _switch_off(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None


def reset(user: User, now: datetime, by=None) -> None:
    """Switch two-factor sign-in off for a person who lost their app (the office, on the command line);
    a person for whom it is required sets it up again at their next sign-in."""
    _switch_off(user)
    record(by, "two_factor.reset", f"user:{user.id}", now)
    db.session.flush()


def check_sign_in_code(user: User, code: str, throttle: Throttle, now: datetime) -> None:
    """The second step of signing in. A wrong or used code counts as a failed sign-in (the
    account's throttle, shared with wrong passwords); SignInRefused(locked_seconds) once it locks.
    `now` is the time of the code; the throttle keeps the wall-clock time, as for passwords."""
    refuse_while_locked(user, throttle, utcnow())
    try:
        use_code(user, code, now)
    except InvalidInput:
        count_failure(user, throttle, utcnow())
        raise
    clear_failures(user)
