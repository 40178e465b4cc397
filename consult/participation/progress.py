"""An organisation's own progress on a draft, for its delegates on the draft page:
"Ihre Organisation: 12 von 40 Absätzen kommentiert, 0 von 41 Fragen abgestimmt".

Paragraphs are those of the current version that are not headings; commented are those among them with a
published comment of the organisation. Questions are what the organisation can vote on in the voting phase:
in the amendment round the amendments put to the vote, after it the paragraphs and the whole text
(consult.votes.services.cast_vote's rule). Votes do not raise the draft's revision, so the line is a hole in the
cached draft page (`hole`), filled for each request by `fill` in one query.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import get_locale
from sqlalchemy import ColumnElement, distinct, func, literal, or_, select

from consult.accounts.permissions import speaks_for_member_organisation
from consult.amendments.models import Amendment, AmendmentStatus
from consult.comments.models import Comment, CommentStatus
from consult.core.page_cache import hole as page_hole
from consult.drafts.models import Draft, ParagraphText, Phase, Version, VersionStatus
from consult.extensions import db
from consult.votes.models import Vote

HOLE = "participation-progress"
KEPT_LINES = 20_000  # lines kept per process before the store starts again


@dataclass(frozen=True)
class Progress:
    paragraphs: int
    commented: int
    questions: int | None  # None outside the voting phase
    voted: int


def hole():
    """Where the draft page shows the line (its content depends on the organisation's votes)."""
    return page_hole(HOLE)


def progress(draft: Draft, organisation_id: int) -> Progress:
    """The organisation's progress on `draft` (one query; see the module's rules)."""
    t = ParagraphText.__table__.c
    latest = (
        select(Version.id)
        .where(Version.draft_id == draft.id, Version.status == VersionStatus.PUBLISHED)
        .order_by(Version.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    not_heading = ~func.ltrim(t.text).like("#%")
    texts = select(t.paragraph_id).where(t.version_id == latest, not_heading)
    paragraphs = select(func.count()).select_from(texts.subquery()).scalar_subquery()
    commented = (
        select(func.count(distinct(Comment.paragraph_id)))
        .where(
            Comment.organisation_id == organisation_id,
            Comment.status == CommentStatus.PUBLISHED,
            Comment.paragraph_id.in_(texts),
        )
        .scalar_subquery()
    )
    put_to_vote = select(Amendment.id).where(
        Amendment.draft_id == draft.id, Amendment.status == AmendmentStatus.PUT_TO_VOTE
    )
    round_questions: ColumnElement[int] = select(func.count()).select_from(put_to_vote.subquery()).scalar_subquery()
    round_voted: ColumnElement[int] = (
        select(func.count())
        .where(Vote.organisation_id == organisation_id, Vote.draft_id == draft.id, Vote.amendment_id.in_(put_to_vote))
        .scalar_subquery()
    )
    text_voted: ColumnElement[int] = (
        select(func.count())
        .where(
            Vote.organisation_id == organisation_id,
            Vote.draft_id == draft.id,
            Vote.amendment_id.is_(None),
            or_(Vote.paragraph_id.is_(None), Vote.paragraph_id.in_(texts)),
        )
        .scalar_subquery()
    )
    voting = draft.phase == Phase.VOTING
    if not voting:  # no questions outside the voting phase: the vote counts are not asked for
        round_questions = round_voted = text_voted = literal(0)
    row = db.session.execute(select(paragraphs, commented, round_questions, round_voted, text_voted)).one()
    n_paragraphs, n_commented, n_round, n_round_voted, n_text_voted = row
    if not voting:
        return Progress(n_paragraphs, n_commented, None, 0)
    if n_round:
        return Progress(n_paragraphs, n_commented, n_round, n_round_voted)
    return Progress(n_paragraphs, n_commented, n_paragraphs + 1, n_text_voted)


def fill(draft: Draft, user) -> dict[str, str]:
    """The line for the hole, for `user`: only delegates of active member organisations see one.
    What it counts changes only with the draft's revision (comments, amendments, versions) or its tally
    revision (votes), so it is kept per process under both: until the next change, no query."""
    if not speaks_for_member_organisation(user):
        return {HOLE: ""}
    kept = current_app.extensions.setdefault("consult_progress_lines", {})
    if len(kept) > KEPT_LINES:
        kept.clear()
    key = (draft.id, user.organisation_id, str(get_locale()), draft.phase.value, draft.revision, draft.tally_revision)
    line = kept.get(key)
    if line is None:
        line = kept[key] = render_template(
            "participation/_progress.html", slug=draft.slug, progress=progress(draft, user.organisation_id)
        )
    return {HOLE: line}
