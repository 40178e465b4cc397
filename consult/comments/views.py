"""Comment threads: open in place, page through, comment, reply, edit, delete, withdraw.

Every POST works as a plain form (redirect back to the paragraph) and through
htmx (the changed fragments only). Refusals keep what the person typed.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2_fragments.flask import render_block

from consult.accounts.forms import EmptyForm
from consult.accounts.permissions import is_moderator, speaks_for_member_organisation
from consult.amendments.models import Amendment, AmendmentStatus
from consult.amendments.permissions import can_see_amendment
from consult.amendments.quorum import held_links
from consult.comments.forms import CommentForm, EditCommentForm
from consult.comments.models import Comment, Stance
from consult.comments.permissions import can_comment, can_edit_comment, can_see_comment, can_withdraw_comment
from consult.comments.queries import published_count_by_paragraph, thread_page, visible_quotes
from consult.comments.services import delete_comment, edit_comment, post_comment, withdraw_comment
from consult.core import clock
from consult.core.access import public, signed_in
from consult.core.announce import announce
from consult.core.inputs import database_id
from consult.core.once import ALREADY_SENT, create_once
from consult.core.pages import check_not_beyond, page_number
from consult.core.refusals import InvalidInput, Refusal
from consult.core.templating import url_for_each
from consult.drafts.models import Draft, ParagraphText, Phase
from consult.drafts.permissions import can_view_draft
from consult.drafts.services import current_text, sentences, visible_draft_or_404
from consult.extensions import db, htmx
from consult.notifications.events import comment_published

bp = Blueprint("comments", __name__)

THREAD_TEMPLATE = "comments/thread.html"
# No discussion of an amendment that its author withdrew or the moderation hid.
CLOSED_AMENDMENTS = (AmendmentStatus.WITHDRAWN, AmendmentStatus.HIDDEN)


def closed_reason(user, draft: Draft) -> str | None:
    if not user.is_authenticated:
        return _("Sign in as a delegate to comment.")
    if not speaks_for_member_organisation(user):
        return _("Only delegates of member organisations can comment.")
    if draft.phase != Phase.COMMENTING:
        return _("Comments are closed: this draft is not in its commenting phase.")
    return _("Comments are closed: the deadline has passed.")


def thread_context(
    draft: Draft,
    text,
    page: int = 1,
    form: CommentForm | None = None,
    error: str | None = None,
    focus_id: int | str | None = None,
    open_thread: bool = True,
    amendment: Amendment | None = None,
) -> dict:
    """What comments/thread.html needs for one paragraph's thread, or for the discussion of
    `amendment` (a fixed number of queries)."""
    user, now = current_user, clock.now()
    allowed = can_comment(user, draft, now) and (amendment is None or amendment.status not in CLOSED_AMENDMENTS)
    thread = thread_page(user, text.paragraph_id, page, getattr(amendment, "id", None)) if open_thread else None
    if amendment is None:
        post_url = url_for("comments.post", slug=draft.slug, paragraph_id=text.paragraph_id)
        thread_url = url_for_each("comments.thread", "paragraph_id", text.paragraph_id, slug=draft.slug)
    else:
        post_url = url_for("comments.post_on_amendment", slug=draft.slug, amendment_id=amendment.id)
        thread_url = url_for("comments.thread", slug=draft.slug, paragraph_id=text.paragraph_id, amendment=amendment.id)
    flags = {
        "editable": set(),
        "withdrawable": set(),
        "moderator": is_moderator(user),
        "can_reply": allowed,
        "can_report": user.is_authenticated,
        "post_url": post_url,
    }
    if thread is not None:
        for comment in thread.comments + [r for rs in thread.replies.values() for r in rs]:
            replied = bool(thread.replies.get(comment.id))
            if can_edit_comment(user, comment, draft, replied, now):
                flags["editable"].add(comment.id)
            elif replied and can_withdraw_comment(user, comment, draft, now):
                flags["withdrawable"].add(comment.id)
    return {
        "draft": draft,
        "text": text,
        "thread": thread,
        "flags": flags,
        "form": form,
        "error": error,
        "focus_id": focus_id,
        "can_comment": allowed,
        "closed_reason": None if allowed else closed_reason(user, draft),
        "sentences": sentences(text.text) if allowed else [],
        "count": published_count_by_paragraph(draft.id, [text.paragraph_id]).get(text.paragraph_id, 0),
        "quotes": visible_quotes(user, draft.id, text.paragraph_id).get(text.paragraph_id, []),
        "amendment": amendment,
        "post_url": post_url,
        "thread_url": thread_url,
    }


def _paragraph_url(draft: Draft, text, anchor: str | None = None, amendment: Amendment | None = None) -> str:
    """Where a plain form returns to: the paragraph with its thread open, or the amendment's page."""
    if amendment is not None:
        return url_for("amendments.show", slug=draft.slug, amendment_id=amendment.id) + "#" + (anchor or "discussion")
    return (
        url_for("reading.draft", slug=draft.slug, open=text.paragraph_id)
        + "#"
        + (anchor or f"thread-{text.paragraph_id}")
    )


