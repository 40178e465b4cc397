"""Settings, read from the environment, with safe defaults for development."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration would make the app unsafe or unusable."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(instance_path: Path) -> str:
    """`DATABASE_URL` from the environment, else SQLite under `instance/`.

    A plain `postgresql://` or `postgres://` URL is mapped to the psycopg 3 driver.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_path / 'consult.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(instance_path: Path) -> dict:
    """The app's settings; `CONSULT_ENV` is `development` (default) or `production`."""
    env = os.environ.get("CONSULT_ENV", "development").strip().lower()
    production = env == "production"
    return {
        "CONSULT_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "LANGUAGES": ("de", "en", "tr", "ar"),
        # Languages written right to left: their pages carry dir="rtl" and the layout mirrors.
        "RTL_LANGUAGES": ("ar",),
        # The reading languages drafts are translated into (consult.translations), as BCP 47 tags, comma-separated
        # in CONSULT_TRANSLATION_LANGUAGES. Leichte Sprache is "de-x-ls": German (screen readers read it with a German
        # voice) with the private-use subtag "ls", as BCP 47 has no subtag of its own for easy-read German.
        "TRANSLATION_LANGUAGES": tuple(
            code.strip()
            for code in os.environ.get("CONSULT_TRANSLATION_LANGUAGES", "tr,ar,en,de-x-ls").split(",")
            if code.strip()
        ),
        # SQLite only: seconds a write waits for the database's one write lock before it fails with
        # "database is locked" (see consult.core.db).
        "SQLITE_BUSY_TIMEOUT": float(os.environ.get("CONSULT_SQLITE_BUSY_TIMEOUT") or "15"),
        # How passwords are hashed (werkzeug's notation, e.g. "scrypt:32768:8:1"); empty: werkzeug's default,
        # scrypt with its current cost. Raise it for more safety, lower it only for tests.
        "PASSWORD_HASH_METHOD": os.environ.get("CONSULT_PASSWORD_HASH_METHOD", "").strip() or None,
        # Sign-in throttle: after this many wrong passwords in a row, an account
        # refuses further attempts for LOGIN_LOCK_SECONDS.
        "LOGIN_MAX_FAILURES": int(os.environ.get("CONSULT_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_SECONDS": int(os.environ.get("CONSULT_LOGIN_LOCK_SECONDS", "300")),
        # Flask-Limiter: where request counts are kept (memory:// per process; redis://host:6379 shared).
        "RATELIMIT_ENABLED": _flag("CONSULT_RATELIMIT", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("CONSULT_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Reverse proxies in front of the app whose X-Forwarded-For / -Proto are trusted (0: none). The client
        # address (sign-in limits) is then the one the nearest proxy saw, not the proxy's own.
        "PROXY_COUNT": int(os.environ.get("CONSULT_PROXY_COUNT", "0")),
        # Sign-in limits per client address (Flask-Limiter syntax; only POSTs count).
        "LOGIN_RATE_LIMIT": os.environ.get("CONSULT_LOGIN_RATE_LIMIT", "10 per minute;100 per hour"),
        # Two-factor sign-in is required for moderators, board and admins unless CONSULT_REQUIRE_2FA=0
        # (a closed test installation; every privileged page then says so).
        "REQUIRE_2FA": _flag("CONSULT_REQUIRE_2FA", True),
        # How long the code page waits after a correct password before the password is asked again.
        "TWO_FACTOR_PENDING_SECONDS": int(os.environ.get("CONSULT_TWO_FACTOR_PENDING_SECONDS", "300")),
        # Per client address, on POSTs only (Flask-Limiter's notation).
        "INVITATION_RATE_LIMIT": os.environ.get("CONSULT_INVITATION_RATE_LIMIT", "20 per minute;200 per hour"),
        "RESET_RATE_LIMIT": os.environ.get("CONSULT_RESET_RATE_LIMIT", "5 per minute;30 per hour"),
        # The unsubscribe links of notification e-mails (public, like the reset links): enough for a person,
        # too few to try tokens.
        "UNSUBSCRIBE_RATE_LIMIT": os.environ.get("CONSULT_UNSUBSCRIBE_RATE_LIMIT", "10 per minute;100 per hour"),
        # E-mail: without MAIL_SMTP_HOST, messages are printed to the console and kept on /admin/outbox (development).
        "MAIL_SMTP_HOST": os.environ.get("MAIL_SMTP_HOST", "").strip(),
        "MAIL_SMTP_PORT": int(os.environ.get("MAIL_SMTP_PORT", "587")),
        "MAIL_SMTP_USER": os.environ.get("MAIL_SMTP_USER", ""),
        "MAIL_SMTP_PASSWORD": os.environ.get("MAIL_SMTP_PASSWORD", ""),
        "MAIL_SMTP_STARTTLS": _flag("MAIL_SMTP_STARTTLS", True),
        "MAIL_SMTP_SSL": _flag("MAIL_SMTP_SSL", False),
        # TLS to the mail server checks its certificate against the system's authorities, or only against
        # this file (PEM) for a server whose certificate a private authority signed.
        "MAIL_SMTP_CA_FILE": os.environ.get("MAIL_SMTP_CA_FILE", "").strip(),
        "MAIL_SMTP_TIMEOUT": int(os.environ.get("MAIL_SMTP_TIMEOUT", "10")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Bundeskonferenz <noreply@consult.invalid>"),
        "MAIL_SEND_AFTER_RESPONSE": _flag("MAIL_SEND_AFTER_RESPONSE", True),
        # How sent e-mail leaves: "smtp" (through MAIL_SMTP_HOST), "console" (printed to the server's console and kept
        # on /admin/outbox: development and the demo) or "log" (not sent: one WARNING line per message, on purpose,
        # e.g. a closed test installation). Empty: smtp with MAIL_SMTP_HOST, else console outside production;
        # production without MAIL_SMTP_HOST refuses to start unless MAIL_BACKEND=log (see check()).
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "").strip().lower(),
        # Without MAIL_SMTP_HOST, each message is printed to the server's console (stderr); 0 keeps it to the log.
        "MAIL_CONSOLE": _flag("CONSULT_MAIL_CONSOLE", True),
        # Logging (consult.core.logs): one line per request and every line of a request with its id, on stderr as
        # "text" or as JSON lines ("json"); the level of the consult loggers.
        "LOG_FORMAT": os.environ.get("CONSULT_LOG_FORMAT", "text").strip().lower(),
        "LOG_LEVEL": os.environ.get("CONSULT_LOG_LEVEL", "INFO").strip().upper(),
        # The address links in e-mails start with (the app cannot know it behind a proxy), e.g. https://beteiligung.example.org
        "PUBLIC_URL": os.environ.get("CONSULT_PUBLIC_URL", "").rstrip("/"),
        # Request bodies: a form may be this large (bytes), a request that uploads a file (a view marked
        # with consult.core.inputs.accepts_upload) MAX_UPLOAD_LENGTH; larger ones get 413 naming the limit.
        "MAX_CONTENT_LENGTH": int(os.environ.get("CONSULT_MAX_FORM_BYTES", str(1024 * 1024))),
        "MAX_FORM_MEMORY_SIZE": int(os.environ.get("CONSULT_MAX_FORM_BYTES", str(1024 * 1024))),
        "MAX_UPLOAD_LENGTH": int(os.environ.get("CONSULT_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
        "MARKDOWN_MAX_LENGTH": int(os.environ.get("CONSULT_MARKDOWN_MAX_LENGTH", "20000")),
        # The adopted position's documents are rendered after the adoption's commit (consult.exports.jobs):
        # in a thread of the adopting process (off: at once, in the request; for tests), picked up again by
        # any process when pending longer than PICKUP_AFTER seconds or rendering longer than STALE_AFTER.
        "DOCUMENTS_IN_BACKGROUND": _flag("CONSULT_DOCUMENTS_IN_BACKGROUND", True),
        "DOCUMENTS_PICKUP_AFTER": float(os.environ.get("CONSULT_DOCUMENTS_PICKUP_AFTER") or "10"),
        "DOCUMENTS_STALE_AFTER": float(os.environ.get("CONSULT_DOCUMENTS_STALE_AFTER") or "120"),
        # `flask backup` without a PATH writes consult-<UTC time>.dump / .sqlite3 here (consult.backup).
        "BACKUP_DIR": os.environ.get("CONSULT_BACKUP_DIR", "").strip() or str(instance_path / "backups"),
        # The directory of pg_dump, pg_restore and psql for backups of PostgreSQL (empty: found on PATH). They must
        # be at least the server's version, e.g. /usr/lib/postgresql/15/bin.
        "PG_BIN_DIR": os.environ.get("CONSULT_PG_BIN_DIR", "").strip(),
        # Rendered draft pages kept per process (characters; 0: off), see consult.core.page_cache.
        "PAGE_CACHE_BYTES": int(os.environ.get("CONSULT_PAGE_CACHE_BYTES", str(32 * 1024 * 1024))),
        # A draft longer than this many paragraphs is sent by § ranges of this size, the next one as the reader
        # scrolls (consult.reading.ranges): a 1,000-paragraph draft does not send megabytes at once.
        "DRAFT_RANGE_PARAGRAPHS": int(os.environ.get("CONSULT_DRAFT_RANGE_PARAGRAPHS") or "100"),
    }


MAIL_BACKENDS = ("smtp", "console", "log")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def mail_backend(config) -> str:
    """How sent e-mail leaves (see MAIL_BACKEND above), the default filled in."""
    chosen = config.get("MAIL_BACKEND") or ""
    if chosen:
        return chosen
    return "smtp" if config.get("MAIL_SMTP_HOST") else "console"


def check(config: dict) -> None:
    """Refuse settings that are unsafe in production or that cannot work, with a message that says what to set."""
    production = config.get("CONSULT_ENV") == "production"
    if production and config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY):
        raise ConfigError(
            "CONSULT_ENV=production needs its own SECRET_KEY; refusing to start with the development key."
        )
    backend = config.get("MAIL_BACKEND") or ""
    if backend and backend not in MAIL_BACKENDS:
        raise ConfigError(f"MAIL_BACKEND={backend!r} is not known; choose one of: {', '.join(MAIL_BACKENDS)}.")
    if backend == "smtp" and not config.get("MAIL_SMTP_HOST"):
        raise ConfigError("MAIL_BACKEND=smtp needs MAIL_SMTP_HOST (the mail server's name).")
    if production and not config.get("MAIL_SMTP_HOST") and backend != "log":
        raise ConfigError(
            "CONSULT_ENV=production needs a mail server for invitations and password resets: set MAIL_SMTP_HOST "
            "(and MAIL_SMTP_USER, MAIL_SMTP_PASSWORD). To run without sending e-mail on purpose, set "
            "MAIL_BACKEND=log: every message is then only a WARNING line in the log."
        )
    if config.get("LOG_FORMAT", "text") not in LOG_FORMATS:
        raise ConfigError(f"CONSULT_LOG_FORMAT={config.get('LOG_FORMAT')!r} is not known; choose text or json.")
    if config.get("LOG_LEVEL", "INFO") not in LOG_LEVELS:
        raise ConfigError(
            f"CONSULT_LOG_LEVEL={config.get('LOG_LEVEL')!r} is not known; choose one of: {', '.join(LOG_LEVELS)}."
        )
