"""The read-only JSON view of a draft: same content and permissions as the page."""

from __future__ import annotations

from consult.accounts.models import Role
from consult.comments.models import Comment, CommentStatus
from consult.drafts.models import Phase
from consult.extensions import db
from consult.votes.models import Choice, Vote
from tests import factories


def test_json_of_a_draft(client, auth, app):
    org = factories.organisation()
    author = factories.user(email="d@example.org", org=org)
    draft = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="rat", public=True)
    version = draft.versions[0]
    second = version.texts[1]
    for status in (CommentStatus.PUBLISHED, CommentStatus.PENDING, CommentStatus.WITHDRAWN):
        db.session.add(
            Comment(
                paragraph_id=second.paragraph_id,
                version_id=version.id,
                author_id=author.id,
                body="x",
                body_html="<p>x</p>",
                status=status,
            )
        )
    db.session.add(Vote(draft=draft, paragraph_id=second.paragraph_id, organisation=org, choice=Choice.YES))
    db.session.add(Vote(draft=draft, paragraph_id=None, organisation=org, choice=Choice.NO))
    db.session.commit()
    data = client.get("/api/v1/drafts/rat").get_json()
    assert data["phase"] == "voting" and data["version"] == 1 and data["slug"] == "rat"
    assert [p["number"] for p in data["paragraphs"]] == [1, 2, 3]
    assert data["paragraphs"][1]["text"] == second.text
    assert data["paragraphs"][1]["comments"] == 1
    assert data["paragraphs"][1]["tally"] == {"yes": 1, "no": 0, "abstain": 0, "voted": 1, "entitled": 1}
    assert data["tally"]["no"] == 1


def test_json_follows_the_page_permissions(client, auth, app):
    factories.user(email="d@example.org")
    factories.user(email="b@example.org", roles=(Role.BOARD,))
    factories.draft(slug="intern", phase=Phase.COMMENTING, public=False)
    factories.draft(slug="entwurf", phase=Phase.PREPARATION, public=True)
    db.session.commit()
    assert client.get("/api/v1/drafts/intern").status_code == 404
    assert client.get("/api/v1/drafts/entwurf").status_code == 404
    assert client.get("/api/v1/drafts/gibt-es-nicht").status_code == 404
    auth.login("d@example.org", factories.PASSWORD)
    assert client.get("/api/v1/drafts/intern").status_code == 200
    assert client.get("/api/v1/drafts/entwurf").status_code == 404
    auth.logout()
    auth.login("b@example.org", factories.PASSWORD)
    assert client.get("/api/v1/drafts/entwurf").status_code == 200


def test_errors_under_the_api_are_json_and_pages_elsewhere(client):
    """A program reading /api/v1 gets JSON whatever goes wrong; people get the page, as before."""
    wrong_method = client.post("/api/v1/drafts/rat")
    assert wrong_method.status_code == 405 and wrong_method.get_json() == {"error": "method not allowed"}
    assert set(wrong_method.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    for address in ("/api/v1/nothing", "/api/v1", "/api/v1/drafts/a%01b"):
        answer = client.get(address)
        assert (answer.status_code, answer.get_json()) == (404, {"error": "not found"}), address
    for address in ("/nothing", "/api/v1x"):
        answer = client.get(address)
        assert answer.status_code == 404 and answer.mimetype == "text/html", address
