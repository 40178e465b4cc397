"""Small helpers that create rows through the services, as the app would."""

from __future__ import annotations

from itertools import count as counter

from sqlalchemy import func, select

from consult.accounts.models import Role, User
from consult.accounts.services import create_user
from consult.drafts.models import Draft, Phase
from consult.drafts.services import import_draft
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.organisations.services import create_organisation

PASSWORD = "correct horse battery"
_numbers = counter(1)


def organisation(name: str | None = None, short_name: str | None = None, state: str = "Berlin") -> Organisation:
    n = next(_numbers)
    return create_organisation(name or f"Verein {n} e.V.", short_name or f"V{n}", state)


def user(
    email: str | None = None,
    roles: tuple[Role, ...] = (Role.DELEGATE,),
    org: Organisation | None = None,
    name: str = "Test Person",
    password: str = PASSWORD,
) -> User:
    n = next(_numbers)
    if Role.DELEGATE in roles and org is None:
        org = organisation()
    return create_user(email or f"person{n}@example.org", name, password, list(roles), org)


def markdown(paragraphs: int) -> str:
    blocks = ["# Titel des Entwurfs"]
    blocks += [
        f"Absatz {i}: Die Mitgliedsorganisationen beraten über *Teilhabe* und Vielfalt."
        for i in range(2, paragraphs + 1)
    ]
    return "\n\n".join(blocks[:paragraphs]) + "\n"


def draft(
    paragraphs: int = 5,
    phase: Phase = Phase.COMMENTING,
    slug: str | None = None,
    public: bool = False,
    title: str = "Entwurf zum Partizipationsgesetz",
) -> Draft:
    result = import_draft(markdown(paragraphs), title, slug or f"entwurf-{next(_numbers)}")
    result.phase = phase
    result.is_public = public
    db.session.flush()
    return result


def count(model) -> int:
    """How many rows the table of `model` holds."""
    return db.session.scalar(select(func.count()).select_from(model))
