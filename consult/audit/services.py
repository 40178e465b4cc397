"""Writing the audit log: one call beside each decision, in the same transaction."""

from __future__ import annotations

from datetime import datetime

from consult.audit.models import AuditEntry
from consult.extensions import db


def _actor_name(user) -> str:
    if user is None:
        return "command line"
    organisation = getattr(user, "organisation", None)
    return f"{user.name} ({organisation.short_name})" if organisation is not None else user.name


def record(
    user, action: str, subject: str, now: datetime, draft_id: int | None = None, reason: str | None = None, **details
) -> AuditEntry:
    """Add a line to the audit log: `user` did `action` to `subject` at `now`, because `reason`."""
    entry = AuditEntry(
        actor_id=getattr(user, "id", None),
        actor_name=_actor_name(user),
        draft_id=draft_id,
        action=action,
        subject=subject,
        reason=reason or None,
        details=details,
        at=now,
    )
    db.session.add(entry)
    return entry
