"""Where the organisations decide: the procedural recommendation, the proposing organisation's consent or
insistence, requests for a vote, what the step into voting makes of them, and every refusal with its message."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from consult.accounts.models import Role
from consult.amendments.models import (
    AlternativeSet,
    Amendment,
    AmendmentConsent,
    AmendmentKind,
    AmendmentStatus,
    ConsentKind,
    DecidedHow,
    Recommendation,
)
from consult.amendments.procedure import consent, insist, recommend, request_vote, settle_before_vote
from consult.amendments.services import decide, propose
from consult.audit.models import AuditEntry
from consult.board.services import change_phase
from consult.core.refusals import AlreadyChanged, InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.models import AmendmentProcedure, Phase
from consult.extensions import db
from tests import factories
from tests.conftest import csrf_token

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)
NEW = "Absatz 2: Die Mitgliedsorganisationen beraten gemeinsam über *Teilhabe* und Vielfalt."
MODIFIED = "Absatz 2: Die Mitgliedsorganisationen beraten gemeinsam und offen über *Teilhabe* und Vielfalt."


@pytest.fixture
def world(app):
    abc, xyz, qrs = (factories.organisation(short_name=s) for s in ("ABC", "XYZ", "QRS"))
    people = {
        "a1": factories.user(email="a1@example.org", org=abc, name="Anna Eins"),
        "a2": factories.user(email="a2@example.org", org=abc),
        "x1": factories.user(email="x1@example.org", org=xyz, name="Xaver Eins"),
        "x2": factories.user(email="x2@example.org", org=xyz),
        "q1": factories.user(email="q1@example.org", org=qrs),
        "mod": factories.user(email="mod@example.org", roles=(Role.MODERATOR,), name="Mona Moderation"),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
    }
    draft = factories.draft(paragraphs=4, phase=Phase.COMMENTING, slug="teilhabe")
    draft.amendment_procedure = AmendmentProcedure.ORGANISATIONS
    db.session.commit()
    with app.test_request_context():  # the services' checks read the request's user and language
        yield {"draft": draft, **people}


def _propose(world, position: int = 1, text: str = NEW, kind=AmendmentKind.REPLACE) -> Amendment:
    draft = world["draft"]
    paragraph = draft.versions[0].texts[position]
    if kind == AmendmentKind.REPLACE:
        text = text.replace("Absatz 2", f"Absatz {position + 1}")
    amendment = propose(world["a1"], draft, paragraph, kind, text, "Gemeinsam ist besser.", NOW)
    db.session.commit()
    return amendment


def _recommend(world, amendment, recommendation, reason="Klarer so.", text=None, merge_into=None, now=NOW):
    recommend(
        world["mod"],
        amendment,
        world["draft"],
        recommendation,
        reason,
        now,
        recommended_text=text,
        merge_into=merge_into,
    )
    db.session.commit()


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _refused(kind, message: str, action, *args):
    with pytest.raises(kind) as refusal:
        action(*args)
    db.session.rollback()
    with force_locale("en"):  # the msgid, whatever the default language
        assert str(refusal.value.message) == message


# -- the recommendation ------------------------------------------------------------------------------------


def test_in_the_moderators_procedure_a_decision_is_final_as_today(world):
    world["draft"].amendment_procedure = AmendmentProcedure.MODERATORS
    amendment = _propose(world)
    decide(world["mod"], amendment, world["draft"], "accept", "", NOW)
    db.session.commit()
    assert amendment.status == AmendmentStatus.ACCEPTED and amendment.decided_how == DecidedHow.MODERATORS
    assert amendment.recommendation is None and _audit("amendment.recommend") == []


def test_where_the_organisations_decide_the_decision_form_stores_a_recommendation(world, client, auth):
    amendment = _propose(world)
    auth.login("mod@example.org", factories.PASSWORD)
    url = f"/drafts/teilhabe/amendments/{amendment.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Verfahrensvorschlag speichern" in page and "Entscheidung speichern" not in page
    response = client.post(
        url + "/decision",
        data={
            "csrf_token": csrf_token(page),
            "decision": "accept_modified",
            "reason": "Offen ist besser.",
            "adopted_text": MODIFIED,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    amendment = db.session.get(Amendment, amendment.id)
    assert amendment.status == AmendmentStatus.SUBMITTED and amendment.decided_at is None
    assert amendment.recommendation == Recommendation.ACCEPT_MODIFIED and amendment.recommended_text == MODIFIED
    assert amendment.recommendation_reason == "Offen ist besser." and amendment.recommended_by_id == world["mod"].id
    [row] = _audit("amendment.recommend")
    assert row.actor_id == world["mod"].id and row.details["recommendation"] == "accept_modified"
    page = client.get(url).get_data(as_text=True)
    assert "Verfahrensvorschlag" in page and "Modifiziert übernehmen" in page and "Offen ist besser." in page
    assert "Der Übernahme zustimmen" not in page  # the moderator does not answer for the organisation
    # The form starts from the recommendation made, to change it.
    assert f"{MODIFIED}</textarea>" in page and "Offen ist besser.</textarea>" in page
    assert re.search(r'<input checked[^>]*value="accept_modified"', page)


def test_a_recommendation_can_change_until_voting_begins_and_each_change_is_recorded(world):
    amendment = _propose(world)
    _recommend(world, amendment, "accept_modified", text=MODIFIED)
    consent(world["a1"], amendment, world["draft"], NOW)
    db.session.commit()
    _recommend(world, amendment, "reject", reason="Passt nicht.", now=NOW + timedelta(hours=1))
    assert amendment.recommendation == Recommendation.REJECT and amendment.recommended_text is None
    assert [r.details["recommendation"] for r in _audit("amendment.recommend")] == ["accept_modified", "reject"]
    # The organisation agreed to another text: its answer no longer applies.
    assert db.session.scalars(select(AmendmentConsent)).all() == []
    world["draft"].phase = Phase.VOTING
    db.session.commit()
    _refused(
        PhaseClosed,
        "Procedural recommendations are made in the commenting and editing phases; this draft is past them.",
        recommend,
        world["mod"],
        amendment,
        world["draft"],
        "accept",
        "",
        NOW,
    )


def test_a_recommendation_is_checked_like_a_decision(world):
    amendment, other = _propose(world), _propose(world, position=2)
    draft = world["draft"]
    _refused(
        InvalidInput,
        "Please give a reason: the author's organisation will read it.",
        recommend,
        world["mod"],
        amendment,
        draft,
        "reject",
        " ",
        NOW,
    )
    _refused(
        InvalidInput,
        "The adopted text is the proposal unchanged: choose “Accept” instead.",
        recommend,
        world["mod"],
        amendment,
        draft,
        "accept_modified",
        "So.",
        NOW,
        NEW,
    )
    _refused(
        InvalidInput,
        "Please choose another open or accepted amendment of this draft to merge into.",
        recommend,
        world["mod"],
        amendment,
        draft,
        "merge",
        "So.",
        NOW,
        None,
        amendment,
    )
    _refused(NotAllowed, "Only moderators decide this.", recommend, world["x1"], amendment, draft, "accept", "", NOW)
    recommend(world["mod"], amendment, draft, "merge", "Antrag 2 deckt das ab.", NOW, merge_into=other)
    assert amendment.recommended_merge_into_id == other.id and amendment.status == AmendmentStatus.SUBMITTED


# -- consent, insisting, asking for a vote, and the step into voting -------------------------------------


def test_consent_takes_the_modified_text_over_at_the_step_into_voting(world):
    amendment = _propose(world)
    _recommend(world, amendment, "accept_modified", text=MODIFIED)
    consent(world["a2"], amendment, world["draft"], NOW + timedelta(minutes=5))
    db.session.commit()
    world["draft"].phase = Phase.EDITING
    change_phase(world["board"], world["draft"], Phase.VOTING, Phase.EDITING, now=NOW + timedelta(days=1))
    db.session.commit()
    assert amendment.status == AmendmentStatus.ACCEPTED_MODIFIED and amendment.adopted_text == MODIFIED
    assert amendment.decided_how == DecidedHow.CONSENT and amendment.decided_by_id == world["a2"].id
    assert amendment.decided_at == NOW + timedelta(days=1)
    [row] = _audit("amendment.consent")
    assert row.actor_id == world["a2"].id and row.at == NOW + timedelta(minutes=5)
    assert row.details["organisation"] == "ABC"
    [settled] = _audit("amendment.settled_by_consent")
    assert settled.subject == f"amendment:{amendment.id}" and settled.details["consent_by"] == world["a2"].id


def test_insisting_puts_the_original_to_the_vote_and_the_last_answer_counts(world):
    modified, merged, target = _propose(world), _propose(world, position=2), _propose(world, position=3)
    _recommend(world, modified, "accept_modified", text=MODIFIED)
    _recommend(world, merged, "merge", merge_into=target)
    draft = world["draft"]
    consent(world["a1"], modified, draft, NOW)
    insist(world["a2"], modified, draft, NOW + timedelta(minutes=1))  # the organisation changes its mind
    insist(world["a1"], merged, draft, NOW)
    consent(world["a1"], merged, draft, NOW + timedelta(minutes=1))
    db.session.commit()
    rows = {(r.amendment_id, r.kind) for r in db.session.scalars(select(AmendmentConsent))}
    assert rows == {(modified.id, ConsentKind.INSIST), (merged.id, ConsentKind.CONSENT)}
    assert [r.actor_id for r in _audit("amendment.insist")] == [world["a2"].id, world["a1"].id]
    settle_before_vote(world["board"], draft, NOW + timedelta(days=1))
    db.session.commit()
    assert modified.status == AmendmentStatus.PUT_TO_VOTE and modified.decided_how is None
    assert modified.adopted_text is None
    assert merged.status == AmendmentStatus.MERGED and merged.merged_into_id == target.id
    assert merged.decided_how == DecidedHow.CONSENT
    assert target.status == AmendmentStatus.PUT_TO_VOTE  # no recommendation: the organisations vote


def test_accept_counts_as_consent_unless_an_organisation_asks_for_a_vote(world):
    quiet, asked, rejected, unanswered = (_propose(world, position=p) for p in (1, 2, 3, 1))
    for amendment in (quiet, asked):
        _recommend(world, amendment, "accept", reason="")
    _recommend(world, rejected, "reject")
    _recommend(world, unanswered, "accept_modified", text=MODIFIED)
    request_vote(world["x1"], asked, world["draft"], NOW + timedelta(hours=2))
    db.session.commit()
    settle_before_vote(world["board"], world["draft"], NOW + timedelta(days=1))
    db.session.commit()
    assert quiet.status == AmendmentStatus.ACCEPTED and quiet.decided_how == DecidedHow.CONSENT
    assert quiet.decided_by_id is None
    assert [a.status for a in (asked, rejected, unanswered)] == [AmendmentStatus.PUT_TO_VOTE] * 3
    [row] = _audit("amendment.request_vote")
    assert row.actor_id == world["x1"].id and row.at == NOW + timedelta(hours=2)
    assert row.details["organisation"] == "XYZ"
    [put] = [r for r in _audit("amendment.put_to_vote") if r.subject == f"amendment:{asked.id}"]
    assert put.details["vote_requested_by"] == ["XYZ"]


def test_alternatives_are_always_voted_and_unpublished_amendments_are_left_alone(world):
    in_set, unpublished = _propose(world), _propose(world, position=2)
    _recommend(world, in_set, "accept", reason="")
    _recommend(world, unpublished, "accept", reason="")
    consent_set = AlternativeSet(draft_id=world["draft"].id, paragraph_id=in_set.paragraph_id, created_at=NOW)
    db.session.add(consent_set)
    db.session.flush()
    in_set.alternative_set_id, in_set.alternative_position = consent_set.id, 1
    unpublished.published_at = None
    db.session.commit()
    settle_before_vote(world["board"], world["draft"], NOW)
    db.session.commit()
    assert in_set.status == AmendmentStatus.PUT_TO_VOTE
    assert unpublished.status == AmendmentStatus.SUBMITTED and unpublished.decided_at is None


# -- refusals ----------------------------------------------------------------------------------------------

ANSWER_CLOSED = (
    "A procedural recommendation can be answered only in the commenting and editing phases, before voting begins."
)


def test_answers_and_requests_are_refused_with_a_message(world):
    draft = world["draft"]
    modified, accepted, bare = _propose(world), _propose(world, position=2), _propose(world, position=3)
    _recommend(world, modified, "accept_modified", text=MODIFIED)
    _recommend(world, accepted, "accept", reason="")
    # by someone not of the proposing organisation / not a delegate
    _refused(
        NotAllowed,
        "Only the organisation that proposed this amendment answers its recommendation.",
        consent,
        world["x1"],
        modified,
        draft,
        NOW,
    )
    _refused(
        NotAllowed,
        "Only the organisation that proposed this amendment answers its recommendation.",
        insist,
        world["x1"],
        modified,
        draft,
        NOW,
    )
    _refused(
        NotAllowed,
        "Only delegates of member organisations can answer a procedural recommendation.",
        consent,
        world["mod"],
        modified,
        draft,
        NOW,
    )
    _refused(
        NotAllowed,
        "Only delegates of member organisations can answer a procedural recommendation.",
        request_vote,
        world["board"],
        accepted,
        draft,
        NOW,
    )
    # without a matching recommendation
    no_answerable = (
        "This amendment has no recommendation “Accept modified” or “Settled by another amendment” to answer."
    )
    _refused(InvalidInput, no_answerable, consent, world["a1"], accepted, draft, NOW)
    _refused(InvalidInput, no_answerable, insist, world["a1"], bare, draft, NOW)
    _refused(
        InvalidInput,
        "A vote can be asked for only on an amendment recommended for acceptance.",
        request_vote,
        world["x1"],
        modified,
        draft,
        NOW,
    )
    _refused(
        InvalidInput,
        "Your organisation proposed this amendment; a vote on it is asked for by others.",
        request_vote,
        world["a1"],
        accepted,
        draft,
        NOW,
    )
    # a second request by the same organisation
    request_vote(world["x1"], accepted, draft, NOW)
    db.session.commit()
    _refused(
        AlreadyChanged,
        "Your organisation has already asked for a vote on this amendment.",
        request_vote,
        world["x2"],
        accepted,
        draft,
        NOW,
    )
    # after the deadline for requests
    draft.vote_requests_until = NOW + timedelta(days=1)
    db.session.commit()
    _refused(
        PhaseClosed,
        "The deadline for asking for a vote on amendments has passed.",
        request_vote,
        world["q1"],
        accepted,
        draft,
        NOW + timedelta(days=1),
    )
    request_vote(world["q1"], accepted, draft, NOW + timedelta(days=1) - timedelta(seconds=1))
    db.session.commit()
    # outside commenting and editing
    draft.phase = Phase.VOTING
    db.session.commit()
    _refused(PhaseClosed, ANSWER_CLOSED, consent, world["a1"], modified, draft, NOW)
    _refused(PhaseClosed, ANSWER_CLOSED, insist, world["a1"], modified, draft, NOW)
    _refused(
        PhaseClosed,
        "A vote can be asked for only in the commenting and editing phases, before voting begins.",
        request_vote,
        world["x1"],
        modified,
        draft,
        NOW,
    )
    assert db.session.scalars(select(AmendmentConsent.kind)).all() == [ConsentKind.REQUEST_VOTE] * 2


def test_the_buttons_and_routes_for_the_proposing_organisation_and_the_others(world, client, auth):
    modified, accepted = _propose(world), _propose(world, position=2)
    _recommend(world, modified, "accept_modified", text=MODIFIED)
    _recommend(world, accepted, "accept", reason="")
    auth.login("a2@example.org", factories.PASSWORD)
    url = f"/drafts/teilhabe/amendments/{modified.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Der Übernahme zustimmen" in page and "Über das Original abstimmen lassen" in page
    response = client.post(url + "/consent", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.headers["Location"] == url + "#recommendation-title"
    page = client.get(url).get_data(as_text=True)
    assert "Ihre Organisation stimmt dem Verfahrensvorschlag zu" in page
    assert "ABC hat dem geänderten Text zugestimmt." in page
    assert client.post(url + "/consent", data={}).status_code == 400  # no CSRF token
    # Another organisation: no answer buttons; a refused answer says why on the page.
    auth.logout()
    auth.login("x1@example.org", factories.PASSWORD)
    page = client.get(url).get_data(as_text=True)
    assert "Der Übernahme zustimmen" not in page and "Abstimmung verlangen" not in page
    response = client.post(url + "/insist", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 403
    assert "Nur die Organisation, die diesen Änderungsantrag gestellt hat" in response.get_data(as_text=True)
    accepted_url = f"/drafts/teilhabe/amendments/{accepted.id}"
    page = client.get(accepted_url).get_data(as_text=True)
    assert "Abstimmung verlangen" in page
    response = client.post(accepted_url + "/request-vote", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    page = client.get(accepted_url).get_data(as_text=True)
    assert "Ihre Organisation hat eine Abstimmung verlangt" in page and "Abstimmung verlangen</button>" not in page
    db.session.expire_all()
    assert db.session.scalars(select(AmendmentConsent.organisation_id)).all() == [
        world["a1"].organisation_id,
        world["x1"].organisation_id,
    ]


def test_the_audit_log_names_the_answers(world, client, auth):
    amendment = _propose(world)
    _recommend(world, amendment, "accept_modified", text=MODIFIED)
    insist(world["a1"], amendment, world["draft"], NOW)
    db.session.commit()
    auth.login("mod@example.org", factories.PASSWORD)
    page = client.get("/audit").get_data(as_text=True)
    assert "Verfahrensvorschlag gemacht" in page and "Über das Original abstimmen lassen" in page


def test_the_queue_leaves_recommended_amendments_to_the_organisations_and_lists_them_below(world, client, auth):
    from consult.moderation.queries import waiting, waiting_count

    waits, recommended = _propose(world), _propose(world, position=2)
    assert {i.obj.id for i in waiting()} == {waits.id, recommended.id} and waiting_count() == 2
    auth.login("mod@example.org", factories.PASSWORD)
    page = client.get("/moderation").get_data(as_text=True)
    assert "Über diesen Änderungsantrag entscheiden die Organisationen" in page
    # The queue's "Übernehmen" button makes a recommendation here, and says so.
    response = client.post(
        f"/moderation/amendments/{recommended.id}",
        data={"csrf_token": csrf_token(page), "decision": "accept"},
        follow_redirects=True,
    )
    assert "Der Verfahrensvorschlag ist gespeichert" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Amendment, recommended.id).recommendation == Recommendation.ACCEPT
    assert db.session.get(Amendment, recommended.id).status == AmendmentStatus.SUBMITTED
    assert [i.obj.id for i in waiting()] == [waits.id] and waiting_count() == 1
    page = client.get("/moderation").get_data(as_text=True)
    assert f'id="item-amendment-{waits.id}"' in page
    assert f'id="item-amendment-{recommended.id}"' not in page
    listed = page[page.index('id="recommended-title"') :]
    assert f'id="recommended-{recommended.id}"' in listed
    assert "Verfahrensvorschlag: <strong>Übernehmen</strong>" in listed
    assert "Mona Moderation" in listed


def test_an_amendment_collecting_support_gets_no_recommendation(world):
    """Recommendation and decision share their checks (consult.amendments.checks): an amendment that has not
    reached its supporter quorum is seen by nobody outside its organisation, so nobody recommends on it."""
    world["draft"].support_quorum = 1
    db.session.commit()
    amendment = _propose(world)
    assert amendment.published_at is None
    _refused(
        NotAllowed,
        "This amendment is still collecting support: it can be decided once it is published.",
        recommend,
        world["mod"],
        amendment,
        world["draft"],
        "accept",
        "",
        NOW,
    )
    assert db.session.get(Amendment, amendment.id).recommendation is None
    assert _audit("amendment.recommend") == []
