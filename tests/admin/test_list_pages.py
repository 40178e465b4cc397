"""Long administration lists in pages (issue 17, point 5): the organisations and the audit log, 50 to a
page, with a count and the same paging links as the moderation queue (templates/_macros/pages.html)."""

from __future__ import annotations

import re

from consult.audit.models import AuditEntry
from consult.core import clock
from consult.extensions import db
from tests import factories
from tests.admin.test_admin import _queries, fixture_world  # noqa: F401  (the fixture world)
from tests.conftest import csrf_token


def _names(html: str) -> list[str]:
    return re.findall(r'<span class="muted">\((Z\d+)\)</span>', html)


def test_organisations_come_50_to_a_page_in_a_fixed_number_of_queries(client, auth, world, count_queries):
    auth.login("admin@example.org", factories.PASSWORD)
    few, _ = _queries(client, count_queries, "/admin/organisations")
    for n in range(60):
        factories.organisation(name=f"Zentrum {n:02d} e.V.", short_name=f"Z{n:02d}")
    db.session.commit()
    many, first = _queries(client, count_queries, "/admin/organisations")
    assert many == few
    assert "62 Organisationen" in first and "Seite 1 von 2" in first
    assert _names(first) == [f"Z{n:02d}" for n in range(48)]  # IEB and NAVE come first by name
    second = client.get("/admin/organisations?page=2").get_data(as_text=True)
    assert _names(second) == [f"Z{n:02d}" for n in range(48, 60)] and "Vorherige Seite" in second
    assert client.get("/admin/organisations?page=3").status_code == 404
    # Deactivating from page 2 comes back to page 2.
    organisation_id = int(re.search(r'action="/admin/organisations/(\d+)/active\?page=2"', second).group(1))
    response = client.post(
        f"/admin/organisations/{organisation_id}/active?page=2", data={"csrf_token": csrf_token(second), "active": "0"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/organisations?page=2"


def test_the_audit_log_says_how_many_entries_and_pages_it_has(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    db.session.add_all(
        AuditEntry(actor_id=None, actor_name="Jemand", action="phase.change", subject=f"draft:{n}", at=clock.now())
        for n in range(120)
    )
    db.session.commit()
    html = client.get("/audit?page=2").get_data(as_text=True)
    total = db.session.query(AuditEntry).count()
    pages = -(-total // 50)
    assert f"{total} Einträge, die neuesten zuerst" in html
    assert f'aria-current="page">Seite 2 von {pages}<' in html
    assert 'href="/audit?page=3"' in html and 'href="/audit"' in html  # next and first
