"""deploy/'s systemd units pass `systemd-analyze verify`, and deploy/nginx.conf, run by a real nginx in front of
the app with a test certificate: HTTP goes to HTTPS (but certbot's challenge files are served), the app's
compressed answers pass untouched, hashed static files are served by nginx for a year, plain names are
revalidated, the proxy headers make the app see HTTPS, and uploads up to the app's limit reach the app.
Each part is skipped where its program is not installed, unless CONSULT_TEST_DEPLOY=1 (CI installs both)."""

from __future__ import annotations

import getpass
import gzip
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import brotli
import pytest
from flask import url_for
from werkzeug.serving import make_server

from consult import create_app
from consult.extensions import db
from tests.conftest import TEST_CONFIG
from tests.deploy import files
from tests.served import free_port

ROOT = Path(__file__).resolve().parents[2]
SITE = "beteiligung.example.org"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
# The only complaint allowed: the unit's programs are not installed here (they are on the server).
NOT_INSTALLED = re.compile(
    r"^\S+\.service: Command /srv/consult/\.venv/bin/(flask|gunicorn) is not executable: "
    r"No such file or directory$"
)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_the_units_pass_systemd_analyze_verify():
    units = [
        files.DEPLOY / name for name in ("consult.service", "consult-scheduled.service", "consult-scheduled.timer")
    ]
    result = subprocess.run(["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True)
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert [line for line in complaints if not NOT_INSTALLED.match(line)] == []
    assert any("consult.service" in line and "gunicorn" in line for line in complaints), (
        "systemd-analyze said nothing about the missing gunicorn: did it read consult.service?"
    )


def test_the_service_runs_gunicorn_on_wsgi_app_without_an_access_log():
    """The app logs each request itself (to the journal through stderr); gunicorn's access log would double it."""
    unit = files.DEPLOY / "consult.service"
    command = files.unit_command(unit, "ExecStart")
    assert command[0] == "/srv/consult/.venv/bin/gunicorn" and command[-1] == "wsgi:app"
    assert not any(word.startswith("--access-log") for word in command)
    assert files.unit_command(unit, "ExecStartPre") == [
        "/srv/consult/.venv/bin/flask",
        "--app",
        "consult",
        "db",
        "upgrade",
    ]
    for key, value in (
        ("User", "consult"),
        ("WorkingDirectory", "/srv/consult"),
        ("EnvironmentFile", "/etc/consult/consult.env"),
        ("ProtectSystem", "strict"),
    ):
        assert files.unit_values(unit, key) == [value]


# -- nginx ----------------------------------------------------------------------------------------------------------


def site_config(folder: Path, http_port: int, https_port: int, app_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx.conf with only the ports, the paths and the certificate replaced; each must be found."""
    text = (files.DEPLOY / "nginx.conf").read_text()
    replacements = [
        ("    listen [::]:80;\n", ""),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (f"/etc/letsencrypt/live/{SITE}/fullchain.pem", str(cert)),
        (f"/etc/letsencrypt/live/{SITE}/privkey.pem", str(key)),
        ("http://127.0.0.1:8000", f"http://127.0.0.1:{app_port}"),
        ("root /srv/consult;", f"root {ROOT};"),
        ("root /var/www/html;", f"root {folder / 'www'};"),
        ("/var/log/nginx/consult.access.log", str(folder / "access.log")),
    ]
    for old, new in replacements:
        assert old in text, f"deploy/nginx.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


def main_config(folder: Path) -> str:
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""  # workers must read the checkout
    temp = "".join(
        f"{kind}_temp_path {folder / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        f"events {{}}\nhttp {{\ninclude /etc/nginx/mime.types;\ndefault_type application/octet-stream;\n"
        f"access_log off;\n{temp}include {folder / 'site.conf'};\n}}\n"
    )


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "nginx exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def proxied_app():
    """The app on SQLite as production runs it behind one proxy, served by werkzeug in a thread."""
    folder = tempfile.mkdtemp(prefix="consult-nginx-app-")
    app = create_app(
        {
            **TEST_CONFIG,
            "TESTING": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/db.sqlite3",
            "PROXY_COUNT": 1,
            "CONSULT_ENV": "production",
            # No mail server here: production refuses to start without one unless told that none is meant.
            "MAIL_BACKEND": "log",
        }
    )
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, server.server_port
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def nginx(proxied_app):
    """deploy/nginx.conf in a real nginx with a certificate for the site from a test authority."""
    if NGINX is None:
        pytest.skip("nginx not installed (apt-get install nginx)")
    import trustme

    app, app_port = proxied_app
    folder = Path(tempfile.mkdtemp(prefix="consult-nginx-"))
    (folder / "www" / ".well-known" / "acme-challenge").mkdir(parents=True)
    (folder / "www" / ".well-known" / "acme-challenge" / "token").write_text("challenge answer")
    authority = trustme.CA()
    certificate = authority.issue_cert(SITE)
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    certificate.cert_chain_pems[0].write_to_path(str(cert))
    for pem in certificate.cert_chain_pems[1:]:
        pem.write_to_path(str(cert), append=True)
    certificate.private_key_pem.write_to_path(str(key))
    http_port, https_port = free_port(), free_port()
    (folder / "site.conf").write_text(site_config(folder, http_port, https_port, app_port, cert, key))
    (folder / "nginx.conf").write_text(main_config(folder))
    if os.geteuid() == 0:
        os.chmod(folder, 0o755)
    check = subprocess.run(
        [NGINX, "-t", "-c", str(folder / "nginx.conf"), "-p", str(folder)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [NGINX, "-c", str(folder / "nginx.conf"), "-p", str(folder), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(https_port, process)
        context = ssl.create_default_context()
        authority.configure_trust(context)
        yield app, http_port, https_port, context, folder
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()
        shutil.rmtree(folder, ignore_errors=True)


def fetch(
    port: int,
    path: str,
    context: ssl.SSLContext | None = None,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    if context is None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    else:
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=context)
        connection.sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname=SITE)
    try:
        connection.request(method, path, body=body, headers={"Host": SITE, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_plain_http_goes_to_https_except_certbots_challenge(nginx):
    _, http_port, _, _, _ = nginx
    status, headers, _ = fetch(http_port, "/drafts/x?lang=de")
    assert status == 301 and headers["Location"] == f"https://{SITE}/drafts/x?lang=de"
    status, _, body = fetch(http_port, "/.well-known/acme-challenge/token")
    assert (status, body) == (200, b"challenge answer")


def test_pages_pass_compressed_once_and_the_app_sees_https(nginx):
    _, _, https_port, context, folder = nginx
    status, headers, body = fetch(https_port, "/login", context, headers={"Accept-Encoding": "br, gzip"})
    assert status == 200
    assert headers.get_all("Content-Encoding") == ["br"]
    assert b"<html" in brotli.decompress(body)
    # X-Forwarded-Proto with CONSULT_PROXY_COUNT=1: the app knows the request came over HTTPS.
    assert "max-age" in headers["Strict-Transport-Security"]
    status, headers, body = fetch(https_port, "/healthz", context)
    assert (status, body.strip()) == (200, b"ok")
    # nginx's access log names the request by the id it passed to the app, which names it so too (X-Request-ID).
    deadline = time.monotonic() + 5
    while "/healthz" not in (log := (folder / "access.log").read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    line = next(line for line in log.splitlines() if '"GET /healthz ' in line)
    request_id = re.search(r" ([0-9a-f]{32})$", line)
    assert request_id, line
    if "X-Request-ID" in headers:  # the app's request log (consult.core.logs) answers with the id it logged
        assert headers["X-Request-ID"] == request_id[1]


def test_hashed_static_files_come_from_nginx_for_a_year_and_plain_names_are_revalidated(nginx):
    app, _, https_port, context, _ = nginx
    with app.test_request_context():
        hashed = url_for("static", filename="css/consult.css")
    assert re.fullmatch(r"/static/css/consult\.[0-9a-f]{10}\.css", hashed)
    status, headers, body = fetch(https_port, hashed, context, headers={"Accept-Encoding": "gzip"})
    assert status == 200 and "Content-Security-Policy" not in headers, "served by the app, not by nginx"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in headers["Vary"]
    assert gzip.decompress(body) == (ROOT / "static" / "css" / "consult.css").read_bytes()
    status, headers, _ = fetch(https_port, "/static/css/consult.css", context)
    assert status == 200 and headers["Cache-Control"] == "no-cache" and headers["ETag"]
    status, _, _ = fetch(https_port, "/static/css/missing.0123456789.css", context)
    assert status == 404


def test_uploads_up_to_the_apps_limit_reach_the_app(nginx):
    """Just over 10 MB: the app's own 413 page naming its limit; far over: nginx refuses it first."""
    app, _, https_port, context, _ = nginx
    limit = app.config["MAX_UPLOAD_LENGTH"]
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = fetch(https_port, "/login", context, "POST", b"x" * (limit + 1), headers)
    assert status == 413 and b"nginx" not in body and b"<html" in body
    status, _, body = fetch(https_port, "/login", context, "POST", b"x" * (limit + 2 * 1024 * 1024), headers)
    assert status == 413 and b"nginx" in body


def test_the_readme_defines_the_consult_function_the_walk_runs():
    """tests/deploy/test_walk.py runs the README's shell function for flask commands: they must be the same."""
    readme = (ROOT / "README.md").read_text()
    defined = [line.strip() for line in readme.splitlines() if line.strip().startswith("consult() {")]
    assert defined == [files.README_FUNCTION]
