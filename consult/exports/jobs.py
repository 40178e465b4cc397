"""The job that renders an adopted position's documents after the adoption's commit.

The adoption closes the vote, freezes the text and commits at once; rendering five documents of a
long draft takes seconds, and votes would wait on the draft's lock all that time. So the adoption
only creates the job (`consult.exports.storage.request_documents`, state "pending") and, after
its commit, `start` renders it in a thread of the same process, from the frozen state in the
database (the adopted version, the votes on record when the vote closed).

The job's state is a row in the database, not one process's memory: the app runs in several
processes, and any of them may find the job left behind. Whoever runs it first claims it with one
conditional UPDATE (`claim`), so only one process renders; it stores the files only while its
claim still stands. A process that dies mid-render leaves the row "rendering" with an old
`started_at`; one that dies between the commit and its thread leaves it "pending". `pick_up` (the
position page and the downloads call it) and `flask render-documents` (for a timer) start the job
again then: pending for longer than DOCUMENTS_PICKUP_AFTER seconds, rendering for longer than
DOCUMENTS_STALE_AFTER. A render that raises leaves the job "failed" with the error; the board
tries again from the position page.

With DOCUMENTS_IN_BACKGROUND off (the tests), `start` and `pick_up` render at once, in the
caller's thread, after the caller's commit.
"""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import CursorResult

from consult.core.db import utcnow
from consult.drafts.models import Draft
from consult.exports.models import DocumentsState, PositionDocuments, PositionFile
from consult.exports.storage import documents_of, render_position_files, request_documents
from consult.extensions import db

log = logging.getLogger(__name__)

_jobs = PositionDocuments.__table__


def _claimable(now, pending_after: float, stale_after: float):
    return or_(
        and_(_jobs.c.state == DocumentsState.PENDING, _jobs.c.requested_at <= now - timedelta(seconds=pending_after)),
        and_(_jobs.c.state == DocumentsState.RENDERING, _jobs.c.started_at <= now - timedelta(seconds=stale_after)),
    )


def _thresholds(pending_after: float | None) -> tuple[float, float]:
    """(pending, stale) seconds. Without the background thread nothing else starts a pending job: it is
    picked up at once."""
    config = current_app.config
    if pending_after is None:
        pending_after = config["DOCUMENTS_PICKUP_AFTER"] if config["DOCUMENTS_IN_BACKGROUND"] else 0
    return pending_after, config["DOCUMENTS_STALE_AFTER"]


def left_behind(documents: PositionDocuments, pending_after: float | None = None) -> bool:
    """Pending for longer than its own process would take to start it, or rendering for so long that
    the process rendering it must have died."""
    pending, stale = _thresholds(pending_after)
    now = utcnow()
    if documents.state == DocumentsState.PENDING:
        return documents.requested_at <= now - timedelta(seconds=pending)
    return (
        documents.state == DocumentsState.RENDERING
        and documents.started_at is not None
        and documents.started_at <= now - timedelta(seconds=stale)
    )


