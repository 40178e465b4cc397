"""The outbox as /admin/outbox lists it: newest first, by state and kind, a page at a time."""

from __future__ import annotations

from sqlalchemy import func, select

from consult.extensions import db
from consult.mail.display import FAILED, KIND_LABELS, SENT, WAITING
from consult.mail.models import OutboxMessage

PAGE_SIZE = 50


def _filtered(query, state: str | None, kind: str | None):
    if state == SENT:
        query = query.where(OutboxMessage.sent_at.is_not(None))
    elif state == FAILED:
        query = query.where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_not(None))
    elif state == WAITING:
        query = query.where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_(None))
    if kind:
        query = query.where(OutboxMessage.template == kind)
    return query


def outbox_page(state: str | None = None, kind: str | None = None, page: int = 1) -> tuple[list[OutboxMessage], int]:
    """One page of the messages in `state` (waiting, failed, sent; None: all) of `kind` (a mail template's
    name; None: all), the newest first, and how many match in all (two queries)."""
    total = db.session.scalar(_filtered(select(func.count()).select_from(OutboxMessage), state, kind))
    rows = db.session.scalars(
        _filtered(select(OutboxMessage), state, kind)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return list(rows), total or 0


def page_count(total: int) -> int:
    """How many pages of PAGE_SIZE a list of `total` rows takes (at least one)."""
    return max(1, -(-total // PAGE_SIZE))


def kinds() -> list[str]:
    """The kinds to filter by: every kind the app writes, and any other the outbox holds (an older template)."""
    stored = {kind for kind in db.session.scalars(select(OutboxMessage.template).distinct()) if kind is not None}
    return list(KIND_LABELS) + sorted(stored - set(KIND_LABELS))
