"""The Flask extensions, unbound: `create_app` binds them, areas import them from here."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from flask import current_app
from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from consult.core.db import Base

db = SQLAlchemy(model_class=Base)

# The base class of every table: `db.Model`, under a name of its own. mypy cannot take an attribute
# of an instance (`db.Model`) as a base class (python/mypy#8603: "Name 'db.Model' is not defined"),
# so it reads this declaration of what db.Model is (Flask-SQLAlchemy's Model mixin on our Base),
# while the app runs on db.Model itself. Areas write `class Thing(Model)`.
if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskSQLAlchemyModel
    from sqlalchemy import Table

    class Model(_FlaskSQLAlchemyModel, Base):
        __abstract__ = True
        # Every model here is mapped to a table (none to a query), as the Core statements that read
        # Model.__table__ assume; SQLAlchemy types it as any FromClause and suggests this declaration.
        __table__: ClassVar[Table]
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
babel = Babel()
# Rate limits per client address (sign-in, password reset, invitations). Storage from RATELIMIT_STORAGE_URI,
# so that several app processes count together (e.g. redis://); memory:// counts per process.
limiter = Limiter(key_func=get_remote_address)


def init_limiter(app) -> None:
    """Bind the limiter, without its check before every request.

    Our only limits are those of `posts_limited_by`, and a decorated view checks its own limits
    when it runs. Flask-Limiter's hook before every request looks for default, application and
    blueprint limits, which this app does not set: on every other request (a vote, a page) it would
    work out, for nothing, that there are none. Should such limits ever be configured, the hook stays;
    call this after the views are imported, so that limits on a blueprint are seen.
    """
    limiter.init_app(app)  # registers nothing while RATELIMIT_ENABLED is off
    manager, hooks = limiter.limit_manager, app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks and not (
        manager.default_limits or manager.application_limits or manager._blueprint_limits
    ):
        hooks.remove(limiter._check_request_limit)


def posts_limited_by(setting: str):
    """Limit a route's POSTs per client address by the limit in app.config[setting], read at each request
    (e.g. "10 per minute;100 per hour"), so that settings and tests can change it."""
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])