def claim(draft_id: int, pending_after: float | None = None) -> str | None:
    """Take the job for this process, or None when it is not claimable (done, failed, rendered by a
    live process, or claimed a moment ago by another). One conditional UPDATE: two processes asking at
    once cannot both get it. Does not commit."""
    pending, stale = _thresholds(pending_after)
    token, now = secrets.token_hex(16), utcnow()
    result = db.session.execute(
        update(_jobs)
        .where(_jobs.c.draft_id == draft_id, _claimable(now, pending, stale))
        .values(
            state=DocumentsState.RENDERING,
            started_at=now,
            finished_at=None,
            claim=token,
            error=None,
            attempts=_jobs.c.attempts + 1,
        )
    )
    assert isinstance(result, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    return token if result.rowcount == 1 else None


def _finish(draft_id: int, token: str, state: DocumentsState, error: str | None = None) -> bool:
    """Record the end of this process's render, if its claim still stands (nobody took over, the board
    did not ask again). First in its transaction: it takes the job row's lock before the files'."""
    result = db.session.execute(
        update(_jobs)
        .where(_jobs.c.draft_id == draft_id, _jobs.c.claim == token)
        .values(state=state, finished_at=utcnow(), claim=None, error=error)
    )
    assert isinstance(result, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    return result.rowcount == 1


def run(draft_id: int, pending_after: float | None = 0) -> DocumentsState | None:
    """Claim the job and render the documents; returns the state it left, or None when the job was not
    this process's to run. Commits (the claim at once, then the files with the state "done", or the
    state "failed"): call it outside any transaction of one's own."""
    token = claim(draft_id, pending_after)
    db.session.commit()
    if token is None:
        return None
    started = utcnow()
    try:
        draft = db.session.get_one(Draft, draft_id)  # the job's row refers to it
        with current_app.test_request_context():  # the writers translate and date as a page does
            files = render_position_files(draft)
    except Exception as error:  # recorded for the board's "try again"; the log has the traceback
        db.session.rollback()
        log.exception("rendering the documents of draft %s failed", draft_id)
        _finish(draft_id, token, DocumentsState.FAILED, f"{type(error).__name__}: {error}"[:500])
        db.session.commit()
        return DocumentsState.FAILED
    if not _finish(draft_id, token, DocumentsState.DONE):
        db.session.rollback()  # taken over, or asked for again: the newer render stores its own
        return None
    db.session.execute(delete(PositionFile).where(PositionFile.draft_id == draft_id))
    db.session.add_all(files)
    db.session.commit()
    log.info("documents of draft %s rendered in %.1f s", draft_id, (utcnow() - started).total_seconds())
    return DocumentsState.DONE


def _in_thread(app, draft_id: int, pending_after: float | None) -> None:
    with app.app_context():
        try:
            run(draft_id, pending_after)
        except Exception:  # the job stays claimable when it grows stale: a later pick-up runs it
            log.exception("the documents job of draft %s stopped", draft_id)


def start(draft_id: int, pending_after: float | None = 0) -> threading.Thread | None:
    """Run the job after the caller's commit: in a thread of this process (returned), or at once in
    this thread when DOCUMENTS_IN_BACKGROUND is off."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
    if not app.config["DOCUMENTS_IN_BACKGROUND"]:
        run(draft_id, pending_after)
        return None
    thread = threading.Thread(
        target=_in_thread, args=(app, draft_id, pending_after), name=f"consult-documents-{draft_id}", daemon=True
    )
    thread.start()
    return thread


def pick_up(draft: Draft, file_missing: bool = False) -> PositionDocuments | None:
    """The state of an adopted position's documents, for the position page and the downloads, after
    starting the job when it was left behind. `file_missing`: a download found no stored file,
    although the job may say "done" (a draft adopted before files were kept, files removed by hand):
    the documents are asked for again. Commits when it asks again."""
    if draft.adopted_version_id is None:
        return None
    documents = documents_of(draft)
    if documents is None or (file_missing and documents.state == DocumentsState.DONE):
        request_documents(draft, utcnow())
        db.session.commit()
        start(draft.id)
    elif left_behind(documents):
        start(draft.id, pending_after=None)
    else:
        return documents
    return documents_of(draft)


def render_left_behind(retry_failed: bool = False) -> list[tuple[str, DocumentsState | None]]:
    """For `flask render-documents`: run every job that is pending (however briefly) or stale, and with
    `retry_failed` every failed one too, here and now. Returns (slug, state it left) per job tried."""
    if retry_failed:
        for documents in db.session.scalars(
            select(PositionDocuments).where(PositionDocuments.state == DocumentsState.FAILED)
        ).all():
            request_documents(db.session.get_one(Draft, documents.draft_id), utcnow())
        db.session.commit()
    now = utcnow()
    pending, stale = _thresholds(0)
    rows = db.session.execute(
        select(_jobs.c.draft_id, Draft.slug)
        .join(Draft, Draft.id == _jobs.c.draft_id)
        .where(_claimable(now, pending, stale))
        .order_by(_jobs.c.draft_id)
    ).all()
    db.session.commit()
    return [(slug, run(draft_id, pending_after=0)) for draft_id, slug in rows]
