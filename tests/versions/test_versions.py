"""The next version of a draft: built from the accepted amendments, collisions resolved, published, compared.

The people here read the English interface, so that the assertions hold before and after the
German catalogue has the new texts.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select, update

from consult.amendments.models import Amendment, AmendmentKind
from consult.amendments.services import Decision, decide, propose
from consult.audit.models import AuditEntry
from consult.comments.models import Comment, CommentStatus
from consult.core import clock
from consult.core.refusals import AlreadyChanged, InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.models import Draft, Phase, Version, VersionConflict, VersionStatus
from consult.drafts.services import current_version, paragraph_texts, set_phase
from consult.extensions import db
from consult.versions.services import UnresolvedConflicts, publish_version, resolve_conflict, start_version
from tests import factories
from tests.conftest import Auth, csrf_token
from tests.versions.conftest import BLOCKS, SECOND


def _draft(world) -> Draft:
    return db.session.get(Draft, world["draft_id"])


def _adopt(
    world,
    position: int,
    kind: AmendmentKind,
    text: str | None = None,
    adopted: str | None = None,
    draft: Draft | None = None,
) -> int:
    """A delegate proposes, a moderator accepts (in modified form when `adopted` is given)."""
    draft = draft or _draft(world)
    current = paragraph_texts(current_version(draft))[position - 1]
    amendment = propose(world["a1"], draft, current, kind, text, "Weil es besser ist.", clock.now())
    if adopted:
        decide(
            world["mod"], amendment, draft, Decision.ACCEPT_MODIFIED, "Angepasst.", clock.now(), adopted_text=adopted
        )
    else:
        decide(world["mod"], amendment, draft, Decision.ACCEPT, "", clock.now())
    db.session.commit()
    return amendment.id


def _texts(version: Version) -> list[str]:
    return [t.text for t in paragraph_texts(version)]


def _version(number: int, draft_id: int) -> Version:
    db.session.expire_all()
    return db.session.scalars(select(Version).where(Version.draft_id == draft_id, Version.number == number)).one()


def _applied(ids) -> list[int | None]:
    db.session.expire_all()
    return [db.session.get(Amendment, i).applied_in_version_id for i in ids]


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _post(client, url: str, **data):
    token = csrf_token(client.get("/drafts/teilhabe/versions").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _collide(world) -> list[int]:
    """Two accepted amendments that reword the same verb differently."""
    return [
        _adopt(world, 2, AmendmentKind.REPLACE, SECOND.replace("fördert", "stärkt")),
        _adopt(world, 2, AmendmentKind.REPLACE, SECOND.replace("fördert", "finanziert")),
    ]


# Services


def test_two_amendments_to_different_sentences_merge_by_themselves(app, world):
    first = _adopt(world, 2, AmendmentKind.REPLACE, SECOND.replace("fördert die", "fördert aktiv die"))
    second = _adopt(world, 2, AmendmentKind.REPLACE, SECOND.replace("sichern", "schützen"))
    version = start_version(world["mod"], _draft(world), clock.now())
    db.session.commit()
    version = _version(2, world["draft_id"])
    assert version.status == VersionStatus.IN_PREPARATION
    assert _texts(version)[1] == "Die Bundesregierung fördert aktiv die Teilhabe. Die Länder schützen die Vielfalt."
    assert _texts(version)[0] == BLOCKS[0] and _texts(version)[2:] == BLOCKS[2:]
    assert db.session.scalar(select(func.count()).select_from(VersionConflict)) == 0
    assert current_version(_draft(world)).number == 1  # readers still see version 1
    assert _applied([first, second]) == [None, None]  # applied only on publishing
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "version.start")).one()
    assert entry.subject == f"version:{version.id}" and entry.draft_id == world["draft_id"]
    assert entry.actor_id == world["mod"].id and sorted(entry.details["amendments"]) == sorted([first, second])


def test_an_amendment_accepted_in_modified_form_brings_its_adopted_text(app, world):
    adopted = SECOND.replace("fördert", "fördert und schützt")
    _adopt(world, 2, AmendmentKind.REPLACE, SECOND.replace("fördert", "fördert gezielt"), adopted=adopted)
    version = start_version(world["board"], _draft(world), clock.now())
    assert _texts(version)[1] == adopted


def test_overlapping_amendments_collide_and_keep_the_current_text(app, world):
    ids = _collide(world)
    version = start_version(world["mod"], _draft(world), clock.now())
    db.session.commit()
    conflict = db.session.scalars(select(VersionConflict)).one()
    assert conflict.version_id == version.id and conflict.paragraph_id == world["pids"][1]
    assert conflict.amendment_ids == ids and conflict.base_text == SECOND and conflict.resolved_text is None
    # The chunks survive the database as JSON: the shared words, and the colliding region in three wordings.
    chunks = json.loads(json.dumps(conflict.chunks))
    assert chunks[0] == "Die Bundesregierung "
    assert chunks[1] == {"base": "fördert", "ours": "stärkt", "theirs": "finanziert"}
    assert "".join(c if isinstance(c, str) else c["base"] for c in chunks) == SECOND
    assert _texts(_version(2, world["draft_id"]))[1] == SECOND


def test_a_deletion_and_a_new_text_for_one_paragraph_collide(app, world):
    _adopt(world, 4, AmendmentKind.DELETE)
    rewrite = _adopt(world, 4, AmendmentKind.REPLACE, "Absatz vier wird neu gefasst.")
    start_version(world["mod"], _draft(world), clock.now())
    conflict = db.session.scalars(select(VersionConflict)).one()
    assert conflict.chunks == [{"base": BLOCKS[3], "ours": "", "theirs": "Absatz vier wird neu gefasst."}]
    assert conflict.amendment_ids[-1] == rewrite and len(conflict.amendment_ids) == 2


def test_start_refuses_others_other_phases_a_second_version_and_nothing_to_apply(app, world):
    with app.test_request_context():
        with pytest.raises(InvalidInput, match="keine Änderungsanträge übernommen"):
            start_version(world["mod"], _draft(world), clock.now())
        _adopt(world, 3, AmendmentKind.DELETE)
        with pytest.raises(NotAllowed):
            start_version(world["a1"], _draft(world), clock.now())
        set_phase(_draft(world), Phase.VOTING)
        with pytest.raises(PhaseClosed):
            start_version(world["mod"], _draft(world), clock.now())
        set_phase(_draft(world), Phase.EDITING)
        start_version(world["mod"], _draft(world), clock.now())
        with pytest.raises(AlreadyChanged, match="schon in Vorbereitung"):
            start_version(world["board"], _draft(world), clock.now())
    assert db.session.scalar(select(func.count()).select_from(Version)) == 2


def test_publishing_with_a_collision_is_refused_and_changes_nothing(app, world):
    ids = _collide(world)
    version = start_version(world["mod"], _draft(world), clock.now())
    db.session.commit()
    with app.test_request_context(), pytest.raises(UnresolvedConflicts) as refusal:
        publish_version(world["mod"], version, clock.now())
    db.session.rollback()
    assert refusal.value.status == 409 and "§ 2" in str(refusal.value.message)
    assert _version(2, world["draft_id"]).status == VersionStatus.IN_PREPARATION
    assert _applied(ids) == [None, None] and "version.publish" not in _actions()
    assert current_version(_draft(world)).number == 1


def test_resolving_sets_the_text_renumbers_lines_and_then_publishing_works(app, world):
    ids = _collide(world)
    version = start_version(world["mod"], _draft(world), clock.now())
    conflict = db.session.scalars(select(VersionConflict)).one()
    with app.test_request_context():
        with pytest.raises(InvalidInput):
            resolve_conflict(world["mod"], conflict, "   ", clock.now())
        with pytest.raises(InvalidInput):
            resolve_conflict(world["mod"], conflict, "Erster Absatz.\n\nZweiter Absatz.", clock.now())
        with pytest.raises(NotAllowed):
            resolve_conflict(world["a1"], conflict, "Text.", clock.now())
    long_text = "Die Bundesregierung stärkt und finanziert die Teilhabe. " * 3 + "Die Länder sichern die Vielfalt."
    resolve_conflict(world["mod"], conflict, long_text, clock.now())
    db.session.commit()
    version = _version(2, world["draft_id"])
    texts = paragraph_texts(version)
    assert texts[1].text == long_text and texts[1].line_count == 3 and "stärkt und finanziert" in texts[1].html
    assert [t.first_line for t in texts] == [1, 2, 5, 6, 7]
    conflict = db.session.scalars(select(VersionConflict)).one()
    assert conflict.resolved_text == long_text and conflict.resolved_by_id == world["mod"].id
    publish_version(world["mod"], version, clock.now())
    db.session.commit()
    assert current_version(_draft(world)).number == 2 and _version(2, world["draft_id"]).published_at is not None
    assert _applied(ids) == [version.id, version.id]
    assert _actions()[-3:] == ["version.start", "version.resolve_text", "version.publish"]
    with app.test_request_context(), pytest.raises(AlreadyChanged):  # published versions do not change
        resolve_conflict(world["mod"], db.session.scalars(select(VersionConflict)).one(), "Anders.", clock.now())


def test_an_insert_adds_a_paragraph_and_a_delete_removes_one(app, world):
    inserted = _adopt(world, 2, AmendmentKind.INSERT, "Ein neuer Absatz nach dem zweiten.")
    later = _adopt(world, 2, AmendmentKind.INSERT, "Noch ein neuer Absatz.")
    deleted = _adopt(world, 4, AmendmentKind.DELETE)
    version = start_version(world["mod"], _draft(world), clock.now())
    publish_version(world["mod"], version, clock.now())
    db.session.commit()
    texts = paragraph_texts(current_version(_draft(world)))
    assert [t.text for t in texts] == [
        BLOCKS[0],
        BLOCKS[1],
        "Ein neuer Absatz nach dem zweiten.",
        "Noch ein neuer Absatz.",
        BLOCKS[2],
        BLOCKS[4],
    ]
    assert [t.position for t in texts] == [1, 2, 3, 4, 5, 6] and [t.first_line for t in texts] == [1, 2, 3, 4, 5, 6]
    pids = world["pids"]
    assert [t.paragraph_id for t in texts][:2] == pids[:2] and texts[4].paragraph_id == pids[2]
    assert texts[5].paragraph_id == pids[4] and pids[3] not in {t.paragraph_id for t in texts}
    assert len({texts[2].paragraph_id, texts[3].paragraph_id} - set(pids)) == 2  # new identities
    assert _applied([inserted, later, deleted]) == [version.id] * 3
    # Each insertion knows the paragraph it became: the documents credit that paragraph to it.
    assert [db.session.get(Amendment, i).inserted_paragraph_id for i in (inserted, later, deleted)] == [
        texts[2].paragraph_id,
        texts[3].paragraph_id,
        None,
    ]


def test_an_amendment_accepted_after_the_start_waits_for_the_next_version(app, world, monkeypatch):
    from datetime import timedelta

    first = _adopt(world, 3, AmendmentKind.REPLACE, "Absatz drei wird geändert.")
    start = clock.now()
    version = start_version(world["mod"], _draft(world), start)
    db.session.commit()
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=5))
    waiting = _adopt(world, 5, AmendmentKind.REPLACE, "Absatz fünf endet anders.")
    publish_version(world["mod"], _version(2, world["draft_id"]), clock.now())
    db.session.commit()
    assert _applied([first, waiting]) == [version.id, None]
    assert _texts(current_version(_draft(world)))[4] == BLOCKS[4]
    version3 = start_version(world["mod"], _draft(world), clock.now())
    assert _texts(version3)[4] == "Absatz fünf endet anders." and _texts(version3)[2] == "Absatz drei wird geändert."


def test_a_new_text_written_against_an_older_version_is_carried_over(app, world):
    # Proposed on version 1; accepted only after version 2 changed another sentence of the paragraph.
    draft = _draft(world)
    old_text = paragraph_texts(current_version(draft))[1]
    late = propose(
        world["a1"],
        draft,
        old_text,
        AmendmentKind.REPLACE,
        SECOND.replace("sichern", "schützen"),
        "Später entschieden.",
        clock.now(),
    )
    db.session.commit()
    _adopt(world, 2, AmendmentKind.REPLACE, SECOND.replace("fördert", "stärkt"))
    publish_version(world["mod"], start_version(world["mod"], _draft(world), clock.now()), clock.now())
    db.session.commit()
    decide(world["mod"], db.session.get(Amendment, late.id), _draft(world), Decision.ACCEPT, "", clock.now())
    version = start_version(world["mod"], _draft(world), clock.now())
    assert _texts(version)[1] == "Die Bundesregierung stärkt die Teilhabe. Die Länder schützen die Vielfalt."


def test_two_publishes_at_once_leave_one_and_tell_the_other(app, world):
    ids = [_adopt(world, 3, AmendmentKind.DELETE)]
    version = start_version(world["mod"], _draft(world), clock.now())
    db.session.commit()
    # Another moderator publishes behind this session's back: its copy still says "in preparation".
    db.session.execute(
        update(Version)
        .where(Version.id == version.id)
        .values(status=VersionStatus.PUBLISHED, published_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    assert version.status == VersionStatus.IN_PREPARATION
    with app.test_request_context(), pytest.raises(AlreadyChanged) as refusal:
        publish_version(world["mod2"], version, clock.now())
    db.session.rollback()
    assert "gerade veröffentlicht" in str(refusal.value.message)
    assert _applied(ids) == [None] and "version.publish" not in _actions()


# Routes


def _login(client, who: str) -> None:
    Auth(client).login(f"{who}@example.org", factories.PASSWORD)


def test_the_whole_round_through_the_pages(client, world):
    ids = _collide(world)
    inserted = _adopt(world, 3, AmendmentKind.INSERT, "Ein ganz neuer Absatz.")
    deleted = _adopt(world, 4, AmendmentKind.DELETE)
    _login(client, "mod")
    page = client.get("/drafts/teilhabe").get_data(as_text=True)
    assert 'href="/drafts/teilhabe/versions"' in page and ">New version</button>" in page
    response = _post(client, "/drafts/teilhabe/versions")
    assert response.status_code == 302 and response.headers["Location"] == "/drafts/teilhabe/versions/2"
    page = client.get("/drafts/teilhabe").get_data(as_text=True)
    assert "Version 2 in preparation" in page and ">New version</button>" not in page

    page = client.get("/drafts/teilhabe/versions/2").get_data(as_text=True)
    conflict = db.session.scalars(select(VersionConflict)).one()
    assert "Version 2 (in preparation)" in page and f'id="conflict-{conflict.id}"' in page
    assert '<mark class="collision__words"><del>fördert</del><ins>stärkt</ins></mark>' in page
    assert '<mark class="collision__words"><del>fördert</del><ins>finanziert</ins></mark>' in page
    assert f'<label for="combined-{conflict.id}">Combined text</label>' in page
    assert f">{SECOND}</textarea>" in page  # prefilled with the current text
    assert "<ins>Ein ganz neuer Absatz.</ins>" in page and f"<del>{BLOCKS[3]}</del>" in page
    assert re.search(
        r'<button type="submit" class="button button--primary" disabled[^>]*>Publish '
        r"version</button>",
        page,
    )

    response = _post(client, "/drafts/teilhabe/versions/2/publish")
    assert response.status_code == 409
    assert "amendments collide in § 2" in response.get_data(as_text=True)
    assert _version(2, world["draft_id"]).status == VersionStatus.IN_PREPARATION
    assert _applied(ids + [inserted, deleted]) == [None] * 4

    url = f"/drafts/teilhabe/versions/2/conflicts/{conflict.id}"
    response = _post(client, url, text="")
    assert response.status_code == 422 and "Please write the combined text." in response.get_data(as_text=True)
    combined = SECOND.replace("fördert", "stärkt und finanziert")
    response = _post(client, url, text=combined)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#conflict-{conflict.id}")
    page = client.get("/drafts/teilhabe/versions/2").get_data(as_text=True)
    assert "<del>fördert</del><ins>stärkt und finanziert</ins>" in page
    assert re.search(r'<button type="submit" class="button button--primary">Publish version</button>', page)

    response = _post(client, "/drafts/teilhabe/versions/2/publish")
    assert response.status_code == 302 and response.headers["Location"] == "/drafts/teilhabe"
    assert current_version(_draft(world)).number == 2
    page = client.get("/drafts/teilhabe").get_data(as_text=True)
    assert "Version 2 is published" in page and "stärkt und finanziert die Teilhabe." in page
    assert "Ein ganz neuer Absatz." in page
    assert BLOCKS[3] not in page and ">New version</button>" in page
    assert re.findall(r'<li class="paragraph" id="p(\d+)"', page) == ["1", "2", "3", "4", "5"]
    version = _version(2, world["draft_id"])
    assert _applied(ids + [inserted, deleted]) == [version.id] * 4
    assert "Accepted" not in page.split('<ol class="draft-text', 1)[1]  # applied amendments leave the page
    assert _actions()[-3:] == ["version.start", "version.resolve_text", "version.publish"]


def test_refused_starts_show_the_message_on_the_list(client, world):
    _login(client, "mod")
    response = _post(client, "/drafts/teilhabe/versions")
    assert response.status_code == 422 and "No amendments have been accepted" in response.get_data(as_text=True)
    _adopt(world, 3, AmendmentKind.DELETE)
    assert _post(client, "/drafts/teilhabe/versions").status_code == 302
    response = _post(client, "/drafts/teilhabe/versions")
    assert response.status_code == 409 and "already in preparation" in response.get_data(as_text=True)


def test_old_comments_stay_attached_and_show_the_version_they_were_written_on(client, world):
    draft = _draft(world)
    version1 = current_version(draft)
    pid = world["pids"][1]
    db.session.add(
        Comment(
            paragraph_id=pid,
            version_id=version1.id,
            author_id=world["a1"].id,
            organisation_id=world["a1"].organisation_id,
            body="Zur alten Fassung.",
            body_html="<p>Zur alten Fassung.</p>",
            status=CommentStatus.PUBLISHED,
        )
    )
    _adopt(world, 2, AmendmentKind.REPLACE, SECOND.replace("fördert", "stärkt"))
    publish_version(world["mod"], start_version(world["mod"], _draft(world), clock.now()), clock.now())
    db.session.commit()
    version2 = current_version(_draft(world))
    db.session.add(
        Comment(
            paragraph_id=pid,
            version_id=version2.id,
            author_id=world["x1"].id,
            organisation_id=world["x1"].organisation_id,
            body="Zur neuen Fassung.",
            body_html="<p>Zur neuen Fassung.</p>",
            status=CommentStatus.PUBLISHED,
        )
    )
    db.session.commit()
    _login(client, "x1")
    page = client.get(f"/drafts/teilhabe?open={pid}").get_data(as_text=True)
    assert "2 comments" in page and "Zur alten Fassung." in page and "Zur neuen Fassung." in page
    assert page.count("badge--version") == 1
    old = page.split("Zur alten Fassung.")[0].rsplit('<li class="comment', 1)[1]
    assert '<span class="badge badge--version">on version 1</span>' in old


def test_the_marker_is_translated_in_the_german_interface(client, world):
    pid = world["pids"][1]
    db.session.add(
        Comment(
            paragraph_id=pid,
            version_id=current_version(_draft(world)).id,
            author_id=world["a1"].id,
            body="Alt.",
            body_html="<p>Alt.</p>",
            status=CommentStatus.PUBLISHED,
        )
    )
    _adopt(world, 2, AmendmentKind.REPLACE, SECOND.replace("fördert", "stärkt"))
    publish_version(world["mod"], start_version(world["mod"], _draft(world), clock.now()), clock.now())
    world["x1"].locale = "de"
    db.session.commit()
    _login(client, "x1")
    page = client.get(f"/drafts/teilhabe?open={pid}").get_data(as_text=True)
    marker = re.search(r'<span class="badge badge--version">([^<]*)</span>', page).group(1)
    # "on version 1" until the German catalogue has the text.
    assert marker in ("zu Fassung 1", "on version 1")


def test_compare_shows_changed_new_and_deleted_paragraphs(client, world):
    _adopt(world, 2, AmendmentKind.REPLACE, SECOND.replace("sichern", "schützen"))
    _adopt(world, 3, AmendmentKind.INSERT, "Ein ganz neuer Absatz.")
    _adopt(world, 4, AmendmentKind.DELETE)
    publish_version(world["mod"], start_version(world["mod"], _draft(world), clock.now()), clock.now())
    db.session.commit()
    _login(client, "x1")
    page = client.get("/drafts/teilhabe/compare?from=1&to=2").get_data(as_text=True)
    assert "<h1>Changes from version 1 to version 2</h1>" in page
    assert "Die Länder <del>sichern</del><ins>schützen</ins> die Vielfalt." in page
    assert "<ins>Ein ganz neuer Absatz.</ins>" in page and f"<del>{BLOCKS[3]}</del>" in page
    assert f'<p class="diff diff--context" lang="de" dir="auto">{BLOCKS[2]}</p>' in page  # German text, any page
    backwards = client.get("/drafts/teilhabe/compare?from=2&to=1").get_data(as_text=True)
    assert "<del>schützen</del><ins>sichern</ins>" in backwards and "<del>Ein ganz neuer Absatz.</del>" in backwards
    assert "Changes from version 1 to version 2" in client.get("/drafts/teilhabe/compare").get_data(as_text=True)
    for query in ("from=1&to=7", "from=abc&to=2", "from=-1&to=2", "from=0&to=1"):
        assert client.get(f"/drafts/teilhabe/compare?{query}").status_code == 404
    assert client.get("/drafts/teilhabe/versions/9").status_code == 404


def test_a_version_in_preparation_is_only_for_moderators_and_the_board(client, world):
    _adopt(world, 3, AmendmentKind.DELETE)
    start_version(world["mod"], _draft(world), clock.now())
    db.session.commit()
    _login(client, "x1")
    listing = client.get("/drafts/teilhabe/versions").get_data(as_text=True)
    assert "Version 1" in listing and "Version 2" not in listing and "In preparation" not in listing
    assert client.get("/drafts/teilhabe/versions/2").status_code == 404
    assert client.get("/drafts/teilhabe/compare?from=1&to=2").status_code == 404
    assert "in preparation" not in client.get("/drafts/teilhabe").get_data(as_text=True)
    page = client.get("/drafts/teilhabe/versions/1").get_data(as_text=True)
    assert "<h1>Version 1</h1>" in page and "current version" in page
    Auth(client).logout()
    _login(client, "board")
    assert "In preparation" in client.get("/drafts/teilhabe/versions").get_data(as_text=True)
    assert client.get("/drafts/teilhabe/versions/2").status_code == 200
    assert client.get("/drafts/teilhabe/compare?from=1&to=2").status_code == 200


@pytest.mark.parametrize("who", ["a1", "x1"])
def test_delegates_cannot_start_resolve_or_publish(client, world, who):
    _collide(world)
    start_version(world["mod"], _draft(world), clock.now())
    db.session.commit()
    conflict = db.session.scalars(select(VersionConflict)).one()
    _login(client, who)
    assert _post(client, "/drafts/teilhabe/versions").status_code == 403
    assert _post(client, f"/drafts/teilhabe/versions/2/conflicts/{conflict.id}", text="Neu.").status_code == 403
    assert _post(client, "/drafts/teilhabe/versions/2/publish").status_code == 403
    assert ">New version</button>" not in client.get("/drafts/teilhabe").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(VersionConflict, conflict.id).resolved_text is None
    assert _version(2, world["draft_id"]).status == VersionStatus.IN_PREPARATION


def test_guests_are_sent_to_sign_in_and_posts_need_the_token(client, world):
    _adopt(world, 3, AmendmentKind.DELETE)
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/drafts/teilhabe/versions", data={"csrf_token": token}).status_code == 302
    _login(client, "mod")
    assert client.post("/drafts/teilhabe/versions").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Version)) == 1


def test_a_second_publish_gets_409_not_500(client, world):
    _adopt(world, 3, AmendmentKind.DELETE)
    start_version(world["mod"], _draft(world), clock.now())
    db.session.commit()
    first, second = client, client.application.test_client()
    _login(first, "mod")
    _login(second, "mod2")
    url = "/drafts/teilhabe/versions/2"
    token_first = csrf_token(first.get(url).get_data(as_text=True))
    token_second = csrf_token(second.get(url).get_data(as_text=True))
    assert first.post(url + "/publish", data={"csrf_token": token_first}).status_code == 302
    response = second.post(url + "/publish", data={"csrf_token": token_second})
    assert response.status_code == 409 and "already been published" in response.get_data(as_text=True)
    assert _actions().count("version.publish") == 1


# A fixed number of queries, whatever the number of paragraphs


def _prepared_draft(world, slug: str, paragraphs: int) -> None:
    draft = factories.draft(paragraphs=paragraphs, slug=slug)
    db.session.commit()
    base = factories.markdown(paragraphs).split("\n\n")
    for position in (2, paragraphs - 1):  # a collision near the start and near the end
        for verb in ("entscheiden", "streiten"):
            _adopt(
                world, position, AmendmentKind.REPLACE, base[position - 1].replace("beraten", verb).strip(), draft=draft
            )
    _adopt(world, 3, AmendmentKind.INSERT, "Ein neuer Absatz.", draft=draft)
    _adopt(world, paragraphs, AmendmentKind.DELETE, draft=draft)
    start_version(world["mod"], draft, clock.now())
    db.session.commit()


def test_version_and_compare_pages_read_a_fixed_number_of_queries(client, world, count_queries):
    _prepared_draft(world, "klein", 5)
    _prepared_draft(world, "gross", 80)
    _login(client, "mod")

    def counts(slug: str) -> list[int]:
        result = []
        for url in (
            f"/drafts/{slug}/versions/2",
            f"/drafts/{slug}/compare?from=1&to=2",
            f"/drafts/{slug}/versions/1",
            f"/drafts/{slug}/versions",
        ):
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            result.append(counter.count)
        return result

    small, large = counts("klein"), counts("gross")
    assert large == small
    assert max(large) <= 10, large


def test_two_starts_at_once_leave_one_version(app, world, monkeypatch):
    from consult.versions import services

    _adopt(world, 3, AmendmentKind.DELETE)
    start_version(world["mod"], _draft(world), clock.now())
    db.session.commit()
    # The second start looked before the first was committed: it saw no version in preparation.
    monkeypatch.setattr(services, "in_preparation", lambda draft: None)
    with app.test_request_context(), pytest.raises(AlreadyChanged):
        start_version(world["board"], _draft(world), clock.now())
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Version)) == 2
    assert _actions().count("version.start") == 1
