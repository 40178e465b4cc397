"""Live tallies (issue 16, points 7 and 8): a vote shows on every open voting page without rendering the draft
page again. The page is cached by its revision alone, its vote boxes are filled per request, and pages poll
`GET /drafts/<slug>/tallies` (ETag, 304 while no vote came in) for other organisations' votes."""

from __future__ import annotations

import pytest

from consult.accounts.models import Role
from consult.drafts.models import Draft, Phase
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.votes.models import Choice, Vote
from tests import factories
from tests.conftest import csrf_token
from tests.votes.test_amendment_votes import make_amendment

HX = {"HX-Request": "true"}


@pytest.fixture(name="world")
def fixture_world(app):
    org, other = factories.organisation(short_name="ABC"), factories.organisation(short_name="XYZ")
    factories.organisation(short_name="NOV")  # entitled, does not vote
    people = {
        "a1": factories.user(email="a1@example.org", org=org),
        "x1": factories.user(email="x1@example.org", org=other),
    }
    draft = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="rat", public=True)
    hidden = factories.draft(paragraphs=2, phase=Phase.PREPARATION, slug="geheim")
    db.session.commit()
    return {
        "draft_id": draft.id,
        "pid": draft.versions[0].texts[1].paragraph_id,
        "org": org,
        "other": other,
        "hidden_id": hidden.id,
        **people,
    }


def _page(client, slug="rat") -> str:
    return client.get(f"/drafts/{slug}").get_data(as_text=True)


def _vote(client, pid, choice) -> None:
    response = client.post(
        "/drafts/rat/votes", headers=HX, data={"csrf_token": csrf_token(_page(client)), "vote": f"{pid}:{choice}"}
    )
    assert response.status_code == 200


def _cache(app):
    return app.extensions["consult_page_cache"]


