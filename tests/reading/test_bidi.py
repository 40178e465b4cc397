"""Text in two directions on one page (issue 17): on an Arabic page (`dir="rtl"`) the German draft text, its
title and what members wrote keep their own direction, and a screen reader reads the draft text as German.

The rule: every piece of text a person wrote (a comment, a paragraph, an amendment, a reason) carries
`dir="auto"`, so its first strong letter decides its direction instead of the page's (a title in a heading is
isolated in `<bdi>` instead: it reads in its own direction, and the heading still lines up with the page); the draft's
text also
carries `lang` = the drafts' language (`draft_lang`, German). Typed text (fields, textareas) takes `dir="auto"`
too. Exported documents say their own direction in `<html lang dir>`.
"""

from __future__ import annotations

import re

import pytest

from consult.comments.models import Comment, CommentStatus
from consult.extensions import db
from tests import factories

ARABIC = {"Accept-Language": "ar"}
ARABIC_COMMENT = "نحن نؤيد هذه الفقرة."


@pytest.fixture
def commented(app):
    org = factories.organisation()
    delegate = factories.user(email="delegate@example.org", org=org)
    draft = factories.draft(paragraphs=3)
    version = draft.versions[0]
    db.session.add(
        Comment(
            paragraph=version.texts[1].paragraph,
            version=version,
            author=delegate,
            organisation=org,
            body=ARABIC_COMMENT,
            body_html=f"<p>{ARABIC_COMMENT}</p>",
            status=CommentStatus.PUBLISHED,
        )
    )
    db.session.commit()
    return draft, version.texts[1].paragraph_id


def _tags(page: str, css_class: str) -> list[str]:
    """The opening tags of the elements with `css_class` among their classes."""
    return re.findall(rf'<[a-z0-9]+\b[^>]*\bclass="(?:[^"]* )?{css_class}(?: [^"]*)?"[^>]*>', page)


@pytest.mark.parametrize("headers, lang, direction", [(ARABIC, "ar", "rtl"), ({}, "de", "ltr")])
def test_the_draft_text_keeps_its_language_and_direction_on_any_page(client, auth, commented, headers, lang, direction):
    draft, paragraph_id = commented
    auth.login("delegate@example.org", factories.PASSWORD)
    page = client.get(f"/drafts/{draft.slug}", headers=headers).get_data(as_text=True)

    assert f'<html lang="{lang}" dir="{direction}">' in page
    bodies = _tags(page, "paragraph__body")
    assert len(bodies) == 3
    assert all('lang="de"' in tag and 'dir="auto"' in tag for tag in bodies), bodies
    assert re.search(r"<h1>\s*<bdi>" + re.escape(draft.title) + "</bdi>", page)

    thread = client.get(f"/drafts/{draft.slug}?open={paragraph_id}", headers=headers).get_data(as_text=True)
    comment_bodies = _tags(thread, "comment__body")
    assert comment_bodies and all('dir="auto"' in tag for tag in comment_bodies), comment_bodies
    assert ARABIC_COMMENT in thread
    assert 'lang=""' not in page + thread, "every lang says a language (macros see `draft_lang` too)"
    assert re.search(r'<textarea\b[^>]*\bdir="auto"[^>]*\bname="body"', thread), (
        "the comment field takes the typed direction"
    )


def test_form_fields_take_the_direction_of_what_is_typed(client):
    page = client.get("/login", headers=ARABIC).get_data(as_text=True)
    email = re.search(r'<input\b[^>]*\bname="email"[^>]*>', page).group(0)
    password = re.search(r'<input\b[^>]*\bname="password"[^>]*>', page).group(0)
    assert 'dir="auto"' in email  # an address reads left to right on an Arabic page
    assert 'dir="auto"' not in password  # nothing to read in a password field


def test_documents_say_their_own_direction(app):
    direction_of = app.jinja_env.globals["direction_of"]
    assert (direction_of("ar"), direction_of("de"), direction_of("tr")) == ("rtl", "ltr", "ltr")
    source = app.jinja_env.loader.get_source(app.jinja_env, "exports/print.html")[0]
    assert '<html lang="{{ lang }}" dir="{{ direction_of(lang) }}">' in source
    source = app.jinja_env.loader.get_source(app.jinja_env, "exports/changes.html")[0]
    assert '<html lang="{{ lang }}" dir="{{ direction_of(lang) }}">' in source
