"""Reading the audit log."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from consult.accounts.models import User
from consult.audit.models import AuditEntry
from consult.extensions import db
from consult.organisations.models import Organisation

PAGE_SIZE = 50


def entries(draft_id: int | None, page: int = 1) -> tuple[list[AuditEntry], bool]:
    """One page of the log, newest first (one query), and whether there is more."""
    query = (
        select(AuditEntry)
        .options(joinedload(AuditEntry.draft))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    if draft_id is not None:
        query = query.where(AuditEntry.draft_id == draft_id)
    rows = list(db.session.scalars(query))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def entry_count(draft_id: int | None) -> int:
    """How many lines the log has (about that draft), for its count and its last page (one query)."""
    query = select(func.count()).select_from(AuditEntry)
    return db.session.execute(query if draft_id is None else query.where(AuditEntry.draft_id == draft_id)).scalar_one()


def subject_names(rows: list[AuditEntry]) -> dict[str, str]:
    """The names of the organisations and people the lines are about, by subject ("user:7"): two queries
    at most, whatever the page holds."""
    ids: dict[str, set[int]] = {"organisation": set(), "user": set()}
    for row in rows:
        kind, _, number = row.subject.partition(":")
        if kind in ids and number.isdigit():
            ids[kind].add(int(number))
    names: dict[str, str] = {}
    if ids["organisation"]:
        for id_, name, short in db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.short_name).where(
                Organisation.id.in_(sorted(ids["organisation"]))
            )
        ):
            names[f"organisation:{id_}"] = f"{name} ({short})"
    if ids["user"]:
        for id_, name in db.session.execute(select(User.id, User.name).where(User.id.in_(sorted(ids["user"])))):
            names[f"user:{id_}"] = name
    return names
