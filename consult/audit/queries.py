"""Reading the audit log."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consult.audit.models import AuditEntry
from consult.extensions import db

PAGE_SIZE = 50


def entries(draft_id: int | None, page: int = 1) -> tuple[list[AuditEntry], bool]:
    """One page of the log, newest first (one query), and whether there is more."""
    query = (select(AuditEntry).options(joinedload(AuditEntry.draft))
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
             .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
    if draft_id is not None:
        query = query.where(AuditEntry.draft_id == draft_id)
    rows = list(db.session.scalars(query))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
