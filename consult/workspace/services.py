"""Working on an organisation's internal drafts: start, change the text, agree, comment internally,
discard, submit for the organisation. Each function checks its rule, raises a Refusal with a message,
flushes, and never commits.

Texts are checked with the same rules and messages as the comment or amendment they become
(`checked_comment`, `checked_proposal`), so that what colleagues agreed to can be submitted as it is;
submitting goes through the ordinary services (`post_comment`, `propose`), so phase, moderation hold,
supporter quorum and every other rule apply unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from consult.amendments.models import Amendment, AmendmentAuthor, AmendmentKind
from consult.amendments.services import checked_proposal, propose
from consult.audit.services import record
from consult.comments.models import Comment, CommentAuthor, Stance
from consult.comments.services import checked_comment, post_comment
from consult.core.markdown import MarkdownError, render_comment
from consult.core.refusals import AlreadyChanged, InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.models import Draft, ParagraphText, Phase
from consult.drafts.permissions import phase_is_open
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.workspace.models import (
    InternalAgreement,
    InternalAuthor,
    InternalDraft,
    InternalKind,
    InternalNote,
    InternalStatus,
)
from consult.workspace.permissions import can_set_who_submits, can_start_internal, may_submit_for
from consult.workspace.queries import can_see_internal

MAX_NOTE = 5000
CLOSED = _l(
    "The commenting phase of this draft is closed: your organisation's drafts can no longer be changed or submitted."
)
STALE = _l(
    "A colleague changed the text in the meantime. The current text is shown; what you typed is kept below "
    "it, so that you can compare and send it again."
)


@dataclass(frozen=True)
class InternalText:
    """What a person typed for an internal draft: a comment's fields, or an amendment's."""

    body: str | None = None
    stance: Stance | None = None
    quote: str | None = None
    quote_start: int | None = None
    amendment_kind: AmendmentKind | None = None
    proposed_text: str | None = None
    justification: str | None = None


def _refuse_work(user, internal: InternalDraft, draft: Draft, now: datetime) -> None:
    """The refusals of `can_work_on`, each with its message."""
    if not can_see_internal(user, draft) or internal.organisation_id != user.organisation_id:
        raise NotAllowed(_l("Only delegates of this organisation work on its drafts."))
    if internal.status != InternalStatus.OPEN:
        raise AlreadyChanged(_l("This draft of your organisation was already submitted or discarded."))
    if not phase_is_open(draft, Phase.COMMENTING, now):
        raise PhaseClosed(CLOSED)


def _apply_text(internal, text: ParagraphText, typed: InternalText) -> None:
    """Check `typed` as the comment or amendment it will become, and put it into `internal`."""
    if internal.kind == InternalKind.COMMENT:
        body, _html, quote = checked_comment(text, typed.body or "", typed.quote, typed.quote_start)
        internal.body, internal.stance, internal.quote_exact = body, typed.stance or Stance.NEUTRAL, quote
    else:
        kind = typed.amendment_kind or AmendmentKind.REPLACE
        proposed, justification = checked_proposal(kind, text, typed.proposed_text, typed.justification or "")
        internal.amendment_kind, internal.proposed_text, internal.justification = kind, proposed, justification


def _add_author(user, internal: InternalDraft) -> None:
    """`user` joins the authors (in the order they first wrote), once; a colleague's edit in flight that adds
    the same person is left to the primary key."""
    if any(author.user_id == user.id for author in internal.authors):
        return
    position = (
        db.session.execute(
            select(func.coalesce(func.max(InternalAuthor.position), -1)).where(
                InternalAuthor.internal_draft_id == internal.id
            )
        ).scalar_one()
        + 1
    )
    try:
        with db.session.begin_nested():
            db.session.add(InternalAuthor(internal_draft_id=internal.id, user_id=user.id, position=position))
    except IntegrityError:
        pass
    db.session.expire(internal, ["authors"])


def start_internal(
    user, draft: Draft, text: ParagraphText, kind: InternalKind, typed: InternalText, now: datetime
) -> InternalDraft:
    """ "Entwurf unserer Organisation": a delegate of an active member organisation begins a comment or an
    amendment for the paragraph `text`, which only colleagues see. Refused outside the commenting phase, and
    for texts the comment or amendment would refuse. The starter is its first author; their start counts as
    their agreement."""
    if not can_see_internal(user, draft):
        raise NotAllowed(_l("Only delegates of member organisations prepare drafts for their organisation."))
    if not can_start_internal(user, draft, now):
        raise PhaseClosed(CLOSED)
    internal = InternalDraft(
        organisation_id=user.organisation_id,
        draft_id=draft.id,
        paragraph_id=text.paragraph_id,
        version_id=text.version_id,
        kind=kind,
        text_revision=1,
        status=InternalStatus.OPEN,
        created_by_id=user.id,
        created_at=now,
    )
    _apply_text(internal, text, typed)
    db.session.add(internal)
    db.session.flush()
    db.session.add(InternalAuthor(internal_draft_id=internal.id, user_id=user.id, position=0))
    db.session.add(InternalAgreement(internal_draft_id=internal.id, user_id=user.id, text_revision=1, created_at=now))
    db.session.flush()
    return internal


def edit_internal(
    user,
    internal: InternalDraft,
    draft: Draft,
    text: ParagraphText,
    typed: InternalText,
    seen_revision: int | None,
    now: datetime,
) -> InternalDraft:
    """A colleague changes the text, from the revision they saw (`seen_revision`). When a colleague changed it
    since, refused with AlreadyChanged (the view shows the current text and keeps what was typed): checked in
    one conditional UPDATE, so of two edits from the same revision only the first is stored. The editor
    becomes an author; the new revision leaves earlier agreements behind (they hold for the words read), and
    the editor's own edit counts as their agreement."""
    _refuse_work(user, internal, draft, now)
    if seen_revision != internal.text_revision:
        raise AlreadyChanged(STALE)
    # Checked first, then written in the conditional UPDATE (the fields of the other kind stay empty).
    changed = SimpleNamespace(
        kind=internal.kind,
        body=None,
        stance=None,
        quote_exact=None,
        amendment_kind=None,
        proposed_text=None,
        justification=None,
    )
    _apply_text(changed, text, typed)
    result = db.session.execute(
        update(InternalDraft)
        .where(
            InternalDraft.id == internal.id,
            InternalDraft.text_revision == seen_revision,
            InternalDraft.status == InternalStatus.OPEN,
        )
        .values(
            body=changed.body,
            stance=changed.stance,
            quote_exact=changed.quote_exact,
            amendment_kind=changed.amendment_kind,
            proposed_text=changed.proposed_text,
            justification=changed.justification,
            text_revision=InternalDraft.text_revision + 1,
            updated_by_id=user.id,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(internal)
    assert isinstance(result, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    if result.rowcount != 1:
        raise AlreadyChanged(STALE)
    _add_author(user, internal)
    _set_agreement(user, internal, now)
    return internal


def _set_agreement(user, internal: InternalDraft, now: datetime) -> None:
    row = db.session.get(InternalAgreement, (internal.id, user.id))
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    InternalAgreement(
                        internal_draft_id=internal.id,
                        user_id=user.id,
                        text_revision=internal.text_revision,
                        created_at=now,
                    )
                )
        except IntegrityError:
            row = db.session.get(InternalAgreement, (internal.id, user.id))
    if row is not None:
        row.text_revision, row.created_at = internal.text_revision, now
    db.session.flush()
    db.session.expire(internal, ["agreements"])


def agree(user, internal: InternalDraft, draft: Draft, seen_revision: int | None, now: datetime) -> None:
    """ "Einverstanden": a colleague agrees with the text as it reads at `seen_revision`. Refused when the text
    changed since they read it (their agreement would cover words they have not seen)."""
    _refuse_work(user, internal, draft, now)
    if seen_revision != internal.text_revision:
        raise AlreadyChanged(
            _l("A colleague changed the text in the meantime: please read the current text before you agree.")
        )
    _set_agreement(user, internal, now)


def take_back_agreement(user, internal: InternalDraft, draft: Draft, now: datetime) -> None:
    """A colleague takes their "Einverstanden" back (also one given to an earlier text)."""
    _refuse_work(user, internal, draft, now)
    row = db.session.get(InternalAgreement, (internal.id, user.id))
    if row is not None:
        db.session.delete(row)
        db.session.flush()
    db.session.expire(internal, ["agreements"])


def add_note(user, internal: InternalDraft, draft: Draft, body: str, now: datetime) -> InternalNote:
    """An internal comment by a colleague (Markdown as in comments: no raw HTML), seen only inside the
    organisation. Possible while the internal draft exists, also after it was submitted or discarded (the
    organisation's own record), but not by anyone outside it."""
    if not can_see_internal(user, draft) or internal.organisation_id != user.organisation_id:
        raise NotAllowed(_l("Only delegates of this organisation work on its drafts."))
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_l("Please write a comment."))
    if len(body) > MAX_NOTE:
        raise InvalidInput(_l("The comment is too long (at most %(num)d characters).", num=MAX_NOTE))
    try:
        html = render_comment(body, max_length=MAX_NOTE)
    except MarkdownError as error:
        raise InvalidInput(_l("Please write a comment.")) from error
    note = InternalNote(internal_draft_id=internal.id, author_id=user.id, body=body, body_html=html, created_at=now)
    db.session.add(note)
    db.session.flush()
    return note


def discard_internal(user, internal: InternalDraft, draft: Draft, now: datetime) -> None:
    """A colleague gives the internal draft up: it stays, marked discarded, for the organisation's record."""
    _refuse_work(user, internal, draft, now)
    _move(internal, InternalStatus.DISCARDED, updated_by_id=user.id, updated_at=now)
    record(user, "internal_draft.discard", f"internal_draft:{internal.id}", now, draft_id=draft.id)


def _move(internal: InternalDraft, new: InternalStatus, **values) -> None:
    """From open to `new` in one conditional UPDATE: of two people submitting (or discarding) at once, the
    second is refused."""
    result = db.session.execute(
        update(InternalDraft)
        .where(InternalDraft.id == internal.id, InternalDraft.status == InternalStatus.OPEN)
        .values(status=new, **values)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    if result.rowcount != 1:
        db.session.refresh(internal)
        raise AlreadyChanged(_l("This draft of your organisation was already submitted or discarded."))
    db.session.refresh(internal)


def submit_internal(
    user, internal: InternalDraft, draft: Draft, text: ParagraphText | None, seen_revision: int | None, now: datetime
) -> Comment | Amendment:
    """ "Für die Organisation einreichen": the internal draft becomes the organisation's comment or amendment on
    the paragraph as it reads now (`text`), through `post_comment` or `propose` with the submitter as author;
    its authors become the item's `CommentAuthor` / `AmendmentAuthor` rows ("verfasst von A und B").

    Refused to colleagues the organisation does not let submit (`may_submit_for`), when the text changed since
    the submitter read it, when the paragraph is no longer in the draft, and by every rule of the comment or
    amendment (phase, quoted passage gone, text now the same as the paragraph...). The click counts as the
    submitter's agreement; nobody else's is required (the page says who agreed). Audit-logged."""
    _refuse_work(user, internal, draft, now)
    if not may_submit_for(user, internal.organisation):
        raise NotAllowed(_l("In your organisation, only its contact persons submit for it."))
    if seen_revision != internal.text_revision:
        raise AlreadyChanged(
            _l("A colleague changed the text in the meantime: please read the current text before you submit it.")
        )
    if text is None:
        raise InvalidInput(_l("This paragraph is no longer in the draft's current version."))
    _set_agreement(user, internal, now)
    authors = [author.user_id for author in internal.authors]
    item: Comment | Amendment
    done: dict[str, Any]  # the item's id by its column's name, for `_move` and the audit line
    if internal.kind == InternalKind.COMMENT:
        comment = post_comment(user, draft, text, internal.body or "", internal.stance, now, quote=internal.quote_exact)
        comment.co_authors = [CommentAuthor(position=n, user_id=user_id) for n, user_id in enumerate(authors)]
        item, done = comment, {"comment_id": comment.id}
    else:
        amendment = propose(
            user,
            draft,
            text,
            internal.amendment_kind or AmendmentKind.REPLACE,
            internal.proposed_text,
            internal.justification or "",
            now,
        )
        amendment.co_authors = [AmendmentAuthor(position=n, user_id=user_id) for n, user_id in enumerate(authors)]
        item, done = amendment, {"amendment_id": amendment.id}
    db.session.flush()
    _move(internal, InternalStatus.SUBMITTED, submitted_by_id=user.id, submitted_at=now, **done)
    record(
        user,
        "internal_draft.submit",
        f"internal_draft:{internal.id}",
        now,
        draft_id=draft.id,
        paragraph_id=internal.paragraph_id,
        kind=internal.kind.value,
        authors=authors,
        agreed=[row.user_id for row in internal.agreements if row.text_revision == internal.text_revision],
        **done,
    )
    return item


def set_who_submits(user, organisation: Organisation, contact_only: bool, now: datetime) -> None:
    """The organisation's contact person (or an admin) decides whether any delegate or only contact persons
    submit its internal drafts. Audit-logged."""
    if not can_set_who_submits(user, organisation):
        raise NotAllowed(_l("Only the organisation's contact persons or an administrator change this."))
    if organisation.contact_submits_only == contact_only:
        return
    organisation.contact_submits_only = contact_only
    db.session.flush()
    record(user, "organisation.contact_submits_only", f"organisation:{organisation.id}", now, value=contact_only)
