"""Fixtures: an app per test on a clean database (SQLite, and PostgreSQL where available),
a client that signs in through the real form, and a query counter.

A fixture that other test modules import is declared `@pytest.fixture(name="world")` on a function
named `fixture_world`, and imported under that name: a test's parameter `world` then does not
shadow the imported function, which pyflakes (ruff F811) would report as a redefinition."""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from types import CodeType

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import Engine, event, make_url, text
from werkzeug.routing import Rule

from consult import create_app
from consult.extensions import db
from tests import postgres, redis_server

REQUIRE_POSTGRES = os.environ.get("CONSULT_TEST_POSTGRES") == "1"
REQUIRE_BROWSER = os.environ.get("CONSULT_TEST_BROWSER") == "1"
REQUIRE_REDIS = os.environ.get("CONSULT_TEST_REDIS") == "1"
PG_BIN = postgres.server_bin()
REDIS_BIN = redis_server.server_bin()
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)

BACKENDS = ["sqlite"] + (["postgresql"] if PG_BIN or REQUIRE_POSTGRES else [])

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests; production uses scrypt
    "SERVER_NAME": None,
    # Rate limits on, but far above what a test does; the tests of the limits set low ones.
    "RATELIMIT_ENABLED": True,
    "INVITATION_RATE_LIMIT": "10000 per minute",
    "RESET_RATE_LIMIT": "10000 per minute",
    "LOGIN_RATE_LIMIT": "10000 per minute",
    # Tests of moderators and board sign in with the password alone; tests/accounts/test_two_factor.py
    # switches the requirement on.
    "REQUIRE_2FA": False,
    # The adopted position's documents are made at once after the adoption's commit, in the request;
    # tests of the background job switch it on (tests/exports/test_documents_job.py).
    "DOCUMENTS_IN_BACKGROUND": False,
}


_compile_builder = Rule._compile_builder
_builders: dict[tuple, object] = {}


def _kept_builder(self: Rule, append_unknown: bool = True):
    """werkzeug compiles two URL builders per rule with `ast` and `compile` each time an app registers its routes:
    about 25 ms of the 31 ms `create_app` takes, and the tests create an app for each of ~3,000 tests. A builder
    is a function of the rule's text, its parts, its defaults and its converters (it gets the rule as its first
    argument), so the tests keep one per rule and hand it to every app."""
    try:
        key = (
            self.rule,
            self.subdomain,
            self.host,
            tuple(self._trace),
            tuple(sorted((self.defaults or {}).items())),
            tuple((name, type(converter)) for name, converter in self._converters.items()),
            append_unknown,
        )
        builder = _builders.get(key)
    except TypeError:  # a default that cannot be a key
        return _compile_builder(self, append_unknown)
    if builder is None:
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


Rule._compile_builder = _kept_builder  # type: ignore[method-assign]


class _KeptTemplates(BytecodeCache):
    """Each app has its own Jinja environment, which compiles every template it renders: about 20 ms a template,
    and a test's app renders several, a third of the suite's time. The compiled code is a function of the
    template's source and of the environment's settings, so the tests keep one compiled template per source and
    settings and hand it to every app's environment (a changed template has another checksum and is compiled)."""

    def __init__(self) -> None:
        self.codes: dict[tuple, CodeType] = {}

    @staticmethod
    def _key(bucket: Bucket) -> tuple:
        env = bucket.environment
        settings = (
            tuple(sorted(env.extensions)),
            env.block_start_string,
            env.variable_start_string,
            env.comment_start_string,
            env.line_statement_prefix,
            env.line_comment_prefix,
            env.trim_blocks,
            env.lstrip_blocks,
            env.newline_sequence,
            env.keep_trailing_newline,
            env.optimized,
            env.finalize is not None,
            env.is_async,
        )
        return bucket.key, bucket.checksum, settings

    def load_bytecode(self, bucket: Bucket) -> None:
        bucket.code = self.codes.get(self._key(bucket))

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self.codes[self._key(bucket)] = bucket.code


KEPT_TEMPLATES = _KeptTemplates()
_create_jinja_environment = Flask.create_jinja_environment


