"""The moderation queue, decided in place (htmx: only the decided item changes), reports, and the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block
from markupsafe import escape
from sqlalchemy import select

from consult.accounts.forms import EmptyForm
from consult.accounts.models import Role
from consult.accounts.permissions import can_decide_item, is_moderator
from consult.accounts.queries import moderator_organisations
from consult.amendments.models import Amendment
from consult.amendments.permissions import can_see_amendment
from consult.amendments.services import decide as decide_amendment
from consult.audit.queries import PAGE_SIZE as AUDIT_PAGE_SIZE
from consult.audit.queries import entries, entry_count, subject_names
from consult.comments.models import Comment
from consult.comments.permissions import can_see_comment
from consult.core import clock, kept_text
from consult.core.access import roles, signed_in
from consult.core.announce import announce
from consult.core.inputs import TextRemoved, cleaned_text, refuse_cleaned_text
from consult.core.once import OnceForm, create_once
from consult.core.pages import check_not_beyond, page_number
from consult.core.refusals import Refusal
from consult.drafts.models import AmendmentProcedure, Draft
from consult.drafts.permissions import can_view_draft
from consult.drafts.services import get_by_slug
from consult.extensions import db, htmx
from consult.moderation.models import Report
from consult.moderation.queries import (
    KINDS,
    decidable_count,
    drafts_for_filter,
    recommended,
    waiting,
    waiting_count,
    waiting_page,
)
from consult.moderation.services import decide_comment, decide_report, report
from consult.notifications.events import amendment_ruled, comment_published

bp = Blueprint("moderation", __name__)
# The queue shows the buttons only where this (the services' own rule) allows deciding.
bp.add_app_template_global(can_decide_item, "can_decide_item")

QUEUE = "moderation/queue.html"


def _count_for(user) -> int | None:
    """How much waits for this person to decide: for a moderator without an organisation, everything
    (one query); for a moderator of an organisation, what is not their organisation's (the queue shows
    those "for another moderator"); for the board, what only the board can decide (shown only when
    there is some); for others, nothing to show."""
    if is_moderator(user) and user.organisation_id is None:
        return waiting_count()
    if is_moderator(user):
        return decidable_count(user, True, frozenset())
    if user.is_authenticated and user.has_role(Role.BOARD):
        return decidable_count(user, False, moderator_organisations()) or None
    return None


@bp.app_context_processor
def queue_count():
    """The navigation shows how much waits (counted only when a page asks)."""
    return {"queue_count": lambda: _count_for(current_user)}


def _filters() -> tuple[Draft | None, str | None]:
    draft = get_by_slug(request.args.get("draft", "")) if request.args.get("draft") else None
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    return draft, kind


def _filter_args(draft: Draft | None, kind: str | None) -> dict:
    """The queue's filters as query arguments (its paging links keep them)."""
    return {name: value for name, value in (("draft", draft.slug if draft else None), ("kind", kind)) if value}


def _queue_page(error: str | None = None):
    draft, kind = _filters()
    shown = waiting_page(draft.id if draft else None, kind, page_number())
    filter_args = _filter_args(draft, kind)
    # The decision forms carry filters and page, so that a decision without JavaScript comes back to them.
    queue_args = {**filter_args, **({"page": shown.number} if shown.number > 1 else {})}
    return render_template(
        QUEUE,
        items=shown.items,
        shown=shown,
        drafts=drafts_for_filter(),
        chosen_draft=draft,
        kind=kind,
        filter_args=filter_args,
        queue_args=queue_args,
        recommended=(
            recommended(draft.id if draft else None) if kind in (None, "amendment") and shown.number == 1 else []
        ),
        now=clock.now(),
        done=None,
        error=error,
        form=EmptyForm(),
    )


@bp.route("/moderation")
@roles("moderator", "board")
def queue():
    """What waits, oldest first, with how long it has waited, in pages of 50 (a page after the last shows the
    last: decisions shorten the queue); filter by draft and kind. Items the person may not decide
    (`can_decide_item`: their own organisation's; for the board, all that a moderator can decide) show
    "For another moderator" instead of buttons. The procedural recommendations made are listed on page 1."""
    return _queue_page(), 200, {"Cache-Control": "private, no-store"}


def _answer(item_key: str, message: str, status: int, item=None):
    """htmx: the item's new state (the message that replaced it, or the refusal, takes the focus), the
    navigation count, and the message for the live region; plain: back to the queue."""
    if htmx:
        html = render_block(
            QUEUE,
            "item",
            item=item,
            key=item_key,
            done=message if status == 200 else None,
            item_error=None if status == 200 else message,
            now=clock.now(),
            queue_args=request.args.to_dict(),
        )
        html += render_block(QUEUE, "queue_link", queue_count=lambda: _count_for(current_user) or 0, oob=True)
        return html, status, announce(message)
    if status == 200:
        flash(message, "info")
        query: dict[str, Any] = request.args.to_dict()  # url_for takes them as the query's values
        return redirect(url_for("moderation.queue", **query) + f"#item-{item_key}")
    return _queue_page(message), status


def _decide(item_key: str, action, done_message: str, item_loader):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        refuse_cleaned_text()  # a reason with control characters (read by the view) is refused, not stored
    except TextRemoved:
        # The queue has no place for a typed reason: the kept-form page shows it, cleaned, to send again.
        return kept_text.answer_unreadable_text() or abort(400)
    try:
        action()
    except Refusal as refusal:
        db.session.rollback()
        return _answer(item_key, str(refusal.message), refusal.status, item_loader())
    db.session.commit()
    return _answer(item_key, done_message, 200)


