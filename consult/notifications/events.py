"""The events that notify people, one function each, called by the view that called the area's service (in
the same transaction, before its commit): the areas below (comments, amendments, board) never import this.

Who hears about what:
- a reply: the author of the comment replied to (the thread's first comment; replies nest one level);
- an amendment supported, recommended, decided or commented: the amendment's organisation — its active
  delegates — and its author ("my organisation's amendments": the organisation speaks through the
  amendment, and colleagues who prepared it together want to know as much as the one who typed it);
- a phase started: everyone who takes part in the draft (`services.audience`).
Never the person who did it; only those who opted into the topic (`notify`)."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import select

from consult.accounts.models import Role, User, UserRole
from consult.amendments.models import Amendment, AmendmentStatus, DecidedHow
from consult.comments.models import Comment, CommentStatus
from consult.drafts.models import AmendmentProcedure, Draft
from consult.extensions import db
from consult.notifications.models import NotificationKind
from consult.notifications.services import audience, notify


def _others(people, actor) -> list[User]:
    actor_id = getattr(actor, "id", None)
    seen, result = set(), []
    for person in people:
        if person is not None and person.id != actor_id and person.id not in seen:
            seen.add(person.id)
            result.append(person)
    return result


def amendment_people(amendment: Amendment) -> list[User]:
    """The amendment's author and the active delegates of its organisation."""
    people = [amendment.author] if amendment.author is not None else []
    if amendment.organisation_id is not None:
        people += db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.organisation_id == amendment.organisation_id,
                UserRole.role == Role.DELEGATE,
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        )
    return people


def _amendment_link(draft: Draft, amendment: Amendment, anchor: str = "") -> str:
    return url_for("amendments.show", slug=draft.slug, amendment_id=amendment.id) + anchor


def comment_published(comment: Comment, actor, now: datetime) -> None:
    """A comment became public (posted without moderation, or published by a moderator): its thread's author
    hears of a reply; in an amendment's discussion, the amendment's organisation hears of the comment
    (those who already hear of it as a reply get no second notification)."""
    if comment.status != CommentStatus.PUBLISHED:
        return
    paragraph_draft = comment.paragraph.draft
    author = comment.author
    name = author.name if author is not None else ""
    amendment = db.session.get(Amendment, comment.amendment_id) if comment.amendment_id else None
    if amendment is not None:
        link = _amendment_link(paragraph_draft, amendment, f"#comment-{comment.id}")
    else:
        link = url_for("reading.draft", slug=paragraph_draft.slug, open=comment.paragraph_id) + f"#comment-{comment.id}"
    replied = []
    parent_author = comment.parent.author if comment.parent is not None else None
    if parent_author is not None and parent_author.id != comment.author_id:
        replied = _others([parent_author], actor)
        notify(
            replied,
            NotificationKind.REPLY,
            link=link,
            now=now,
            draft=paragraph_draft,
            params={"draft": paragraph_draft.title, "name": name},
        )
    if amendment is not None:
        skip = {person.id for person in replied}
        people = [
            person
            for person in _others(amendment_people(amendment), actor)
            if person.id not in skip and person.id != comment.author_id
        ]
        notify(
            people,
            NotificationKind.AMENDMENT_COMMENTED,
            link=link,
            now=now,
            draft=paragraph_draft,
            params={"draft": paragraph_draft.title, "amendment": amendment.id, "name": name},
        )


def amendment_supported(amendment: Amendment, draft: Draft, actor, now: datetime) -> None:
    """Another organisation co-signed the amendment."""
    organisation = actor.organisation
    notify(
        _others(amendment_people(amendment), actor),
        NotificationKind.AMENDMENT_SUPPORTED,
        link=_amendment_link(draft, amendment),
        now=now,
        draft=draft,
        params={
            "draft": draft.title,
            "amendment": amendment.id,
            "organisation": organisation.name if organisation is not None else "",
        },
    )


def amendment_ruled(amendment: Amendment, draft: Draft, actor, now: datetime) -> None:
    """A moderator's decision form was sent: where moderators decide, the amendment is decided; where the
    organisations decide, it carries a procedural recommendation now."""
    if draft.amendment_procedure != AmendmentProcedure.ORGANISATIONS:
        _decided(amendment, draft, actor, now)
    elif amendment.recommendation is not None:
        notify(
            _others(amendment_people(amendment), actor),
            NotificationKind.AMENDMENT_RECOMMENDED,
            link=_amendment_link(draft, amendment, "#recommendation-title"),
            now=now,
            draft=draft,
            params={"draft": draft.title, "amendment": amendment.id, "recommendation": amendment.recommendation.value},
        )


def _decided(amendment: Amendment, draft: Draft, actor, now: datetime) -> None:
    notify(
        _others(amendment_people(amendment), actor),
        NotificationKind.AMENDMENT_DECIDED,
        link=_amendment_link(draft, amendment),
        now=now,
        draft=draft,
        params={"draft": draft.title, "amendment": amendment.id, "status": amendment.status.value},
        once_key=f"decided:{amendment.id}",
    )


def phase_changed(draft: Draft, actor, since: datetime) -> None:
    """The board moved the draft to its next phase (taken before the step, `since`): everyone taking part
    hears of the new phase, and the organisations whose amendments the step decided (by consent or by the
    vote) hear of the decision."""
    now = since
    notify(
        _others(audience(draft), actor),
        NotificationKind.PHASE_STARTED,
        link=url_for("reading.draft", slug=draft.slug),
        now=now,
        draft=draft,
        params={"draft": draft.title, "phase": draft.phase.value},
    )
    decided = db.session.scalars(
        select(Amendment)
        .where(
            Amendment.draft_id == draft.id,
            Amendment.decided_how.in_((DecidedHow.CONSENT, DecidedHow.VOTE)),
            Amendment.decided_at >= since,
            Amendment.status != AmendmentStatus.SUBMITTED,
        )
        .order_by(Amendment.id)
    )
    for amendment in decided:
        _decided(amendment, draft, actor, now)
