"""A deletion can win a collision: the moderator resolves it by removing the paragraph.

Paragraph 4 of the draft is struck by one accepted amendment and rewritten by another; a third
amendment inserts a paragraph after it, and paragraph 2 has a second, ordinary collision. The
moderator removes paragraph 4, may bring it back with a common text until publishing, and the
published version then lacks it, numbered 1..n with line numbers that run on.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from consult.amendments.models import AmendmentKind
from consult.audit.models import AuditEntry
from consult.comments.models import Comment, CommentStatus
from consult.core import clock
from consult.core.refusals import AlreadyChanged, InvalidInput, NotAllowed
from consult.drafts.models import ParagraphText, VersionConflict
from consult.drafts.services import current_version, paragraph_texts
from consult.exports.document import build_document
from consult.extensions import db
from consult.versions.services import publish_version, resolve_conflict, start_version
from tests.versions.conftest import BLOCKS, SECOND
from tests.versions.test_versions import _adopt, _collide, _draft, _login, _post, _version

REWRITE = "Absatz vier wird neu gefasst und bleibt."
INSERTED = "Ein neuer Absatz nach dem vierten."


def _struck_and_rewritten(world) -> dict:
    """Paragraph 4 deleted and rewritten, a paragraph inserted after it, and paragraph 2 colliding too."""
    ids = {
        "delete": _adopt(world, 4, AmendmentKind.DELETE),
        "rewrite": _adopt(world, 4, AmendmentKind.REPLACE, REWRITE),
        "insert": _adopt(world, 4, AmendmentKind.INSERT, INSERTED),
    }
    _collide(world)
    start_version(world["mod"], _draft(world), clock.now())
    db.session.commit()
    conflicts = db.session.scalars(select(VersionConflict).order_by(VersionConflict.paragraph_id)).all()
    ids["second"], ids["fourth"] = (c.id for c in conflicts)
    return ids


def _conflict(conflict_id: int) -> VersionConflict:
    db.session.expire_all()
    return db.session.get(VersionConflict, conflict_id)


def _layout(version) -> list[tuple[int, int, int, str]]:
    """(position, first line, line count, text) of each paragraph, in order."""
    return [(t.position, t.first_line, t.line_count, t.text) for t in paragraph_texts(version)]


def _contiguous(layout) -> bool:
    lines = 1
    for number, (position, first_line, line_count, _) in enumerate(layout, start=1):
        if position != number or first_line != lines:
            return False
        lines += line_count
    return True


def test_deletion_against_rewrite_resolved_as_deletion_is_published_without_the_paragraph(app, world):
    ids = _struck_and_rewritten(world)
    pid = world["pids"][3]
    comment = Comment(
        paragraph_id=pid,
        version_id=current_version(_draft(world)).id,
        author_id=world["a1"].id,
        body="Bitte streichen.",
        body_html="<p>Bitte streichen.</p>",
        status=CommentStatus.PUBLISHED,
    )
    db.session.add(comment)
    db.session.commit()
    long_text = "Die Bundesregierung stärkt und finanziert die Teilhabe. " * 3 + "Die Länder sichern die Vielfalt."
    resolve_conflict(world["mod"], _conflict(ids["second"]), long_text, clock.now())  # three lines long
    resolve_conflict(world["mod"], _conflict(ids["fourth"]), None, clock.now(), remove=True)
    db.session.commit()

    conflict = _conflict(ids["fourth"])
    assert conflict.resolved_text == "" and conflict.resolved_by_id == world["mod"].id
    assert conflict.resolved_at is not None
    layout = _layout(_version(2, world["draft_id"]))
    assert [text for *_, text in layout] == [BLOCKS[0], long_text, BLOCKS[2], INSERTED, BLOCKS[4]]
    assert _contiguous(layout), layout
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "version.resolve_remove")).one()
    assert entry.actor_id == world["mod"].id and entry.details["paragraph"] == pid
    assert sorted(entry.details["amendments"]) == sorted([ids["delete"], ids["rewrite"]])

    publish_version(world["mod"], _version(2, world["draft_id"]), clock.now())
    db.session.commit()
    published = current_version(_draft(world))
    assert published.number == 2
    layout = _layout(published)
    assert pid not in {t.paragraph_id for t in paragraph_texts(published)}
    assert [text for *_, text in layout] == [BLOCKS[0], long_text, BLOCKS[2], INSERTED, BLOCKS[4]]
    assert [p for p, *_ in layout] == [1, 2, 3, 4, 5] and [f for _, f, *_ in layout] == [1, 2, 5, 6, 7]
    # The documents read the removal: a resolved collision without a text, and no paragraph of it.
    document = build_document(_draft(world), published)
    assert [(c.paragraph_id, c.text) for c in document.collisions] == [(world["pids"][1], long_text), (pid, None)]
    assert pid not in document.positions and [b.position for b in document.blocks] == [1, 2, 3, 4, 5]
    # The paragraph's identity keeps its comment and its place in version 1.
    assert db.session.get(Comment, comment.id).paragraph_id == pid
    assert (
        db.session.scalar(select(func.count()).select_from(ParagraphText).where(ParagraphText.paragraph_id == pid)) == 1
    )


def test_a_text_after_the_removal_brings_the_paragraph_back_in_place(app, world):
    ids = _struck_and_rewritten(world)
    before = _layout(_version(2, world["draft_id"]))
    assert [text for *_, text in before] == [BLOCKS[0], BLOCKS[1], BLOCKS[2], BLOCKS[3], INSERTED, BLOCKS[4]]
    # Both collisions removed, then both brought back in the other order: each returns to its own place.
    resolve_conflict(world["mod"], _conflict(ids["second"]), None, clock.now(), remove=True)
    resolve_conflict(world["mod"], _conflict(ids["fourth"]), None, clock.now(), remove=True)
    resolve_conflict(world["mod"], _conflict(ids["fourth"]), None, clock.now(), remove=True)  # again: no harm
    db.session.commit()
    layout = _layout(_version(2, world["draft_id"]))
    assert [text for *_, text in layout] == [BLOCKS[0], BLOCKS[2], INSERTED, BLOCKS[4]] and _contiguous(layout)
    resolve_conflict(world["mod"], _conflict(ids["fourth"]), REWRITE, clock.now())
    resolve_conflict(world["mod"], _conflict(ids["second"]), "Zweiter Absatz,\nnun auf zwei Zeilen.", clock.now())
    db.session.commit()
    layout = _layout(_version(2, world["draft_id"]))
    assert [text for *_, text in layout] == [
        BLOCKS[0],
        "Zweiter Absatz,\nnun auf zwei Zeilen.",
        BLOCKS[2],
        REWRITE,
        INSERTED,
        BLOCKS[4],
    ]
    assert _contiguous(layout), layout
    assert [t.paragraph_id for t in paragraph_texts(_version(2, world["draft_id"]))][3] == world["pids"][3]
    assert _conflict(ids["fourth"]).resolved_text == REWRITE
    actions = list(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("version.resolve%")).order_by(AuditEntry.id)
        )
    )
    assert actions == ["version.resolve_remove"] * 3 + ["version.resolve_text"] * 2
    publish_version(world["mod"], _version(2, world["draft_id"]), clock.now())
    db.session.commit()
    assert [t.text for t in paragraph_texts(current_version(_draft(world)))][3] == REWRITE


def test_others_are_refused_and_a_published_version_cannot_be_changed(app, world):
    ids = _struck_and_rewritten(world)
    with app.test_request_context():
        for who in ("a1", "x1"):
            with pytest.raises(NotAllowed):
                resolve_conflict(world[who], _conflict(ids["fourth"]), None, clock.now(), remove=True)
        with pytest.raises(InvalidInput):  # the text choice still needs a text
            resolve_conflict(world["mod"], _conflict(ids["fourth"]), "", clock.now())
    db.session.rollback()
    assert _conflict(ids["fourth"]).resolved_text is None and len(_layout(_version(2, world["draft_id"]))) == 6
    resolve_conflict(world["board"], _conflict(ids["fourth"]), None, clock.now(), remove=True)
    resolve_conflict(world["board"], _conflict(ids["second"]), SECOND, clock.now())
    publish_version(world["mod"], _version(2, world["draft_id"]), clock.now())
    db.session.commit()
    with app.test_request_context():
        with pytest.raises(AlreadyChanged):
            resolve_conflict(world["mod"], _conflict(ids["fourth"]), REWRITE, clock.now())
        with pytest.raises(AlreadyChanged):
            resolve_conflict(world["mod"], _conflict(ids["second"]), None, clock.now(), remove=True)
    db.session.rollback()
    assert len(_layout(_version(2, world["draft_id"]))) == 5 and _conflict(ids["fourth"]).resolved_text == ""


def test_the_page_offers_both_choices_and_the_removal_goes_through(client, world):
    ids = _struck_and_rewritten(world)
    _login(client, "mod")
    page = client.get("/drafts/teilhabe/versions/2").get_data(as_text=True)
    section = page.split(f'id="conflict-{ids["fourth"]}"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'<button type="submit" name="choice" value="text"[^>]*>Save combined text</button>', section)
    remove = re.search(
        r'<button type="submit" name="choice" value="remove" formnovalidate[^>]*'
        r'aria-describedby="(remove-hint-\d+)">Remove the paragraph</button>',
        section,
    )
    assert remove and f'id="{remove.group(1)}"' in section and "missing from the new version" in section

    url = f"/drafts/teilhabe/versions/2/conflicts/{ids['fourth']}"
    response = _post(client, url, text="", choice="remove")  # the textarea may be empty for a removal
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#conflict-{ids['fourth']}")
    page = client.get("/drafts/teilhabe/versions/2").get_data(as_text=True)
    assert "The paragraph is removed from this version." in page
    assert "The paragraph was removed from this version on" in page
    assert f"<del>{BLOCKS[3]}</del>" in page  # shown as a deleted paragraph
    section = page.split(f'id="conflict-{ids["fourth"]}"', 1)[1].split("</section>", 1)[0]
    assert f">{BLOCKS[3]}</textarea>" in section and 'value="remove"' not in section
    assert "brings the paragraph back" in section

    assert _post(client, url, text="", choice="text").status_code == 422  # the text choice still needs a text
    assert (
        _post(client, f"/drafts/teilhabe/versions/2/conflicts/{ids['second']}", text=SECOND, choice="text").status_code
        == 302
    )
    assert _post(client, "/drafts/teilhabe/versions/2/publish").status_code == 302
    page = client.get("/drafts/teilhabe").get_data(as_text=True)
    assert BLOCKS[3] not in page and REWRITE not in page and INSERTED in page
    assert re.findall(r'<li class="paragraph" id="p(\d+)"', page) == ["1", "2", "3", "4", "5"]
    assert _post(client, url, text=REWRITE, choice="text").status_code == 409
    audit = client.get("/audit").get_data(as_text=True)  # the log says which way each collision was settled
    assert "Collision resolved by removing the paragraph" in audit and "Collision resolved with a common text" in audit


def test_a_delegate_cannot_remove_the_paragraph_through_the_page(client, world):
    ids = _struck_and_rewritten(world)
    _login(client, "a1")
    response = _post(client, f"/drafts/teilhabe/versions/2/conflicts/{ids['fourth']}", text="", choice="remove")
    assert response.status_code == 403
    assert _conflict(ids["fourth"]).resolved_text is None and len(_layout(_version(2, world["draft_id"]))) == 6
