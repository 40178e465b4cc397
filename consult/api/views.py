"""`/api/v1/drafts/<slug>`: a draft's phase, current version and, per paragraph, its text,
published comment count and tally; and the amendments the organisations vote on, each with its tally.
Each question (the whole draft, a paragraph, an amendment) also says whether it was decided in the live
session or online, and how its counted votes came in: by channel, the proxies used, the paper ballots."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from consult.amendments.queries import voted_amendments
from consult.comments.queries import published_count_by_paragraph
from consult.core.access import public
from consult.drafts.permissions import can_view_draft
from consult.drafts.services import current_version, get_by_slug, paragraph_rows
from consult.results.channels import QuestionMarks, question_marks
from consult.results.live_record import sessions
from consult.votes.queries import amendment_tallies, tallies

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _tally(tally) -> dict:
    return {"yes": tally.counts["yes"], "no": tally.counts["no"], "abstain": tally.counts["abstain"],
            "voted": tally.voted, "entitled": tally.entitled}


def _marks(marks: dict, paragraph_id: int | None = None, amendment_id: int | None = None) -> dict:
    """"decided" (live / online), "channels" (online, live, proxy, paper), "proxies" and "paper" of one question."""
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
    response = jsonify({
        "slug": found.slug,
        "title": found.title,
        "phase": found.phase.value,
        "deadline": deadline.isoformat() if deadline else None,
        "version": version.number if version else None,
        "tally": _tally(votes[None]),
        **_marks(marks),
        "paragraphs": [
            {"number": t.position, "id": t.paragraph_id, "text": t.text,
             "comments": counts.get(t.paragraph_id, 0), "tally": _tally(votes[t.paragraph_id]),
             **_marks(marks, t.paragraph_id)}
            for t in texts
        ],
        # Put to the vote, or decided by the organisations' vote; oldest first.
        "amendments": [
            {"number": a.id, "paragraph": positions.get(a.paragraph_id), "kind": a.kind.value,
             "status": a.status.value, "proposed_text": a.proposed_text, "tally": _tally(amendment_votes[a.id]),
             **_marks(marks, amendment_id=a.id)}
            for a in amendments
        ],
        "live_sessions": [session.as_json() for session in sessions(found.id)],
    })
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"
    return response
