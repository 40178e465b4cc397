"""`create-organisation` and `create-user` from the command line."""

from __future__ import annotations

from consult.accounts.models import Role, User
from consult.extensions import db
from consult.organisations.models import Organisation


def test_create_organisation_and_delegate(runner, monkeypatch):
    result = runner.invoke(
        args=[
            "create-organisation",
            "Türkischer Elternverein Köln e.V.",
            "--short-name",
            "TEK",
            "--state",
            "Nordrhein-Westfalen",
        ]
    )
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("CONSULT_PASSWORD", "ein langes passwort")
    result = runner.invoke(
        args=[
            "create-user",
            "Deniz@Example.org",
            "--name",
            "Deniz Arslan",
            "--role",
            "delegate",
            "--role",
            "board",
            "--organisation",
            "tek",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.email == "deniz@example.org"))
    assert user.roles == {Role.DELEGATE, Role.BOARD}
    assert user.organisation.short_name == "TEK"
    assert user.organisation.state == "Nordrhein-Westfalen"


def test_password_prompt_when_no_environment_variable(runner, monkeypatch):
    monkeypatch.delenv("CONSULT_PASSWORD", raising=False)
    result = runner.invoke(
        args=["create-user", "staff@example.org", "--name", "Staff", "--role", "moderator"],
        input="geheim-und-lang\ngeheim-und-lang\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User).where(User.email == "staff@example.org")) is not None


def test_clear_errors_and_nothing_written(runner, monkeypatch):
    monkeypatch.setenv("CONSULT_PASSWORD", "ein langes passwort")
    result = runner.invoke(args=["create-user", "x@example.org", "--name", "X", "--role", "delegate"])
    assert result.exit_code == 1 and "organisation" in result.output
    result = runner.invoke(
        args=["create-user", "x@example.org", "--name", "X", "--role", "delegate", "--organisation", "NOPE"]
    )
    assert result.exit_code == 1 and "NOPE" in result.output
    result = runner.invoke(args=["create-user", "not-an-address", "--name", "X", "--role", "admin"])
    assert result.exit_code == 1 and "e-mail" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
    runner.invoke(args=["create-organisation", "A e.V.", "--short-name", "A"])
    result = runner.invoke(args=["create-organisation", "B e.V.", "--short-name", "a"])
    assert result.exit_code == 1 and "taken" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Organisation)) == 1


def test_create_organisation_with_a_level(runner):
    from consult.organisations.models import OrganisationLevel
    from consult.organisations.services import get_by_short_name

    result = runner.invoke(
        args=["create-organisation", "Bundesverband e.V.", "--short-name", "BV", "--level", "federal"]
    )
    assert result.exit_code == 0, result.output
    assert get_by_short_name("BV").level == OrganisationLevel.FEDERAL
    result = runner.invoke(args=["create-organisation", "X e.V.", "--short-name", "X", "--level", "planet"])
    assert result.exit_code != 0 and get_by_short_name("X") is None