def _changed(
    draft: Draft,
    text,
    message: str,
    focus_id: int | str | None = None,
    status: int = 200,
    amendment: Amendment | None = None,
):
    """htmx: the thread (the new or changed comment marked for the focus), plus (for a paragraph) the
    count link out of band; the message goes to the live region (consult.core.announce)."""
    context = thread_context(draft, text, focus_id=focus_id, amendment=amendment)
    html = render_block(THREAD_TEMPLATE, "thread", **context)
    if amendment is None:
        html += render_block(THREAD_TEMPLATE, "comment_count", **context, oob=True)
    return html, status, announce(message)


def _refused(draft: Draft, text, refusal: Refusal, form: CommentForm | None, amendment: Amendment | None = None):
    """The thread again, with the message and what the person typed, in the refusal's status."""
    context = thread_context(draft, text, form=form, error=str(refusal.message), amendment=amendment)
    if htmx:
        return render_block(THREAD_TEMPLATE, "thread", **context), refusal.status
    return render_template("comments/paragraph.html", **context), refusal.status


@bp.route("/drafts/<slug>/paragraphs/<int:paragraph_id>/thread")
@public
def thread(slug: str, paragraph_id: int):
    """A paragraph's thread as a fragment (htmx), or the draft page with the thread open."""
    draft = visible_draft_or_404(slug, current_user)
    text = current_text(draft, paragraph_id) or abort(404)
    page = page_number()
    if request.args.get("amendment"):  # the next page of an amendment's discussion
        amendment = _visible_amendment(draft, request.args.get("amendment", type=int))
        if amendment is None or amendment.paragraph_id != paragraph_id:
            abort(404)
        context = thread_context(draft, text, page=page, amendment=amendment)
        check_not_beyond(page, len(context["thread"].comments) + context["thread"].has_more)
        return (
            render_block(THREAD_TEMPLATE, "thread_items" if page > 1 else "thread", **_more(context)),
            200,
            {"Cache-Control": "private, no-store"},
        )
    if not htmx:
        return redirect(url_for("reading.draft", slug=slug, open=paragraph_id, page=page) + f"#thread-{paragraph_id}")
    if request.args.get("close"):
        return _toggled(thread_context(draft, text, open_thread=False))
    form = None
    if request.args.get("quote"):
        form = CommentForm(
            formdata=None,
            quote=request.args.get("quote", "")[:1000],
            quote_start=request.args.get("quote_start", type=int),
        )
    context = thread_context(draft, text, page=page, form=form)
    check_not_beyond(page, len(context["thread"].comments) + context["thread"].has_more)
    if page > 1:
        return (
            render_block(THREAD_TEMPLATE, "thread_items", **_more(context)),
            200,
            {"Cache-Control": "private, no-store"},
        )
    return _toggled(context, focus_toggle=form is None)


def _more(context: dict) -> dict:
    """A further page of comments replaces its "Load more" link: the first comment it brings takes the focus."""
    if context["thread"].page > 1 and context["thread"].comments:
        context["focus_id"] = context["thread"].comments[0].id
    return context


def _toggled(context: dict, focus_toggle: bool = True):
    """The thread opened or closed, with its toggle out of band (its aria-expanded and its link change).
    The toggle keeps the focus; a passage chosen to comment on sends it to the comment field instead."""
    html = render_block(THREAD_TEMPLATE, "thread", **context)
    html += render_block(THREAD_TEMPLATE, "comment_count", **context, oob=True, focus_toggle=focus_toggle)
    return html, 200, {"Cache-Control": "private, no-store"}


@bp.route("/drafts/<slug>/paragraphs/<int:paragraph_id>/comments", methods=["POST"])
@signed_in
def post(slug: str, paragraph_id: int):
    """Comment on a paragraph or a passage of it, or reply to a comment."""
    draft = visible_draft_or_404(slug, current_user)
    text = current_text(draft, paragraph_id) or abort(404)
    return _post(draft, text)


def _visible_amendment(draft: Draft, amendment_id: int | None) -> Amendment | None:
    amendment = db.session.get(Amendment, amendment_id) if amendment_id else None
    if (
        amendment is None
        or amendment.draft_id != draft.id
        or not can_see_amendment(current_user, amendment, held_links())
    ):
        return None
    return amendment


@bp.route("/drafts/<slug>/amendments/<int:amendment_id>/comments", methods=["POST"])
@signed_in
def post_on_amendment(slug: str, amendment_id: int):
    """Comment in the discussion of an amendment, or reply there."""
    draft = visible_draft_or_404(slug, current_user)
    amendment = _visible_amendment(draft, amendment_id) or abort(404)
    text = current_text(draft, amendment.paragraph_id) or abort(404)
    return _post(draft, text, amendment)


