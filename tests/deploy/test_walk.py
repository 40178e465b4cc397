"""The README's "Deploying" walk, as far as it runs without root and systemd: a PostgreSQL role with a password
and its database, a checkout with a fresh virtual environment installed from the lock file as a server installs
it, the environment file made from deploy/consult.env.example, the migrations, gunicorn started with exactly
deploy/consult.service's command line, the first admin created, and that admin's first sign-in (password, then
setting up two-factor sign-in, which production requires) through the proxy headers nginx sends.

Not run here: apt-get, useradd, systemctl, nginx and certbot (tests/deploy/test_units.py checks the unit and the
nginx configuration). Needs PostgreSQL's server binaries: skipped without them, an error with
CONSULT_TEST_POSTGRES=1 (as CI sets). The fresh install dominates its time (pip's cache helps).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyotp
import pytest

from tests import postgres, redis_server, served
from tests.deploy import files

pytestmark = pytest.mark.walk

ROOT = Path(__file__).resolve().parents[2]
SERVER_ROOT = "/srv/consult"  # the unit's paths, replaced by the test's checkout
UNIT_BIND = "127.0.0.1:8000"
UNIT = files.DEPLOY / "consult.service"
# What systemd gives a service besides the unit's and the environment file's settings.
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Left out of the copy: what a fresh clone does not have.
NOT_CLONED = (
    ".git",
    ".venv",
    "node_modules",
    "instance",
    "__pycache__",
    "build",
    "*.egg-info",
    "test-results",
    ".pytest_cache",
    "screenshots",
    ".mypy_cache",
    ".ruff_cache",
)
ADMIN = "admin@beteiligung.example.org"
CLIENT = "203.0.113.7"  # the browser's address, as nginx passes it on

PG_BIN = postgres.server_bin()
if PG_BIN is None and os.environ.get("CONSULT_TEST_POSTGRES") != "1":
    pytest.skip(
        "PostgreSQL server binaries not installed (CONSULT_TEST_POSTGRES=1 makes this an error)",
        allow_module_level=True,
    )


class PasswordCluster(postgres.Cluster):
    """As on a Debian server: connections over TCP need the role's password (scram-sha-256); the postgres
    user administers through the local socket."""

    AUTH = ("--auth-local=trust", "--auth-host=scram-sha-256")

    def as_postgres(self, program: str, *args: str) -> None:
        """`runuser -u postgres -- PROGRAM ARGS` of the README, on this cluster's socket."""
        self._run(program, "-h", str(self.dir), "-p", str(self.port), "-U", "postgres", *args)


class BehindNginx(served.Browser):
    """A browser reaching gunicorn through deploy/nginx.conf: HTTPS outside, so nginx adds X-Forwarded-Proto and
    X-Forwarded-For, and the browser sends a Referer (the CSRF check wants one over HTTPS). The cookies are
    marked Secure; the cookie jar sends them anyway, as the browser would over HTTPS."""

    def __init__(self, base: str):
        super().__init__(base)
        jar = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "http")))
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), served._NoRedirect())
        self.outside = base.replace("http://", "https://", 1)

    def request(self, path, data=None, headers=None):
        forwarded = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": CLIENT,
            "Referer": self.outside + path.split("?")[0],
        }
        return super().request(path, data, {**forwarded, **(headers or {})})


