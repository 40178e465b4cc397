"""The application factory: settings, safety checks, database pragmas."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from consult import create_app
from consult.config import DEV_SECRET_KEY, ConfigError
from consult.extensions import db


def test_production_refuses_the_development_secret_key(monkeypatch):
    monkeypatch.setenv("CONSULT_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()
    with pytest.raises(ConfigError):
        create_app({"SECRET_KEY": DEV_SECRET_KEY})


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("CONSULT_ENV", "production")
    monkeypatch.setenv("MAIL_BACKEND", "log")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_postgres_urls_use_psycopg_3(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/consult")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/consult"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True  # a server may drop connections


def test_default_database_is_sqlite_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'consult.sqlite3'}"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False  # a file cannot


def test_sqlite_runs_with_wal_and_foreign_keys(app, backend):
    # Decided by the database the app was given, also when it came as configuration, not from DATABASE_URL.
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is (backend == "postgresql")
    if backend != "sqlite":
        return
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_session_cookie_is_httponly_and_lax(client, auth, app):
    from tests import factories

    factories.user(email="a@example.org")
    db.session.commit()
    response = auth.login("a@example.org", factories.PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_wsgi_entry_point_runs_in_production_mode(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "CONSULT_ENV", "MAIL_BACKEND")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/w.sqlite3"
    code = "import wsgi; print(wsgi.app.config['CONSULT_ENV'], wsgi.app.config['SESSION_COOKIE_SECURE'])"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    refused = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=root)
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr
    env["SECRET_KEY"] = "a-real-secret"
    env["MAIL_BACKEND"] = "log"
    started = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=root)
    assert started.stdout.strip() == "production True", started.stderr


def test_wsgi_entry_point_keeps_the_app_out_of_the_garbage_collectors_full_collections(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/w.sqlite3", "SECRET_KEY": "s", "MAIL_BACKEND": "log"}
    code = "import gc, wsgi; print(gc.get_freeze_count() > 100000, any(o is wsgi.app for o in gc.get_objects()))"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    started = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=root)
    assert started.stdout.strip() == "True False", started.stderr  # frozen: in no generation the collector walks
