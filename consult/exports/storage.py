"""Rendering the adopted position's documents once, at adoption, and reading them back.

The position's own documents (PDF, DOCX, the change document, Markdown, HTML) do not change
after adoption, so they are rendered in the adoption's transaction and served from
`PositionFile` afterwards. The tables (CSV, JSON) hold the consultation's data and are
rendered when asked for, like every preview of a version.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from consult.drafts.models import Draft
from consult.exports.document import build_document
from consult.exports.formats import FORMATS, filename
from consult.exports.models import PositionFile
from consult.extensions import db

STORED_FORMATS = ("pdf", "docx", "changes.docx", "changes.html", "changes.pdf", "md", "html")


def store_position_files(draft: Draft) -> list[PositionFile]:
    """Render the adopted position in every stored format and keep it (inside a request context,
    in the caller's transaction). Replaces what was stored before for this draft."""
    document = build_document(draft)
    assert document.adopted, "only an adopted draft has position files"
    db.session.execute(delete(PositionFile).where(PositionFile.draft_id == draft.id))
    stored = []
    for name in STORED_FORMATS:
        content = FORMATS[name].write(document)
        stored.append(PositionFile(draft_id=draft.id, name=name, filename=filename(document, name),
                                   media_type=FORMATS[name].media_type, content=content,
                                   digest=hashlib.sha256(content).hexdigest()))
    db.session.add_all(stored)
    db.session.flush()
    return stored


def position_file(draft: Draft, name: str) -> PositionFile:
    """The stored file of an adopted position in a stored format. A draft adopted before its files
    were kept (or whose files were removed) gets them rendered and stored now, once."""
    query = select(PositionFile).where(PositionFile.draft_id == draft.id, PositionFile.name == name)
    found = db.session.scalars(query).first()
    if found is None:
        try:
            found = next(f for f in store_position_files(draft) if f.name == name)
            db.session.commit()
        except IntegrityError:    # another process stored them meanwhile: theirs are as good
            db.session.rollback()
            found = db.session.scalars(query).one()
    return found
