"""The moderation queue: who reaches it, what waits in it, deciding in place, reports, and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.accounts.models import Role
from consult.amendments.models import AmendmentKind
from consult.amendments.services import propose
from consult.audit.models import AuditEntry
from consult.comments.models import Comment, CommentStatus
from consult.comments.services import post_comment
from consult.core import clock
from consult.core.announce import announced_message
from consult.drafts.models import ModerationPolicy, Phase
from consult.extensions import db
from consult.moderation.models import Report, ReportStatus
from tests import factories
from tests.conftest import Auth, csrf_token

HX = {"HX-Request": "true"}


@pytest.fixture(name="world")
def fixture_world(app):
    org, other = factories.organisation(short_name="ABC"), factories.organisation(short_name="XYZ")
    people = {
        "a1": factories.user(email="a1@example.org", org=org, name="Ayşe Yılmaz"),
        "x1": factories.user(email="x1@example.org", org=other),
        "mod": factories.user(email="mod@example.org", roles=(Role.MODERATOR,)),
        "mod2": factories.user(email="mod2@example.org", roles=(Role.MODERATOR,)),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
    }
    held = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="gehalten")
    held.moderation_policy = ModerationPolicy.HOLD
    open_draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="offen")
    db.session.commit()
    return {"held": held, "open": open_draft, **people}


def _hold_comment(world, body="Bitte prüfen.", minutes_ago=0) -> Comment:
    draft = world["held"]
    comment = post_comment(
        world["a1"], draft, draft.versions[0].texts[1], body, None, clock.now() - timedelta(minutes=minutes_ago)
    )
    db.session.commit()
    return comment


def _token(client) -> str:
    return csrf_token(client.get("/").get_data(as_text=True))


def test_moderators_and_the_board_reach_the_queue_and_the_audit_log_delegates_neither(client, auth, world):
    assert client.get("/moderation").status_code == 302  # guests: sign in first
    auth.login("a1@example.org", factories.PASSWORD)
    assert client.get("/moderation").status_code == 403
    assert client.get("/audit").status_code == 403
    assert "Moderation" not in client.get("/").get_data(as_text=True).split("<main")[0]
    auth.logout()
    auth.login("board@example.org", factories.PASSWORD)
    # The board reads the queue: it decides there what no moderator outside the organisation can.
    assert client.get("/moderation").status_code == 200
    assert client.get("/audit").status_code == 200
    auth.logout()
    auth.login("mod@example.org", factories.PASSWORD)
    assert client.get("/moderation").status_code == 200 and client.get("/audit").status_code == 200


def test_a_delegate_cannot_decide_anything(client, auth, world):
    comment = _hold_comment(world)
    auth.login("x1@example.org", factories.PASSWORD)
    response = client.post(
        f"/moderation/comments/{comment.id}", data={"csrf_token": _token(client), "decision": "publish"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.PENDING and factories.count(AuditEntry) == 0


def test_what_waits_shows_oldest_first_with_its_waiting_time_and_the_count_in_the_navigation(client, auth, world):
    _hold_comment(world, "Neuerer Kommentar", minutes_ago=5)
    _hold_comment(world, "Älterer Kommentar", minutes_ago=180)
    draft = world["open"]
    propose(world["x1"], draft, draft.versions[0].texts[2], AmendmentKind.DELETE, None, "Überflüssig.", clock.now())
    db.session.commit()
    auth.login("mod@example.org", factories.PASSWORD)
    page = client.get("/moderation").get_data(as_text=True)
    assert page.index("Älterer Kommentar") < page.index("Neuerer Kommentar") < page.index("Überflüssig.")
    assert "vor 3 Stunden" in page and "(3 warten)" in page
    assert "3 Einträge warten, die ältesten zuerst." in page
    only_amendments = client.get("/moderation?kind=amendment").get_data(as_text=True)
    assert "Überflüssig." in only_amendments and "Älterer Kommentar" not in only_amendments
    only_open = client.get("/moderation?draft=offen").get_data(as_text=True)
    assert "Überflüssig." in only_open and "Neuerer Kommentar" not in only_open


def test_publishing_in_place_changes_only_the_item_and_the_count(client, auth, world):
    comment = _hold_comment(world)
    _hold_comment(world, "Ein zweiter.")
    auth.login("mod@example.org", factories.PASSWORD)
    token = csrf_token(client.get("/moderation").get_data(as_text=True))
    response = client.post(
        f"/moderation/comments/{comment.id}", headers=HX, data={"csrf_token": token, "decision": "publish"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and len(html) < 2000
    assert f'id="item-comment-{comment.id}"' in html and "Der Kommentar wurde veröffentlicht." in html
    # The message that replaced the decided item takes the focus; the live region says it (by its text).
    assert (
        f'<p class="queue-item__done" id="item-comment-{comment.id}-title" tabindex="-1" data-focus>'
        "Der Kommentar wurde veröffentlicht.</p>"
    ) in html and html.count("data-focus") == 1
    assert announced_message(response) == "Der Kommentar wurde veröffentlicht." and "live-region" not in html
    assert 'id="queue-link" hx-swap-oob="true"' in html and "(1 wartet)" in html
    assert "Ein zweiter." not in html
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.PUBLISHED
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.subject, entry.actor_id) == (
        "comment.publish",
        f"comment:{comment.id}",
        world["mod"].id,
    )


def test_rejecting_needs_a_reason_which_the_author_reads(client, auth, world):
    comment = _hold_comment(world)
    auth.login("mod@example.org", factories.PASSWORD)
    token = csrf_token(client.get("/moderation").get_data(as_text=True))
    response = client.post(f"/moderation/comments/{comment.id}", data={"csrf_token": token, "decision": "reject"})
    assert response.status_code == 422 and "Bitte geben Sie einen Grund an" in response.get_data(as_text=True)
    response = client.post(
        f"/moderation/comments/{comment.id}",
        data={"csrf_token": token, "decision": "reject", "reason": "Bitte ohne Beleidigungen."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    rejected = db.session.get(Comment, comment.id)
    assert rejected.status == CommentStatus.REJECTED and rejected.moderation_reason == "Bitte ohne Beleidigungen."
    auth.logout()
    auth.login("a1@example.org", factories.PASSWORD)
    thread = client.get(f"/drafts/gehalten?open={comment.paragraph_id}").get_data(as_text=True)
    assert "Grund der Moderation:</strong> Bitte ohne Beleidigungen." in thread
    auth.logout()
    auth.login("x1@example.org", factories.PASSWORD)
    assert "Bitte ohne Beleidigungen." not in client.get(f"/drafts/gehalten?open={comment.paragraph_id}").get_data(
        as_text=True
    )


def test_two_moderators_deciding_at_once_leave_one_decision_and_a_message(app, client, world):
    comment = _hold_comment(world)
    first, second = client, app.test_client()
    Auth(first).login("mod@example.org", factories.PASSWORD)
    Auth(second).login("mod2@example.org", factories.PASSWORD)
    token_first = csrf_token(first.get("/moderation").get_data(as_text=True))
    token_second = csrf_token(second.get("/moderation").get_data(as_text=True))
    assert (
        first.post(
            f"/moderation/comments/{comment.id}", headers=HX, data={"csrf_token": token_first, "decision": "publish"}
        ).status_code
        == 200
    )
    response = second.post(
        f"/moderation/comments/{comment.id}",
        headers=HX,
        data={"csrf_token": token_second, "decision": "reject", "reason": "Nein."},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Eine andere Moderatorin oder ein anderer Moderator hat" in html
    assert 'tabindex="-1" data-focus>Eine andere Moderatorin' in html and html.count("data-focus") == 1
    assert announced_message(response).startswith("Eine andere Moderatorin oder ein anderer Moderator hat")
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.PUBLISHED and factories.count(AuditEntry) == 1


def test_anyone_signed_in_reports_and_a_moderator_hides_the_content(client, auth, world):
    draft = world["open"]
    comment = post_comment(world["a1"], draft, draft.versions[0].texts[1], "Ein ärgerlicher Satz.", None, clock.now())
    db.session.commit()
    url = f"/comments/{comment.id}/report"
    assert client.post(url, data={"reason": "x"}).status_code in (302, 400, 401)  # guests cannot report
    auth.login("x1@example.org", factories.PASSWORD)
    response = client.post(url, data={"csrf_token": _token(client), "reason": ""})
    assert response.status_code == 422 and factories.count(Report) == 0
    thread = client.get(f"/drafts/offen?open={comment.paragraph_id}").get_data(as_text=True)
    assert f'action="/comments/{comment.id}/report"' in thread
    response = client.post(url, headers=HX, data={"csrf_token": _token(client), "reason": "Beleidigend."})
    assert response.status_code == 200 and response.get_data(as_text=True) == (
        '<p class="report-done" tabindex="-1" data-focus>Danke. Die Moderation sieht es sich an.</p>'
    )
    assert announced_message(response) == "Danke. Die Moderation sieht es sich an."
    response = client.post(url, data={"csrf_token": _token(client), "reason": "Nochmal."})
    assert response.status_code == 409 and factories.count(Report) == 1
    auth.logout()
    auth.login("mod@example.org", factories.PASSWORD)
    page = client.get("/moderation?kind=report").get_data(as_text=True)
    assert "Beleidigend." in page and "Ein ärgerlicher Satz." in page
    report = db.session.scalars(select(Report)).one()
    response = client.post(
        f"/moderation/reports/{report.id}",
        data={"csrf_token": _token(client), "decision": "hide", "reason": "Verstößt gegen die Regeln."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Report, report.id).status == ReportStatus.UPHELD
    assert db.session.get(Comment, comment.id).status == CommentStatus.REJECTED
    assert db.session.scalars(select(AuditEntry.action)).all() == ["report.hide"]
    auth.logout()
    auth.login("x1@example.org", factories.PASSWORD)
    thread = client.get(f"/drafts/offen?open={comment.paragraph_id}").get_data(as_text=True)
    assert "Ein ärgerlicher Satz." not in thread


def test_the_queue_reads_500_items_in_a_fixed_number_of_queries(client, auth, world, count_queries):
    auth.login("mod@example.org", factories.PASSWORD)
    draft = world["held"]
    text = draft.versions[0].texts[1]

    def add(n):
        db.session.add_all(
            Comment(
                paragraph_id=text.paragraph_id,
                version_id=text.version_id,
                author_id=world["a1"].id,
                organisation_id=world["a1"].organisation_id,
                body=f"Kommentar {i}",
                body_html=f"<p>Kommentar {i}</p>",
                status=CommentStatus.PENDING,
                created_at=clock.now(),
            )
            for i in range(n)
        )
        db.session.commit()

    def queries():
        with count_queries() as counter:
            page = client.get("/moderation")
        assert page.status_code == 200
        return counter.count, page.get_data(as_text=True)

    add(3)
    few, _ = queries()
    add(497)
    many, page = queries()
    assert page.count('class="queue-item"') == 50  # the first page (tests/moderation/test_queue_pages.py)
    assert "500 Einträge warten" in page
    assert many == few, f"{few} queries for 3 items, {many} for 500"
