"""The administration's changes to organisations and people (admins only).

Each function checks its rule, raises a Refusal with a message in the person's
language (a `FieldRefusal` names the form field it is about), writes an audit
line with what changed (before and after), flushes, and never commits.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.accounts.models import Role, User, UserRole
from consult.accounts.services import end_sessions
from consult.audit.services import record
from consult.core.names import name_problem
from consult.core.refusals import FieldRefusal, NotAllowed
from consult.drafts.models import Draft
from consult.drafts.revision import touch
from consult.extensions import db
from consult.organisations.models import FEDERAL_STATES, Organisation, OrganisationLevel
from consult.organisations.models import NAME_MAX_LENGTH as ORGANISATION_NAME_MAX_LENGTH
from consult.organisations.services import SHORT_NAME


def _require_admin(user) -> None:
    if not user.is_authenticated or not user.has_role(Role.ADMIN):
        raise NotAllowed(_l("Only administrators can do this."))


def _changes(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields that differ: what the audit line shows."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def _touch_all_drafts() -> None:
    """Organisation names, membership and weights show on every draft page: cached pages must go."""
    touch(db.session.connection(), db.session.scalars(select(Draft.id)).all())


# --- organisations -------------------------------------------------------------------------------


def _organisation_fields(organisation: Organisation) -> dict:
    return {
        "name": organisation.name,
        "short_name": organisation.short_name,
        "state": organisation.state,
        "level": organisation.level.value if organisation.level else None,
        "is_member": organisation.is_member,
        "vote_weight": organisation.vote_weight,
        "contact_submits_only": organisation.contact_submits_only,
    }


def save_organisation(
    user,
    organisation: Organisation | None,
    *,
    name: str,
    short_name: str,
    state: str | None,
    level: OrganisationLevel,
    is_member: bool,
    vote_weight: int,
    now: datetime,
    contact_submits_only: bool = False,
) -> Organisation:
    """Create (`organisation` None) or change an organisation. Refuses an empty name, a malformed short
    name, a name or short name another organisation has (compared without case), a state that is not one
    of the sixteen, and a vote weight below 1. `contact_submits_only`: only the organisation's contact persons
    submit its internal drafts (consult.workspace)."""
    _require_admin(user)
    name, short_name, state = name.strip(), short_name.strip(), (state or "").strip() or None
    if not name:
        raise FieldRefusal("name", _l("Please give the organisation's name."))
    if (problem := name_problem(name, ORGANISATION_NAME_MAX_LENGTH)) is not None:
        raise FieldRefusal("name", problem)
    if not SHORT_NAME.match(short_name):
        raise FieldRefusal("short_name", _l("The short name has 1 to 20 letters, digits, '.', '_' or '-'."))
    # A state written otherwise by the command line ("NRW") may stay as it is, but none is newly chosen.
    if state is not None and state not in FEDERAL_STATES and (organisation is None or state != organisation.state):
        raise FieldRefusal("state", _l("Please choose one of the federal states, or none."))
    if vote_weight is None or vote_weight < 1:
        raise FieldRefusal("vote_weight", _l("The vote weight is a whole number of at least 1."))
    others = select(Organisation.id)
    if organisation is not None:
        others = others.where(Organisation.id != organisation.id)
    if db.session.scalar(others.where(func.lower(Organisation.name) == name.lower())) is not None:
        raise FieldRefusal("name", _l("Another organisation already has this name."))
    if db.session.scalar(others.where(func.lower(Organisation.short_name) == short_name.lower())) is not None:
        raise FieldRefusal("short_name", _l("Another organisation already has this short name."))
    after = {
        "name": name,
        "short_name": short_name,
        "state": state,
        "level": OrganisationLevel(level).value,
        "is_member": bool(is_member),
        "vote_weight": int(vote_weight),
        "contact_submits_only": bool(contact_submits_only),
    }
    if organisation is None:
        organisation = Organisation()
        db.session.add(organisation)
        before, action = {}, "organisation.create"
    else:
        before, action = _organisation_fields(organisation), "organisation.update"
    for key, value in after.items():
        setattr(organisation, key, OrganisationLevel(level) if key == "level" else value)
    db.session.flush()
    changes = _changes(before, after)
    if changes:
        record(user, action, f"organisation:{organisation.id}", now, changes=changes)
        _touch_all_drafts()
    return organisation


def set_organisation_active(user, organisation: Organisation, active: bool, now: datetime) -> None:
    """Deactivate or reactivate an organisation. An inactive one keeps its history (comments, amendments,
    votes), but its delegates can no longer comment, propose, support or vote, and its votes do not count."""
    _require_admin(user)
    if organisation.is_active == active:
        return
    organisation.is_active = active
    db.session.flush()
    record(
        user,
        "organisation.activate" if active else "organisation.deactivate",
        f"organisation:{organisation.id}",
        now,
        changes={"is_active": [not active, active]},
    )
    _touch_all_drafts()


# --- people --------------------------------------------------------------------------------------


def _person_fields(person: User) -> dict:
    return {
        "roles": sorted(role.value for role in person.roles),
        "organisation": person.organisation.short_name if person.organisation else None,
        "is_contact_person": person.is_contact_person,
    }


def update_person(
    user, person: User, *, roles: list[Role], organisation: Organisation | None, is_contact_person: bool, now: datetime
) -> None:
    """Set a person's roles, organisation and contact-person flag. Refuses no role, a delegate without an
    organisation, a contact person who is not a delegate of one, and an admin taking away their own admin
    role (so that the installation never loses its last admin)."""
    _require_admin(user)
    roles = list(dict.fromkeys(Role(role) for role in roles))
    if not roles:
        raise FieldRefusal("roles", _l("Please give the person at least one role."))
    if person.id == user.id and Role.ADMIN not in roles:
        raise FieldRefusal(
            "roles", _l("You cannot take away your own administrator role. Ask another administrator to do it.")
        )
    if Role.DELEGATE in roles and organisation is None:
        raise FieldRefusal("organisation", _l("A delegate belongs to an organisation: please choose one."))
    if is_contact_person and (Role.DELEGATE not in roles or organisation is None):
        raise FieldRefusal("is_contact_person", _l("Only a delegate of an organisation can be its contact person."))
    before = _person_fields(person)
    person.organisation = organisation
    person.is_contact_person = bool(is_contact_person)
    kept = [row for row in person.role_rows if row.role in roles]
    person.role_rows = kept + [UserRole(role=role) for role in roles if role not in {row.role for row in kept}]
    db.session.flush()
    changes = _changes(before, _person_fields(person))
    if changes:
        record(user, "person.update", f"user:{person.id}", now, changes=changes)


def set_person_active(user, person: User, active: bool, now: datetime) -> None:
    """Deactivate a person (they can no longer sign in, and every open session of theirs ends) or
    reactivate them. Refuses an admin deactivating themselves."""
    _require_admin(user)
    if person.id == user.id and not active:
        raise NotAllowed(_l("You cannot deactivate your own account. Ask another administrator to do it."))
    if person.is_active_account == active:
        return
    person.is_active_account = active
    if active:
        person.failed_logins = 0
        person.last_failed_login_at = None
    else:
        end_sessions(person)
    db.session.flush()
    record(
        user,
        "person.activate" if active else "person.deactivate",
        f"user:{person.id}",
        now,
        changes={"is_active": [not active, active]},
    )
