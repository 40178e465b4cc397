"""The own account: name, password, language, the data download, and deleting the account."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import LargeBinary, select

from consult.accounts.models import Role, User
from consult.amendments.models import AmendmentConsent, AmendmentKind, ConsentKind
from consult.amendments.services import decide, propose, support
from consult.audit.models import AuditEntry
from consult.comments.models import Comment
from consult.comments.services import post_comment, withdraw_comment
from consult.core import clock
from consult.drafts.models import ModerationPolicy, Phase, VersionConflict
from consult.extensions import db
from consult.invitations.models import Invitation
from consult.mail.models import OutboxMessage
from consult.moderation.services import decide_comment, decide_report, report
from consult.profile.services import ERASURE
from consult.votes.models import Choice, Vote, VoteCast
from consult.votes.services import cast_vote
from tests import factories
from tests.conftest import Auth, csrf_token

NAME, EMAIL = "Ayşe Yılmaz-Özdemir", "ayse.oezdemir@example.org"


@pytest.fixture
def world(app):
    org = factories.organisation(name="Interkulturelles Elternnetz Berlin e.V.", short_name="IEB")
    other = factories.organisation(name="Netzwerk Afrikanischer Vereine Hamburg", short_name="NAVE")
    people = {
        "ayse": factories.user(email=EMAIL, name=NAME, org=org, roles=(Role.DELEGATE, Role.MODERATOR)),
        "kwame": factories.user(email="kwame@example.org", name="Kwame Mensah", org=other),
        "admin": factories.user(email="admin@example.org", name="Tobias Admin", roles=(Role.ADMIN,)),
    }
    commenting = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="teilhabe", public=True)
    held = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="gehalten")
    held.moderation_policy = ModerationPolicy.HOLD
    voting = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="rat")
    db.session.commit()
    return {"org": org, "other": other, "teilhabe": commenting, "held": held, "rat": voting, **people}


def _contribute(world, who: str, other: str) -> dict:
    """Comments in every state, a reply, an amendment, a support, votes, a report: all by `who`."""
    now = clock.now()
    person, someone = world[who], world[other]
    draft, held, voting = world["teilhabe"], world["held"], world["rat"]
    text, held_text = draft.versions[0].texts[1], held.versions[0].texts[1]
    published = post_comment(person, draft, text, f"Kommentar aus {person.organisation.short_name}", None, now)
    theirs = post_comment(someone, draft, text, f"Ein Kommentar aus {someone.organisation.short_name}", None, now)
    reply = post_comment(person, draft, text, "Eine Antwort", None, now, parent=theirs)
    withdrawn = post_comment(person, draft, text, "Zurückgezogen", None, now)
    post_comment(someone, draft, text, "Antwort darauf", None, now, parent=withdrawn)
    withdraw_comment(person, withdrawn, draft, now)
    pending = post_comment(person, held, held_text, "Wartet noch", None, now)
    amendment = propose(
        person, draft, draft.versions[0].texts[2], AmendmentKind.REPLACE, "Ein neuer Text.", "Weil es besser ist.", now
    )
    foreign = propose(someone, draft, draft.versions[0].texts[0], AmendmentKind.DELETE, None, "Streichen.", now)
    support(person, foreign, draft, now)
    cast_vote(person, voting, voting.versions[0].texts[1].paragraph_id, Choice.YES, now)
    cast_vote(person, voting, None, Choice.NO, now)
    filed = report(person, draft, "Das ist beleidigend.", now, comment=theirs)
    db.session.commit()
    return {
        "published": published,
        "reply": reply,
        "withdrawn": withdrawn,
        "pending": pending,
        "amendment": amendment,
        "foreign": foreign,
        "report": filed,
        "theirs": theirs,
    }


def _token(client, url="/account") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def test_the_account_page_is_linked_from_the_name_and_needs_sign_in(client, auth, world):
    assert client.get("/account").status_code == 302
    auth.login(EMAIL, factories.PASSWORD)
    assert f'href="/account" title="Ihr Konto"><bdi>{NAME}</bdi>' in client.get("/").get_data(as_text=True)
    html = client.get("/account").get_data(as_text=True)
    assert "Ihr Konto" in html and "Ihre Daten herunterladen (JSON)" in html


def test_change_name_and_language(client, auth, world):
    auth.login(EMAIL, factories.PASSWORD)
    response = client.post("/account/name", data={"csrf_token": _token(client), "name": "  Ayşe Öz  "})
    assert response.status_code == 302
    response = client.post("/account/name", data={"csrf_token": _token(client), "name": "   "})
    assert response.status_code == 422 and 'id="name-error"' in response.get_data(as_text=True)
    response = client.post("/account/language", data={"csrf_token": _token(client), "language": "en"})
    assert response.status_code == 302
    assert "Your account" in client.get("/account").get_data(as_text=True)
    db.session.expire_all()
    assert world["ayse"].name == "Ayşe Öz" and world["ayse"].locale == "en"


def test_change_password_checks_and_ends_other_sessions(app, client, auth, world):
    other = app.test_client()
    Auth(other).login(EMAIL, factories.PASSWORD)
    auth.login(EMAIL, factories.PASSWORD)
    new = "ein ganz neues Passwort"
    cases = [
        ({"current_password": "falsch"}, "current_password", "Das ist nicht Ihr aktuelles Passwort."),
        ({"new_password": "kurz", "repeat_password": "kurz"}, "new_password", "mindestens 10 Zeichen"),
        ({"repeat_password": new + "x"}, "repeat_password", "Die beiden neuen Passwörter sind verschieden."),
    ]
    for fields, field, message in cases:
        data = {
            "csrf_token": _token(client),
            "current_password": factories.PASSWORD,
            "new_password": new,
            "repeat_password": new,
            **fields,
        }
        response = client.post("/account/password", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and message in html and f'id="{field}-error"' in html
    assert NAME in other.get("/").get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={
            "csrf_token": _token(client),
            "current_password": factories.PASSWORD,
            "new_password": new,
            "repeat_password": new,
        },
    )
    assert response.status_code == 302
    assert NAME in client.get("/account").get_data(as_text=True)  # this session stays
    assert NAME not in other.get("/").get_data(as_text=True)  # the other one ended
    assert Auth(other).login(EMAIL, factories.PASSWORD).status_code == 200  # the old password no longer works
    assert Auth(other).login(EMAIL, new).status_code == 302


def test_the_data_download_holds_exactly_the_persons_data(client, auth, world):
    mine = _contribute(world, "ayse", "kwame")
    theirs = _contribute(world, "kwame", "ayse")
    # A request for a vote and a vote on an amendment (issue 15), by each of them for their organisation.
    for who, amendment in (("ayse", mine["foreign"]), ("kwame", theirs["foreign"])):
        person = world[who]
        db.session.add(
            AmendmentConsent(
                amendment_id=amendment.id,
                organisation_id=person.organisation_id,
                kind=ConsentKind.REQUEST_VOTE,
                user_id=person.id,
            )
        )
        db.session.add(
            VoteCast(
                draft_id=world["teilhabe"].id,
                amendment_id=amendment.id,
                choice=Choice.ABSTAIN,
                organisation_id=person.organisation_id,
                cast_by_id=person.id,
            )
        )
    db.session.commit()
    auth.login(EMAIL, factories.PASSWORD)
    response = client.get("/account/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"] == {
        "name": NAME,
        "email": EMAIL,
        "contact_person": False,
        "organisation": {"name": "Interkulturelles Elternnetz Berlin e.V.", "short_name": "IEB"},
        "roles": ["delegate", "moderator"],
        "language": None,
        "created_at": world["ayse"].created_at.isoformat(),
    }
    ids = {c["id"] for c in data["comments"]}
    assert ids >= {mine[k].id for k in ("published", "reply", "withdrawn", "pending")}
    assert ids == set(db.session.scalars(select(Comment.id).where(Comment.author_id == world["ayse"].id)))
    assert not ids & set(db.session.scalars(select(Comment.id).where(Comment.author_id == world["kwame"].id)))
    statuses = {c["id"]: c["status"] for c in data["comments"]}
    assert statuses[mine["pending"].id] == "pending" and statuses[mine["withdrawn"].id] == "withdrawn"
    first = next(c for c in data["comments"] if c["id"] == mine["published"].id)
    assert first["draft"] == {"slug": "teilhabe", "title": world["teilhabe"].title} and first["paragraph"] == 2
    assert [a["id"] for a in data["amendments"]] == [mine["amendment"].id, theirs["foreign"].id]
    assert data["amendments"][0]["justification"] == "Weil es besser ist."
    assert sorted((v["whole_draft"], v["amendment"] or 0, v["choice"]) for v in data["vote_casts"]) == [
        (False, 0, "yes"),
        (False, mine["foreign"].id, "abstain"),
        (True, 0, "no"),
    ]
    assert [(c["amendment"], c["kind"]) for c in data["consents"]] == [(mine["foreign"].id, "request_vote")]
    assert [s["amendment"] for s in data["supports"]] == [mine["foreign"].id]
    assert [(r["comment"], r["reason"]) for r in data["reports"]] == [(mine["theirs"].id, "Das ist beleidigend.")]
    # nothing of the other person (their comments, amendment, name, address) and no other casts
    text = json.dumps(data, ensure_ascii=False)
    assert "Kwame" not in text and "kwame@example.org" not in text and "aus NAVE" not in text
    assert theirs["amendment"].id not in [a["id"] for a in data["amendments"]]
    assert len(data["vote_casts"]) == 3


def _delete(client, password=factories.PASSWORD):
    return client.post("/account/delete", data={"csrf_token": _token(client), "password": password})


def _moderate_as(world, who: str, subject: dict) -> None:
    """`who` (a moderator) decides things: a held comment, an amendment, a report; resolves a conflict."""
    now = clock.now()
    person = world[who]
    decide_comment(person, subject["pending"], world["held"], "publish", None, now)
    decide(person, subject["amendment"], world["teilhabe"], "reject", "Passt nicht.", now)
    # subject["report"] is about `who`'s own comment, which `who` may not decide (separation of duties):
    # a report about the other organisation's comment instead.
    about_theirs = report(world["admin"], world["teilhabe"], "Bitte prüfen.", now, comment=subject["published"])
    decide_report(person, about_theirs, "dismiss", "Kein Verstoß.", now)
    version = world["teilhabe"].versions[0]
    db.session.add(
        VersionConflict(
            version_id=version.id,
            paragraph_id=version.texts[0].paragraph_id,
            base_text="x",
            resolved_text="y",
            resolved_by_id=person.id,
            resolved_at=now,
        )
    )
    db.session.commit()


def _scan_for(person_id: int, needles: list[str]) -> list[str]:
    """Every table and column of the schema: where the person's e-mail, name or id (as a person) remains."""
    found = []
    user_columns = {
        (fk.parent.table.name, fk.parent.name)
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "user"
    }
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            if table.name == "user" and row["id"] == person_id:
                found.append(f"user row {person_id}")
            for column, value in row.items():
                if (table.name, column) in user_columns and value == person_id:
                    found.append(f"{table.name}.{column} = {person_id}")
                if value is None:
                    continue
                if isinstance(table.c[column].type, LargeBinary):
                    text = bytes(value).decode("utf-8", "ignore")
                elif isinstance(value, (dict, list)):
                    text = json.dumps(value, ensure_ascii=False)
                else:
                    text = str(value)
                for needle in needles:
                    if needle.lower() in text.lower():
                        found.append(f"{table.name}.{column} contains {needle!r}")
                if f"user:{person_id}" in text and table.name == "audit_entry":
                    found.append(f"{table.name}.{column} names user:{person_id}")
    return found


