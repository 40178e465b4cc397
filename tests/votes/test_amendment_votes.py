"""Votes on amendments (issue 15, point 4) through the real routes: cast, change, history, the amendment
round that closes the paragraph and whole-text questions, every refusal with its message, htmx fragment
against plain redirect, and the draft page's list of amendment questions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from consult.accounts.models import Role
from consult.amendments.models import Amendment, AmendmentKind, AmendmentStatus, Recommendation
from consult.amendments.queries import amendment_round
from consult.core import clock
from consult.core.announce import announced_message
from consult.drafts.models import DraftDeadline, Phase
from consult.extensions import db
from consult.votes.models import Choice, Vote, VoteCast
from consult.votes.queries import tally
from tests import factories
from tests.conftest import csrf_token

HX = {"HX-Request": "true"}
ROUND_MESSAGE = (
    "Zuerst wird über die Änderungsanträge abgestimmt; danach folgt die neue Fassung und die "
    "Abstimmung über Absätze und Gesamttext."
)


def make_amendment(
    draft, index: int, org, author, status=AmendmentStatus.PUT_TO_VOTE, text="Ein neuer Text.", **values
) -> Amendment:
    """An amendment to the draft's paragraph number `index` (0-based), put straight into `status`: the
    procedure that puts amendments to the vote is built and tested in tests/amendments."""
    row = draft.versions[0].texts[index]
    amendment = Amendment(
        draft=draft,
        paragraph_id=row.paragraph_id,
        version=draft.versions[0],
        kind=AmendmentKind.REPLACE,
        base_text=row.text,
        proposed_text=text,
        justification="Weil es klarer ist.",
        author=author,
        organisation=org,
        status=status,
        **values,
    )
    db.session.add(amendment)
    db.session.flush()
    return amendment


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
    draft = factories.draft(paragraphs=4, phase=Phase.VOTING, slug="rat")
    elsewhere = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="anderer")
    voted = make_amendment(
        draft,
        2,
        other,
        people["x1"],
        text="Absatz 3: Alle beraten **gemeinsam**.",
        recommendation=Recommendation.REJECT,
    )
    waiting = make_amendment(draft, 1, other, people["x1"], status=AmendmentStatus.SUBMITTED)
    foreign = make_amendment(elsewhere, 1, other, people["x1"])
    db.session.commit()
    return {
        "draft": draft,
        "elsewhere": elsewhere,
        "amendment": voted,
        "waiting": waiting,
        "foreign": foreign,
        "pid": draft.versions[0].texts[1].paragraph_id,
        "org": org,
        "other": other,
        **people,
    }


def _token(client, path="/drafts/rat"):
    return csrf_token(client.get(path).get_data(as_text=True))


def _vote(client, key, choice, headers=None, slug="rat", back=None, token=None):
    data = {"csrf_token": token or _token(client), "vote": f"{key}:{choice}"}
    if back:
        data["back"] = back
    return client.post(f"/drafts/{slug}/votes", headers=headers or {}, data=data)


def _votes():
    return db.session.execute(select(Vote.amendment_id, Vote.paragraph_id, Vote.organisation_id, Vote.choice)).all()


def _casts():
    return db.session.execute(
        select(VoteCast.amendment_id, VoteCast.choice, VoteCast.cast_by_id).order_by(VoteCast.id)
    ).all()


def test_cast_change_and_history_on_an_amendment(client, auth, world):
    a = world["amendment"]
    auth.login("a1@example.org", factories.PASSWORD)
    response = _vote(client, f"a{a.id}", "yes", HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert f'id="vote-a{a.id}"' in html
    assert (
        f'value="a{a.id}:yes" hx-post="/drafts/rat/votes" class="button button--small vote vote--yes" '
        'aria-pressed="true" data-focus>'
    ) in html  # the pressed button keeps the focus
    assert "1 von 3 Organisationen haben abgestimmt" in html
    # The message goes into the page's live region by its text (consult.core.announce), never as an element.
    assert announced_message(response) == f"Stimme Ihrer Organisation zu Änderungsantrag {a.id}: Ja."
    assert "live-region" not in html
    auth.logout()
    # Another delegate of the same organisation changes the vote, without JavaScript, from the draft page.
    auth.login("a2@example.org", factories.PASSWORD)
    response = _vote(client, f"a{a.id}", "no")
    assert response.status_code == 302 and response.headers["Location"] == f"/drafts/rat#vote-a{a.id}"
    assert _votes() == [(a.id, None, world["org"].id, Choice.NO)]
    assert _casts() == [(a.id, Choice.YES, world["a1"].id), (a.id, Choice.NO, world["a2"].id)]
    counted = tally(world["draft"].id, None, a.id)
    assert (counted.counts["no"], counted.voted, counted.entitled) == (1, 1, 3)
    # The paragraph's and the whole draft's questions have no votes from this.
    assert tally(world["draft"].id, a.paragraph_id).voted == tally(world["draft"].id, None).voted == 0


def test_plain_vote_from_the_amendment_page_comes_back_to_it(client, auth, world):
    a = world["amendment"]
    auth.login("x1@example.org", factories.PASSWORD)
    page = client.get(f"/drafts/rat/amendments/{a.id}").get_data(as_text=True)
    assert 'name="back" value="amendment"' in page and f'name="vote" value="a{a.id}:abstain"' in page
    response = _vote(client, f"a{a.id}", "abstain", back="amendment", token=csrf_token(page))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/drafts/rat/amendments/{a.id}#vote-a{a.id}"
    page = client.get(f"/drafts/rat/amendments/{a.id}").get_data(as_text=True)
    box = page.split(f'id="vote-a{a.id}"', 1)[1].split("</div>", 1)[0]
    assert 'vote--abstain" aria-pressed="true"' in box and 'vote--yes" aria-pressed="false"' in box
    # Any other `back` is refused: nothing here redirects elsewhere.
    assert _vote(client, f"a{a.id}", "yes", back="https://example.com").status_code == 400


def test_the_same_form_key_sent_twice_casts_once(client, auth, world):
    a = world["amendment"]
    auth.login("a1@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat").get_data(as_text=True)
    key = page.split('name="once_key" value="', 1)[1].split('"', 1)[0]
    data = {"csrf_token": csrf_token(page), "once_key": key, "vote": f"a{a.id}:yes"}
    first = client.post("/drafts/rat/votes", data=data)
    again = client.post("/drafts/rat/votes", data=data)
    assert first.status_code == again.status_code == 302
    assert len(_casts()) == 1
    # The page's one form has one key for all its questions: scoped per question, it casts on another one.
    second = make_amendment(world["draft"], 3, world["other"], world["x1"])
    db.session.commit()
    assert client.post("/drafts/rat/votes", data={**data, "vote": f"a{second.id}:no"}).status_code == 302
    assert [(row.amendment_id, row.choice) for row in _casts()] == [(a.id, Choice.YES), (second.id, Choice.NO)]


def test_the_amendment_round_refuses_paragraph_and_whole_votes(client, auth, world):
    assert amendment_round(world["draft"].id) and not amendment_round(world["elsewhere"].id + 1000)
    auth.login("a1@example.org", factories.PASSWORD)
    for key in (world["pid"], "whole"):
        for headers in ({}, HX):
            response = _vote(client, key, "yes", headers)
            assert response.status_code == 409, key
            assert ROUND_MESSAGE in response.get_data(as_text=True)
    assert _votes() == [] and _casts() == []
    # Once no amendment is put to the vote any more, they are open again.
    world["amendment"].status = AmendmentStatus.ACCEPTED
    db.session.commit()
    assert not amendment_round(world["draft"].id)
    assert _vote(client, world["pid"], "yes").status_code == 302
    assert len(_votes()) == 1


def test_the_draft_page_in_the_amendment_round_lists_the_amendment_questions(client, auth, world):
    a, waiting = world["amendment"], world["waiting"]
    auth.login("a1@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat").get_data(as_text=True)
    section = page.split('id="amendment-round"', 1)[1].split("</section>", 1)[0]
    assert "Abstimmung über Änderungsanträge" in page
    assert ROUND_MESSAGE in section
    assert f"Änderungsantrag {a.id} · neuer Text für § 3" in section
    assert f'href="/drafts/rat/amendments/{a.id}"' in section
    assert "<ins>**gemeinsam**</ins>" in section  # the change as a word diff
    assert "Verfahrensvorschlag:</strong> Zurückweisen" in section
    assert f'id="vote-a{a.id}"' in section and f'name="vote" value="a{a.id}:yes"' in section
    assert f"Änderungsantrag {waiting.id}" not in section  # not put to the vote
    # No paragraph or whole-draft vote boxes, but the one hidden form the buttons submit.
    assert f'id="vote-{world["pid"]}"' not in page and 'id="vote-whole"' not in page
    assert 'id="vote-form"' in page
    world["amendment"].status = AmendmentStatus.REJECTED
    db.session.commit()
    page = client.get("/drafts/rat").get_data(as_text=True)
    assert 'id="amendment-round"' not in page and f'id="vote-{world["pid"]}"' in page and 'id="vote-whole"' in page


def test_the_draft_page_in_the_amendment_round_has_a_fixed_number_of_queries(client, auth, world, count_queries):
    auth.login("a1@example.org", factories.PASSWORD)
    with count_queries() as one:
        page = client.get("/drafts/rat").get_data(as_text=True)
    assert page.count('class="amendment-question"') == 1
    draft = world["draft"]
    for i in range(6):
        org = factories.organisation()
        author = factories.user(org=org)
        for index in (1, 2, 3):
            amendment = make_amendment(
                draft,
                index,
                org,
                author,
                text=f"Neu {i}-{index}.",
                recommendation=Recommendation.ACCEPT if i % 2 else None,
            )
            db.session.add(Vote(draft=draft, amendment_id=amendment.id, organisation=org, choice=Choice.YES))
    db.session.commit()
    with count_queries() as many:
        page = client.get("/drafts/rat").get_data(as_text=True)
    assert page.count('class="amendment-question"') == 19
    assert many.count == one.count, many.statements


@pytest.mark.parametrize("phase", [Phase.COMMENTING, Phase.EDITING, Phase.ADOPTED])
def test_votes_on_amendments_outside_the_voting_phase_are_refused(client, auth, world, phase):
    world["draft"].phase = phase
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    for headers in ({}, HX):
        response = _vote(client, f"a{world['amendment'].id}", "yes", headers)
        assert response.status_code == 409
        assert "Abstimmen ist jetzt nicht möglich" in response.get_data(as_text=True)
    assert _votes() == [] and _casts() == []


def test_votes_on_amendments_after_the_deadline_are_refused(client, auth, world, monkeypatch):
    deadline = datetime(2026, 12, 1, 18, 0, tzinfo=timezone.utc)
    world["draft"].deadlines.append(DraftDeadline(phase=Phase.VOTING, ends_at=deadline))
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    monkeypatch.setattr(clock, "now", lambda: deadline - timedelta(seconds=5))
    token = _token(client)
    monkeypatch.setattr(clock, "now", lambda: deadline)
    response = _vote(client, f"a{world['amendment'].id}", "yes", HX, token=token)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Abstimmen ist jetzt nicht möglich" in html
    assert f'id="vote-a{world["amendment"].id}"' in html and 'name="vote"' not in html  # the box, without buttons
    assert _votes() == []


def test_an_amendment_not_put_to_the_vote_is_refused(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    for headers in ({}, HX):
        response = _vote(client, f"a{world['waiting'].id}", "yes", headers)
        assert response.status_code == 409
        assert "Über diesen Änderungsantrag wird nicht abgestimmt." in response.get_data(as_text=True)
    assert _votes() == []


def test_non_delegates_cannot_vote_on_amendments(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    for headers in ({}, HX):
        response = _vote(client, f"a{world['amendment'].id}", "yes", headers)
        assert response.status_code == 403
        assert "Nur Delegierte von Mitgliedsorganisationen können abstimmen." in response.get_data(as_text=True)
    assert _votes() == []


def test_another_drafts_amendment_and_unseen_ones_are_not_found(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    for key in (f"a{world['foreign'].id}", "a999999"):
        for headers in ({}, HX):
            assert _vote(client, key, "yes", headers).status_code == 404
    world["amendment"].status = AmendmentStatus.WITHDRAWN  # seen only by its author and moderators
    db.session.commit()
    assert _vote(client, f"a{world['amendment'].id}", "yes").status_code == 404
    assert _vote(client, "a99999999999999999999", "yes").status_code == 400
    assert _votes() == []


def test_the_amendment_page_shows_the_box_only_for_voted_amendments(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    page = client.get(f"/drafts/rat/amendments/{world['waiting'].id}").get_data(as_text=True)
    assert "vote-box" not in page
    page = client.get(f"/drafts/rat/amendments/{world['amendment'].id}").get_data(as_text=True)
    assert "Abstimmung über diesen Änderungsantrag" in page and "0 von 3 Organisationen haben abgestimmt" in page
    # A guest sees the tally, without buttons.
    world["draft"].is_public = True
    db.session.commit()
    auth.logout()
    page = client.get(f"/drafts/rat/amendments/{world['amendment'].id}").get_data(as_text=True)
    assert f'id="vote-a{world["amendment"].id}"' in page and 'name="vote"' not in page
