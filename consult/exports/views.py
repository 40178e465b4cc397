"""Downloads: the board's exports of any version (preview), and the public downloads of an adopted position."""
from __future__ import annotations

from flask import Blueprint, Response, abort, request

from consult.core.access import public, roles
from consult.drafts.services import get_by_slug
from consult.exports.document import build_document
from consult.exports.formats import FORMATS, filename
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


def _stored(draft, name: str, private: bool) -> Response:
    """The adopted position as rendered at adoption (conditional: a browser that has it gets a 304)."""
    stored = position_file(draft, name)
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

