"""Who may write, change and see comments."""

from __future__ import annotations

from datetime import datetime

from consult.accounts.permissions import is_moderator, speaks_for_member_organisation
from consult.comments.models import Comment, CommentStatus
from consult.drafts.models import Draft, Phase
from consult.drafts.permissions import can_view_draft, phase_is_open


def can_comment(user, draft: Draft, now: datetime) -> bool:
    """Delegates of active member organisations, on a draft they see, while commenting is open."""
    return (
        speaks_for_member_organisation(user)
        and can_view_draft(user, draft)
        and phase_is_open(draft, Phase.COMMENTING, now)
    )


def is_author(user, comment: Comment) -> bool:
    return user.is_authenticated and comment.author_id == user.id


def can_edit_comment(user, comment: Comment, draft: Draft, has_replies: bool, now: datetime) -> bool:
    """The author, while nobody has replied, the comment is not withdrawn, and commenting is open.
    Deleting follows the same rule."""
    return (
        is_author(user, comment)
        and not has_replies
        and comment.status in (CommentStatus.PUBLISHED, CommentStatus.PENDING)
        and phase_is_open(draft, Phase.COMMENTING, now)
    )


def can_withdraw_comment(user, comment: Comment, draft: Draft, now: datetime) -> bool:
    """The author, once replies exist (before that: edit or delete), while commenting is open."""
    return (
        is_author(user, comment)
        and comment.status in (CommentStatus.PUBLISHED, CommentStatus.PENDING)
        and phase_is_open(draft, Phase.COMMENTING, now)
    )


def can_see_comment(user, comment: Comment) -> bool:
    """Published comments: whoever sees the draft. Held, rejected, withdrawn: only author and moderators."""
    return comment.status == CommentStatus.PUBLISHED or is_author(user, comment) or is_moderator(user)
