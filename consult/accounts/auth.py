"""Flask-Login wiring: loading the signed-in person, and the anonymous visitor."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from consult.accounts.models import User
from consult.extensions import db, login_manager


# The person, their organisation (joined by the relationship) and their roles, in one query.
# Built once: `session.get` would build the statement and its cache key on every request.
_SIGNED_IN = select(User).where(User.id == bindparam("id")).options(joinedload(User.role_rows))


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
    def load_user(session_id: str) -> User | None:
        # "id.session_version" (User.get_id): a session from before the version was raised is over.
        user_id, _, version = session_id.partition(".")
        if not (user_id.isdigit() and version.isdigit()):
            return None
        # It runs on every request of a signed-in person.
        user = db.session.execute(_SIGNED_IN, {"id": int(user_id)}).unique().scalar_one_or_none()
        if user is None or not user.is_active or user.session_version != int(version):
            return None
        return user
