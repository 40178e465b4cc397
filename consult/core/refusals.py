"""Domain refusals: a service raises one, the view turns it into a status and a message.

Each carries an HTTP status and a message in the person's language (lazy, so
that it is translated when shown).
"""

from __future__ import annotations


class Refusal(Exception):
    status = 400

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class NotAllowed(Refusal):
    """The person may not do this to this object."""

    status = 403


class PhaseClosed(Refusal):
    """The draft's phase or deadline does not allow this now."""

    status = 409


class InvalidInput(Refusal):
    """What was sent cannot be accepted as it is."""

    status = 422


class AlreadyChanged(Refusal):
    """Someone else changed the object a moment ago (e.g. decided the same item)."""

    status = 409


class FieldRefusal(InvalidInput):
    """Invalid input that belongs to one field of a form (`field`: its name), where the message shows."""

    def __init__(self, field: str, message):
        super().__init__(message)
        self.field = field


class LinkGone(Refusal):
    """A link from an e-mail (invitation, password reset) that was used, replaced or has expired."""

    status = 410
