"""The adopted position's documents: asked for at adoption, rendered once afterwards, read back.

The position's own documents (PDF, DOCX, the change document, Markdown, HTML) do not change after
adoption: the draft has left the voting phase, so votes, comments, amendments and supports are
refused under its lock (`consult.drafts.locks`), and its adopted version is frozen. They are
therefore rendered once, after the adoption's commit, by the job in `consult.exports.jobs` (the
adoption only asks for them: `request_documents`), and served from `PositionFile` afterwards.
The tables (CSV, JSON) hold the consultation's data and are rendered when asked for, like every
preview of a version.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select

from consult.drafts.models import Draft
from consult.exports.document import build_document
from consult.exports.formats import FORMATS, filename
from consult.exports.models import DocumentsState, PositionDocuments, PositionFile
from consult.extensions import db

STORED_FORMATS = ("pdf", "docx", "changes.docx", "changes.html", "changes.pdf", "md", "html")


def request_documents(draft: Draft, now: datetime) -> PositionDocuments:
    """Ask for the adopted position's documents to be rendered (again): in the adoption's transaction,
    so that no adopted draft is without its job, or when the board tries again after a failure.
    Whatever render was under way loses its claim and stores nothing. Flushes, never commits."""
    documents = db.session.get(PositionDocuments, draft.id)
    if documents is None:
        documents = PositionDocuments(draft_id=draft.id, attempts=0)
        db.session.add(documents)
    documents.state, documents.requested_at = DocumentsState.PENDING, now
    documents.started_at = documents.finished_at = documents.claim = documents.error = None
    db.session.flush()
    return documents


def documents_of(draft: Draft) -> PositionDocuments | None:
    """The state of the position's documents (None: the draft was never adopted)."""
    return db.session.get(PositionDocuments, draft.id, populate_existing=True)


def render_position_files(draft: Draft) -> list[PositionFile]:
    """The adopted position in every stored format, as new rows not yet added to the session (inside a
    request context: the writers translate and date as a page does). Reads the database only."""
    document = build_document(draft)
    assert document.adopted, "only an adopted draft has position files"
    files = []
    for name in STORED_FORMATS:
        content = FORMATS[name].write(document)
        files.append(
            PositionFile(
                draft_id=draft.id,
                name=name,
                filename=filename(document, name),
                media_type=FORMATS[name].media_type,
                content=content,
                digest=hashlib.sha256(content).hexdigest(),
            )
        )
    return files


def position_file(draft: Draft, name: str) -> PositionFile | None:
    """The stored file of an adopted position in a stored format; None while the documents are not
    rendered (yet: see `consult.exports.jobs.pick_up`)."""
    return db.session.scalars(
        select(PositionFile).where(PositionFile.draft_id == draft.id, PositionFile.name == name)
    ).first()
