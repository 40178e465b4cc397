"""Downloads: the board's exports of any version (preview), and the public downloads of an adopted position."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from consult.core.access import public, roles
from consult.drafts.services import get_by_slug
from consult.exports import jobs
from consult.exports.document import build_document
from consult.exports.formats import FORMATS, filename
from consult.exports.models import DocumentsState
from consult.exports.storage import STORED_FORMATS, position_file

bp = Blueprint("exports", __name__)
# What the public address of an adopted position offers: the text. The tables (who commented and voted
# how) and the change document stay with the board.
PUBLIC_FORMATS = ("pdf", "docx", "md", "html")


def _response(content: bytes, media_type: str, name: str, private: bool) -> Response:
    response = Response(content, mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    return response


def _rendered(document, name: str, private: bool) -> Response:
    """Rendered now: previews of a version, and the tables."""
    chosen = FORMATS[name]
    return _response(chosen.write(document), chosen.media_type, filename(document, name), private)


# A download asked for while the documents are being made: try again after this many seconds.
RETRY_AFTER = 5


def _stored(draft, name: str, private: bool):
    """The adopted position as rendered after its adoption (conditional: a browser that has it gets a 304).

    While the documents are being made, 503 with Retry-After and a page that says so, rather than
    rendering here: rendering a long position takes seconds, the job is already at it in some
    process, and a request that rendered too would hold a server process for that long, for each
    person who clicks (the job's claim lets only one render; the others could only wait)."""
    stored = position_file(draft, name)
    if stored is None:
        documents = jobs.pick_up(draft, file_missing=True)  # left behind (or files gone): started again
        stored = position_file(draft, name)  # made meanwhile (at once when the job does not run in background)
        if stored is None:
            failed = documents is not None and documents.state == DocumentsState.FAILED
            page = render_template("exports/not_ready.html", draft=draft, failed=failed)
            return page, 503, {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}
    response = _response(stored.content, stored.media_type, stored.filename, private)
    response.set_etag(stored.digest)
    response.last_modified = stored.created_at
    return response.make_conditional(request)


@bp.route("/drafts/<slug>/export/<name>")
@roles("board")
def board_export(slug: str, name: str):
    """Any format of the adopted position, or with ?version=N a preview of that version."""
    draft = get_by_slug(slug) or abort(404)
    if name not in FORMATS:
        abort(404)
    version = None
    if request.args.get("version"):
        number = request.args.get("version", type=int)
        version = next((v for v in draft.versions if v.number == number), None) or abort(404)
    elif draft.adopted_version_id is None:
        version = draft.versions[-1]
    elif name in STORED_FORMATS:
        return _stored(draft, name, private=True)
    return _rendered(build_document(draft, version), name, private=True)


@bp.route("/positions/<slug>/download/<name>")
@public
def position_export(slug: str, name: str):
    """The adopted position for everyone: text formats only (the tables hold organisations' votes and comments
    and stay with the board, like the rest of the consultation's data)."""
    draft = get_by_slug(slug)
    if draft is None or draft.adopted_version_id is None or name not in PUBLIC_FORMATS:
        abort(404)
    return _stored(draft, name, private=False)
