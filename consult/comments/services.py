"""Writing, editing, deleting and withdrawing comments. Each function checks its rule,
raises a Refusal with a message, flushes, and never commits."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from consult.accounts.permissions import speaks_for_member_organisation
from consult.comments.models import Comment, CommentStatus, Stance
from consult.comments.permissions import is_author
from consult.core.markdown import MarkdownError, plain_text, render_comment
from consult.core.refusals import InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.locks import lock_open_draft
from consult.drafts.models import Draft, ModerationPolicy, ParagraphText, Phase
from consult.drafts.permissions import can_view_draft, phase_is_open
from consult.extensions import db

CLOSED = _l("Comments are not possible now: the commenting phase of this draft is closed.")
CHANGE_CLOSED = _l("Comments cannot be changed now: the commenting phase of this draft is closed.")
QUOTE_CONTEXT = 32
MAX_QUOTE = 1000
MAX_BODY = 5000


def _refuse_comment(user, draft: Draft, now: datetime) -> None:
    """The refusals of `can_comment`, each with its message."""
    if not speaks_for_member_organisation(user) or not can_view_draft(user, draft):
        raise NotAllowed(_l("Only delegates of member organisations can comment."))
    if not phase_is_open(draft, Phase.COMMENTING, now):
        raise PhaseClosed(CLOSED)


def locate_quote(markdown: str, quote: str, start: int | None = None) -> tuple[str, str, str]:
    """(exact, prefix, suffix) of `quote` in the paragraph's plain text, or InvalidInput.

    `start` is where the reader's selection began (an offset in that text); without
    it, the first place the words stand is taken. Runs of white space count as one space.
    """
    text = plain_text(markdown)
    exact = re.sub(r"\s+", " ", quote).strip()
    if not exact:
        raise InvalidInput(_l("The quoted passage is empty."))
    if len(exact) > MAX_QUOTE:
        raise InvalidInput(_l("The quoted passage is too long."))
    positions = [m.start() for m in re.finditer(re.escape(exact), text)]
    if not positions:
        raise InvalidInput(_l("The quoted passage does not appear in this paragraph. Please copy the words exactly."))
    at = min(positions, key=lambda p: abs(p - start)) if start is not None else positions[0]
    end = at + len(exact)
    return exact, text[max(0, at - QUOTE_CONTEXT) : at], text[end : end + QUOTE_CONTEXT]


def _render_body(body: str) -> str:
    if len(body) > MAX_BODY:
        raise InvalidInput(_l("The comment is too long (at most %(num)d characters).", num=MAX_BODY))
    try:
        return render_comment(body, max_length=MAX_BODY)
    except MarkdownError as error:
        raise InvalidInput(_l("Please write a comment.")) from error


def has_replies(comment: Comment) -> bool:
    return bool(db.session.scalar(select(exists().where(Comment.parent_id == comment.id))))


def post_comment(
    user,
    draft: Draft,
    text: ParagraphText,
    body: str,
    stance: Stance | None,
    now: datetime,
    quote: str | None = None,
    quote_start: int | None = None,
    parent: Comment | None = None,
    amendment=None,
) -> Comment:
    """A comment on a paragraph (or on a passage of it), or a reply to a comment.

    Refuses people who do not speak for a member organisation, a closed phase or
    passed deadline, an empty or too long text, a passage that is not in the
    paragraph, and replies to comments the person cannot see. Held for
    moderation when the draft says so. With `amendment`, the comment goes into
    that amendment's discussion instead of the paragraph's thread.
    """
    _refuse_comment(user, draft, now)
    amendment_id = amendment.id if amendment is not None else None
    if parent is not None:
        if (
            parent.paragraph_id != text.paragraph_id
            or parent.status != CommentStatus.PUBLISHED
            or parent.amendment_id != amendment_id
        ):
            raise InvalidInput(_l("You can only reply to a published comment on this paragraph."))
        if parent.parent_id is not None:
            parent = parent.parent  # replies nest one level: a reply to a reply joins its thread
        quote = None
    if amendment is not None:
        quote = None  # an amendment's discussion is about the amendment, not a passage
    comment = Comment(
        paragraph_id=text.paragraph_id,
        version_id=text.version_id,
        parent=parent,
        amendment_id=amendment_id,
        author_id=user.id,
        organisation_id=user.organisation_id,
        stance=stance,
        body=body.strip(),
        body_html=_render_body(body),
        status=CommentStatus.PENDING if draft.moderation_policy == ModerationPolicy.HOLD else CommentStatus.PUBLISHED,
        created_at=now,
    )
    if quote and quote.strip():
        comment.quote_exact, comment.quote_prefix, comment.quote_suffix = locate_quote(text.text, quote, quote_start)
    lock_open_draft(draft.id, Phase.COMMENTING, now, CLOSED)  # the phase, checked again as it is written
    db.session.add(comment)
    db.session.flush()
    return comment


def _refuse_change(user, comment: Comment, draft: Draft, now: datetime) -> None:
    """The refusals of `can_withdraw_comment` (and of `can_edit_comment` but for replies), with messages.

    The phase is checked again under the draft's lock after the change is flushed: a change locks
    the comment's row first and the draft's row second, in the order a moderator's decision does,
    so that the two cannot wait for each other (a new comment has no row to lock and takes the
    draft's lock first)."""
    if not is_author(user, comment):
        raise NotAllowed(_l("Only the author can change this comment."))
    if not phase_is_open(draft, Phase.COMMENTING, now):
        raise PhaseClosed(CHANGE_CLOSED)
    if comment.status not in (CommentStatus.PUBLISHED, CommentStatus.PENDING):
        raise InvalidInput(_l("This comment can no longer be changed."))


def edit_comment(user, comment: Comment, draft: Draft, body: str, stance: Stance | None, now: datetime) -> Comment:
    """The author changes text and stance while nobody has replied."""
    _refuse_change(user, comment, draft, now)
    if has_replies(comment):
        raise NotAllowed(_l("Someone has replied, so this comment can only be withdrawn, not edited."))
    comment.body_html = _render_body(body)
    comment.body = body.strip()
    comment.stance = stance
    comment.updated_at = now
    db.session.flush()
    lock_open_draft(draft.id, Phase.COMMENTING, now, CHANGE_CLOSED)  # after the row's lock: see _refuse_change
    return comment


def delete_comment(user, comment: Comment, draft: Draft, now: datetime) -> None:
    """The author deletes a comment nobody has replied to."""
    _refuse_change(user, comment, draft, now)
    if has_replies(comment):
        raise NotAllowed(_l("Someone has replied, so this comment can only be withdrawn, not deleted."))
    db.session.delete(comment)
    db.session.flush()
    lock_open_draft(draft.id, Phase.COMMENTING, now, CHANGE_CLOSED)


def withdraw_comment(user, comment: Comment, draft: Draft, now: datetime) -> Comment:
    """The author withdraws a comment; the thread keeps a marker in its place."""
    _refuse_change(user, comment, draft, now)
    comment.status = CommentStatus.WITHDRAWN
    comment.updated_at = now
    db.session.flush()
    lock_open_draft(draft.id, Phase.COMMENTING, now, CHANGE_CLOSED)
    return comment


def checked_comment(
    text: ParagraphText, body: str, quote: str | None = None, quote_start: int | None = None
) -> tuple[str, str, str | None]:
    """(body, body_html, quote) as `post_comment` would store them, or InvalidInput with the same messages:
    for texts prepared elsewhere before they are posted (an organisation's internal draft, consult.workspace)."""
    html = _render_body(body or "")
    exact = locate_quote(text.text, quote, quote_start)[0] if quote and quote.strip() else None
    return body.strip(), html, exact
