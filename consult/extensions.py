"""The Flask extensions, unbound: `create_app` binds them, areas import them from here."""
from __future__ import annotations

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
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
babel = Babel()
# Rate limits per client address (sign-in, password reset, invitations). Storage from RATELIMIT_STORAGE_URI,
# so that several app processes count together (e.g. redis://); memory:// counts per process.
limiter = Limiter(key_func=get_remote_address)


def posts_limited_by(setting: str):
    """Limit a route's POSTs per client address by the limit in app.config[setting], read at each request
    (e.g. "10 per minute;100 per hour"), so that settings and tests can change it."""
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])
