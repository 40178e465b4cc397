"""Every route declares who may use it."""

from __future__ import annotations

from consult import create_app
from consult.core.access import PUBLIC, SIGNED_IN
from tests.conftest import TEST_CONFIG


def test_every_route_declares_its_permission(tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})
    undeclared = []
    for rule in app.url_map.iter_rules():
        access = getattr(app.view_functions[rule.endpoint], "access", None)
        if not access or not (access in (PUBLIC, SIGNED_IN) or access.startswith("roles: ")):
            undeclared.append(f"{rule.rule} ({rule.endpoint})")
    assert not undeclared, "routes without a declared permission: " + ", ".join(undeclared)
    assert len(list(app.url_map.iter_rules())) >= 5


def test_an_undeclared_route_is_found(tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})
    app.add_url_rule("/forgotten", "forgotten", lambda: "x")
    assert getattr(app.view_functions["forgotten"], "access", None) is None


def test_role_routes_refuse_guests_and_other_roles(app, client, auth):
    from consult.accounts.models import Role
    from consult.core.access import roles
    from consult.extensions import db
    from tests import factories

    @roles(Role.BOARD)
    def board_only():
        return "board page"

    app.add_url_rule("/board-only", "board_only", board_only)
    factories.user(email="d@example.org")
    factories.user(email="b@example.org", roles=(Role.BOARD,))
    db.session.commit()
    assert client.get("/board-only").status_code == 302
    auth.login("d@example.org", factories.PASSWORD)
    assert client.get("/board-only").status_code == 403
    auth.logout()
    auth.login("b@example.org", factories.PASSWORD)
    assert client.get("/board-only").get_data(as_text=True) == "board page"
