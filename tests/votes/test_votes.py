"""Casting the organisation's vote through the real route: replace, history, tally, every refusal."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from consult.accounts.models import Role
from consult.core import clock
from consult.core.announce import announced_message
from consult.drafts.models import DraftDeadline, Phase
from consult.extensions import db
from consult.votes.models import Choice, Vote, VoteCast
from consult.votes.queries import tallies
from tests import factories
from tests.conftest import csrf_token

HX = {"HX-Request": "true"}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(app):
    org, other = factories.organisation(short_name="ABC"), factories.organisation(short_name="XYZ")
    factories.organisation(short_name="NOV")  # entitled, has not voted
    people = {
        "a1": factories.user(email="a1@example.org", org=org),
        "a2": factories.user(email="a2@example.org", org=org),
        "x1": factories.user(email="x1@example.org", org=other),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
    }
    draft = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="rat")
    elsewhere = factories.draft(paragraphs=2, phase=Phase.VOTING, slug="anderer")
    db.session.commit()
    return {
        "draft": draft,
        "pid": draft.versions[0].texts[1].paragraph_id,
        "foreign_pid": elsewhere.versions[0].texts[0].paragraph_id,
        "org": org,
        **people,
    }


def _vote(client, choice, paragraph_id, headers=None, slug="rat"):
    page = client.get(f"/drafts/{slug}").get_data(as_text=True)
    return client.post(
        f"/drafts/{slug}/votes",
        headers=headers or {},
        data={"csrf_token": csrf_token(page), "vote": f"{paragraph_id or 'whole'}:{choice}"},
    )


def test_a_later_cast_by_another_delegate_replaces_the_vote_and_history_is_kept(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    response = _vote(client, "yes", world["pid"], HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert f'id="vote-{world["pid"]}"' in html
    assert (
        f'value="{world["pid"]}:yes" hx-post="/drafts/rat/votes" class="button button--small vote vote--yes" '
        'aria-pressed="true" data-focus>'
    ) in html  # the pressed button keeps the focus
    assert "1 von 3 Organisationen haben abgestimmt" in html
    # The message goes into the page's live region by its text (consult.core.announce), never as an element.
    assert announced_message(response) == "Stimme Ihrer Organisation zu § 2: Ja."
    assert "live-region" not in html
    auth.logout()
    auth.login("a2@example.org", factories.PASSWORD)
    response = _vote(client, "abstain", world["pid"])
    assert response.status_code == 302 and response.headers["Location"] == "/drafts/rat#p2"
    votes = db.session.scalars(select(Vote)).all()
    assert [(v.organisation_id, v.choice, v.cast_by_id) for v in votes] == [
        (world["org"].id, Choice.ABSTAIN, world["a2"].id)
    ]
    casts = db.session.scalars(select(VoteCast).order_by(VoteCast.id)).all()
    assert [(c.choice, c.cast_by_id) for c in casts] == [(Choice.YES, world["a1"].id), (Choice.ABSTAIN, world["a2"].id)]
    tally = tallies(world["draft"].id, [world["pid"]])[world["pid"]]
    assert (tally.counts["yes"], tally.counts["abstain"], tally.voted, tally.entitled) == (0, 1, 1, 3)
    page = client.get("/drafts/rat").get_data(as_text=True)
    box = page.split(f'id="vote-{world["pid"]}"', 1)[1].split("</div>", 1)[0]
    assert 'vote--abstain" aria-pressed="true"' in box and 'vote--yes" aria-pressed="false"' in box


def test_vote_on_the_whole_draft(client, auth, world):
    auth.login("x1@example.org", factories.PASSWORD)
    assert _vote(client, "no", None).headers["Location"] == "/drafts/rat#whole-draft"
    assert _vote(client, "yes", None).status_code == 302
    vote = db.session.scalar(select(Vote))
    assert vote.paragraph_id is None and vote.choice == Choice.YES and _count(VoteCast) == 2
    assert tallies(world["draft"].id, [None])[None].counts["yes"] == 1


@pytest.mark.parametrize("phase", [Phase.COMMENTING, Phase.EDITING, Phase.ADOPTED, Phase.ARCHIVED])
def test_votes_outside_the_voting_phase_are_refused(client, auth, world, phase):
    world["draft"].phase = phase
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    for headers in ({}, HX):
        response = _vote(client, "yes", world["pid"], headers)
        assert response.status_code == 409
        assert "Abstimmen ist jetzt nicht möglich" in response.get_data(as_text=True)
    assert _count(Vote) == _count(VoteCast) == 0


def test_vote_after_the_deadline_is_refused(client, auth, world, monkeypatch):
    deadline = datetime(2026, 12, 1, 18, 0, tzinfo=timezone.utc)
    world["draft"].deadlines.append(DraftDeadline(phase=Phase.VOTING, ends_at=deadline))
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    monkeypatch.setattr(clock, "now", lambda: deadline - timedelta(seconds=5))
    page = client.get("/drafts/rat").get_data(as_text=True)
    assert f'name="vote" value="{world["pid"]}:yes"' in page
    monkeypatch.setattr(clock, "now", lambda: deadline)
    response = client.post(
        "/drafts/rat/votes", headers=HX, data={"csrf_token": csrf_token(page), "vote": f"{world['pid']}:yes"}
    )
    assert response.status_code == 409 and "Abstimmen ist jetzt nicht möglich" in response.get_data(as_text=True)
    assert _count(Vote) == _count(VoteCast) == 0


def test_person_without_organisation_cannot_vote(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    for headers in ({}, HX):
        response = _vote(client, "yes", world["pid"], headers)
        assert response.status_code == 403
        assert "Nur Delegierte von Mitgliedsorganisationen können abstimmen." in response.get_data(as_text=True)
    assert _count(Vote) == 0


def test_inactive_organisation_cannot_vote(client, auth, world):
    world["org"].is_active = False
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    assert _vote(client, "yes", world["pid"]).status_code == 403
    assert _count(Vote) == 0


def test_paragraph_of_another_draft_is_refused(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    for headers in ({}, HX):
        response = _vote(client, "yes", world["foreign_pid"], headers)
        assert response.status_code == 422
        assert "Dieser Absatz gehört nicht zu diesem Entwurf." in response.get_data(as_text=True)
    assert _count(Vote) == 0


def test_guest_and_missing_csrf_are_refused(client, auth, world):
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/drafts/rat/votes", data={"csrf_token": token, "vote": f"{world['pid']}:yes"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    auth.login("a1@example.org", factories.PASSWORD)
    for headers in ({}, HX):
        response = client.post("/drafts/rat/votes", headers=headers, data={"vote": f"{world['pid']}:yes"})
        assert response.status_code == 400
    assert _vote(client, "maybe", world["pid"]).status_code == 400
    assert _count(Vote) == 0


def test_draft_page_with_votes_has_a_fixed_number_of_queries(app, client, auth, world, count_queries):
    # Rendered each time (a vote no longer makes the cached page miss: its boxes are filled per request).
    app.config["PAGE_CACHE_BYTES"] = 0
    auth.login("a1@example.org", factories.PASSWORD)
    _vote(client, "yes", world["pid"])
    with count_queries() as few:
        client.get("/drafts/rat")
    big = factories.draft(paragraphs=60, phase=Phase.VOTING, slug="gross")
    for _ in range(8):
        org = factories.organisation()
        for text in big.versions[0].texts:
            db.session.add(Vote(draft=big, paragraph_id=text.paragraph_id, organisation=org, choice=Choice.NO))
    db.session.commit()
    with count_queries() as many:
        page = client.get("/drafts/gross").get_data(as_text=True)
    assert "8 von 11 Organisationen haben abgestimmt" in page
    assert many.count == few.count, many.statements


def test_headings_are_not_put_to_the_vote(client, auth, world):
    heading = world["draft"].versions[0].texts[0]
    assert heading.text.startswith("#")
    auth.login("a1@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat").get_data(as_text=True)
    assert f'id="vote-{heading.paragraph_id}"' not in page and f'id="vote-{world["pid"]}"' in page
    response = _vote(client, "yes", heading.paragraph_id, HX)
    assert response.status_code == 422 and "Überschriften" in response.get_data(as_text=True)
    assert _count(Vote) == 0


def test_vote_post_has_a_fixed_number_of_queries(client, auth, world, count_queries):
    # The request delegates send most often in a voting session: its statements are counted,
    # so that they cannot grow unnoticed. The person; the draft with the paragraph as it reads
    # now; the draft's lock (its revision raised while voting is still open, consult.drafts.locks),
    # whether amendments are put to the vote (the amendment round), whether a live session leaves the
    # question open (consult.votes.live_gate), the upsert and the history row; for htmx the tally.
    auth.login("a1@example.org", factories.PASSWORD)
    token = csrf_token(client.get("/drafts/rat").get_data(as_text=True))
    with count_queries() as htmx_post:
        response = client.post(
            "/drafts/rat/votes", headers=HX, data={"csrf_token": token, "vote": f"{world['pid']}:yes"}
        )
    assert response.status_code == 200 and "1 von 3 Organisationen haben abgestimmt" in response.get_data(as_text=True)
    assert htmx_post.count == 8, htmx_post.statements
    # The person as one row of what the checks read (consult.accounts.auth.Identity), not as objects.
    assert "password_hash" not in htmx_post.statements[0] and "user_role" in htmx_post.statements[0]
    with count_queries() as plain_post:
        response = client.post("/drafts/rat/votes", data={"csrf_token": token, "vote": "whole:no"})
    assert response.status_code == 302
    assert plain_post.count == 7, plain_post.statements


def test_a_wrong_csrf_token_is_refused(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    token = csrf_token(client.get("/drafts/rat").get_data(as_text=True))
    for headers in ({}, HX, {**HX, "X-CSRFToken": token[:-2] + "xx"}):
        response = client.post(
            "/drafts/rat/votes", headers=headers, data={"csrf_token": token[:-2] + "xx", "vote": f"{world['pid']}:yes"}
        )
        assert response.status_code == 400
    assert _count(Vote) == _count(VoteCast) == 0


def test_a_delegate_whose_organisation_left_sees_the_refusal_in_the_box(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    token = csrf_token(client.get("/drafts/rat").get_data(as_text=True))
    world["org"].is_member = False
    db.session.commit()
    response = client.post("/drafts/rat/votes", headers=HX, data={"csrf_token": token, "vote": f"{world['pid']}:yes"})
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and "<html" not in html and f'id="vote-{world["pid"]}"' in html
    assert "Nur Delegierte von Mitgliedsorganisationen können abstimmen." in html
    assert "0 von 2 Organisationen haben abgestimmt" in html and 'name="vote"' not in html
    assert _count(Vote) == 0


def test_the_vote_reads_the_person_fresh_on_every_request(client, auth, world):
    # The vote POST reads the signed-in person as one row (consult.accounts.auth.Identity), not as
    # objects: a role taken away or an account closed counts from the next request on.
    from consult.accounts.models import UserRole

    auth.login("a1@example.org", factories.PASSWORD)
    token = csrf_token(client.get("/drafts/rat").get_data(as_text=True))
    data = {"csrf_token": token, "vote": f"{world['pid']}:yes"}
    db.session.execute(db.delete(UserRole).where(UserRole.user_id == world["a1"].id))
    db.session.commit()
    response = client.post("/drafts/rat/votes", headers=HX, data=data)
    assert response.status_code == 403 and "Nur Delegierte" in response.get_data(as_text=True)
    db.session.add(UserRole(user_id=world["a1"].id, role=Role.DELEGATE))
    db.session.commit()
    assert client.post("/drafts/rat/votes", headers=HX, data=data).status_code == 200
    world["a1"].session_version += 1  # e.g. the password was changed elsewhere: this session is over
    db.session.commit()
    response = client.post("/drafts/rat/votes", headers=HX, data=data)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    auth.login("a1@example.org", factories.PASSWORD)
    token = csrf_token(client.get("/drafts/rat").get_data(as_text=True))
    data = {"csrf_token": token, "vote": f"{world['pid']}:no"}
    assert client.post("/drafts/rat/votes", headers=HX, data=data).status_code == 200
    world["a1"].is_active_account = False
    db.session.commit()
    response = client.post("/drafts/rat/votes", headers=HX, data=data)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert _count(VoteCast) == 2


def test_a_refused_plain_vote_shows_the_page_frame_of_the_person(client, auth, world):
    world["draft"].phase = Phase.ADOPTED
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    html = _vote(client, "yes", world["pid"]).get_data(as_text=True)
    assert "Test Person" in html and '<abbr title="' in html and ">ABC</abbr>" in html


def test_a_board_member_who_is_a_delegate_votes_under_the_two_factor_requirement(app, client, auth, world, monkeypatch):
    """The vote POST reads the person as an Identity: the two-factor requirement must read it too."""
    from datetime import datetime, timezone

    from consult.accounts.models import User

    person = factories.user(email="vorstand@example.org", roles=(Role.DELEGATE, Role.BOARD), org=world["org"])
    db.session.commit()
    auth.login("vorstand@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat").get_data(as_text=True)  # before the requirement: the token
    monkeypatch.setitem(app.config, "REQUIRE_2FA", True)
    data = {"csrf_token": csrf_token(page), "vote": f"{world['pid']}:yes"}
    # Without a second factor: sent to set one up, nothing written.
    refused = client.post("/drafts/rat/votes", headers={"HX-Request": "true"}, data=data)
    assert refused.status_code == 204 and refused.headers["HX-Redirect"].startswith("/account/two-factor")
    assert _count(Vote) == 0
    # With one, the vote counts.
    db.session.get(User, person.id).totp_enabled_at = datetime.now(timezone.utc)
    db.session.commit()
    assert client.post("/drafts/rat/votes", headers={"HX-Request": "true"}, data=data).status_code == 200
    assert _count(Vote) == 1
