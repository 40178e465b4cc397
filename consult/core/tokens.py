"""Secret links (invitations, password resets): the link carries a random token, the database only its digest.
Signed links (an amendment's support link): the token names what it opens and carries the server's signature."""
from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer


def new_token() -> tuple[str, str]:
    """(token for the link, digest to store): 256 random bits, URL-safe."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    """The stored form of a token: a leaked database does not give working links."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def sign(purpose: str, value) -> str:
    """A link token that names `value` (e.g. an amendment's id), signed with the app's secret key: nobody
    can make one for another value, and one made for another `purpose` does not pass here."""
    return URLSafeSerializer(current_app.secret_key, salt=purpose).dumps(value)


def unsign(purpose: str, token: str | None):
    """The value a token of `purpose` names, or None when it is missing, altered or for another purpose."""
    if not token:
        return None
    try:
        return URLSafeSerializer(current_app.secret_key, salt=purpose).loads(token)
    except BadSignature:
        return None
