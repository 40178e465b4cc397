"""Inviting people, accepting an invitation, and importing a list of invitations.

Who invites whom: an admin invites anyone to any organisation with any roles; a
delegate who is their organisation's contact person invites delegates to their own
organisation. An invitation link works once and for INVITATION_DAYS days; a new
invitation to the same address replaces the open one. The link's token is only in the
e-mail; the database keeps its digest.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from consult.accounts.models import Role, User
from consult.accounts.services import (
    EMAIL,
    MIN_PASSWORD_LENGTH,
    create_user,
    get_by_email,
    hash_password,
    normalise_email,
)
from consult.audit.services import record
from consult.core.refusals import AlreadyChanged, InvalidInput, LinkGone, NotAllowed, Refusal
from consult.core.tokens import digest, new_token
from consult.extensions import db
from consult.invitations.models import Invitation
from consult.mail.services import absolute_url, queue_mail
from consult.organisations.models import Organisation

INVITATION_DAYS = 14
USED = _l("This invitation has already been used. Please sign in with your e-mail address and password.")


def can_invite(user) -> bool:
    return user.is_authenticated and (user.has_role(Role.ADMIN) or _is_contact(user))


def _is_contact(user) -> bool:
    organisation = user.organisation
    return (
        user.has_role(Role.DELEGATE) and user.is_contact_person and organisation is not None and organisation.is_active
    )


@dataclass(frozen=True)
class Grant:
    """What one person may give in invitations: looked up once, whether for one invitation or a list."""

    roles: tuple[Role, ...]
    organisations: tuple[Organisation, ...]


def grant_of(user) -> Grant:
    if user.has_role(Role.ADMIN):
        return Grant(
            tuple(Role),
            tuple(db.session.scalars(select(Organisation).where(Organisation.is_active).order_by(Organisation.name))),
        )
    if _is_contact(user):
        return Grant((Role.DELEGATE,), (user.organisation,))
    return Grant((), ())


def _check(
    inviter,
    grant: Grant,
    email: str,
    organisation: Organisation | None,
    roles: list[Role],
    taken: set[str] | None = None,
) -> str:
    """The normalised address, or InvalidInput / NotAllowed saying what is wrong. `taken`: addresses known
    to have an account (a list's check reads them in one query), else the address is looked up."""
    if not can_invite(inviter):
        raise NotAllowed(_l("Only admins and the contact persons of organisations can invite people."))
    email = normalise_email(email)
    if not EMAIL.match(email):
        raise InvalidInput(_l("“%(email)s” is not an e-mail address.", email=email))
    if not roles:
        raise InvalidInput(_l("Please choose at least one role."))
    if any(role not in grant.roles for role in roles):
        raise NotAllowed(_l("You cannot give this role."))
    if organisation is not None and organisation not in grant.organisations:
        raise NotAllowed(_l("You can only invite people to your own organisation."))
    if organisation is not None and not organisation.is_active:
        raise InvalidInput(_l("This organisation is deactivated."))
    if Role.DELEGATE in roles and organisation is None:
        raise InvalidInput(_l("A delegate belongs to an organisation: please choose one."))
    if (email in taken) if taken is not None else (get_by_email(email) is not None):
        raise InvalidInput(_l("%(email)s already has an account.", email=email))
    return email


def invite(
    inviter,
    email: str,
    organisation: Organisation | None,
    roles: list[Role],
    locale: str,
    now: datetime,
    grant: Grant | None = None,
    taken: set[str] | None = None,
) -> Invitation:
    """Invite a person: the invitation, its e-mail in the outbox, and a line in the audit log.
    `grant` and `taken` (see _check) spare a list the lookups per row."""
    email = _check(inviter, grant or grant_of(inviter), email, organisation, roles, taken)
    # A new invitation to the same address replaces the open one: only the newest link works.
    db.session.execute(
        update(Invitation)
        .where(Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token, token_digest = new_token()
    invitation = Invitation(
        email=email,
        organisation=organisation,
        roles=",".join(r.value for r in roles),
        locale=locale,
        token_digest=token_digest,
        invited_by_id=inviter.id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    queue_mail(
        email,
        "invitation",
        locale,
        invitation=invitation,
        inviter=inviter,
        days=INVITATION_DAYS,
        link=absolute_url("invitations.accept_invitation", token=token),
    )
    record(
        inviter,
        "invitation.create",
        f"invitation:{invitation.id}",
        now,
        email=email,
        organisation=organisation.short_name if organisation else None,
        roles=invitation.roles,
    )
    return invitation


def revoke(user, invitation: Invitation, now: datetime) -> None:
    if not can_invite(user) or (not user.has_role(Role.ADMIN) and invitation.organisation_id != user.organisation_id):
        raise NotAllowed(_l("You cannot withdraw this invitation."))
    if invitation.state(now) != "open":
        raise AlreadyChanged(_l("This invitation is no longer open."))
    invitation.revoked_at = now
    record(user, "invitation.revoke", f"invitation:{invitation.id}", now, email=invitation.email)


def find_open(token: str, now: datetime) -> Invitation:
    """The invitation of a link, or LinkGone (410) saying why it does not work."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_digest == digest(token)))
    if invitation is None:
        raise LinkGone(
            _l("This invitation link is not valid. Please check that you copied the whole link from the e-mail.")
        )
    state = invitation.state(now)
    if state == "accepted":
        raise LinkGone(USED)
    if state == "revoked":
        raise LinkGone(
            _l(
                "This invitation was withdrawn or replaced by a newer one. Please use the link "
                "in the newest e-mail, or ask for a new invitation."
            )
        )
    if state == "expired":
        raise LinkGone(_l("This invitation has expired. Please ask the person who invited you for a new one."))
    return invitation


def accept(token: str, name: str, password: str, now: datetime) -> User:
    """Make the account of an open invitation: once. A second use, even at the same moment, is refused.
    The password is hashed before anything is written, so the transaction that writes is short."""
    invitation = find_open(token, now)
    if not name.strip():
        raise InvalidInput(_l("Please enter your name."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_l("The password needs at least %(num)d characters.", num=MIN_PASSWORD_LENGTH))
    if get_by_email(invitation.email) is not None:
        raise InvalidInput(_l("%(email)s already has an account.", email=invitation.email))
    # The slow hash before the first write: the write lock is then held for milliseconds (hash_password).
    password_hash = hash_password(password)
    taken = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(accepted_at=now)
    )
    assert isinstance(taken, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    if taken.rowcount != 1:
        raise LinkGone(USED)
    user = create_user(
        invitation.email, name, password, invitation.role_list, invitation.organisation, password_hash=password_hash
    )
    user.locale = invitation.locale
    invitation.user_id = user.id
    record(user, "invitation.accept", f"invitation:{invitation.id}", now, email=invitation.email)
    db.session.flush()
    return user


# -- A list of invitations from CSV ------------------------------------------------------------------

ROLE_WORDS = {
    "delegate": Role.DELEGATE,
    "delegierte": Role.DELEGATE,
    "delegierter": Role.DELEGATE,
    "delegierte*r": Role.DELEGATE,
    "moderator": Role.MODERATOR,
    "moderation": Role.MODERATOR,
    "board": Role.BOARD,
    "vorstand": Role.BOARD,
    "admin": Role.ADMIN,
    "administration": Role.ADMIN,
    "administrator": Role.ADMIN,
    "administratorin": Role.ADMIN,
    "administrator*in": Role.ADMIN,
}
COLUMNS = {
    "email": ("email", "e-mail", "mail"),
    "organisation": ("organisation", "organization", "organisation (short name)", "kürzel", "organisation (kürzel)"),
    "role": ("role", "rolle"),
}


@dataclass
class ImportRow:
    line: int
    email: str
    organisation: str
    role: str
    problem: str | None = None
    invitation: Invitation | None = None


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    problem: str | None = None  # the file as a whole (no header, unreadable)

    @property
    def ok(self) -> bool:
        return self.problem is None and bool(self.rows) and all(row.problem is None for row in self.rows)


def _read_rows(text: str) -> tuple[list[ImportRow], str | None]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [cell.strip().lower() for cell in next(reader, [])]
    where = {}
    for key, names in COLUMNS.items():
        found = [i for i, cell in enumerate(header) if cell in names]
        if not found:
            return [], str(_l("The first line must name the columns: e-mail, organisation, role."))
        where[key] = found[0]
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        rows.append(
            ImportRow(
                reader.line_num,
                cells[where["email"]].strip(),
                cells[where["organisation"]].strip(),
                cells[where["role"]].strip(),
            )
        )
    return rows, None if rows else str(_l("The file has no rows below its first line."))


def import_invitations(inviter, text: str, locale: str, now: datetime, grant: Grant | None = None) -> ImportReport:
    """Check every row; invite all of them when every row is right, else none (the report says why per row)."""
    rows, problem = _read_rows(text)
    report = ImportReport(rows, problem)
    if problem:
        return report
    grant = grant or grant_of(inviter)
    organisations = {o.short_name.lower(): o for o in grant.organisations}
    organisations.update({o.name.lower(): o for o in grant.organisations})
    addresses = {normalise_email(row.email) for row in rows}
    taken = set(db.session.scalars(select(User.email).where(User.email.in_(addresses))))
    seen: set[str] = set()
    for row in rows:
        role = ROLE_WORDS.get(row.role.lower())
        organisation = organisations.get(row.organisation.lower()) if row.organisation else None
        if role is None:
            row.problem = str(_l("Unknown role “%(role)s” (delegate, moderator, board or admin).", role=row.role))
        elif row.organisation and organisation is None:
            row.problem = str(_l("No organisation “%(name)s” that you can invite to.", name=row.organisation))
        elif normalise_email(row.email) in seen:
            row.problem = str(_l("This address is in the file twice."))
        else:
            try:
                _check(inviter, grant, row.email, organisation, [role], taken)
            except Refusal as refusal:
                row.problem = str(refusal.message)
        seen.add(normalise_email(row.email))
    if not report.ok:
        return report
    for row in rows:
        organisation = organisations.get(row.organisation.lower()) if row.organisation else None
        row.invitation = invite(
            inviter, row.email, organisation, [ROLE_WORDS[row.role.lower()]], locale, now, grant, taken
        )
    return report


def invitations_for(user) -> list[Invitation]:
    """What `user` sees on the invitations page: all (admin) or their organisation's, newest first."""
    query = select(Invitation).order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(200)
    if not user.has_role(Role.ADMIN):
        query = query.where(Invitation.organisation_id == user.organisation_id)
    return list(db.session.scalars(query))
