"""Read-only questions about amendments, as a given person may see them, in a fixed number of queries."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from consult.accounts.permissions import is_moderator
from consult.amendments.models import Amendment, AmendmentStatus, AmendmentSupport, DecidedHow, LapseReason
from consult.extensions import db

# Published: anybody who sees the draft may see it (see `visible_to`).
PUBLISHED = Amendment.published_at.is_not(None)


def visible_to(user):
    """The amendments `user` sees, as a filter: the rule of `consult.amendments.permissions.can_see_amendment`
    (keep the two together), without support links (those open the amendment's own page only).
    Withdrawn and hidden ones only for their author and moderators; unpublished ones (collecting support)
    only for their author and the people of the proposing and of the supporting organisations,
    moderators and the board of other organisations not included."""
    status: ColumnElement[bool]
    if is_moderator(user):
        status = true()
    else:
        status = Amendment.status.not_in([AmendmentStatus.WITHDRAWN, AmendmentStatus.HIDDEN])
        if user.is_authenticated:
            status = or_(status, Amendment.author_id == user.id)
    published: list[ColumnElement[bool]] = [PUBLISHED]
    if user.is_authenticated:
        published.append(Amendment.author_id == user.id)
        org = getattr(user, "organisation_id", None)
        if org is not None:
            published += [
                Amendment.organisation_id == org,
                exists().where(AmendmentSupport.amendment_id == Amendment.id, AmendmentSupport.organisation_id == org),
            ]
    return and_(status, or_(*published))


def by_paragraph(user, draft_id: int) -> dict[int, list[Amendment]]:
    """The amendments of a draft that `user` sees, per paragraph, oldest first (one query).
    Amendments a new version has taken up are left out: the text shows them now."""
    query = (
        select(Amendment)
        .options(joinedload(Amendment.organisation), selectinload(Amendment.co_authors))
        .where(Amendment.draft_id == draft_id, Amendment.applied_in_version_id.is_(None), visible_to(user))
        .order_by(Amendment.created_at, Amendment.id)
    )
    result: dict[int, list[Amendment]] = {}
    for amendment in db.session.scalars(query):
        result.setdefault(amendment.paragraph_id, []).append(amendment)
    return result


def support_counts(amendment_ids: list[int]) -> dict[int, int]:
    if not amendment_ids:
        return {}
    rows = db.session.execute(
        select(AmendmentSupport.amendment_id, func.count())
        .where(AmendmentSupport.amendment_id.in_(amendment_ids))
        .group_by(AmendmentSupport.amendment_id)
    )
    return dict(rows.all())


def supporters(amendment_id: int) -> list[AmendmentSupport]:
    return list(
        db.session.scalars(
            select(AmendmentSupport)
            .options(joinedload(AmendmentSupport.organisation))
            .where(AmendmentSupport.amendment_id == amendment_id)
            .order_by(AmendmentSupport.created_at)
        )
    )


# Questions of the organisations' vote: put to the vote now, or decided (or lapsed) by it.
_VOTED_ON = or_(
    Amendment.status == AmendmentStatus.PUT_TO_VOTE,
    Amendment.decided_how == DecidedHow.VOTE,
    Amendment.lapse_reason == LapseReason.ALTERNATIVE,
)


def voted_amendments(draft_id: int) -> list[Amendment]:
    """The amendments of a draft that are questions of the organisations' vote: put to the vote now, or
    decided (or lapsed) by it; oldest first, one query."""
    return list(
        db.session.scalars(
            select(Amendment)
            .where(Amendment.draft_id == draft_id, PUBLISHED, _VOTED_ON)
            .order_by(Amendment.created_at, Amendment.id)
        )
    )


def any_voted_on(draft_id: int) -> bool:
    """Whether the organisations have voted, or are voting, on amendments of the draft (one query)."""
    return db.session.execute(
        select(select(Amendment.id).where(Amendment.draft_id == draft_id, PUBLISHED, _VOTED_ON).exists())
    ).scalar_one()


def amendment_round(draft_id: int) -> bool:
    """Whether the draft is in its amendment round: some amendment of it is put to the vote (one query).

    The organisations first decide the amendments; only after the new version is built do they vote on its
    paragraphs and on the whole text. So while this holds, those questions are not open (the vote service
    refuses them, the draft page shows the amendment questions instead of their boxes)."""
    return db.session.execute(
        select(
            select(Amendment.id)
            .where(Amendment.draft_id == draft_id, Amendment.status == AmendmentStatus.PUT_TO_VOTE)
            .exists()
        )
    ).scalar_one()
