""" "Zu § springen" without JavaScript: the form on the draft page, the redirect to the anchor, and the
form again with a message for a § that does not exist or for no number."""

from __future__ import annotations

import pytest

from consult.drafts.models import Phase
from consult.extensions import db
from tests import factories


@pytest.fixture
def draft(app):
    made = factories.draft(paragraphs=12, phase=Phase.COMMENTING, slug="lang", public=True)
    db.session.commit()
    return made


def test_the_draft_page_has_the_jump_form(client, draft):
    page = client.get("/drafts/lang").get_data(as_text=True)
    assert '<form class="jump-form" method="get" action="/drafts/lang/jump">' in page
    assert '<label for="jump-to">Zu § springen</label>' in page and "§ 1 bis § 12" in page


@pytest.mark.parametrize("typed", ["8", " 8 ", "§ 8", "§8"])
def test_a_number_leads_to_the_paragraphs_anchor(client, draft, typed):
    response = client.get("/drafts/lang/jump", query_string={"to": typed})
    assert response.status_code == 302 and response.headers["Location"] == "/drafts/lang#p8"
    assert 'id="p8"' in client.get("/drafts/lang").get_data(as_text=True)


def test_a_paragraph_that_does_not_exist_gets_the_form_again_with_a_message(client, draft):
    response = client.get("/drafts/lang/jump", query_string={"to": "13"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Diesen Entwurf gibt es nicht" not in html
    assert "In diesem Entwurf gibt es keinen § 13: Er hat § 1 bis § 12." in html
    assert 'value="13"' in html and 'aria-invalid="true" data-focus' in html  # what was typed, focused
    response = client.get("/drafts/lang/jump", query_string={"to": "0"})
    assert response.status_code == 404


@pytest.mark.parametrize("typed", ["", "acht", "8a", "-1"])
def test_no_number_is_refused_with_a_message(client, draft, typed):
    response = client.get("/drafts/lang/jump", query_string={"to": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Bitte geben Sie die Nummer eines § ein (zum Beispiel 8)." in html
    assert f'value="{typed}"' in html


def test_a_draft_one_may_not_see_is_not_revealed(client, app):
    factories.draft(paragraphs=3, phase=Phase.PREPARATION, slug="geheim")
    db.session.commit()
    assert client.get("/drafts/geheim/jump", query_string={"to": "1"}).status_code == 404
    assert client.get("/drafts/gibtsnicht/jump", query_string={"to": "1"}).status_code == 404
