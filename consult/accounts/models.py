"""People and their roles."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.core.db import UTCDateTime, str_enum, utcnow
from consult.extensions import Model
from consult.organisations.models import Organisation


class Role(enum.StrEnum):
    DELEGATE = "delegate"
    MODERATOR = "moderator"
    BOARD = "board"
    ADMIN = "admin"


NAME_MAX_LENGTH = 120  # a person's name as others see it (consult/core/names.py)


class User(UserMixin, Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    password_hash: Mapped[str] = mapped_column(String(255))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    last_failed_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Part of the id kept in every session and remember-me cookie: raising it ends all sessions
    # (a changed or reset password, a deactivated account).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # A delegate who is their organisation's contact person invites people to it (issue 6).
    is_contact_person: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Two-factor sign-in (consult.accounts.two_factor): the TOTP secret (base32; set while setting up,
    # in force once `totp_enabled_at` is set) and the newest time step used, so no code works twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_counter: Mapped[int | None] = mapped_column(BigInteger)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    # The secret of the sign-in this object was loaded for or signed in with (not a column): part of
    # the id in the cookie, so that this one session can be ended on the server (UserSession). Its type is
    # declared for type checkers only: an annotation in the class body would ask the ORM for a column.
    if TYPE_CHECKING:
        session_token: str | None
    session_token = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie:
        "id.session_version.token" (consult.accounts.signin)."""
        return f"{self.id}.{self.session_version}.{self.session_token or ''}"

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class UserSession(Model):
    """One sign-in of a person, alive while its row exists (consult.accounts.signin).

    The cookie is signed but kept by the browser, so a copy outlives any sign-out that only
    clears it; the row is what the server ends. Only a hash of the token is stored, so the table
    alone does not give anyone a session."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
