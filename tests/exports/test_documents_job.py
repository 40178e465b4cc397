"""Adoption in seconds (issue 14, point 8): the adoption commits without rendering; a job renders the
documents afterwards from the frozen state, claimed once through the database, picked up again when
left behind, retried by the board after a failure; the position page and the downloads say so meanwhile."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from consult.accounts.models import Role
from consult.amendments.models import AmendmentKind
from consult.amendments.services import propose
from consult.audit.models import AuditEntry
from consult.board.services import adopt
from consult.comments.services import post_comment
from consult.core import clock
from consult.core.db import utcnow
from consult.core.refusals import PhaseClosed
from consult.drafts.models import Draft, Phase
from consult.exports import jobs
from consult.exports.document import build_document
from consult.exports.formats import FORMATS, Format
from consult.exports.models import DocumentsState, PositionDocuments, PositionFile
from consult.exports.storage import STORED_FORMATS, documents_of
from consult.extensions import db
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories
from tests.conftest import csrf_token

SLUG = "teilhabe"


@pytest.fixture
def voting(app):
    """A draft in voting whose whole-draft vote has passed; the board, a delegate (who voted yes)."""
    board = factories.user(email="board@example.org", roles=(Role.BOARD,))
    delegate = factories.user(email="a1@example.org")
    draft = factories.draft(paragraphs=4, phase=Phase.VOTING, slug=SLUG)
    cast_vote(delegate, draft, None, Choice.YES, clock.now())
    cast_vote(factories.user(), draft, None, Choice.YES, clock.now())
    db.session.commit()
    return {"draft_id": draft.id, "board": board, "delegate": delegate}


def _draft() -> Draft:
    db.session.expire_all()
    return db.session.scalars(select(Draft).where(Draft.slug == SLUG)).one()


def _refuse_rendering(monkeypatch, calls: list | None = None):
    def refuse(document):
        if calls is not None:
            calls.append(document)
        raise RuntimeError("no fonts")

    for name, chosen in FORMATS.items():
        monkeypatch.setitem(FORMATS, name, Format(refuse, chosen.media_type, chosen.ending))


def _files() -> dict[str, PositionFile]:
    return {f.name: f for f in db.session.scalars(select(PositionFile))}


def _adopt_with_the_service(app, world) -> Draft:
    with app.test_request_context():
        adopt(world["board"], _draft(), Phase.VOTING, clock.now())
    db.session.commit()
    return _draft()


def test_adoption_commits_without_rendering_and_the_job_renders_the_frozen_state(app, voting, monkeypatch):
    calls: list = []
    _refuse_rendering(monkeypatch, calls)
    draft = _adopt_with_the_service(app, voting)  # every writer raises: the adoption does not call one
    assert calls == []
    assert draft.phase == Phase.ADOPTED and draft.adopted_version_id == draft.versions[0].id
    documents = documents_of(draft)
    assert documents.state == DocumentsState.PENDING and documents.requested_at == draft.adopted_at
    assert _files() == {}

    # Nothing can change the frozen state: votes, comments and amendments are refused in phase adopted.
    delegate, text = voting["delegate"], draft.versions[0].texts[1]
    for write in (
        lambda: cast_vote(delegate, draft, None, Choice.NO, clock.now()),
        lambda: cast_vote(delegate, draft, text.paragraph_id, Choice.NO, clock.now()),
        lambda: post_comment(delegate, draft, text, "Noch ein Gedanke.", None, clock.now()),
        lambda: propose(delegate, draft, text, AmendmentKind.REPLACE, "Anders.", "Weil.", clock.now()),
    ):
        with app.test_request_context(), pytest.raises(PhaseClosed):
            write()
        db.session.rollback()

    monkeypatch.undo()
    assert jobs.run(draft.id) == DocumentsState.DONE
    stored = _files()
    assert sorted(stored) == sorted(STORED_FORMATS)
    assert stored["pdf"].content.startswith(b"%PDF") and stored["docx"].content.startswith(b"PK")
    documents = documents_of(_draft())
    assert documents.state == DocumentsState.DONE and documents.attempts == 1 and documents.claim is None
    with app.test_request_context():
        assert stored["md"].content == FORMATS["md"].write(build_document(_draft()))
        assert "Ja 2 · Nein 0" in stored["md"].content.decode()
    assert jobs.run(draft.id) is None  # done: nobody renders it again


def test_only_one_process_claims_the_job_and_a_stale_claim_is_taken_over(app, voting):
    draft = _adopt_with_the_service(app, voting)
    first = jobs.claim(draft.id)
    db.session.commit()
    assert first and jobs.claim(draft.id) is None  # a second process asking at once gets nothing
    db.session.commit()
    # The first process dies mid-render: once its claim is older than DOCUMENTS_STALE_AFTER, another takes over.
    db.session.execute(update(PositionDocuments).values(started_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    assert jobs.left_behind(documents_of(draft))
    assert jobs.run(draft.id) == DocumentsState.DONE
    documents = documents_of(_draft())
    assert documents.attempts == 2 and len(_files()) == len(STORED_FORMATS)
    # The first process, come back to life, may not store or mark anything: its claim is gone.
    assert not jobs._finish(draft.id, first, DocumentsState.FAILED)
    db.session.rollback()
    assert documents_of(_draft()).state == DocumentsState.DONE


def test_the_position_page_picks_up_a_job_left_behind(app, client, voting):
    _adopt_with_the_service(app, voting)  # committed, but its process never started the job
    db.session.execute(update(PositionDocuments).values(state=DocumentsState.RENDERING, started_at=utcnow()))
    db.session.commit()
    page = client.get(f"/positions/{SLUG}").get_data(as_text=True)
    assert "Dokumente werden erstellt …" in page and 'hx-trigger="every 2s"' in page  # a live claim: wait
    assert "/download/pdf" not in page
    db.session.execute(update(PositionDocuments).values(started_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    page = client.get(f"/positions/{SLUG}").get_data(as_text=True)  # stale: this request starts it again
    assert "/download/pdf" in page and "hx-trigger" not in page
    assert documents_of(_draft()).state == DocumentsState.DONE and len(_files()) == len(STORED_FORMATS)


def test_while_the_documents_are_made_the_page_polls_and_downloads_answer_503(app, client, voting):
    app.config["DOCUMENTS_IN_BACKGROUND"] = True  # a job in another process's thread, not yet done
    _adopt_with_the_service(app, voting)
    page = client.get(f"/positions/{SLUG}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dokumente werden erstellt …" in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html  # without JavaScript
    fragment = client.get(f"/positions/{SLUG}", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="documents"') and "<html" not in body
    assert 'hx-trigger="every 2s"' in body and "HX-Request" in fragment.headers["Vary"]
    for name in ("pdf", "docx", "md", "html"):
        response = client.get(f"/positions/{SLUG}/download/{name}")
        assert response.status_code == 503 and response.headers["Retry-After"] == "5", name
        assert "Die Dokumente sind noch nicht fertig" in response.get_data(as_text=True)
    assert _files() == {}


def test_a_failed_render_says_so_and_the_board_tries_again(app, client, auth, voting, monkeypatch):
    draft = _adopt_with_the_service(app, voting)
    _refuse_rendering(monkeypatch)
    assert jobs.run(draft.id) == DocumentsState.FAILED
    documents = documents_of(_draft())
    assert documents.state == DocumentsState.FAILED and documents.error == "RuntimeError: no fonts"
    assert _draft().phase == Phase.ADOPTED and _files() == {}
    page = client.get(f"/positions/{SLUG}").get_data(as_text=True)
    assert "konnten nicht erstellt werden" in page and "Noch einmal versuchen" not in page and "hx-trigger" not in page
    assert client.get(f"/positions/{SLUG}/download/pdf").status_code == 503
    auth.login("a1@example.org", factories.PASSWORD)  # a delegate sees the message, not the button
    assert "Noch einmal versuchen" not in client.get(f"/positions/{SLUG}").get_data(as_text=True)
    assert (
        client.post(
            f"/drafts/{SLUG}/documents", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))}
        ).status_code
        == 403
    )
    auth.logout()
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get(f"/positions/{SLUG}").get_data(as_text=True)
    assert "Noch einmal versuchen" in page
    monkeypatch.undo()  # the fonts are installed now
    response = client.post(f"/drafts/{SLUG}/documents", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/positions/{SLUG}")
    assert documents_of(_draft()).state == DocumentsState.DONE and len(_files()) == len(STORED_FORMATS)
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "documents.retry"))
        == 1
    )
    # Nothing to try again now: refused, and the documents stay.
    again = client.post(f"/drafts/{SLUG}/documents", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "nichts erneut zu versuchen" in again.get_data(as_text=True)
    assert documents_of(_draft()).state == DocumentsState.DONE


def test_the_adoption_request_answers_before_the_documents_and_a_thread_makes_them(app, client, auth, voting):
    """Really in the background: the adoption's answer comes back, then a thread of the app renders."""
    app.config["DOCUMENTS_IN_BACKGROUND"] = True
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get(f"/drafts/{SLUG}/phase?to=adopted").get_data(as_text=True)
    response = client.post(
        f"/drafts/{SLUG}/phase", data={"csrf_token": csrf_token(page), "to": "adopted", "from": "voting"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/positions/{SLUG}")
    assert _draft().phase == Phase.ADOPTED
    deadline = time.monotonic() + 60
    while True:
        db.session.rollback()  # a fresh snapshot each time
        state = documents_of(_draft()).state
        if state == DocumentsState.DONE or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert state == DocumentsState.DONE
    page = client.get(f"/positions/{SLUG}").get_data(as_text=True)
    assert "Dokumente werden erstellt" not in page and "/download/pdf" in page
    pdf = client.get(f"/positions/{SLUG}/download/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"/drafts/{SLUG}/export/changes.docx").data.startswith(b"PK")


def test_render_documents_command_runs_what_is_waiting_and_retries_failures(app, runner, voting, monkeypatch):
    draft = _adopt_with_the_service(app, voting)
    _refuse_rendering(monkeypatch)
    result = runner.invoke(args=["render-documents"])
    assert result.exit_code == 1 and f"{SLUG}: failed" in result.output
    assert "0 position(s)" in runner.invoke(args=["render-documents"]).output  # failed: left alone
    monkeypatch.undo()
    result = runner.invoke(args=["render-documents", "--retry-failed"])
    assert result.exit_code == 0 and f"{SLUG}: done" in result.output, result.output
    db.session.rollback()
    assert documents_of(draft).state == DocumentsState.DONE and len(_files()) == len(STORED_FORMATS)


def test_the_migration_gives_drafts_adopted_before_a_job(empty_database):
    """Adopted with files stored: "done"; adopted without: "pending" (the next visit renders them)."""
    from flask_migrate import downgrade, upgrade

    from consult import create_app
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        # The rows are made with today's models at the head, then the schema goes back to before the job
        # table (which drops it) and up again.
        upgrade()
        drafts = {
            slug: factories.draft(paragraphs=2, phase=phase, slug=slug)
            for slug, phase in (
                ("mit-dateien", Phase.ADOPTED),
                ("ohne-dateien", Phase.ADOPTED),
                ("offen", Phase.VOTING),
            )
        }
        for slug in ("mit-dateien", "ohne-dateien"):
            drafts[slug].adopted_version_id, drafts[slug].adopted_at = drafts[slug].versions[0].id, clock.now()
        db.session.add(
            PositionFile(
                draft_id=drafts["mit-dateien"].id,
                name="md",
                filename="x.md",
                media_type="text/markdown",
                digest="0" * 64,
                content=b"# x",
            )
        )
        db.session.commit()
        db.session.remove()
        downgrade(revision="a41c7e9b2d10")
        upgrade()
        rows = dict(
            db.session.execute(
                select(Draft.slug, PositionDocuments.state).join(
                    PositionDocuments, PositionDocuments.draft_id == Draft.id
                )
            ).all()
        )
        assert rows == {"mit-dateien": DocumentsState.DONE, "ohne-dateien": DocumentsState.PENDING}
        db.session.remove()
        db.engine.dispose()
