"""Amendments through the real routes: propose, edit, withdraw, support, decide, and every refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.accounts.models import Role
from consult.amendments.models import Amendment, AmendmentStatus, AmendmentSupport
from consult.amendments.services import Decision, decide
from consult.audit.models import AuditEntry
from consult.comments.models import Comment
from consult.core import clock
from consult.core.announce import announced_message
from consult.core.refusals import AlreadyChanged
from consult.drafts.models import Draft, Phase
from consult.drafts.services import set_phase
from consult.extensions import db
from tests import factories
from tests.conftest import Auth, csrf_token

TEXT = "Absatz 2: Die Mitgliedsorganisationen beraten über *Teilhabe* und Vielfalt."
NEW = "Absatz 2: Die Mitgliedsorganisationen beraten gemeinsam über *Teilhabe* und Vielfalt."


@pytest.fixture
def world(app):
    org, other = factories.organisation(short_name="ABC"), factories.organisation(short_name="XYZ")
    people = {
        "a1": factories.user(email="a1@example.org", org=org),
        "a2": factories.user(email="a2@example.org", org=org),
        "x1": factories.user(email="x1@example.org", org=other),
        "mod": factories.user(email="mod@example.org", roles=(Role.MODERATOR,)),
        "mod2": factories.user(email="mod2@example.org", roles=(Role.MODERATOR,)),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
    }
    draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="teilhabe")
    db.session.commit()
    return {"draft_id": draft.id, "pid": draft.versions[0].texts[1].paragraph_id, **people}


def _new_url(world):
    return f"/drafts/teilhabe/paragraphs/{world['pid']}/amendments/new"


def _propose(client, world, **fields):
    page = client.get(_new_url(world)).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(page),
        "kind": "replace",
        "text": NEW,
        "justification": "Gemeinsam ist besser.",
        **fields,
    }
    return client.post(_new_url(world), data=data)


def _amendment() -> Amendment:
    db.session.expire_all()
    return db.session.scalars(select(Amendment)).one()


def _post(client, url, **data):
    page = client.get("/drafts/teilhabe").get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(page), **data})


def test_the_form_starts_from_the_current_text_and_the_amendment_shows_as_a_diff(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    form = client.get(_new_url(world)).get_data(as_text=True)
    assert "Änderungsantrag stellen" in form and "beraten über *Teilhabe* und Vielfalt.</textarea>" in form
    response = _propose(client, world)
    amendment = _amendment()
    assert response.status_code == 302 and response.headers["Location"] == f"/drafts/teilhabe/amendments/{amendment.id}"
    assert (
        amendment.base_text == TEXT and amendment.proposed_text == NEW and amendment.status == AmendmentStatus.SUBMITTED
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "beraten <ins>gemeinsam </ins>über *Teilhabe* und Vielfalt." in page
    assert "Gemeinsam ist besser." in page and "Wartet auf Entscheidung" in page
    draft_page = client.get("/drafts/teilhabe").get_data(as_text=True)
    assert f"Änderungsantrag {amendment.id} · neuer Text für § 2" in draft_page
    assert "<ins>gemeinsam </ins>" in draft_page


def test_a_deletion_and_a_new_paragraph(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    assert _propose(client, world, kind="delete", text="").status_code == 302
    page = client.get("/drafts/teilhabe").get_data(as_text=True)
    assert f"<del>{TEXT.replace('*', '*')}</del>" in page
    assert _propose(client, world, kind="insert", text="Ein ganz neuer Absatz.").status_code == 302
    page = client.get("/drafts/teilhabe").get_data(as_text=True)
    assert "neuer Absatz nach § 2" in page and "<ins>Ein ganz neuer Absatz.</ins>" in page


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"justification": ""}, "Bitte geben Sie eine Begründung an."),
        ({"text": TEXT}, "Der vorgeschlagene Text ist derselbe wie der jetzige"),
        ({"text": "Erster Absatz.\n\nZweiter Absatz."}, "Ein Änderungsantrag ändert einen Absatz"),
        ({"text": ""}, "Bitte schreiben Sie den Text, den Sie vorschlagen."),
    ],
)
def test_bad_input_is_refused_with_what_was_typed_kept(client, auth, world, fields, message):
    auth.login("a1@example.org", factories.PASSWORD)
    response = _propose(client, world, **{"justification": "Meine Begründung, bitte behalten.", **fields})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    if fields.get("justification") != "":
        assert "Meine Begründung, bitte behalten." in html
    assert factories.count(Amendment) == 0


def test_proposals_are_refused_outside_commenting_for_others_and_without_csrf(client, auth, world):
    assert client.get(_new_url(world)).status_code == 302  # guests go to sign in
    auth.login("board@example.org", factories.PASSWORD)
    response = _propose(client, world)
    assert response.status_code == 403 and "Nur Delegierte von Mitgliedsorganisationen" in response.get_data(
        as_text=True
    )
    auth.logout()
    auth.login("a1@example.org", factories.PASSWORD)
    assert client.post(_new_url(world), data={"kind": "replace", "text": NEW, "justification": "x"}).status_code == 400
    set_phase(db.session.get(Draft, world["draft_id"]), Phase.EDITING)
    db.session.commit()
    response = _propose(client, world)
    assert response.status_code == 409 and "Kommentierung dieses Entwurfs ist geschlossen" in response.get_data(
        as_text=True
    )
    assert factories.count(Amendment) == 0


def test_only_the_author_edits_and_withdraws_until_it_is_decided(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    _propose(client, world)
    amendment = _amendment()
    url = f"/drafts/teilhabe/amendments/{amendment.id}"
    auth.logout()
    auth.login("a2@example.org", factories.PASSWORD)  # same organisation, not the author
    response = _post(client, url + "/edit", kind="replace", text=NEW + " Mehr.", justification="Anders.")
    assert response.status_code == 403 and _amendment().justification == "Gemeinsam ist besser."
    assert _post(client, url + "/withdraw").status_code == 403
    auth.logout()
    auth.login("a1@example.org", factories.PASSWORD)
    response = _post(client, url + "/edit", kind="replace", text=NEW + " Mehr.", justification="Anders.")
    assert response.status_code == 302 and _amendment().proposed_text == NEW + " Mehr."
    assert _post(client, url + "/withdraw").status_code == 302
    assert _amendment().status == AmendmentStatus.WITHDRAWN
    auth.logout()
    auth.login("x1@example.org", factories.PASSWORD)
    assert client.get(url).status_code == 404
    assert (
        "Änderungsantrag"
        not in client.get("/drafts/teilhabe")
        .get_data(as_text=True)
        .split("<main", 1)[1]
        .split("Änderungsantrag stellen")[0]
    )


def test_a_submitted_amendment_is_confirmed_where_the_focus_lands(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    response = _propose(client, world)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # Seen, said in the live region and focused (consult.js reads data-focus and data-announce on load).
    assert (
        '<p class="flash flash--confirmation" tabindex="-1" data-focus data-announce>'
        "Ihr Änderungsantrag wurde eingereicht.</p>"
    ) in page
    assert page.count("data-focus") == 1
    # Once: the next page does not confirm it again.
    assert "eingereicht" not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_one_support_per_organisation_and_none_from_the_proposing_one(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    _propose(client, world)
    url = f"/drafts/teilhabe/amendments/{_amendment().id}/support"
    response = _post(client, url)
    assert response.status_code == 422 and "Ihre Organisation hat diesen Änderungsantrag gestellt" in response.get_data(
        as_text=True
    )
    auth.logout()
    auth.login("x1@example.org", factories.PASSWORD)
    response = client.post(
        url,
        headers={"HX-Request": "true"},
        data={"csrf_token": csrf_token(client.get("/drafts/teilhabe").get_data(as_text=True))},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="support-box"' in html
    assert "1 unterstützende Organisation" in html and "Unterstützung zurückziehen" in html
    # The changed control (now "withdraw support") keeps the focus; the live region says what happened.
    assert '<button type="submit" class="button" data-focus>Unterstützung zurückziehen</button>' in html
    assert (
        announced_message(response) == "Ihre Organisation unterstützt diesen Änderungsantrag."
        and "live-region" not in html
    )
    response = _post(client, url)
    assert response.status_code == 409 and "unterstützt diesen Änderungsantrag bereits" in response.get_data(
        as_text=True
    )
    assert factories.count(AmendmentSupport) == 1
    response = client.post(
        url,
        headers={"HX-Request": "true"},
        data={"csrf_token": csrf_token(client.get("/drafts/teilhabe").get_data(as_text=True)), "withdraw": "1"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and factories.count(AmendmentSupport) == 0
    assert '<button type="submit" class="button button--primary" data-focus>Unterstützen</button>' in html
    assert announced_message(response) == "Ihre Organisation unterstützt diesen Änderungsantrag nicht mehr."


def test_delegates_cannot_decide(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    _propose(client, world)
    amendment = _amendment()
    auth.logout()
    auth.login("x1@example.org", factories.PASSWORD)
    response = _post(client, f"/drafts/teilhabe/amendments/{amendment.id}/decision", decision="accept", reason="")
    assert response.status_code == 403
    assert _amendment().status == AmendmentStatus.SUBMITTED and factories.count(AuditEntry) == 0


def test_a_moderator_accepts_in_modified_form_and_the_author_sees_both_texts(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    _propose(client, world)
    amendment = _amendment()
    url = f"/drafts/teilhabe/amendments/{amendment.id}"
    auth.logout()
    auth.login("mod@example.org", factories.PASSWORD)
    adopted = "Absatz 2: Die Mitgliedsorganisationen beraten gemeinsam und regelmäßig über *Teilhabe* und Vielfalt."
    response = _post(client, url + "/decision", decision="accept_modified", reason="", adopted_text=adopted)
    assert response.status_code == 422 and "Bitte geben Sie einen Grund an" in response.get_data(as_text=True)
    response = _post(
        client, url + "/decision", decision="accept_modified", reason="Regelmäßig ergänzt.", adopted_text=adopted
    )
    assert response.status_code == 302
    amendment = _amendment()
    assert amendment.status == AmendmentStatus.ACCEPTED_MODIFIED and amendment.adopted_text == adopted
    assert amendment.decided_by_id == world["mod"].id and amendment.decision_reason == "Regelmäßig ergänzt."
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.subject, entry.reason) == (
        "amendment.accept_modified",
        f"amendment:{amendment.id}",
        "Regelmäßig ergänzt.",
    )
    auth.logout()
    auth.login("a2@example.org", factories.PASSWORD)
    page = client.get(url).get_data(as_text=True)
    assert "Modifiziert übernommen" in page and "Regelmäßig ergänzt." in page
    assert "beraten <ins>gemeinsam </ins>über" in page  # the proposal
    assert "beraten <ins>gemeinsam und regelmäßig </ins>über" in page  # what was adopted


def test_two_moderators_deciding_at_once_leave_one_decision_and_a_message(app, world):
    draft = db.session.get(Draft, world["draft_id"])
    text = draft.versions[0].texts[1]
    from consult.amendments.models import AmendmentKind
    from consult.amendments.services import propose

    amendment = propose(world["a1"], draft, text, AmendmentKind.REPLACE, NEW, "Grund.", clock.now())
    db.session.commit()
    # The second moderator loaded the amendment before the first decided.
    stale = db.session.get(Amendment, amendment.id)
    decide(world["mod"], amendment, draft, Decision.ACCEPT, "", clock.now())
    db.session.commit()
    with app.test_request_context(), pytest.raises(AlreadyChanged) as refusal:
        decide(world["mod2"], stale, draft, Decision.REJECT, "Nein.", clock.now())
    db.session.rollback()
    assert "gerade entschieden" in refusal.value.args[0]
    assert _amendment().status == AmendmentStatus.ACCEPTED and _amendment().decided_by_id == world["mod"].id
    assert factories.count(AuditEntry) == 1


def test_the_route_answers_409_to_the_second_moderator(client, world):
    draft = db.session.get(Draft, world["draft_id"])
    from consult.amendments.models import AmendmentKind
    from consult.amendments.services import propose

    amendment = propose(
        world["a1"], draft, draft.versions[0].texts[1], AmendmentKind.REPLACE, NEW, "Grund.", clock.now()
    )
    db.session.commit()
    first, second = client, client.application.test_client()
    Auth(first).login("mod@example.org", factories.PASSWORD)
    Auth(second).login("mod2@example.org", factories.PASSWORD)
    url = f"/drafts/teilhabe/amendments/{amendment.id}"
    token_first = csrf_token(first.get(url).get_data(as_text=True))
    token_second = csrf_token(second.get(url).get_data(as_text=True))
    assert first.post(url + "/decision", data={"csrf_token": token_first, "decision": "accept"}).status_code == 302
    response = second.post(
        url + "/decision", data={"csrf_token": token_second, "decision": "reject", "reason": "Nein."}
    )
    assert response.status_code == 409
    assert "Über diesen Änderungsantrag ist entschieden" in response.get_data(
        as_text=True
    ) or "gerade entschieden" in response.get_data(as_text=True)
    assert _amendment().status == AmendmentStatus.ACCEPTED


def test_the_draft_page_reads_amendments_in_a_fixed_number_of_queries(client, auth, world, count_queries):
    from consult.amendments.models import AmendmentKind
    from consult.amendments.services import propose

    draft = db.session.get(Draft, world["draft_id"])
    auth.login("x1@example.org", factories.PASSWORD)

    def queries() -> int:
        client.application.config["PAGE_CACHE_BYTES"] = 0
        with count_queries() as counter:
            assert client.get("/drafts/teilhabe").status_code == 200
        return counter.count

    propose(world["a1"], draft, draft.versions[0].texts[1], AmendmentKind.REPLACE, NEW, "Grund.", clock.now())
    db.session.commit()
    one = queries()
    for n in range(9):
        propose(
            world["a1"], draft, draft.versions[0].texts[2], AmendmentKind.INSERT, f"Neu {n}.", "Grund.", clock.now()
        )
    db.session.commit()
    assert queries() == one


def test_an_amendment_has_its_own_discussion_apart_from_the_paragraph_thread(client, auth, world):
    auth.login("a1@example.org", factories.PASSWORD)
    _propose(client, world)
    amendment = _amendment()
    url = f"/drafts/teilhabe/amendments/{amendment.id}"
    auth.logout()
    auth.login("x1@example.org", factories.PASSWORD)
    page = client.get(url).get_data(as_text=True)
    assert f"Diskussion des Änderungsantrags {amendment.id}" in page and "Zitierte Stelle" not in page
    # No toggle of the paragraph's thread here: it would swap the paragraph's thread into the discussion's place.
    assert 'class="comment-count"' not in page
    response = client.post(
        url + "/comments",
        headers={"HX-Request": "true"},
        data={"csrf_token": csrf_token(page), "body": "Das unterstützen wir.", "stance": "support"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and "Das unterstützen wir." in html
    assert 'id="count-' not in html  # no paragraph count to update on this page
    comment = db.session.scalars(select(Comment)).one()
    assert comment.amendment_id == amendment.id
    response = client.post(
        url + "/comments",
        data={
            "csrf_token": csrf_token(page),
            "body": "Eine Antwort.",
            "stance": "neutral",
            "parent_id": str(comment.id),
        },
    )
    assert response.status_code == 302 and response.headers["Location"].startswith(url + "#comment-")
    page = client.get(url).get_data(as_text=True)
    assert "Das unterstützen wir." in page and "Eine Antwort." in page
    draft_page = client.get(f"/drafts/teilhabe?open={world['pid']}").get_data(as_text=True)
    assert "Das unterstützen wir." not in draft_page and "2 Kommentare" not in draft_page
    # Editing a comment of the discussion answers with the discussion, not the paragraph thread.
    auth.logout()
    auth.login("a2@example.org", factories.PASSWORD)
    assert (
        client.post(
            url + "/comments",
            data={
                "csrf_token": csrf_token(client.get(url).get_data(as_text=True)),
                "body": "Erster Gedanke.",
                "stance": "neutral",
            },
        ).status_code
        == 302
    )
    mine = db.session.scalars(select(Comment).where(Comment.body == "Erster Gedanke.")).one()
    response = client.post(
        f"/comments/{mine.id}/edit",
        headers={"HX-Request": "true"},
        data={
            "csrf_token": csrf_token(client.get(url).get_data(as_text=True)),
            "body": "Zweiter Gedanke.",
            "stance": "concern",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Zweiter Gedanke." in html
    assert f"Diskussion des Änderungsantrags {amendment.id}" in html


def test_a_guest_reads_the_discussion_but_cannot_write_in_it(client, auth, world):
    db.session.get(Draft, world["draft_id"]).is_public = True
    db.session.commit()
    auth.login("a1@example.org", factories.PASSWORD)
    _propose(client, world)
    auth.logout()
    url = f"/drafts/teilhabe/amendments/{_amendment().id}"
    assert client.get(url).status_code == 200
    assert client.post(url + "/comments", data={"body": "x", "stance": "neutral"}).status_code in (302, 400, 401)
    assert factories.count(Comment) == 0
