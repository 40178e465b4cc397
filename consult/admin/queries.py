"""The administration's lists: organisations with their people, and people found by a search."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, cast, func, or_, select
from sqlalchemy.orm import selectinload

from consult.accounts.models import User
from consult.extensions import db
from consult.organisations.models import Organisation

PAGE_SIZE = 50


@dataclass(frozen=True)
class OrganisationRow:
    organisation: Organisation
    people: int  # accounts of the organisation
    active_people: int  # of them, those who can sign in


def organisation_rows(page: int = 1) -> tuple[list[OrganisationRow], int]:
    """One page of the organisations by name, with how many people belong to each, and how many
    organisations there are in all (two queries)."""
    total = db.session.execute(select(func.count()).select_from(Organisation)).scalar_one()
    people = (
        select(
            User.organisation_id,
            func.count(User.id).label("people"),
            func.sum(cast(User.is_active_account, Integer)).label("active"),
        )
        .group_by(User.organisation_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Organisation, people.c.people, people.c.active)
        .outerjoin(people, people.c.organisation_id == Organisation.id)
        .order_by(func.lower(Organisation.name), Organisation.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return [OrganisationRow(organisation, total or 0, int(active or 0)) for organisation, total, active in rows], total


def page_count(total: int) -> int:
    """How many pages of PAGE_SIZE a list of `total` rows takes (at least one)."""
    return max(1, -(-total // PAGE_SIZE))


def all_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(func.lower(Organisation.name), Organisation.id)))


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def people(search: str = "", page: int = 1) -> tuple[list[User], int]:
    """One page of people by name whose name, e-mail or organisation (name or short name) contains
    `search` (without case), and how many match in all. Three queries whatever the page holds: the
    count, the people with their organisations, their roles."""
    query = select(User).outerjoin(Organisation, User.organisation_id == Organisation.id)
    term = search.strip()
    if term:
        pattern = _like(term)
        query = query.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
                func.lower(Organisation.name).like(pattern, escape="\\"),
                func.lower(Organisation.short_name).like(pattern, escape="\\"),
            )
        )
    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows = (
        db.session.scalars(
            query.options(selectinload(User.role_rows))
            .order_by(func.lower(User.name), User.id)
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        .unique()
        .all()
    )
    return list(rows), total