def _post(draft: Draft, text, amendment: Amendment | None = None):
    form = CommentForm()
    if not form.validate_on_submit():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors) or _("Please check the form.")
        if "csrf_token" in form.errors:
            abort(400)
        return _refused(draft, text, InvalidInput(message), form, amendment)
    parent = None
    if form.parent_id.data:
        parent_id = database_id(form.parent_id.data)
        parent = db.session.get(Comment, parent_id) if parent_id is not None else None
        if parent is None or not can_see_comment(current_user, parent):
            return _refused(draft, text, InvalidInput(_l("The comment you reply to does not exist.")), form, amendment)
    quote = form.quote.data
    chosen = request.form.get("sentence", "")
    if not (quote or "").strip() and chosen.isascii() and chosen.isdigit():
        options = sentences(text.text)
        quote = options[int(chosen)] if int(chosen) < len(options) else None
    try:
        outcome = create_once(
            current_user,
            form,
            "comment",
            lambda: post_comment(
                current_user,
                draft,
                text,
                form.body.data,
                Stance(form.stance.data),
                clock.now(),
                quote=quote,
                quote_start=form.quote_start.data,
                parent=parent,
                amendment=amendment,
            ),
        )
    except Refusal as refusal:
        db.session.rollback()
        return _refused(draft, text, refusal, form, amendment)
    if not outcome.again:
        assert isinstance(outcome.result, Comment), "post_comment returns the comment"
        comment_published(outcome.result, current_user, clock.now())
    db.session.commit()
    # Sent again (a double click, a retry): the answer of the first sending, nothing stored twice.
    comment = db.session.get(Comment, outcome.object_id) if outcome.object_id else None
    if comment is None:  # sent again after the first comment was deleted
        message, anchor = ALREADY_SENT, None
    else:
        message = (
            _("Your comment is waiting for moderation.")
            if comment.status.value == "pending"
            else _("Your comment was published.")
        )
        anchor = f"comment-{comment.id}"
    if htmx:
        return _changed(
            draft, text, str(message), focus_id=getattr(comment, "id", None) or "thread", amendment=amendment
        )
    return redirect(_paragraph_url(draft, text, anchor, amendment))


def _own_comment(comment_id: int) -> tuple[Comment, Draft, ParagraphText, Amendment | None]:
    """The comment, its draft, its paragraph text and its amendment (if in a discussion);
    404 unless the person may see it."""
    comment = db.get_or_404(Comment, comment_id)
    draft = comment.paragraph.draft
    if not can_view_draft(current_user, draft) or not can_see_comment(current_user, comment):
        abort(404)
    text = current_text(draft, comment.paragraph_id) or abort(404)
    amendment = db.session.get(Amendment, comment.amendment_id) if comment.amendment_id else None
    return comment, draft, text, amendment


@bp.route("/comments/<int:comment_id>/edit", methods=["POST"])
@signed_in
def edit(comment_id: int):
    """The author changes a comment nobody has replied to."""
    comment, draft, text, amendment = _own_comment(comment_id)
    form = EditCommentForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _refused(draft, text, InvalidInput(_l("Please write a comment.")), None, amendment)
    try:
        edit_comment(current_user, comment, draft, form.body.data, Stance(form.stance.data), clock.now())
    except Refusal as refusal:
        db.session.rollback()
        return _refused(draft, text, refusal, None, amendment)
    db.session.commit()
    if htmx:
        return _changed(draft, text, _("Your comment was changed."), focus_id=comment.id, amendment=amendment)
    return redirect(_paragraph_url(draft, text, f"comment-{comment.id}", amendment))


def _button_post(comment_id: int, action, done_message: str, focus: str = "comment"):
    """A button on a comment. htmx: the thread again, the focus on the comment (its withdrawn marker) or,
    when it is gone, on the thread's heading."""
    comment, draft, text, amendment = _own_comment(comment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(current_user, comment, draft, clock.now())
    except Refusal as refusal:
        db.session.rollback()
        return _refused(draft, text, refusal, None, amendment)
    db.session.commit()
    if htmx:
        return _changed(
            draft, text, done_message, focus_id=comment.id if focus == "comment" else "thread", amendment=amendment
        )
    return redirect(_paragraph_url(draft, text, amendment=amendment))


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
@signed_in
def delete(comment_id: int):
    """The author deletes a comment nobody has replied to."""
    return _button_post(comment_id, delete_comment, _("Your comment was deleted."), focus="thread")


@bp.route("/comments/<int:comment_id>/withdraw", methods=["POST"])
@signed_in
def withdraw(comment_id: int):
    """The author withdraws a comment that has replies; a marker stays in the thread."""
    return _button_post(comment_id, withdraw_comment, _("Your comment was withdrawn."))
