"""Comments and votes as CSV for spreadsheets, and the whole consultation as JSON.

Every vote says how it came in (`channel`: online, live, proxy, paper; for a proxy vote `via_organisation`, the
organisation holding the proxy) and whether its question was decided in the live session or online
(`decided`); the JSON's results give each question's counted votes by channel, the proxies used and the paper
ballots, and the draft's live sessions with the proxies the office confirmed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consult.comments.models import Comment, CommentStatus
from consult.drafts.models import Draft, Paragraph
from consult.exports.document import Document
from consult.extensions import db
from consult.results.live_record import decided_live, question_key, sessions
from consult.votes.models import Vote

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell that a spreadsheet program shows as text: one starting like a formula gets a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM lets spreadsheet programs read umlauts


def comments_csv(document: Document) -> bytes:
    """The published comments of the draft (paragraph threads and amendment discussions)."""
    positions = document.positions
    comments = _published_comments(document)
    return _csv(
        ["id", "paragraph", "amendment", "reply_to", "organisation", "stance", "quote", "text", "created_at"],
        (
            [
                c.id,
                positions.get(c.paragraph_id, ""),
                c.amendment_id or "",
                c.parent_id or "",
                c.organisation.short_name if c.organisation else "",
                c.stance.value if c.stance else "",
                c.quote_exact or "",
                c.body,
                c.created_at.isoformat(),
            ]
            for c in comments
        ),
    )


def _question(vote: Vote, positions: dict[int, int]) -> str:
    """A vote's question as the tables name it: the paragraph's number, "whole" for the whole draft, or
    "a12" for amendment 12 (the key of the vote form)."""
    if vote.amendment_id is not None:
        return f"a{vote.amendment_id}"
    return str(positions.get(vote.paragraph_id, "")) if vote.paragraph_id else "whole"


def _decided(vote: Vote, live: frozenset) -> str:
    """ "live" when the vote's question was decided in the live session, else "online"."""
    return "live" if question_key(vote.paragraph_id, vote.amendment_id) in live else "online"


def votes_csv(document: Document) -> bytes:
    """Every organisation's current vote on each question ("whole" for the whole draft, "a12" for amendment 12),
    how it came in and, for a proxy vote, the organisation that cast it; and where the question was decided."""
    positions = document.positions
    votes = _votes(document)
    live = decided_live(document.draft.id)
    return _csv(
        [
            "question",
            "organisation",
            "organisation_name",
            "choice",
            "cast_at",
            "channel",
            "via_organisation",
            "decided",
        ],
        (
            [
                _question(v, positions),
                v.organisation.short_name,
                v.organisation.name,
                v.choice.value,
                v.cast_at.isoformat(),
                v.channel.value,
                v.via_organisation.short_name if v.via_organisation else "",
                _decided(v, live),
            ]
            for v in votes
        ),
    )


def _published_comments(document: Document) -> Sequence[Comment]:
    return (
        db.session.scalars(
            select(Comment)
            .options(joinedload(Comment.organisation))
            .join(Paragraph, Comment.paragraph_id == Paragraph.id)
            .where(Paragraph.draft_id == document.draft.id, Comment.status == CommentStatus.PUBLISHED)
            .order_by(Comment.created_at, Comment.id)
        )
        .unique()
        .all()
    )


def _votes(document: Document) -> Sequence[Vote]:
    return db.session.scalars(
        select(Vote)
        .options(joinedload(Vote.organisation), joinedload(Vote.via_organisation))
        .where(Vote.draft_id == document.draft.id)
        .order_by(Vote.amendment_id.is_not(None), Vote.amendment_id, Vote.paragraph_id, Vote.id)
    ).all()


def consultation_json(document: Document) -> bytes:
    """The whole consultation: draft, text, results, amendments, organisations, comments and votes."""
    draft: Draft = document.draft
    results = document.results
    positions = document.positions
    live = decided_live(draft.id)

    def question(q):
        amendment = (
            {"amendment": q.amendment_id, "kind": q.kind.value, "status": q.status.value, "excerpt": q.excerpt}
            if q.is_amendment
            else {}
        )
        return {
            **amendment,
            "paragraph": q.position,
            "yes": q.counts.yes,
            "no": q.counts.no,
            "abstain": q.counts.abstain,
            "weighted": (
                {"yes": q.weighted.yes, "no": q.weighted.no, "abstain": q.weighted.abstain} if q.weighted else None
            ),
            "voted": q.voted,
            "entitled": q.entitled,
            "carried": q.carried,
            "decided": "live" if q.decided_live else "online",
            "channels": {
                "online": q.channels.online,
                "live": q.channels.live,
                "proxy": q.channels.proxy,
                "paper": q.channels.paper,
            },
            "proxies": [
                {"organisation": giver.short_name, "via": holder.short_name if holder else None}
                for giver, holder in q.proxies
            ],
            "paper": [o.short_name for o in q.on_paper],
            "ballots": [
                {
                    "organisation": o.short_name,
                    "choice": str(c.value if hasattr(c, "value") else c),
                    "channel": q.way(o).channel.value,
                    "via": q.way(o).via.short_name if q.way(o).via else None,
                }
                for o, c in q.ballots
            ],
        }

    data = {
        "federation": document.federation,
        "slug": draft.slug,
        "title": draft.title,
        "phase": draft.phase.value,
        "adopted": document.adopted,
        "date": document.dated.isoformat(),
        "version": document.version.number,
        "majority_rule": draft.majority_rule.value,
        "weighted_votes": draft.weighted_votes,
        "paragraphs": [{"number": b.position, "markdown": b.markdown} for b in document.blocks],
        "results": (
            {
                "whole": question(results.whole),
                "paragraphs": [question(q) for q in results.paragraphs],
                "amendments": [question(q) for q in results.amendments],
            }
            if results
            else None
        ),
        "amendments": [
            {
                "number": a.number,
                "paragraph": a.position,
                "kind": a.kind,
                "status": a.status,
                "organisation": a.organisation,
                "proposed_text": a.proposed_text,
                "adopted_text": a.adopted_text,
                "justification": a.justification,
                "reason": a.reason,
                "decided_at": a.decided_at.isoformat() if a.decided_at else None,
            }
            for a in document.amendments
        ],
        "organisations": [{"name": o.name, "short_name": o.short_name} for o in document.organisations],
        "comments": [
            {
                "id": c.id,
                "paragraph": positions.get(c.paragraph_id),
                "amendment": c.amendment_id,
                "reply_to": c.parent_id,
                "organisation": c.organisation.short_name if c.organisation else None,
                "stance": c.stance.value if c.stance else None,
                "quote": c.quote_exact,
                "text": c.body,
                "created_at": c.created_at.isoformat(),
            }
            for c in _published_comments(document)
        ],
        "votes": [
            {
                "paragraph": positions.get(v.paragraph_id) if v.paragraph_id else None,
                "amendment": v.amendment_id,
                "organisation": v.organisation.short_name,
                "choice": v.choice.value,
                "cast_at": v.cast_at.isoformat(),
                "channel": v.channel.value,
                "via_organisation": v.via_organisation.short_name if v.via_organisation else None,
                "decided": _decided(v, live),
            }
            for v in _votes(document)
        ],
        "live_sessions": [session.as_json() for session in sessions(draft.id)],
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