def _environment_with_kept_templates(self: Flask):
    environment = _create_jinja_environment(self)
    environment.bytecode_cache = KEPT_TEMPLATES
    return environment


Flask.create_jinja_environment = _environment_with_kept_templates  # type: ignore[method-assign]


_make_engine = SQLAlchemy._make_engine
_engines: dict[str, Engine] = {}


def _kept_engine(self: SQLAlchemy, bind_key: str | None, options: dict, app: Flask) -> Engine:
    """Every PostgreSQL test uses the session's one database, yet each app made its own engine: a new dialect that
    asks the server about itself, and an empty cache of compiled statements, so each test compiled every
    statement again (a quarter of a test's time). The tests hand one engine per database and settings to every
    app, as one server process serves all its requests; the `app` fixture still closes its connections after each
    test. SQLite tests each have their own file, and so their own engine."""
    url = make_url(options["url"])
    if url.get_backend_name() != "postgresql":
        return _make_engine(self, bind_key, options, app)
    key = repr(sorted((name, value) for name, value in options.items() if name != "url"))
    key = f"{url.render_as_string(hide_password=False)} {key}"
    engine = _engines.get(key)
    if engine is None:
        engine = _engines[key] = _make_engine(self, bind_key, options, app)
    return engine


SQLAlchemy._make_engine = _kept_engine  # type: ignore[method-assign]


def pytest_configure(config):
    if REQUIRE_POSTGRES and PG_BIN is None:
        raise pytest.UsageError("CONSULT_TEST_POSTGRES=1 but no PostgreSQL server binaries (initdb, pg_ctl) were found")
    if REQUIRE_BROWSER and CHROMIUM is None:
        raise pytest.UsageError("CONSULT_TEST_BROWSER=1 but no Chromium was found (apt-get install chromium)")
    if REQUIRE_REDIS and REDIS_BIN is None:
        raise pytest.UsageError("CONSULT_TEST_REDIS=1 but no redis-server was found (apt-get install redis-server)")
    if os.environ.get("CONSULT_TEST_DEPLOY") == "1":
        # The deployment files are checked by the programs that read them on a server (tests/deploy).
        if shutil.which("nginx") is None and shutil.which("nginx", path="/usr/sbin:/sbin") is None:
            raise pytest.UsageError("CONSULT_TEST_DEPLOY=1 but nginx was not found (apt-get install nginx)")
        if shutil.which("systemd-analyze") is None:
            raise pytest.UsageError("CONSULT_TEST_DEPLOY=1 but systemd-analyze was not found (apt-get install systemd)")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM is None:
        reason = pytest.mark.skip(reason="Chromium not installed (CONSULT_TEST_BROWSER=1 makes this an error)")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(reason)


_outcomes: dict[str, dict[str, int]] = {"postgresql": {}, "browser": {}}


def pytest_runtest_logreport(report):
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    kinds = []
    if "[postgresql" in report.nodeid or "-postgresql" in report.nodeid:
        kinds.append("postgresql")
    if "browser" in report.keywords:
        kinds.append("browser")
    for kind in kinds:
        _outcomes[kind][report.outcome] = _outcomes[kind].get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter):
    """Say how many PostgreSQL and browser tests ran, so CI shows they were not skipped."""
    for kind, label in (("postgresql", "PostgreSQL"), ("browser", "browser (Chromium)")):
        counts = _outcomes[kind]
        text = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "none ran"
        terminalreporter.write_line(f"consult: {label} tests: {text}")


def pytest_report_header(config):
    return [f"consult databases: {', '.join(BACKENDS)}; browser: {CHROMIUM or 'none'}; redis: {REDIS_BIN or 'none'}"]


