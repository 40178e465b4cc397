"""The board sets how a draft's amendments are decided: the procedure (only in preparation), the supporter
quorum (in preparation and while commenting) and the deadline for requests for a vote (Berlin time)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from consult.accounts.models import Role
from consult.audit.models import AuditEntry
from consult.drafts.models import AmendmentProcedure, Draft, Phase
from consult.extensions import db
from tests import factories
from tests.conftest import csrf_token

BASE = {
    "title": "Vorlage",
    "moderation_policy": "publish",
    "majority_rule": "simple",
    "commenting_ends": "",
    "voting_ends": "",
}


@pytest.fixture
def world(app):
    factories.user(email="board@example.org", roles=(Role.BOARD,))
    factories.draft(paragraphs=3, phase=Phase.PREPARATION, slug="vorlage", title="Vorlage")
    db.session.commit()


def _draft() -> Draft:
    db.session.expire_all()
    return db.session.scalars(select(Draft).where(Draft.slug == "vorlage")).one()


def _save(client, **fields):
    page = client.get("/drafts/vorlage/settings").get_data(as_text=True)
    return client.post("/drafts/vorlage/settings", data={"csrf_token": csrf_token(page), **BASE, **fields})


def test_the_procedure_quorum_and_request_deadline_are_saved_in_berlin_time_and_logged(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get("/drafts/vorlage/settings").get_data(as_text=True)
    assert "Die Moderation entscheidet" in page and "Die Organisationen stimmen ab" in page
    response = _save(
        client, amendment_procedure="organisations", support_quorum="3", vote_requests_until="2026-12-20T18:00"
    )
    assert response.status_code == 302
    draft = _draft()
    assert draft.amendment_procedure == AmendmentProcedure.ORGANISATIONS and draft.support_quorum == 3
    assert draft.vote_requests_until == datetime(2026, 12, 20, 17, 0, tzinfo=timezone.utc)
    page = client.get("/drafts/vorlage/settings").get_data(as_text=True)
    assert 'value="2026-12-20T18:00"' in page
    assert re.search(r'<input checked[^>]*value="organisations"', page)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "draft.settings")).one()
    assert entry.details["changed"]["amendment_procedure"] == "organisations"
    assert entry.details["changed"]["support_quorum"] == "3"
    # Emptied: requests for a vote until voting begins.
    assert (
        _save(client, amendment_procedure="organisations", support_quorum="3", vote_requests_until="").status_code
        == 302
    )
    assert _draft().vote_requests_until is None


def test_the_procedure_is_fixed_after_preparation_the_quorum_after_commenting(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    draft = _draft()
    draft.phase = Phase.COMMENTING
    db.session.commit()
    response = _save(client, amendment_procedure="organisations", support_quorum="0")
    assert response.status_code == 409
    assert "nur in der Vorbereitung" in response.get_data(as_text=True)
    assert _draft().amendment_procedure == AmendmentProcedure.MODERATORS
    assert _save(client, amendment_procedure="moderators", support_quorum="2").status_code == 302
    assert _draft().support_quorum == 2
    draft = _draft()
    draft.phase = Phase.EDITING
    db.session.commit()
    response = _save(client, amendment_procedure="moderators", support_quorum="4")
    assert response.status_code == 409 and _draft().support_quorum == 2
    response = _save(client, amendment_procedure="moderators", support_quorum="51")
    assert response.status_code == 422 and _draft().support_quorum == 2
    draft = _draft()
    draft.phase = Phase.VOTING
    db.session.commit()
    response = _save(
        client, amendment_procedure="moderators", support_quorum="2", vote_requests_until="2026-12-20T18:00"
    )
    assert response.status_code == 409 and _draft().vote_requests_until is None


def test_a_form_without_the_amendment_fields_leaves_them_as_they_are(client, auth, world):
    draft = _draft()
    draft.amendment_procedure, draft.support_quorum = AmendmentProcedure.ORGANISATIONS, 2
    db.session.commit()
    auth.login("board@example.org", factories.PASSWORD)
    assert _save(client).status_code == 302
    draft = _draft()
    assert draft.amendment_procedure == AmendmentProcedure.ORGANISATIONS and draft.support_quorum == 2
