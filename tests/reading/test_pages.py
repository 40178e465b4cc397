"""The draft list and the draft page: who sees what, numbered paragraphs, a fixed number of queries."""

from __future__ import annotations

import re

import pytest

from consult.accounts.models import Role
from consult.comments.models import Comment, CommentStatus
from consult.drafts.models import Phase
from consult.extensions import db
from tests import factories


def _paragraph_numbers(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li class="paragraph" id="p(\d+)"', page)]


@pytest.fixture
def people(app):
    org = factories.organisation()
    people = {
        "delegate": factories.user(email="delegate@example.org", org=org),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
        "moderator": factories.user(email="moderator@example.org", roles=(Role.MODERATOR,)),
        "admin": factories.user(email="admin@example.org", roles=(Role.ADMIN,)),
    }
    db.session.commit()
    return people


ROLES = ["delegate", "board", "moderator", "admin", "guest"]
# (phase, public) -> roles that see the draft
VISIBLE = {
    (Phase.PREPARATION, False): {"board", "moderator", "admin"},
    (Phase.PREPARATION, True): {"board", "moderator", "admin"},
    (Phase.COMMENTING, False): {"delegate", "board", "moderator", "admin"},
    (Phase.COMMENTING, True): set(ROLES),
    (Phase.VOTING, True): set(ROLES),
    (Phase.ADOPTED, False): {"delegate", "board", "moderator", "admin"},
}


@pytest.mark.parametrize("phase, public", list(VISIBLE))
@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_draft(client, auth, people, phase, public, role):
    draft = factories.draft(phase=phase, public=public, slug="sichtbar", title="Sichtbarer Entwurf")
    db.session.commit()
    if role != "guest":
        auth.login(f"{role}@example.org", factories.PASSWORD)
    listed = "Sichtbarer Entwurf" in client.get("/").get_data(as_text=True)
    response = client.get("/drafts/sichtbar")
    if role in VISIBLE[(phase, public)]:
        assert listed
        assert response.status_code == 200
        assert draft.title in response.get_data(as_text=True)
    else:
        assert not listed
        assert response.status_code == (302 if role == "guest" else 404)


def test_draft_page_shows_numbered_paragraphs_with_line_numbers(client, auth, people):
    draft = factories.draft(paragraphs=12)
    db.session.commit()
    auth.login("delegate@example.org", factories.PASSWORD)
    page = client.get(f"/drafts/{draft.slug}").get_data(as_text=True)
    assert _paragraph_numbers(page) == list(range(1, 13))
    assert "§&nbsp;1" in page and "§&nbsp;12" in page
    assert re.findall(r'<span class="ln" aria-hidden="true" data-line="(\d+)"></span>', page) == [
        str(n) for n in range(1, 13)
    ]
    assert "§ 12, Zeilen 12–12" in page
    assert "<em>Teilhabe</em>" in page


def test_draft_list_shows_phase_deadline_and_counts(client, auth, people):
    from datetime import timedelta

    from consult.core.db import utcnow
    from consult.drafts.models import DraftDeadline

    draft = factories.draft(paragraphs=7, phase=Phase.COMMENTING)
    draft.deadlines.append(DraftDeadline(phase=Phase.COMMENTING, ends_at=utcnow() + timedelta(days=9, hours=1)))
    version = draft.versions[0]
    author = people["delegate"]
    for status in (CommentStatus.PUBLISHED, CommentStatus.PUBLISHED, CommentStatus.PENDING, CommentStatus.REJECTED):
        db.session.add(
            Comment(
                paragraph=version.texts[1].paragraph,
                version=version,
                author=author,
                body="Ja",
                body_html="<p>Ja</p>",
                status=status,
            )
        )
    db.session.commit()
    auth.login("delegate@example.org", factories.PASSWORD)
    page = client.get("/").get_data(as_text=True)
    assert "Kommentierung" in page
    assert "7 Absätze" in page
    assert "2 Kommentare" in page  # held and rejected comments are not counted
    assert "in 9 Tagen" in page
    draft_page = client.get(f"/drafts/{draft.slug}").get_data(as_text=True)
    assert "2 Kommentare" in draft_page


def test_draft_page_queries_do_not_grow_with_paragraphs(client, auth, people, count_queries):
    factories.draft(paragraphs=3, slug="klein")
    large = factories.draft(paragraphs=200, slug="gross")
    version = large.versions[0]
    for text in version.texts[::10]:
        db.session.add(
            Comment(
                paragraph=text.paragraph,
                version=version,
                author=people["delegate"],
                body="x",
                body_html="<p>x</p>",
                status=CommentStatus.PUBLISHED,
            )
        )
    db.session.commit()
    auth.login("delegate@example.org", factories.PASSWORD)
    with count_queries() as on_small:
        assert client.get("/drafts/klein").status_code == 200
    with count_queries() as on_large:
        page = client.get("/drafts/gross").get_data(as_text=True)
    # A 200-paragraph draft comes in two § ranges of 100 (DRAFT_RANGE_PARAGRAPHS), each in as many queries.
    assert _paragraph_numbers(page) == list(range(1, 101))
    with count_queries() as on_second_range:
        page = client.get("/drafts/gross?from=101").get_data(as_text=True)
    assert _paragraph_numbers(page) == list(range(101, 201))
    # The second range reads the organisation's progress line from the process (it changes with the draft's
    # revisions only: consult.participation.progress), one query fewer.
    assert on_large.count == on_small.count == on_second_range.count + 1, on_large.statements
    # Eight, and one for the delegate's own progress line.
    assert on_large.count <= 9, on_large.statements


def test_draft_list_queries_do_not_grow_with_drafts(client, auth, people, count_queries):
    factories.draft(paragraphs=3)
    db.session.commit()
    auth.login("delegate@example.org", factories.PASSWORD)
    with count_queries() as one:
        client.get("/")
    for _ in range(10):
        factories.draft(paragraphs=3)
    db.session.commit()
    with count_queries() as eleven:
        page = client.get("/").get_data(as_text=True)
    assert page.count('class="draft-card"') == 11
    assert eleven.count == one.count, eleven.statements


def test_unknown_draft_is_404_in_german(client):
    response = client.get("/drafts/gibt-es-nicht")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(as_text=True)


def test_responses_vary_on_htmx_requests(client):
    assert "HX-Request" in client.get("/").headers["Vary"]
