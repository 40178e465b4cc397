"""`/api/v1/drafts/<slug>`: a draft's phase, current version and, per paragraph, its text,
published comment count and tally; and the amendments the organisations vote on, each with its tally.
Each question (the whole draft, a paragraph, an amendment) also says whether it was decided in the live
session or online, and how its counted votes came in: by channel, the proxies used, the paper ballots.

`/api/v1/openapi.json`: the API's description (consult.api.openapi). Errors under `/api/v1` are answered as JSON
(consult.core.json_errors)."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from flask import Blueprint, Response, jsonify, request
from flask_login import current_user

from consult.amendments.queries import voted_amendments
from consult.api import openapi
from consult.comments.queries import published_count_by_paragraph
from consult.core import json_errors
from consult.core.access import public
from consult.drafts.permissions import can_view_draft
from consult.drafts.services import current_version, get_by_slug, paragraph_rows
from consult.results.channels import QuestionMarks, question_marks
from consult.results.live_record import sessions
from consult.votes.queries import amendment_tallies, tallies

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.record_once(lambda state: json_errors.answer_json_under(state.app, state.url_prefix))

# The description changes only with the installed code: an hour in any cache, then asked again with its ETag.
DESCRIPTION_CACHE = "public, max-age=3600"
# Any site may read it (an OpenAPI viewer in the browser fetches it from its own origin): it is the same for
# everyone, and a cross-origin read never carries the reader's cookies with "*".
DESCRIPTION_HEADERS = {"Cache-Control": DESCRIPTION_CACHE, "Access-Control-Allow-Origin": "*"}


def _tally(tally) -> dict:
    return {
        "yes": tally.counts["yes"],
        "no": tally.counts["no"],
        "abstain": tally.counts["abstain"],
        "voted": tally.voted,
        "entitled": tally.entitled,
    }


def _marks(marks: dict, paragraph_id: int | None = None, amendment_id: int | None = None) -> dict:
    """ "decided" (live / online), "channels" (online, live, proxy, paper), "proxies" and "paper" of one question."""
    key = (None, amendment_id) if amendment_id is not None else (paragraph_id, None)
    return marks.get(key, QuestionMarks()).as_json()


@bp.route("/drafts/<slug>")
@public
def draft(slug: str):
    """The draft as JSON; 404 for drafts the requester may not see (guests: public drafts only)."""
    found = get_by_slug(slug)
    if found is None or not can_view_draft(current_user, found):
        return jsonify(error="not found"), 404
    version = current_version(found)
    texts = paragraph_rows(version) if version else []
    counts = published_count_by_paragraph(found.id)
    votes = tallies(found.id, [t.paragraph_id for t in texts] + [None])
    positions = {t.paragraph_id: t.position for t in texts}
    amendments = voted_amendments(found.id)
    amendment_votes = amendment_tallies(found.id) if amendments else {}
    marks = question_marks(found.id)
    deadline = found.current_deadline
    response = jsonify(
        {
            "slug": found.slug,
            "title": found.title,
            "phase": found.phase.value,
            "deadline": deadline.isoformat() if deadline else None,
            "version": version.number if version else None,
            "tally": _tally(votes[None]),
            **_marks(marks),
            "paragraphs": [
                {
                    "number": t.position,
                    "id": t.paragraph_id,
                    "text": t.text,
                    "comments": counts.get(t.paragraph_id, 0),
                    "tally": _tally(votes[t.paragraph_id]),
                    **_marks(marks, t.paragraph_id),
                }
                for t in texts
            ],
            # Put to the vote, or decided by the organisations' vote; oldest first.
            "amendments": [
                {
                    "number": a.id,
                    "paragraph": positions.get(a.paragraph_id),
                    "kind": a.kind.value,
                    "status": a.status.value,
                    "proposed_text": a.proposed_text,
                    "tally": _tally(amendment_votes[a.id]),
                    **_marks(marks, amendment_id=a.id),
                }
                for a in amendments
            ],
            "live_sessions": [session.as_json() for session in sessions(found.id)],
        }
    )
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@cache
def _description() -> tuple[bytes, str]:
    """The description as JSON and its ETag (built once per process: it changes only with the code)."""
    body = json.dumps(openapi.document(), ensure_ascii=False, indent=1).encode()
    return body, hashlib.sha256(body).hexdigest()[:32]


@bp.route("/openapi.json")
@public
def description():
    """The OpenAPI document of this API: the same for everyone, readable from any site, cacheable, 304 for a
    current ETag."""
    body, etag = _description()
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers.update(DESCRIPTION_HEADERS)
    return response