def run(command: list[str], *, cwd: Path, env: dict, seconds: float = 300) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=seconds)
    assert result.returncode == 0, (
        f"{command} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


def on_server(words: list[str], checkout: Path, bind: str | None = None) -> list[str]:
    """A unit's command line with only the checkout's path (and the bind address) replaced."""
    replaced = [word.replace(SERVER_ROOT, str(checkout), 1) if word.startswith(SERVER_ROOT) else word for word in words]
    if bind is not None:
        assert UNIT_BIND in replaced, f"the unit no longer binds {UNIT_BIND}: {words}"
        replaced = [bind if word == UNIT_BIND else word for word in replaced]
    return replaced


def env_file(example: str, values: dict[str, str]) -> str:
    """The example file with the values of its active settings replaced, as the admin edits it."""
    active = files.settings(example)
    assert set(values) <= set(active), f"not active settings in the example: {set(values) - set(active)}"
    lines = []
    for line in example.splitlines():
        match = files.ASSIGNMENT.match(line)
        if match and match["key"] in values:
            line = f'{match["key"]}="{values[match["key"]]}"'
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.fixture
def work():
    """A folder for the checkout, the environment file and the cache; removed afterwards, in the background:
    unlinking the venv's 6,000 files takes 20 to 30 s on this machine's disk (mounted with online discard)."""
    folder = Path(tempfile.mkdtemp(prefix="consult-walk-"))
    yield folder
    subprocess.run(["sh", "-c", 'rm -rf -- "$0" >/dev/null 2>&1 &', str(folder)], check=True)


@pytest.fixture
def cluster():
    if PG_BIN is None:
        pytest.fail("CONSULT_TEST_POSTGRES=1 but no PostgreSQL server binaries (initdb, pg_ctl) were found")
    cluster = PasswordCluster(PG_BIN)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def rate_limit_storage():
    """Shared rate limits as the example sets them, when redis-server is installed; else per process."""
    binary = redis_server.server_bin()
    if binary is None:
        yield "memory://"
        return
    server = redis_server.RedisServer(binary)
    server.start()
    yield server.url
    server.stop()


def test_the_readme_walk_from_a_fresh_install_to_the_first_sign_in(work, cluster, rate_limit_storage):
    timings: dict[str, float] = {}
    started = step = time.monotonic()

    def done(name: str) -> None:
        nonlocal step
        timings[name] = round(time.monotonic() - step, 1)
        step = time.monotonic()

    # The PostgreSQL role with a password, and its database (README: runuser -u postgres -- psql / createdb).
    db_password = secrets.token_urlsafe(24)
    cluster.as_postgres("psql", "-c", f"CREATE ROLE consult LOGIN PASSWORD '{db_password}'")
    cluster.as_postgres("createdb", "--owner", "consult", "consult")
    done("database")

    # The checkout (README: git clone into /srv/consult), a fresh venv, the lock file, consult without its
    # dependencies and not editable; pip's own configuration (whatever index it names) as on any machine.
    checkout = work / "srv-consult"
    shutil.copytree(ROOT, checkout, ignore=shutil.ignore_patterns(*NOT_CLONED))
    admin_env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
        admin_env.pop(name, None)
    python3 = shutil.which("python3", path=SYSTEMD_PATH) or sys.executable
    run([python3, "-m", "venv", ".venv"], cwd=checkout, env=admin_env)
    run(
        [".venv/bin/pip", "install", "--quiet", "--require-hashes", "-r", "requirements/base.txt"],
        cwd=checkout,
        env=admin_env,
    )
    run([".venv/bin/pip", "install", "--quiet", "--no-deps", "."], cwd=checkout, env=admin_env)
    installed = run([".venv/bin/pip", "freeze"], cwd=checkout, env=admin_env)
    assert re.search(r"^gunicorn==", installed, re.MULTILINE)
    assert re.search(r"^consult( @ |==)", installed, re.MULTILINE)
    assert not re.search(r"^(pytest|playwright|ruff)==", installed, re.MULTILINE), "test tools on a server"
    done("install")

    # /etc/consult/consult.env from the example, with the real values.
    values = {
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": f"postgresql://consult:{db_password}@127.0.0.1:{cluster.port}/consult",
        "CONSULT_RATELIMIT_STORAGE_URI": rate_limit_storage,
    }
    env_path = work / "consult.env"
    env_path.write_text(env_file((files.DEPLOY / "consult.env.example").read_text(), values))
    env_path.chmod(0o600)
    cache = work / "cache"
    unit_env = {
        key: value.replace("/var/cache/consult", str(cache)) for key, value in files.unit_environment(UNIT).items()
    }
    service_env = {
        "PATH": SYSTEMD_PATH,
        "LANG": "C.UTF-8",
        "HOME": str(work),
        **unit_env,
        **files.settings(env_path.read_text()),
    }
    assert service_env["CONSULT_ENV"] == "production" and service_env["CONSULT_PROXY_COUNT"] == "1"
    shell_env = {"PATH": SYSTEMD_PATH, "LANG": "C.UTF-8", "HOME": str(work)}

    def flask_by_hand(*args: str, extra: dict | None = None) -> str:
        """The README's shell function for flask commands, with the checkout's and the env file's paths."""
        function = files.README_FUNCTION.replace("/srv/consult", str(checkout)).replace(
            "/etc/consult/consult.env", str(env_path)
        )
        return run(["sh", "-c", f'{function}\nconsult "$@"', "sh", *args], cwd=work, env={**shell_env, **(extra or {})})

    # The migrations by hand (README: consult db upgrade), then as the unit runs them before every start (nothing
    # left to do then).
    flask_by_hand("db", "upgrade")
    run(on_server(files.unit_command(UNIT, "ExecStartPre"), checkout), cwd=checkout, env=service_env)
    done("migrations")

    # gunicorn with the unit's ExecStart, only the paths and the address replaced.
    # Type=notify: systemd's notification socket, to which gunicorn must say READY=1.
    port = served.free_port()
    command = on_server(files.unit_command(UNIT, "ExecStart"), checkout, bind=f"127.0.0.1:{port}")
    assert files.unit_values(UNIT, "Type") == ["notify"]
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(work / "notify"))
    log_path = work / "gunicorn.log"
    with open(log_path, "wb") as log:
        gunicorn = subprocess.Popen(
            command,
            cwd=checkout,
            env={**service_env, "NOTIFY_SOCKET": str(work / "notify")},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        browser = BehindNginx(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 90
        ready = None
        while time.monotonic() < deadline and gunicorn.poll() is None:
            try:
                status, _, body = browser.request("/readyz")
            except OSError:
                status = None
            if status == 200:
                ready = json.loads(body)
                break
            time.sleep(0.2)
        assert ready == {"status": "ready", "database": "ok", "migrations": "current"}, log_path.read_text()[-4000:]
        notify.settimeout(5)
        assert b"READY=1" in notify.recv(4096), "gunicorn did not tell systemd it is ready"
        done("gunicorn ready")

        # The first admin (README: consult create-user ...; it asks for the password, here CONSULT_PASSWORD gives it).
        password = secrets.token_urlsafe(16)
        out = flask_by_hand(
            "create-user",
            ADMIN,
            "--name",
            "Erste Administratorin",
            "--role",
            "admin",
            extra={"CONSULT_PASSWORD": password},
        )
        assert f"Created {ADMIN}" in out
        done("first admin")

        # The first sign-in: password, then two-factor sign-in is set up (required for admins in production).
        status, _, html = browser.request("/login")
        assert status == 200
        status, headers, _ = browser.request(
            "/login", {"email": ADMIN, "password": password, "next": "", "csrf_token": served.csrf_token(html)}
        )
        assert status == 302, headers
        assert "Secure" in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]
        status, headers, _ = browser.request("/")
        assert status == 302 and "/account/two-factor" in headers["Location"], "admins set up two-factor first"
        status, headers, html = browser.request("/account/two-factor")
        assert status == 200
        # Over HTTPS as nginx reports it (CONSULT_PROXY_COUNT=1): browsers are told to keep to HTTPS.
        assert "max-age" in headers["Strict-Transport-Security"]
        secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html)[1].replace(" ", "")
        status, headers, _ = browser.request(
            "/account/two-factor", {"code": pyotp.TOTP(secret).now(), "csrf_token": served.csrf_token(html)}
        )
        assert status == 302, headers
        status, _, html = browser.request("/admin/organisations")
        assert status == 200 and "Erste Administratorin" in html
        done("first sign-in")
    finally:
        notify.close()
        gunicorn.send_signal(signal.SIGQUIT)
        try:
            gunicorn.wait(timeout=15)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
            gunicorn.wait()
    timings["total"] = round(time.monotonic() - started, 1)
    print(f"\ndeployment walk, seconds: {timings}")