@pytest.fixture(scope="session")
def pg_cluster():
    if PG_BIN is None:
        raise RuntimeError("PostgreSQL server binaries not found")
    cluster = postgres.Cluster(PG_BIN)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def redis_url():
    """A Redis server for the session (shared rate limits); without redis-server the test is skipped,
    unless CONSULT_TEST_REDIS=1, which pytest_configure turns into an error."""
    if REDIS_BIN is None:
        pytest.skip("redis-server not installed (CONSULT_TEST_REDIS=1 makes this an error)")
    server = redis_server.RedisServer(REDIS_BIN)
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def pg_test_database(pg_cluster):
    """One PostgreSQL database for the session; its tables are created once and emptied after each test."""
    url = pg_cluster.create_database("consult_test")
    _create_tables(url)
    return url


def _create_tables(url: str) -> None:
    """All tables of the models in the (empty) database at `url`; its connections closed after."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()  # on SQLite the last connection closed folds the write-ahead log into the file


@pytest.fixture(scope="session")
def sqlite_template():
    """A SQLite file with all tables and no rows, made once: each test gets a copy of it (a copy takes
    well under a millisecond, `create_all` of the schema about 35 ms)."""
    folder = Path(tempfile.mkdtemp(prefix="consult-template-"))
    path = folder / "template.sqlite3"
    _create_tables(f"sqlite:///{path}")
    yield path
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(request, backend):
    """A clean, empty database with all tables for one test."""
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="consult-test-")
        shutil.copyfile(request.getfixturevalue("sqlite_template"), f"{folder}/test.sqlite3")
        yield f"sqlite:///{folder}/test.sqlite3"
        shutil.rmtree(folder, ignore_errors=True)
    else:
        url = request.getfixturevalue("pg_test_database")
        yield url


@pytest.fixture(params=BACKENDS)
def empty_database(request):
    """A database without any tables, for tests of the migrations (which create them from nothing)."""
    if request.param == "sqlite":
        folder = tempfile.mkdtemp(prefix="consult-migrate-")
        yield f"sqlite:///{folder}/migrate.sqlite3"
        shutil.rmtree(folder, ignore_errors=True)
    else:
        cluster = request.getfixturevalue("pg_cluster")
        yield cluster.create_database("consult_migrations")


@pytest.fixture
def extra_config() -> dict:
    """Settings a test module adds to TEST_CONFIG (override this fixture, e.g. to switch rate limits on)."""
    return {}


@pytest.fixture
def app(database_url, backend, extra_config):
    app = create_app({**TEST_CONFIG, **extra_config, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        yield app
        db.session.remove()
        if backend == "postgresql":
            empty_postgres_tables()
        db.engine.dispose()


def empty_postgres_tables() -> None:
    """Empty every table and restart every sequence, as `TRUNCATE … RESTART IDENTITY` would, in one round trip.

    A TRUNCATE gives each table new files, about 5 ms a table on a test cluster (75 ms after a test with the demo);
    a DELETE of a few rows and `setval` cost well under a millisecond. The test cluster's user is its superuser,
    so the foreign keys' checks are off while the tables are emptied (drafts and their versions refer to each
    other: no order would empty them one by one)."""
    statements = ["SET LOCAL session_replication_role = replica"]
    statements += [f'DELETE FROM "{table.name}"' for table in db.metadata.sorted_tables]
    statements.append(
        "SELECT setval(oid, 1, false) FROM pg_class"
        " WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace"
    )
    with db.engine.begin() as connection:
        connection.exec_driver_sql("; ".join(statements))


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as a real request would:
    its own `g`, its own database session, its own locale."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Auth:
    """Signs in through the real form, CSRF token included."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str, next: str | None = None, follow: bool = False):
        page = self.client.get("/login" + (f"?next={next}" if next else ""))
        data = {"email": email, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True))}
        if next:
            data["next"] = next
        return self.client.post("/login", data=data, follow_redirects=follow)

    def logout(self):
        page = self.client.get("/")
        return self.client.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})


@pytest.fixture
def auth(client):
    return Auth(client)


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter: ...` counts the SQL statements sent to the database."""

    @contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, parameters, context, executemany):
            counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def stamped(app):
    """The test database as `flask db upgrade` leaves it: the migrations' head in alembic_version (the tests'
    schema comes from `create_all`, which writes none), so that /readyz finds the schema current."""
    from flask_migrate import stamp

    stamp()
    yield
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
