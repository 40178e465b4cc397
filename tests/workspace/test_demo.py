"""The demo's internal draft: IEB's two delegates see it (with its internal comment and one agreement), the
second can agree; a delegate of another organisation and the office do not see it."""

from __future__ import annotations

from sqlalchemy import select

from consult.demo.services import DEMO_PASSWORD, demo_email
from consult.extensions import db
from consult.workspace.models import InternalDraft
from tests.conftest import Auth


def test_the_demo_has_an_internal_amendment_only_its_organisation_sees(runner, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    internal = db.session.scalars(select(InternalDraft)).one()
    assert internal.proposed_text != internal.version.texts[4].text and len(internal.agreements) == 1
    assert [note.author.name for note in internal.notes] == ["Jonas Weber"]
    url = f"/drafts/participation-law/workspace/{internal.id}"
    Auth(client).login(demo_email("Jonas Weber", "IEB"), DEMO_PASSWORD)
    page = client.get(url).get_data(as_text=True)
    assert "Berichtspflicht" in page and "Elif Kaya" in page
    assert "1 of 2 agree" in page or "1 von 2 einverstanden" in page
    Auth(client).logout()
    for email in (demo_email("Kwame Mensah", "NAVE"), demo_email("Leyla Hoffmann")):
        Auth(client).login(email, DEMO_PASSWORD)
        assert client.get(url).status_code == 404
        Auth(client).logout()
