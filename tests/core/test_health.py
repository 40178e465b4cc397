"""`/healthz` and `/readyz` (issue 19, point 4): answered without a session; ready only when the database
answers and its schema is at the migrations' head."""

from __future__ import annotations

from flask_migrate import stamp
from sqlalchemy.exc import OperationalError

from consult.extensions import db


def test_healthz_answers_without_a_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_readyz_is_ready_with_the_database_at_the_head(client, stamped):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ready", "database": "ok", "migrations": "current"}
    assert "Set-Cookie" not in response.headers and response.headers["Cache-Control"] == "no-store"


def test_readyz_is_not_ready_before_the_migrations_ran(client, stamped):
    stamp(revision="dc5201057422")  # the schema of the previous migration (issue 17)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready" and body["database"] == "ok"
    assert "database at dc5201057422" in body["migrations"] and "flask db upgrade" in body["migrations"]


def test_readyz_is_not_ready_when_the_database_does_not_answer(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(type(db.engine), "connect", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "not ready",
        "database": "unreachable: OperationalError",
        "migrations": "unknown",
    }