def test_another_organisations_vote_shows_on_the_next_view_without_rendering_the_page_again(app, client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    _vote(client, world["pid"], "yes")
    first = _page(client)
    assert "1 von 3 Organisationen haben abgestimmt" in first
    hits = _cache(app).hits
    auth.logout()
    auth.login("x1@example.org", factories.PASSWORD)
    _vote(client, world["pid"], "no")
    auth.logout()
    auth.login("a1@example.org", factories.PASSWORD)
    page = _page(client)
    # The page came from the cache (its revision did not change) and still shows the new vote and a1's choice.
    assert _cache(app).hits > hits
    assert "2 von 3 Organisationen haben abgestimmt" in page
    assert "Nein <strong>1</strong>" in page
    assert (
        f'value="{world["pid"]}:yes" hx-post="/drafts/rat/votes" class="button button--small vote vote--yes" '
        f'aria-pressed="true"'
    ) in page
    # No hole or separator leaks into the page.
    assert "\x00" not in page


def test_the_page_names_the_feed_with_the_etag_of_the_tallies_it_shows(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    page = _page(client)
    feed = page.split('id="tally-feed"', 1)[1].split(">", 1)[0]
    assert 'data-url="/drafts/rat/tallies"' in feed
    etag = feed.split('data-etag="', 1)[1].split('"', 1)[0]
    response = client.get("/drafts/rat/tallies", headers={"If-None-Match": f'"{etag}"'})
    assert response.status_code == 304
    assert "%(voted)d von %(entitled)d Organisationen haben abgestimmt" in feed


def test_the_feed_answers_every_tally_and_304_until_a_vote_comes_in(client, auth, world, count_queries):
    response = client.get("/drafts/rat/tallies")  # a guest: the draft is public
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.get_json() == {"entitled": 3, "questions": {}}
    etag = response.headers["ETag"]
    with count_queries() as counter:
        again = client.get("/drafts/rat/tallies", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert counter.count == 1, counter.statements  # the draft, its tally revision and who counts: one query
    auth.login("x1@example.org", factories.PASSWORD)
    _vote(client, world["pid"], "no")
    changed = client.get("/drafts/rat/tallies", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json() == {"entitled": 3, "questions": {str(world["pid"]): [0, 1, 0]}}
    # Counted once per revision and process: the next 200 reads the draft and nothing else.
    with count_queries() as counter:
        same = client.get("/drafts/rat/tallies")
    assert same.get_json() == changed.get_json()
    assert counter.count <= 2, counter.statements  # (+ the person, signed in)


def test_a_deactivated_organisation_changes_the_feed(client, world):
    db.session.add(
        Vote(
            draft_id=world["draft_id"], paragraph_id=world["pid"], organisation_id=world["other"].id, choice=Choice.YES
        )
    )
    db.session.commit()
    first = client.get("/drafts/rat/tallies")
    assert first.get_json()["questions"] == {str(world["pid"]): [1, 0, 0]}
    db.session.get(Organisation, world["other"].id).is_active = False
    db.session.commit()
    after = client.get("/drafts/rat/tallies", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_json() == {"entitled": 2, "questions": {}}


def test_the_feed_is_for_those_who_may_see_the_draft(client, auth, world):
    assert client.get("/drafts/geheim/tallies").status_code == 404
    assert client.get("/drafts/nichts/tallies").status_code == 404
    auth.login("a1@example.org", factories.PASSWORD)
    assert client.get("/drafts/geheim/tallies").status_code == 404
    db.session.get(Draft, world["draft_id"]).is_public = False
    db.session.commit()
    assert client.get("/drafts/rat/tallies").status_code == 200
    auth.logout()
    assert client.get("/drafts/rat/tallies").status_code == 404


def test_amendment_tallies_are_in_the_feed_and_on_the_pages_that_show_them(client, auth, world):
    draft = db.session.get(Draft, world["draft_id"])
    amendment = make_amendment(draft, 1, world["other"], world["x1"])
    db.session.add(
        Vote(draft_id=draft.id, amendment_id=amendment.id, organisation_id=world["other"].id, choice=Choice.ABSTAIN)
    )
    db.session.commit()
    assert client.get("/drafts/rat/tallies").get_json()["questions"] == {f"a{amendment.id}": [0, 0, 1]}
    auth.login("a1@example.org", factories.PASSWORD)
    for url in (f"/drafts/rat/amendments/{amendment.id}", "/drafts/rat"):
        page = client.get(url).get_data(as_text=True)
        assert 'id="tally-feed"' in page and f'id="vote-a{amendment.id}"' in page, url
        box = page.split(f'id="vote-a{amendment.id}"', 1)[1]
        assert "Enthaltung <strong>1</strong>" in box.split("</p>", 1)[0], url
        assert f'value="a{amendment.id}:yes"' in box.split("</p>", 1)[0], url


def test_an_adopted_draft_shows_its_tallies_but_does_not_poll(client, world):
    draft = db.session.get(Draft, world["draft_id"])
    draft.phase = Phase.ADOPTED
    db.session.commit()
    page = _page(client)
    assert "0 von 3 Organisationen haben abgestimmt" in page
    assert 'id="tally-feed"' not in page


def test_the_boxes_are_filled_where_the_page_is_not_cached(app, client, auth, world):
    """A moderator's page and a page with a query string are rendered every time; their holes are filled too."""
    factories.user(email="mod@example.org", roles=(Role.MODERATOR,))
    db.session.add(
        Vote(draft_id=world["draft_id"], paragraph_id=world["pid"], organisation_id=world["other"].id, choice=Choice.NO)
    )
    db.session.commit()
    auth.login("mod@example.org", factories.PASSWORD)
    for url in ("/drafts/rat", f"/drafts/rat?open={world['pid']}"):
        page = client.get(url).get_data(as_text=True)
        assert "\x00" not in page, url
        assert f'id="vote-{world["pid"]}"' in page and "Nein <strong>1</strong>" in page, url
        assert 'id="tally-feed"' in page, url


def test_the_kept_boxes_follow_the_language(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    assert "0 von 3 Organisationen haben abgestimmt" in _page(client)
    client.post("/language", data={"csrf_token": csrf_token(_page(client)), "language": "en"})
    page = _page(client)
    assert "0 of 3 organisations voted" in page and "Organisationen haben abgestimmt" not in page
