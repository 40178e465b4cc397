"""The organisation's workspace through the real routes: start an internal draft, change it together (and a
stale edit: 409, nothing lost), agree and take it back, comment internally, submit it for the organisation
(and who may), and its attribution wherever the submitted item is shown."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.accounts.models import Role
from consult.amendments.models import Amendment
from consult.audit.models import AuditEntry
from consult.comments.models import Comment
from consult.drafts.models import ModerationPolicy, Phase
from consult.extensions import db
from consult.notifications.models import Notification, NotificationKind, NotificationMode, NotificationSetting
from consult.workspace.models import InternalDraft, InternalKind, InternalStatus
from tests import factories
from tests.conftest import Auth, csrf_token

TEXT = "Absatz 2: Die Mitgliedsorganisationen beraten über *Teilhabe* und Vielfalt."
NEW = "Absatz 2: Die Mitgliedsorganisationen beraten gemeinsam über *Teilhabe* und Vielfalt."


@pytest.fixture
def world(app):
    org, other = factories.organisation(name="Bund der Vereine e.V.", short_name="BDV"), factories.organisation()
    people = {
        "anna": factories.user(email="anna@example.org", org=org, name="Anna Arslan"),
        "ben": factories.user(email="ben@example.org", org=org, name="Ben Bauer"),
        "cem": factories.user(email="cem@example.org", org=org, name="Cem Çelik"),
        "xena": factories.user(email="xena@example.org", org=other, name="Xena Xu"),
        "mod": factories.user(email="mod@example.org", roles=(Role.MODERATOR,), name="Mo Derator"),
    }
    people["cem"].is_contact_person = True
    draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="teilhabe")
    db.session.add(NotificationSetting(user_id=people["ben"].id, mode=NotificationMode.IMMEDIATE))
    db.session.commit()
    return {
        "org_id": org.id,
        "draft_id": draft.id,
        "pid": draft.versions[0].texts[1].paragraph_id,
        **{name: person.email for name, person in people.items()},
    }


def _as(client, world, who: str) -> None:
    auth = Auth(client)
    auth.logout()
    auth.login(world[who], factories.PASSWORD)


def _new_url(world, kind="amendment"):
    return f"/drafts/teilhabe/paragraphs/{world['pid']}/workspace/new?kind={kind}"


def _start(client, world, kind="amendment", **fields):
    page = client.get(_new_url(world, kind)).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "once_key": re.search(r'name="once_key" value="([^"]+)"', page).group(1)}
    data.update(
        {"kind": "replace", "text": NEW, "justification": "Gemeinsam ist besser."}
        if kind == "amendment"
        else {"body": "Wir regen an, *Vielfalt* zu betonen.", "stance": "support"}
    )
    data.update(fields)
    return client.post(_new_url(world, kind), data=data)


def _internal() -> InternalDraft:
    db.session.expire_all()
    return db.session.scalars(select(InternalDraft)).one()


def _page(client, internal_id: int):
    return client.get(f"/drafts/teilhabe/workspace/{internal_id}")


def _post(client, internal_id: int, action: str, **data):
    page = _page(client, internal_id).get_data(as_text=True)
    return client.post(
        f"/drafts/teilhabe/workspace/{internal_id}{action}", data={"csrf_token": csrf_token(page), **data}
    )


def test_a_delegate_starts_an_internal_amendment_and_colleagues_are_asked(client, world):
    _as(client, world, "anna")
    response = _start(client, world)
    internal = _internal()
    assert response.status_code == 302 and response.location.endswith(f"/drafts/teilhabe/workspace/{internal.id}")
    assert internal.status == InternalStatus.OPEN and internal.proposed_text == NEW
    assert [a.user.name for a in internal.authors] == ["Anna Arslan"]
    # Ben opted in: he is asked to agree; Cem did not: nothing for him; Anna started it: nothing for her.
    notes = db.session.scalars(select(Notification)).all()
    assert [(n.user.name, n.kind) for n in notes] == [("Ben Bauer", NotificationKind.AGREEMENT_WANTED)]
    assert notes[0].params["paragraph"] == 2 and notes[0].params["organisation"] == "Bund der Vereine e.V."
    assert notes[0].link == f"/drafts/teilhabe/workspace/{internal.id}"
    listing = client.get("/drafts/teilhabe/workspace").get_data(as_text=True)
    assert "§ 2" in listing and "1 von 3 einverstanden" in listing


def test_the_same_checks_as_an_amendment_and_nothing_typed_is_lost(client, world):
    _as(client, world, "anna")
    response = _start(client, world, text=TEXT, justification="Unverändert, aber begründet.")
    assert response.status_code == 422
    assert "Unverändert, aber begründet." in response.get_data(as_text=True)
    assert db.session.scalars(select(InternalDraft)).all() == []


def test_the_forms_offer_it_and_the_draft_page_shows_nothing_internal(client, world):
    """Where a delegate would write alone (the amendment form, the thread's comment form), they are offered to
    prepare it with colleagues first; the draft page itself carries no link per paragraph (page weight)."""
    _as(client, world, "anna")
    amendment_form = client.get(f"/drafts/teilhabe/paragraphs/{world['pid']}/amendments/new").get_data(as_text=True)
    assert f'href="{_new_url(world)}"' in amendment_form.replace("&amp;", "&")
    thread = client.get(f"/drafts/teilhabe/paragraphs/{world['pid']}/thread", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert f'href="{_new_url(world, "comment")}"' in thread.replace("&amp;", "&")
    _start(client, world, justification="GEHEIMER-BEGRUENDUNGSTEXT")
    _as(client, world, "ben")
    assert "GEHEIMER-BEGRUENDUNGSTEXT" not in client.get("/drafts/teilhabe").get_data(as_text=True)


def test_a_colleague_edits_and_becomes_an_author_earlier_agreements_no_longer_count(client, world):
    _as(client, world, "anna")
    _start(client, world)
    internal = _internal()
    _as(client, world, "ben")
    page = _page(client, internal.id).get_data(as_text=True)
    assert NEW in page and "Gemeinsam ist besser." in page
    response = _post(
        client,
        internal.id,
        "",
        kind="replace",
        text=NEW.replace("gemeinsam", "zusammen"),
        justification="Zusammen klingt besser.",
        text_revision="1",
    )
    assert response.status_code == 302
    internal = _internal()
    assert internal.text_revision == 2 and [a.user.name for a in internal.authors] == ["Anna Arslan", "Ben Bauer"]
    by_revision = {a.user.name: a.text_revision for a in internal.agreements}
    assert by_revision == {"Anna Arslan": 1, "Ben Bauer": 2}
    page = _page(client, internal.id).get_data(as_text=True)
    assert "Anna Arslan" in page.split('id="agreement"')[1].split("</section>")[0]
    assert "1 of 3 agree" in page or "1 von 3 einverstanden" in page


def test_a_stale_edit_is_a_conflict_showing_the_current_text_and_keeping_the_typed_one(client, world):
    _as(client, world, "anna")
    _start(client, world)
    internal = _internal()
    _post(
        client,
        internal.id,
        "",
        kind="replace",
        text=NEW.replace("gemeinsam", "zusammen"),
        justification="Annas zweite Fassung.",
        text_revision="1",
    )
    _as(client, world, "ben")
    response = _post(
        client,
        internal.id,
        "",
        kind="replace",
        text=NEW.replace("gemeinsam", "miteinander"),
        justification="Bens Fassung aus der alten Seite.",
        text_revision="1",
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Bens Fassung aus der alten Seite." in html and "Annas zweite Fassung." in html
    internal = _internal()
    assert internal.justification == "Annas zweite Fassung." and internal.text_revision == 2


def test_agree_and_take_it_back_and_an_agreement_for_a_changed_text_is_refused(client, world):
    _as(client, world, "anna")
    _start(client, world)
    internal = _internal()
    _as(client, world, "ben")
    assert _post(client, internal.id, "/agreement", text_revision="1").status_code == 302
    assert {a.user.name for a in _internal().agreements} == {"Anna Arslan", "Ben Bauer"}
    assert _post(client, internal.id, "/agreement", take_back="1").status_code == 302
    assert {a.user.name for a in _internal().agreements} == {"Anna Arslan"}
    _as(client, world, "anna")
    _post(client, internal.id, "", kind="delete", text="", justification="Lieber streichen.", text_revision="1")
    _as(client, world, "ben")
    assert _post(client, internal.id, "/agreement", text_revision="1").status_code == 409
    assert {a.user.name for a in _internal().agreements} == {"Anna Arslan"}


def test_internal_comments_render_markdown_without_raw_html(client, world):
    _as(client, world, "anna")
    _start(client, world)
    internal = _internal()
    _as(client, world, "ben")
    page = _page(client, internal.id).get_data(as_text=True)
    key = re.search(r'name="once_key" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/drafts/teilhabe/workspace/{internal.id}/notes",
        data={"csrf_token": csrf_token(page), "once_key": key, "body": "Gut, aber *kürzer*? <script>x()</script>"},
    )
    assert response.status_code == 302
    html = _page(client, internal.id).get_data(as_text=True)
    assert "<em>kürzer</em>" in html and "<script>x()" not in html and "Ben Bauer" in html


def test_submitting_an_amendment_makes_it_the_organisations_with_its_authors(client, world):
    _as(client, world, "anna")
    _start(client, world)
    internal = _internal()
    _as(client, world, "ben")
    _post(
        client,
        internal.id,
        "",
        kind="replace",
        text=NEW.replace("gemeinsam", "zusammen"),
        justification="Zusammen.",
        text_revision="1",
    )
    page = _page(client, internal.id).get_data(as_text=True)
    assert "Nobody else agrees yet." in page or "Noch niemand sonst ist einverstanden." in page
    response = _post(client, internal.id, "/submit", text_revision="2")
    amendment = db.session.scalars(select(Amendment)).one()
    assert response.status_code == 302 and response.location.endswith(f"/amendments/{amendment.id}")
    assert amendment.author.name == "Ben Bauer" and amendment.organisation_id == world["org_id"]
    assert [row.user.name for row in amendment.co_authors] == ["Anna Arslan", "Ben Bauer"]
    internal = _internal()
    assert internal.status == InternalStatus.SUBMITTED and internal.amendment_id == amendment.id
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.action == "internal_draft.submit")).one()
    _as(client, world, "xena")
    html = client.get(f"/drafts/teilhabe/amendments/{amendment.id}").get_data(as_text=True)
    assert re.search(
        r"(submitted by|eingereicht von) Bund der Vereine e\.V\.", re.sub(r"<[^>]+>|[\u2066-\u2069]", "", html)
    )
    assert "Anna Arslan" in html and "Ben Bauer" in html
    # Submitted: no more changes.
    _as(client, world, "anna")
    assert _post(client, internal.id, "/submit", text_revision="2").status_code == 409
    assert db.session.scalars(select(Amendment)).all() == [amendment]


def test_a_submitted_comment_shows_in_the_thread_and_the_queue_as_the_organisations(client, world, app):
    draft = db.session.get(factories.Draft, world["draft_id"])
    draft.moderation_policy = ModerationPolicy.HOLD
    db.session.commit()
    _as(client, world, "anna")
    _start(client, world, kind="comment")
    internal = _internal()
    _post(client, internal.id, "/submit", text_revision="1")
    comment = db.session.scalars(select(Comment)).one()
    assert comment.status.value == "pending"  # the moderation hold applies unchanged
    assert [row.user.name for row in comment.co_authors] == ["Anna Arslan"]
    _as(client, world, "mod")
    queue = re.sub(r"<[^>]+>|[\u2066-\u2069]", "", client.get("/moderation").get_data(as_text=True))
    assert re.search(
        r"(submitted by|eingereicht von) Bund der Vereine e\.V\., (written by|verfasst von) Anna Arslan", queue
    )


def test_only_contact_persons_submit_when_the_organisation_says_so(client, world):
    _as(client, world, "ben")
    page = client.get("/drafts/teilhabe/workspace").get_data(as_text=True)
    assert 'name="contact_submits_only"' not in page  # Ben is no contact person
    assert (
        client.post(
            "/drafts/teilhabe/workspace/who-submits", data={"csrf_token": csrf_token(page), "contact_submits_only": "y"}
        ).status_code
        == 403
    )
    _as(client, world, "cem")
    page = client.get("/drafts/teilhabe/workspace").get_data(as_text=True)
    assert (
        client.post(
            "/drafts/teilhabe/workspace/who-submits", data={"csrf_token": csrf_token(page), "contact_submits_only": "y"}
        ).status_code
        == 302
    )
    _as(client, world, "anna")
    _start(client, world)
    internal = _internal()
    assert _post(client, internal.id, "/submit", text_revision="1").status_code == 403
    assert _internal().status == InternalStatus.OPEN
    _as(client, world, "cem")
    assert _post(client, internal.id, "/submit", text_revision="1").status_code == 302
    assert _internal().status == InternalStatus.SUBMITTED


def test_outside_the_commenting_phase_nothing_is_started(client, world):
    draft = db.session.get(factories.Draft, world["draft_id"])
    draft.phase = Phase.EDITING
    db.session.commit()
    _as(client, world, "anna")
    assert client.get(_new_url(world)).status_code == 403
    assert _start(client, world).status_code in (403, 409)
    assert db.session.scalars(select(InternalDraft)).all() == []


def test_an_admin_sets_who_submits_on_the_organisations_admin_page(client, world, app):
    factories.user(email="admin@example.org", roles=(Role.ADMIN,))
    db.session.commit()
    Auth(client).login("admin@example.org", factories.PASSWORD)
    url = f"/admin/organisations/{world['org_id']}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="contact_submits_only"' in page
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(page),
            "name": "Bund der Vereine e.V.",
            "short_name": "BDV",
            "state": "Berlin",
            "level": "state",
            "is_member": "y",
            "vote_weight": "1",
            "contact_submits_only": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(factories.Organisation, world["org_id"]).contact_submits_only is True
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "organisation.update")).one()
    assert "contact_submits_only" in str(entry.details)


_names = iter(range(1000))


def _submitted_comments(world, n: int) -> None:
    """`n` comments submitted for the organisation, each written by Anna and a new colleague (so that no
    author is already loaded for the next comment)."""
    from consult.accounts.models import User
    from consult.core import clock
    from consult.drafts.services import current_text
    from consult.workspace.services import InternalText, edit_internal, start_internal, submit_internal

    anna = db.session.scalars(select(User).where(User.email == world["anna"])).one()
    ben = db.session.scalars(select(User).where(User.email == world["ben"])).one()
    draft = db.session.get(factories.Draft, world["draft_id"])
    text = current_text(draft, world["pid"])
    for i in range(n):
        colleague = factories.user(org=anna.organisation, name=f"Kollegin {next(_names)}") if i else ben
        internal = start_internal(anna, draft, text, InternalKind.COMMENT, InternalText(body=f"Text {i}"), clock.now())
        edit_internal(colleague, internal, draft, text, InternalText(body=f"Text {i}!"), 1, clock.now())
        submit_internal(anna, internal, draft, text, 2, clock.now())  # the colleague is known only as a co-author
    db.session.commit()


@pytest.mark.parametrize("url", ["/drafts/teilhabe/paragraphs/{pid}/thread", "/moderation"])
def test_naming_the_authors_adds_no_query_per_comment(client, world, count_queries, url):
    draft = db.session.get(factories.Draft, world["draft_id"])
    draft.moderation_policy = ModerationPolicy.HOLD if url == "/moderation" else ModerationPolicy.PUBLISH
    db.session.commit()
    _as(client, world, "mod" if url == "/moderation" else "xena")
    url = url.format(pid=world["pid"])
    headers = {"HX-Request": "true"}
    _submitted_comments(world, 1)
    with count_queries() as one:
        assert "Ben Bauer" in client.get(url, headers=headers).get_data(as_text=True)
    _submitted_comments(world, 6)
    with count_queries() as seven:
        html = client.get(url, headers=headers).get_data(as_text=True)
    assert html.count("Anna Arslan") >= 7 and html.count("Kollegin ") >= 5
    assert seven.count == one.count


def test_a_co_author_who_deletes_their_account_is_a_former_delegate(client, world, app):
    from consult.accounts.models import User
    from consult.core import clock
    from consult.profile.services import delete_account

    _submitted_comments(world, 1)  # written by Anna and Ben, submitted by Anna
    url = f"/drafts/teilhabe?open={world['pid']}"
    _as(client, world, "xena")
    assert "Ben Bauer" in client.get(url).get_data(as_text=True)
    ben = db.session.scalars(select(User).where(User.email == world["ben"])).one()
    with app.test_request_context():
        delete_account(ben, factories.PASSWORD, clock.now())
        db.session.commit()
    html = re.sub(r"<[^>]+>|[\u2066-\u2069]", "", client.get(url).get_data(as_text=True))
    assert "Ben Bauer" not in html and "verfasst von Anna Arslan und ehemalige*r Delegierte*r" in html
