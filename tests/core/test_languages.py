"""The interface language: the person's choice, else the browser's, else German; Arabic pages run right to left."""

from __future__ import annotations

import re

import pytest

from consult.extensions import db
from tests import factories
from tests.conftest import csrf_token


def _html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.get_data(as_text=True)).group(0)


@pytest.mark.parametrize(
    ("header", "lang", "direction"),
    [
        (None, "de", "ltr"),
        ("en-GB,en;q=0.9", "en", "ltr"),
        ("tr-TR,tr;q=0.9,de;q=0.5", "tr", "ltr"),
        ("ar-SY,ar;q=0.9", "ar", "rtl"),
        ("fr-FR,fr;q=0.9", "de", "ltr"),  # none of ours: German
        ("fr-FR,en;q=0.4", "en", "ltr"),
    ],
)
def test_the_browser_language_chooses_when_the_person_has_not(client, header, lang, direction):
    response = client.get("/login", headers={"Accept-Language": header} if header else {})
    assert _html_tag(response) == f'<html lang="{lang}" dir="{direction}">'
    if header:
        assert "Accept-Language" in response.headers.get("Vary", "")


def test_the_accounts_language_wins_over_the_browsers(client, auth):
    person = factories.user(email="selin@example.org", name="Selin Demir")
    person.locale = "tr"
    db.session.commit()
    auth.login("selin@example.org", factories.PASSWORD)
    response = client.get("/", headers={"Accept-Language": "ar"})
    assert _html_tag(response) == '<html lang="tr" dir="ltr">'


def test_choosing_arabic_in_the_header_turns_the_page_right_to_left(client):
    page = client.get("/login", headers={"Accept-Language": "de"})
    client.post(
        "/language", data={"language": "ar", "next": "/login", "csrf_token": csrf_token(page.get_data(as_text=True))}
    )
    response = client.get("/login", headers={"Accept-Language": "de"})
    assert _html_tag(response) == '<html lang="ar" dir="rtl">'
    body = response.get_data(as_text=True)
    # The switch names each language in itself, so a reader finds theirs whatever the page's language.
    for name in ("Deutsch", "English", "Türkçe", "العربية"):
        assert name in body
