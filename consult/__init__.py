"""consult: member organisations shape draft position papers together.

`create_app()` reads like the table of contents of the application.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from consult import config as settings

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings from the environment, overridden by `config` (tests)."""
    instance_path = Path(os.environ.get("CONSULT_INSTANCE_PATH", ROOT / "instance"))
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(settings.from_environment(instance_path))
    if config:
        app.config.update(config)
    settings.check(app.config)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["PROXY_COUNT"]
        # Wrapping wsgi_app is how Flask and Werkzeug document middleware; mypy sees a method replaced.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    # A database server may drop idle connections: test each one as it leaves the pool. An SQLite
    # file cannot drop them, and the test would be one more statement in every request.
    engine_options: dict[str, Any] = {"pool_pre_ping": not uri.startswith("sqlite")}
    if uri.startswith("sqlite"):
        # How long a write waits for SQLite's one write lock before "database is locked" (consult.core.db).
        engine_options["connect_args"] = {"timeout": app.config["SQLITE_BUSY_TIMEOUT"]}
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)
    if uri.startswith("sqlite:///"):
        instance_path.mkdir(parents=True, exist_ok=True)

    from consult.core import inputs

    inputs.init_app(app)  # before any route (its converters) and any other request hook

    from consult.core import logs

    logs.init_app(app)  # the request's id and clock, before the other hooks

    from consult import extensions, models  # noqa: F401  (every table, for Flask-Migrate)
    from consult.drafts import revision  # noqa: F401  (keeps Draft.revision, the key of cached pages)

    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    extensions.login_manager.init_app(app)
    extensions.csrf.init_app(app)
    extensions.htmx.init_app(app)

    from consult.core import compression, errors, headers, i18n, once, static_files, templating

    compression.init_app(app)  # runs after every other response hook, whenever it is registered
    static_files.init_app(app)
    headers.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    once.init_app(app)
    errors.init_app(app)

    from consult.mail import services as mail

    mail.init_app(app)

    from consult.accounts import auth, two_factor_views
    from consult.accounts import cli as accounts_cli
    from consult.accounts import views as accounts_views
    from consult.admin import views as admin_views
    from consult.amendments import views as amendments_views
    from consult.api import views as api_views
    from consult.board import cli as board_cli
    from consult.board import views as board_views
    from consult.comments import views as comments_views
    from consult.core import health
    from consult.demo import cli as demo_cli
    from consult.drafts import cli as drafts_cli
    from consult.exports import cli as exports_cli
    from consult.exports import views as exports_views
    from consult.invitations import views as invitations_views
    from consult.live import views as live_views
    from consult.moderation import views as moderation_views
    from consult.notifications import views as notifications_views
    from consult.organisations import cli as organisations_cli
    from consult.participation import views as participation_views
    from consult.password_reset import views as password_reset_views
    from consult.profile import views as profile_views
    from consult.reading import views as reading_views
    from consult.results import views as results_views
    from consult.translations import views as translations_views
    from consult.versions import views as versions_views
    from consult.votes import views as votes_views
    from consult.workspace import views as workspace_views

    auth.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(accounts_views.bp)
    app.register_blueprint(two_factor_views.bp)
    app.register_blueprint(reading_views.bp)
    app.register_blueprint(comments_views.bp)
    app.register_blueprint(votes_views.bp)
    app.register_blueprint(live_views.bp)
    app.register_blueprint(amendments_views.bp)
    app.register_blueprint(board_views.bp)
    app.register_blueprint(exports_views.bp)
    app.register_blueprint(versions_views.bp)
    app.register_blueprint(results_views.bp)
    app.register_blueprint(participation_views.bp)
    app.register_blueprint(moderation_views.bp)
    app.register_blueprint(api_views.bp)
    app.register_blueprint(invitations_views.bp)
    app.register_blueprint(password_reset_views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(profile_views.bp)
    app.register_blueprint(translations_views.bp)
    app.register_blueprint(notifications_views.bp)
    app.register_blueprint(workspace_views.bp)
    # After the views are imported: their limits (and any on a blueprint) are known by now.
    extensions.init_limiter(app)

    organisations_cli.init_app(app)
    accounts_cli.init_app(app)
    drafts_cli.init_app(app)
    board_cli.init_app(app)
    demo_cli.init_app(app)
    exports_cli.init_app(app)

    from consult.backup import cli as backup_cli

    backup_cli.init_app(app)

    from consult import scheduled

    scheduled.init_app(app)

    from consult.core.access import public

    app.view_functions["static"] = public(app.view_functions["static"])
    return app
