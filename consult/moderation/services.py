"""Reporting content, and the moderation's decisions on held comments and reports.

Every decision moves its item out of a waiting state with one conditional UPDATE:
when two moderators decide the same item at once, the first decision stands and the
second gets a clear refusal. Each decision goes to the audit log. Functions flush,
never commit.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from consult.accounts.permissions import refuse_deciding
from consult.amendments.models import Amendment, AmendmentStatus
from consult.amendments.permissions import can_see_amendment
from consult.audit.services import record
from consult.comments.models import Comment, CommentStatus
from consult.core.refusals import AlreadyChanged, InvalidInput, NotAllowed
from consult.drafts.models import Draft
from consult.drafts.permissions import can_view_draft
from consult.drafts.revision import touch
from consult.extensions import db
from consult.moderation.models import Report, ReportStatus

MAX_REASON = 2000
COMMENT_DECISIONS = {"publish": CommentStatus.PUBLISHED, "reject": CommentStatus.REJECTED}
REPORT_DECISIONS = {"hide": ReportStatus.UPHELD, "dismiss": ReportStatus.DISMISSED}


def _reason(reason: str | None, required: bool) -> str | None:
    reason = (reason or "").strip()
    if required and not reason:
        raise InvalidInput(_l("Please give a reason: the author will read it."))
    if len(reason) > MAX_REASON:
        raise InvalidInput(_l("The reason is too long (at most %(max)d characters).", max=MAX_REASON))
    return reason or None


def report(
    user, draft: Draft, reason: str, now: datetime, comment: Comment | None = None, amendment: Amendment | None = None
) -> Report:
    """Anyone signed in reports a published comment or a visible amendment, with a reason."""
    if not user.is_authenticated or not can_view_draft(user, draft):
        raise NotAllowed(_l("Please sign in to report content."))
    if comment is not None and comment.status != CommentStatus.PUBLISHED:
        raise InvalidInput(_l("Only published comments can be reported."))
    if amendment is not None and (
        not can_see_amendment(user, amendment)
        or not amendment.is_published
        or amendment.status in (AmendmentStatus.WITHDRAWN, AmendmentStatus.HIDDEN)
    ):
        raise InvalidInput(_l("This amendment cannot be reported."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Please say what is wrong with it."))
    if len(reason) > MAX_REASON:
        raise InvalidInput(_l("The reason is too long (at most %(max)d characters).", max=MAX_REASON))
    if comment is not None:
        subject = Report.comment_id == comment.id
    elif amendment is not None:
        subject = Report.amendment_id == amendment.id
    else:
        raise ValueError("a report is about a comment or an amendment")
    if (
        db.session.scalar(
            select(Report.id).where(subject, Report.reporter_id == user.id, Report.status == ReportStatus.OPEN)
        )
        is not None
    ):
        raise AlreadyChanged(_l("You have already reported this; the moderation will look at it."))
    row = Report(
        draft_id=draft.id,
        comment_id=getattr(comment, "id", None),
        amendment_id=getattr(amendment, "id", None),
        reporter_id=user.id,
        reason=reason,
        status=ReportStatus.OPEN,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _taken() -> AlreadyChanged:
    return AlreadyChanged(_l("Another moderator has just decided this item; the queue now shows its current state."))


def decide_comment(user, comment: Comment, draft: Draft, decision: str, reason: str | None, now: datetime) -> None:
    """Publish a held comment, or reject it with a reason its author reads. Refused to anyone
    `can_decide_item` refuses (e.g. a moderator of the comment's organisation)."""
    refuse_deciding(user, comment)
    if decision not in COMMENT_DECISIONS:
        raise InvalidInput(_l("Please choose a decision."))
    reason = _reason(reason, required=decision == "reject")
    result = db.session.execute(
        update(Comment)
        .where(Comment.id == comment.id, Comment.status == CommentStatus.PENDING)
        .values(status=COMMENT_DECISIONS[decision], moderated_by_id=user.id, moderated_at=now, moderation_reason=reason)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    if result.rowcount != 1:
        raise _taken()
    touch(db.session.connection(), [draft.id])
    record(
        user,
        f"comment.{decision}",
        f"comment:{comment.id}",
        now,
        draft_id=draft.id,
        reason=reason,
        paragraph_id=comment.paragraph_id,
    )
    db.session.expire(comment)


def decide_report(user, row: Report, decision: str, reason: str | None, now: datetime) -> None:
    """Hide the reported content (its author reads the reason) or dismiss the report; every
    open report on the same content is closed with the same decision. Refused to anyone
    `can_decide_item` refuses for the reported content (e.g. a moderator of its author's organisation)."""
    refuse_deciding(user, row.content)
    if decision not in REPORT_DECISIONS:
        raise InvalidInput(_l("Please choose a decision."))
    reason = _reason(reason, required=decision == "hide")
    if row.amendment_id is not None:
        # The draft's lock before the amendment's row, in the order of a phase change (consult.drafts.locks).
        touch(db.session.connection(), [row.draft_id])
    result = db.session.execute(
        update(Report)
        .where(Report.id == row.id, Report.status == ReportStatus.OPEN)
        .values(status=REPORT_DECISIONS[decision], decided_by_id=user.id, decided_at=now, decision_reason=reason)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    if result.rowcount != 1:
        raise _taken()
    same = (
        Report.comment_id == row.comment_id if row.comment_id is not None else Report.amendment_id == row.amendment_id
    )
    db.session.execute(
        update(Report)
        .where(same, Report.status == ReportStatus.OPEN)
        .values(status=REPORT_DECISIONS[decision], decided_by_id=user.id, decided_at=now, decision_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if decision == "hide":
        if row.comment_id is not None:
            db.session.execute(
                update(Comment)
                .where(Comment.id == row.comment_id)
                .values(
                    status=CommentStatus.REJECTED, moderated_by_id=user.id, moderated_at=now, moderation_reason=reason
                )
                .execution_options(synchronize_session=False)
            )
        else:
            db.session.execute(
                update(Amendment)
                .where(Amendment.id == row.amendment_id)
                .values(status=AmendmentStatus.HIDDEN, decided_by_id=user.id, decided_at=now, decision_reason=reason)
                .execution_options(synchronize_session=False)
            )
    touch(db.session.connection(), [row.draft_id])
    subject = f"comment:{row.comment_id}" if row.comment_id is not None else f"amendment:{row.amendment_id}"
    record(user, f"report.{decision}", subject, now, draft_id=row.draft_id, reason=reason, report_id=row.id)
    db.session.expire_all()