def test_erasure_covers_every_foreign_key_to_a_person(app):
    columns = {
        (fk.parent.table.name, fk.parent.name)
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "user"
    }
    assert columns == set(ERASURE)


def test_after_deletion_no_personal_data_remains_and_contributions_stay(client, auth, world):
    mine = _contribute(world, "ayse", "kwame")
    _contribute(world, "kwame", "ayse")
    _moderate_as(world, "ayse", _contribute(world, "kwame", "ayse"))
    # the admin changed her roles once: a line of the audit log about her
    auth.login("admin@example.org", factories.PASSWORD)
    url = f"/admin/people/{world['ayse'].id}"
    page = client.get(url).get_data(as_text=True)
    client.post(
        url,
        data={
            "csrf_token": csrf_token(page),
            "roles": ["delegate", "moderator"],
            "organisation": str(world["org"].id),
            "is_contact_person": "y",
        },
    )
    auth.logout()
    person_id = world["ayse"].id
    assert _scan_for(person_id, [EMAIL, NAME])  # the scan finds her before

    auth.login(EMAIL, factories.PASSWORD)
    assert _delete(client, "falsch").status_code == 422
    assert db.session.get(User, person_id) is not None
    response = _delete(client)
    assert response.status_code == 302
    db.session.expire_all()
    assert _scan_for(person_id, [EMAIL, NAME]) == []
    assert "Abmelden" not in client.get("/").get_data(as_text=True)
    assert Auth(client).login(EMAIL, factories.PASSWORD).status_code == 200  # cannot sign in: gone

    # Contributions stay, with the organisation; the organisation's votes stay.
    for key in ("published", "reply", "withdrawn", "pending"):
        comment = db.session.get(Comment, mine[key].id)
        assert comment is not None and comment.author_id is None and comment.organisation_id == world["org"].id
    assert (
        db.session.scalar(
            select(Vote).where(Vote.organisation_id == world["org"].id, Vote.paragraph_id.is_(None))
        ).choice
        == Choice.NO
    )
    assert len(db.session.scalars(select(VoteCast).where(VoteCast.organisation_id == world["org"].id)).all()) >= 2
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.delete"))
    assert entry is not None and entry.actor_id is None and entry.details == {"organisation": "IEB"}

    # Shown as a former delegate of the organisation, on the draft page and in the moderation queue.
    html = client.get(f"/drafts/teilhabe?open={mine['published'].paragraph_id}").get_data(as_text=True)
    assert "ehemalige*r Delegierte*r von <bdi>Interkulturelles Elternnetz Berlin e.V.</bdi>" in html
    assert "Kommentar aus IEB" in html
    auth.login("admin@example.org", factories.PASSWORD)
    audit = client.get("/audit").get_data(as_text=True)
    assert "Gelöschtes Konto" in audit and NAME not in audit