def _item_of(kind: str, obj_id: int):
    """The item as the queue shows it now (for a refused decision), or None when it no longer waits."""
    return next(iter(waiting(None, kind, {kind: [obj_id]})), None)


@bp.route("/moderation/comments/<int:comment_id>", methods=["POST"])
@roles("moderator", "board")
def comment_decision(comment_id: int):
    comment = db.get_or_404(Comment, comment_id)
    draft = comment.paragraph.draft
    decision = request.form.get("decision", "")
    reason = cleaned_text("reason") or None
    message = _("The comment was published.") if decision == "publish" else _("The comment was rejected.")

    def act():
        now = clock.now()
        decide_comment(current_user, comment, draft, decision, reason, now)
        comment_published(comment, current_user, now)  # a held reply or amendment comment goes public now

    return _decide(f"comment-{comment_id}", act, message, lambda: _item_of("comment", comment_id))


@bp.route("/moderation/amendments/<int:amendment_id>", methods=["POST"])
@roles("moderator", "board")
def amendment_decision(amendment_id: int):
    amendment = db.get_or_404(Amendment, amendment_id)
    draft = amendment.draft
    decision = request.form.get("decision", "")
    if decision not in ("accept", "reject"):
        abort(400)
    reason = cleaned_text("reason")
    message = _("The amendment was accepted.") if decision == "accept" else _("The amendment was rejected.")
    if draft.amendment_procedure == AmendmentProcedure.ORGANISATIONS:
        message = _("The procedural recommendation was saved; consent or the organisations' vote decides.")

    def act():
        now = clock.now()
        decide_amendment(current_user, amendment, draft, decision, reason, now)
        amendment_ruled(amendment, draft, current_user, now)

    return _decide(f"amendment-{amendment_id}", act, message, lambda: _item_of("amendment", amendment_id))


@bp.route("/moderation/reports/<int:report_id>", methods=["POST"])
@roles("moderator", "board")
def report_decision(report_id: int):
    row = db.get_or_404(Report, report_id)
    decision = request.form.get("decision", "")
    reason = cleaned_text("reason") or None
    message = _("The content was hidden.") if decision == "hide" else _("The report was dismissed; the content stays.")
    return _decide(
        f"report-{report_id}",
        lambda: decide_report(current_user, row, decision, reason, clock.now()),
        message,
        lambda: _item_of("report", report_id),
    )


def _report(draft: Draft, back: str, comment: Comment | None = None, amendment: Amendment | None = None):
    form = OnceForm()
    if not form.validate_on_submit():
        abort(400)
    reason = cleaned_text("reason")
    try:  # sent again (a double click, a retry): the same thanks, no second report
        refuse_cleaned_text()
        create_once(
            current_user,
            form,
            "report",
            lambda: report(current_user, draft, reason, clock.now(), comment=comment, amendment=amendment),
        )
    except Refusal as refusal:
        db.session.rollback()
        if htmx:
            return (
                f'<p class="report-done" role="alert" tabindex="-1" data-focus>{escape(str(refusal.message))}</p>',
                refusal.status,
                announce(refusal.message),
            )
        return render_template(
            "moderation/reported.html", draft=draft, back=back, message=str(refusal.message), reason=reason
        ), refusal.status
    db.session.commit()
    message = _("Thank you. The moderation will look at it.")
    if htmx:  # the report form gives way to the thanks, which takes the focus
        return f'<p class="report-done" tabindex="-1" data-focus>{escape(message)}</p>', 200, announce(message)
    flash(message, "info")
    return redirect(back)


@bp.route("/comments/<int:comment_id>/report", methods=["POST"])
@signed_in
def report_comment(comment_id: int):
    """Anyone signed in reports a published comment, with a reason."""
    comment = db.get_or_404(Comment, comment_id)
    draft = comment.paragraph.draft
    if not can_view_draft(current_user, draft) or not can_see_comment(current_user, comment):
        abort(404)
    back = url_for("reading.draft", slug=draft.slug, open=comment.paragraph_id) + f"#comment-{comment.id}"
    return _report(draft, back, comment=comment)


@bp.route("/drafts/<slug>/amendments/<int:amendment_id>/report", methods=["POST"])
@signed_in
def report_amendment(slug: str, amendment_id: int):
    """Anyone signed in reports an amendment, with a reason."""
    draft = get_by_slug(slug) or abort(404)
    amendment = db.session.get(Amendment, amendment_id)
    if (
        amendment is None
        or amendment.draft_id != draft.id
        or not can_view_draft(current_user, draft)
        or not can_see_amendment(current_user, amendment)
    ):
        abort(404)
    return _report(draft, url_for("amendments.show", slug=slug, amendment_id=amendment_id), amendment=amendment)


@bp.route("/audit")
@roles("moderator", "board", "admin")
def audit():
    """Who decided what, when and why: newest first, filterable by draft, 50 to a page."""
    draft = get_by_slug(request.args.get("draft", "")) if request.args.get("draft") else None
    page = page_number()
    rows, _more = entries(draft.id if draft else None, page)
    check_not_beyond(page, len(rows))
    total = entry_count(draft.id if draft else None)
    return (
        render_template(
            "moderation/audit.html",
            rows=rows,
            total=total,
            page=page,
            pages=max(1, -(-total // AUDIT_PAGE_SIZE)),
            chosen_draft=draft,
            subjects=subject_names(rows),
            drafts=list(db.session.scalars(select(Draft).order_by(Draft.title))),
        ),
        200,
        {"Cache-Control": "private, no-store"},
    )
