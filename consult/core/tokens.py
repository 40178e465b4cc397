"""Secret links (invitations, password resets): the link carries a random token, the database only its digest."""
from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """(token for the link, digest to store): 256 random bits, URL-safe."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    """The stored form of a token: a leaked database does not give working links."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
