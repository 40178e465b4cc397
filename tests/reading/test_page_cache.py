"""The draft page is cached per viewer and draft revision: a second view is cheap,
and every change to what the page shows is on the next view."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from consult.accounts.models import Role, UserRole
from consult.core import clock
from consult.drafts.models import Draft, DraftDeadline, Phase
from consult.drafts.services import set_phase
from consult.extensions import db
from tests import factories
from tests.conftest import Auth, csrf_token

HX = {"HX-Request": "true"}
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    org, other = factories.organisation(short_name="ABC"), factories.organisation(short_name="XYZ")
    people = {
        "a1": factories.user(email="a1@example.org", org=org),
        "x1": factories.user(email="x1@example.org", org=other),
    }
    draft = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="rat", public=True)
    db.session.commit()
    return {"draft_id": draft.id, "pid": draft.versions[0].texts[1].paragraph_id, "org": org, **people}


def _cache(app):
    return app.extensions["consult_page_cache"]


def _revision(draft_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Draft.revision).where(Draft.id == draft_id))


def _tally_revision(draft_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Draft.tally_revision).where(Draft.id == draft_id))


def _page(client) -> str:
    return client.get("/drafts/rat").get_data(as_text=True)


def _vote(client, pid, choice, headers=None):
    return client.post(
        "/drafts/rat/votes",
        headers=headers or {},
        data={"csrf_token": csrf_token(_page(client)), "vote": f"{pid}:{choice}"},
    )


def test_a_second_view_comes_from_the_cache_with_a_fixed_handful_of_queries(app, client, world, count_queries):
    first = _page(client)
    with count_queries() as counter:
        second = _page(client)
    # The same page; only the CSRF token is signed anew (its signature carries the second).
    assert second.replace(csrf_token(second), "T") == first.replace(csrf_token(first), "T")
    assert _cache(app).hits == 1
    # The draft (with its deadlines) and the entitled organisations: nothing of the paragraphs,
    # comments or votes is read again.
    assert counter.count <= 3, counter.statements


def test_the_cache_is_off_with_page_cache_bytes_zero(app, client, world):
    app.config["PAGE_CACHE_BYTES"] = 0
    _page(client), _page(client)
    assert "consult_page_cache" not in app.extensions or _cache(app).hits == 0


def test_a_vote_shows_on_the_next_view_of_the_page(app, client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    assert "0 von 2 Organisationen haben abgestimmt" in _page(client)
    before = _revision(world["draft_id"])
    tally_before = _tally_revision(world["draft_id"])
    assert _vote(client, world["pid"], "yes", HX).status_code == 200
    # A vote raises the tally revision, not the page revision (the text and the comments stay as they are).
    assert (_revision(world["draft_id"]), _tally_revision(world["draft_id"])) == (before, tally_before + 1)
    page = _page(client)
    assert "1 von 2 Organisationen haben abgestimmt" in page
    assert (
        f'value="{world["pid"]}:yes" hx-post="/drafts/rat/votes" class="button button--small vote vote--yes" '
        f'aria-pressed="true"'
    ) in page


def test_a_comment_shows_on_the_next_view_of_the_page(app, client, auth, world):
    set_phase(db.session.get(Draft, world["draft_id"]), Phase.COMMENTING)
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    page = _page(client)
    assert "1 Kommentar" not in page
    response = client.post(
        f"/drafts/rat/paragraphs/{world['pid']}/comments",
        headers=HX,
        data={"csrf_token": csrf_token(page), "body": "Gut so.", "stance": "support"},
    )
    assert response.status_code == 200
    assert "1 Kommentar" in _page(client)


def test_a_phase_change_shows_on_the_next_view(app, client, world):
    assert "Abstimmung" in _page(client)
    set_phase(db.session.get(Draft, world["draft_id"]), Phase.COMMENTING)
    db.session.commit()
    page = _page(client)
    assert _cache(app).hits == 0
    assert "Tally:" not in page and "haben abgestimmt" not in page


def test_a_passed_deadline_closes_the_vote_on_the_next_view(app, client, auth, world, monkeypatch):
    draft = db.session.get(Draft, world["draft_id"])
    draft.deadlines.append(DraftDeadline(phase=Phase.VOTING, ends_at=NOW + timedelta(minutes=1)))
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    assert 'name="vote"' in _page(client)
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(minutes=2))
    assert 'name="vote"' not in _page(client)


def test_a_deactivated_organisation_leaves_the_turnout_on_the_next_view(app, client, world):
    assert "0 von 2 Organisationen" in _page(client)
    db.session.get(type(world["org"]), world["org"].id).is_active = False
    db.session.commit()
    assert "0 von 1 Organisationen" in _page(client) or "0 von 1 Organisation" in _page(client)


def test_a_new_role_shows_on_the_next_view(app, client, auth, world):
    auth.login("x1@example.org", factories.PASSWORD)
    assert 'name="vote"' in _page(client)
    db.session.execute(UserRole.__table__.delete().where(UserRole.user_id == world["x1"].id))
    db.session.add(UserRole(user_id=world["x1"].id, role=Role.MODERATOR))
    db.session.commit()
    assert 'name="vote"' not in _page(client)


def test_each_viewer_gets_their_own_page(app, client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    assert _vote(client, world["pid"], "yes").status_code == 302
    mine = _page(client)
    auth.logout()
    auth.login("x1@example.org", factories.PASSWORD)
    theirs = _page(client)
    auth.logout()
    guest = _page(client)
    assert 'aria-pressed="true"' in mine and 'aria-pressed="true"' not in theirs
    assert "a1@example.org" not in theirs and "Test Person" in theirs
    assert 'name="vote"' not in guest and "Abmelden" not in guest


def test_two_sessions_of_one_person_each_get_their_own_csrf_token(app, client, world):
    first, second = client, app.test_client()
    Auth(first).login("a1@example.org", factories.PASSWORD)
    Auth(second).login("a1@example.org", factories.PASSWORD)
    token_first = csrf_token(_page(first))
    page_second = _page(second)  # from the cache, filled by the first session
    assert _cache(app).hits >= 1
    token_second = csrf_token(page_second)
    assert token_second != token_first
    response = second.post("/drafts/rat/votes", data={"csrf_token": token_second, "vote": f"{world['pid']}:no"})
    assert response.status_code == 302


def test_a_page_with_a_flash_message_is_neither_taken_from_nor_put_into_the_cache(app, client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    _page(client)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Eine Nachricht für diese Person")]
    assert "Eine Nachricht für diese Person" in _page(client)
    assert "Eine Nachricht für diese Person" not in _page(client)


def test_a_rolled_back_change_leaves_the_revision(app, world):
    before = _revision(world["draft_id"])
    set_phase(db.session.get(Draft, world["draft_id"]), Phase.COMMENTING)
    db.session.rollback()
    assert _revision(world["draft_id"]) == before