def test_a_former_delegates_held_comment_shows_in_the_queue(client, auth, world):
    _contribute(world, "ayse", "kwame")
    auth.login(EMAIL, factories.PASSWORD)
    assert _delete(client).status_code == 302
    mod = factories.user(email="mod@example.org", roles=(Role.MODERATOR,))
    db.session.commit()
    auth.login(mod.email, factories.PASSWORD)
    html = client.get("/moderation").get_data(as_text=True)
    assert "Wartet noch" in html
    assert "ehemalige*r Delegierte*r von <bdi>Interkulturelles Elternnetz Berlin e.V.</bdi>" in html
    assert NAME not in html


def test_the_last_admin_cannot_delete_their_account(client, auth, world):
    auth.login("admin@example.org", factories.PASSWORD)
    assert "Sie sind die einzige Person mit der Rolle Administrator*in" in client.get("/account").get_data(as_text=True)
    response = _delete(client)
    assert response.status_code == 403
    assert db.session.get(User, world["admin"].id) is not None


def test_an_invited_person_who_deletes_their_account_leaves_no_address_behind(app, client, auth, world):
    """Invitation (and its lines in the audit log), a password reset and the e-mails of both: all name the
    address outside the foreign keys, and all go with the account."""
    from consult.invitations.services import accept, invite
    from consult.password_reset.services import request_reset

    now = clock.now()
    email, name = "leyla.demir@example.org", "Leyla Demir"
    with app.test_request_context():
        invitation = invite(world["admin"], email, world["org"], [Role.DELEGATE], "de", now)
    # The token is in the e-mail only: take it from there, as the person does.
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == email))
    link_token = body.split("/invitations/accept/")[1].split()[0]
    person = accept(link_token, name, "ein gutes Passwort", now)
    person.is_contact_person = True
    with app.test_request_context():
        invite(person, "freundin@example.org", world["org"], [Role.DELEGATE], "de", now)  # she invites someone
        request_reset(email, now)
    db.session.commit()
    person_id = person.id
    assert invitation.id and _scan_for(person_id, [email, name])

    auth.login(email, "ein gutes Passwort")
    assert (
        client.post(
            "/account/delete", data={"csrf_token": _token(client), "password": "ein gutes Passwort"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert _scan_for(person_id, [email, name]) == []
    # The invitation she sent stays, for the person she invited.
    assert db.session.scalar(select(Invitation.email).where(Invitation.email == "freundin@example.org"))
