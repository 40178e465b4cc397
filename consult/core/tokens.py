"""Secret links (invitations, password resets): the link carries a random token, the database only its digest.
Signed links (an amendment's support link): the token names what it opens and carries the server's signature;
timed ones (a notification's unsubscribe link) also when they were made, and stop working after a while."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer


def new_token() -> tuple[str, str]:
    """(token for the link, digest to store): 256 random bits, URL-safe."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    """The stored form of a token: a leaked database does not give working links."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _secret_key() -> str | bytes:
    """The app's SECRET_KEY. Settings always give one (a development key, refused in production by
    consult.config.check); an app without one cannot sign, and says so."""
    key = current_app.secret_key
    if key is None:
        raise RuntimeError("signed links need the app's SECRET_KEY")
    return key


def sign(purpose: str, value) -> str:
    """A link token that names `value` (e.g. an amendment's id), signed with the app's secret key: nobody
    can make one for another value, and one made for another `purpose` does not pass here."""
    return URLSafeSerializer(_secret_key(), salt=purpose).dumps(value)


def unsign(purpose: str, token: str | None):
    """The value a token of `purpose` names, or None when it is missing, altered or for another purpose."""
    if not token:
        return None
    try:
        return URLSafeSerializer(_secret_key(), salt=purpose).loads(token)
    except BadSignature:
        return None


class LinkExpired(Exception):
    """A timed token that was genuine but is older than it may be; `value` is what it named."""

    def __init__(self, value):
        super().__init__("link expired")
        self.value = value


def sign_timed(purpose: str, value, now: datetime) -> str:
    """Like `sign`, and the token carries when it was made (`now`): `unsign_timed` refuses it after a while.
    Made from `now` (not the system clock) so that a frozen clock makes and ages tokens in tests."""
    return URLSafeTimedSerializer(
        _secret_key(), salt=purpose, signer=_StampedSigner, signer_kwargs={"made_at": now}
    ).dumps(value)


def unsign_timed(purpose: str, token: str | None, max_age: timedelta, now: datetime):
    """The value a timed token of `purpose` names; None when it is missing, altered or for another purpose;
    raises LinkExpired when it is genuine but older than `max_age` at `now`."""
    if not token:
        return None
    try:
        value, made = URLSafeTimedSerializer(_secret_key(), salt=purpose).loads(token, return_timestamp=True)
    except BadSignature:
        return None
    if now - made > max_age:
        raise LinkExpired(value)
    return value


class _StampedSigner(TimestampSigner):
    """Stamps tokens with a given time instead of the system clock's."""

    def __init__(self, *args, made_at: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._made_at = int(made_at.timestamp())

    def get_timestamp(self) -> int:
        return self._made_at
