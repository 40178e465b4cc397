"""Flask-Login wiring: loading the signed-in person, and the anonymous visitor.

Most views get the person as a `User` with their organisation and roles, objects that
services can link to. A view that only asks who the person is (the vote POST, the most
frequent request of a voting session) declares it with `identity_only` and gets an
`Identity`: the same facts, read fresh in one row, without the cost of loading objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import joinedload

from consult.accounts.models import Role, User, UserRole, UserSession
from consult.accounts.signin import token_hash
from consult.extensions import db, login_manager
from consult.organisations.models import Organisation

# Their sign-in (consult.accounts.signin) still stands: checked in the query that loads the person.
_SESSION_STANDS = exists().where(UserSession.user_id == bindparam("id"), UserSession.token_hash == bindparam("token"))
# The person, their organisation (joined by the relationship) and their roles, in one query.
# Built once: `session.get` would build the statement and its cache key on every request.
_SIGNED_IN = select(User).where(User.id == bindparam("id"), _SESSION_STANDS).options(joinedload(User.role_rows))

_user, _organisation, _role = User.__table__, Organisation.__table__, UserRole.__table__
# The same facts as rows: one per role (one with role NULL for a person without roles).
_IDENTITY = (
    select(
        _user.c.id,
        _user.c.name,
        _user.c.organisation_id,
        _user.c.locale,
        _user.c.is_active_account,
        _user.c.session_version,
        _user.c.totp_enabled_at,
        _organisation.c.name.label("organisation_name"),
        _organisation.c.short_name,
        _organisation.c.is_member,
        _organisation.c.is_active,
        _role.c.role,
    )
    .select_from(
        _user.outerjoin(_organisation, _organisation.c.id == _user.c.organisation_id).outerjoin(
            _role, _role.c.user_id == _user.c.id
        )
    )
    .where(_user.c.id == bindparam("id"), _SESSION_STANDS)
)


@dataclass(frozen=True)
class OrganisationFacts:
    """What the predicates and the page frame read of the person's organisation."""

    id: int
    name: str
    short_name: str
    is_member: bool
    is_active: bool


class Identity(UserMixin):
    """The signed-in person as read in one query: who they are, their roles and their
    organisation's standing, all a permission predicate or the page frame reads of a `User`.
    It is no database object, so it cannot be linked to: only `identity_only` views get it."""

    is_active = True  # the loader returns no one for a deactivated account

    def __init__(
        self,
        id: int,
        name: str,
        organisation_id: int | None,
        locale: str | None,
        roles: frozenset[Role],
        organisation: OrganisationFacts | None,
        session_version: int,
        two_factor_enabled: bool = False,
        session_token: str | None = None,
    ):
        self.id, self.name, self.organisation_id, self.locale = id, name, organisation_id, locale
        self.roles, self.organisation, self.session_version = roles, organisation, session_version
        self.two_factor_enabled = two_factor_enabled  # read by the two-factor requirement on every request
        self.session_token = session_token

    def get_id(self) -> str:
        """As `User.get_id`: "id.session_version.token"."""
        return f"{self.id}.{self.session_version}.{self.session_token or ''}"

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    def __repr__(self) -> str:
        return f"<Identity {self.id}>"


def identity_only(view: Callable) -> Callable:
    """Mark a view that reads of the signed-in person only what `Identity` holds."""
    view.identity_only = True  # type: ignore[attr-defined]  # a mark on the function, read with getattr
    return view


def _wants_identity_only() -> bool:
    if not has_request_context() or request.endpoint is None:
        return False
    return getattr(current_app.view_functions.get(request.endpoint), "identity_only", False)


def load_identity(user_id: int, session_version: int, token: str) -> Identity | None:
    """The active person with this id as an `Identity`, or None (also when their sessions were
    ended since: another `session_version` or no sign-in with this token, as `load_user`
    refuses it); one query."""
    rows = db.session.connection().execute(_IDENTITY, {"id": user_id, "token": token_hash(token)}).all()
    if not rows or not rows[0].is_active_account or rows[0].session_version != session_version:
        return None
    first = rows[0]
    organisation = (
        OrganisationFacts(
            first.organisation_id, first.organisation_name, first.short_name, first.is_member, first.is_active
        )
        if first.organisation_id is not None
        else None
    )
    return Identity(
        first.id,
        first.name,
        first.organisation_id,
        first.locale,
        frozenset(row.role for row in rows if row.role is not None),
        organisation,
        first.session_version,
        first.totp_enabled_at is not None,
        token,
    )


class Guest(AnonymousUserMixin):
    """A visitor who is not signed in: no roles, no organisation."""

    roles: frozenset = frozenset()
    organisation = None
    organisation_id = None

    def has_role(self, *roles) -> bool:
        return False


def init_app(app) -> None:
    from consult.accounts.forms import LANGUAGES

    app.jinja_env.globals["languages"] = LANGUAGES
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.anonymous_user = Guest
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | Identity | None:
        # "id.session_version.token" (User.get_id): a session from before the version was raised,
        # or whose sign-in row was deleted (signed out), is over. It runs on every request of a
        # signed-in person, after Flask-Login's session protection.
        user_id, version, token = (session_id.split(".", 2) + ["", ""])[:3]
        if not (user_id.isdigit() and version.isdigit() and token):
            return None
        if _wants_identity_only():
            return load_identity(int(user_id), int(version), token)
        user = (
            db.session.execute(_SIGNED_IN, {"id": int(user_id), "token": token_hash(token)})
            .unique()
            .scalar_one_or_none()
        )
        if user is None or not user.is_active or user.session_version != int(version):
            return None
        user.session_token = token
        return user
