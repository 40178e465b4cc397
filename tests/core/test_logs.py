"""Logs (issue 19, point 4): one line per request with method, path, status, duration and a request id; the
same id on the response, on error pages and on every other line of that request; JSON lines on request; and
mail that is not sent is never silent in production."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from consult import create_app
from consult.config import ConfigError
from consult.core.access import public
from consult.core.logs import configure
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.mail.services import send_pending
from tests.conftest import TEST_CONFIG
from tests.mail.test_outbox import _queue

REQUEST_LOGGER = "consult.request"


def _request_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == REQUEST_LOGGER]


def test_each_request_is_one_line_with_its_id(client, caplog):
    with caplog.at_level("INFO", logger="consult"):
        response = client.get("/healthz?secret=do-not-log")
    [line] = _request_lines(caplog)
    assert (line.method, line.path, line.status) == ("GET", "/healthz", 200)
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    assert line.request_id == response.headers["X-Request-ID"] and len(line.request_id) == 16
    assert line.getMessage().startswith("GET /healthz 200 ")
    assert "do-not-log" not in caplog.text  # the query string stays out of the log


def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced(client, caplog):
    with caplog.at_level("INFO", logger="consult"):
        kept = client.get("/healthz", headers={"X-Request-ID": "4f2a9c0e-nginx.1"})
        replaced = client.get("/healthz", headers={"X-Request-ID": 'x" onload=alert(1) <b>'})
    assert kept.headers["X-Request-ID"] == "4f2a9c0e-nginx.1"
    assert replaced.headers["X-Request-ID"] != 'x" onload=alert(1) <b>'
    assert [line.request_id for line in _request_lines(caplog)] == [
        kept.headers["X-Request-ID"],
        replaced.headers["X-Request-ID"],
    ]


def test_every_line_of_a_request_and_its_error_page_carry_the_same_id(app, client, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @public
    def failing():
        logging.getLogger("consult.test").warning("about to fail")
        raise RuntimeError("a bug")

    app.add_url_rule("/failing", "failing", failing)
    with caplog.at_level("INFO", logger="consult"):
        response = client.get("/failing")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert request_id in response.get_data(as_text=True)  # what a person can tell the office
    ours = [r for r in caplog.records if r.name.startswith("consult")]
    assert {r.name for r in ours} >= {"consult.test", "consult", REQUEST_LOGGER}  # consult: the traceback
    assert all(r.request_id == request_id for r in ours)
    assert any(r.exc_info and "a bug" in str(r.exc_info[1]) for r in ours)
    assert _request_lines(caplog)[0].status == 500


def test_the_reference_is_on_other_error_pages_too(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert f"Kennung dieser Anfrage (für die Geschäftsstelle): {response.headers['X-Request-ID']}" in response.get_data(
        as_text=True
    )


def test_json_lines_with_the_request_fields(database_url, capsys):
    app = create_app({**TEST_CONFIG, "TESTING": False, "SQLALCHEMY_DATABASE_URI": database_url, "LOG_FORMAT": "json"})
    try:
        capsys.readouterr()
        response = app.test_client().get("/healthz")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    finally:
        configure("text", "INFO", quiet=True)
    [line] = [entry for entry in lines if entry["logger"] == REQUEST_LOGGER]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert (line["method"], line["path"], line["status"], line["level"]) == ("GET", "/healthz", 200, "INFO")
    assert line["duration_ms"] >= 0 and line["time"].endswith("+00:00")


def test_a_line_is_written_once_when_the_root_logger_has_a_handler_too(database_url, capsys):
    """After the migrations ran in the same process (alembic's fileConfig sets up the root logger), as in
    `flask restore --upgrade`."""
    root_handler = logging.StreamHandler()  # to stderr, as alembic's
    logging.getLogger().addHandler(root_handler)
    try:
        app = create_app({**TEST_CONFIG, "TESTING": False, "SQLALCHEMY_DATABASE_URI": database_url})
        capsys.readouterr()
        app.test_client().get("/healthz")
        lines = [line for line in capsys.readouterr().err.splitlines() if "GET /healthz 200" in line]
    finally:
        logging.getLogger().removeHandler(root_handler)
        configure("text", "INFO", quiet=True)
    assert len(lines) == 1, lines


def test_in_tests_nothing_is_written_to_stderr(client, capsys):
    client.get("/healthz")
    assert capsys.readouterr().err == ""


def test_text_lines_name_the_request(database_url, capsys):
    app = create_app({**TEST_CONFIG, "TESTING": False, "SQLALCHEMY_DATABASE_URI": database_url})
    try:
        capsys.readouterr()
        response = app.test_client().get("/healthz")
        [line] = [line for line in capsys.readouterr().err.splitlines() if REQUEST_LOGGER in line]
    finally:
        configure("text", "INFO", quiet=True)
    assert f"INFO consult.request [{response.headers['X-Request-ID']}] GET /healthz 200 " in line


@pytest.mark.parametrize(
    "setting",
    [
        {"LOG_FORMAT": "xml"},
        {"LOG_LEVEL": "LOUD"},
        {"MAIL_BACKEND": "pigeon"},
        {"MAIL_BACKEND": "smtp", "MAIL_SMTP_HOST": ""},
    ],
)
def test_settings_that_cannot_work_are_refused(setting):
    with pytest.raises(ConfigError):
        create_app({**TEST_CONFIG, **setting})


def test_production_without_a_mail_server_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.setenv("CONSULT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    for name in ("MAIL_SMTP_HOST", "MAIL_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="MAIL_SMTP_HOST.*MAIL_BACKEND=log"):
        create_app()
    monkeypatch.setenv("MAIL_BACKEND", "log")
    assert create_app().config["MAIL_BACKEND"] == "log"
    monkeypatch.delenv("MAIL_BACKEND")
    monkeypatch.setenv("MAIL_SMTP_HOST", "mail.example.org")
    assert create_app().config["MAIL_SMTP_HOST"] == "mail.example.org"


def test_with_the_log_backend_every_mail_is_a_warning_without_its_text(app, monkeypatch, caplog, capsys):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "log")
    monkeypatch.setitem(app.config, "TESTING", False)  # as on a server: nothing printed to the console either
    _queue(app, None)
    _queue(app, None)
    with caplog.at_level("INFO", logger="consult.mail"):
        assert send_pending()["sent"] == 2
    warnings = [r for r in caplog.records if r.name == "consult.mail" and r.levelno == logging.WARNING]
    ids = db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
    assert [r.getMessage() for r in warnings] == [
        f"E-mail not sent (MAIL_BACKEND=log): outbox message {i} (invitation) to neu@example.org; its text is on "
        "/admin/outbox"
        for i in ids
    ]
    assert "invitations/accept" not in caplog.text and "Einladung" not in caplog.text  # no link, no text
    assert "=" * 72 not in capsys.readouterr().err  # not printed as by the console backend
