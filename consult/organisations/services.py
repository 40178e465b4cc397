"""Creating and finding organisations."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from consult.core.names import name_refusal
from consult.extensions import db
from consult.organisations.models import NAME_MAX_LENGTH, Organisation, OrganisationLevel

SHORT_NAME = re.compile(r"^[A-Za-z0-9ÄÖÜäöüß][A-Za-z0-9ÄÖÜäöüß._-]{0,19}$")


class OrganisationError(ValueError):
    """An organisation cannot be created as asked."""


def get_by_short_name(short_name: str) -> Organisation | None:
    return db.session.scalar(
        select(Organisation).where(func.lower(Organisation.short_name) == short_name.strip().lower())
    )


def create_organisation(
    name: str, short_name: str, state: str | None = None, level: OrganisationLevel = OrganisationLevel.STATE
) -> Organisation:
    """Add an organisation; refuses an empty name, a malformed short name, or one already taken."""
    name, short_name = name.strip(), short_name.strip()
    if not name:
        raise OrganisationError("the name must not be empty")
    if (problem := name_refusal(name, NAME_MAX_LENGTH)) is not None:
        raise OrganisationError(problem)
    if not SHORT_NAME.match(short_name):
        raise OrganisationError("the short name must be 1–20 letters, digits, '.', '_' or '-'")
    if get_by_short_name(short_name) is not None:
        raise OrganisationError(f"the short name {short_name!r} is already taken")
    if db.session.scalar(select(Organisation).where(func.lower(Organisation.name) == name.lower())):
        raise OrganisationError(f"an organisation named {name!r} already exists")
    organisation = Organisation(
        name=name, short_name=short_name, state=(state or "").strip() or None, level=OrganisationLevel(level)
    )
    db.session.add(organisation)
    db.session.flush()
    return organisation
