"""Making the next version of a draft: start it from the adopted amendments, resolve the collisions,
publish it. Each function checks its rule, raises a Refusal with a message, flushes, and never commits.

A version takes up the amendments adopted before it was started (`queries.taken_up`): the
version stores no list of them, so starting and publishing ask the same question with the
version's `created_at` as the cut-off, and an amendment adopted in between waits for the
next version.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from consult.amendments.diff import Conflict, merge, merge_all
from consult.amendments.models import Amendment, AmendmentKind
from consult.audit.services import record
from consult.core.markdown import MarkdownError, render_block
from consult.core.refusals import AlreadyChanged, InvalidInput, NotAllowed, PhaseClosed, Refusal
from consult.drafts.models import Draft, Paragraph, ParagraphText, Phase, Version, VersionConflict, VersionStatus
from consult.drafts.permissions import can_view_draft
from consult.drafts.revision import touch
from consult.drafts.services import DraftError, build_version, current_version, paragraph_texts
from consult.extensions import db
from consult.versions.queries import conflicts_of, in_preparation, manages_versions, taken_up

# New versions are made while the text is discussed or edited, not while it is put to the vote.
VERSION_PHASES = (Phase.COMMENTING, Phase.EDITING)


class UnresolvedConflicts(Refusal):
    """A version cannot be published while amendments in it still collide."""

    status = 409


def can_start_version(user, draft: Draft) -> bool:
    """Moderators and the board, in the commenting and editing phases (and only one version in preparation)."""
    return manages_versions(user) and can_view_draft(user, draft) and draft.phase in VERSION_PHASES


def _refuse(user, draft: Draft) -> None:
    """The refusals every step of making a version shares: who, and in which phase."""
    if not manages_versions(user) or not can_view_draft(user, draft):
        raise NotAllowed(_l("Only moderators and the board can make new versions."))
    if draft.phase not in VERSION_PHASES:
        raise PhaseClosed(_l("New versions are made in the commenting and editing phases; this draft is not in them."))


def _chunk_json(chunk: str | Conflict):
    if isinstance(chunk, Conflict):
        return {"base": chunk.base, "ours": chunk.ours, "theirs": chunk.theirs}
    return chunk


def _new_text(amendment: Amendment) -> str:
    """The text a replacement or an insertion puts into the version (only a deletion has none)."""
    text = amendment.result_text
    assert text is not None, "a replacement or an insertion has its text"
    return text


def _combine(base: str, amendments: list[Amendment]) -> tuple[str | None, list | None]:
    """What the deletions and new texts adopted for one paragraph make of `base`.

    Returns the new text (None: the paragraph is deleted) and no chunks, or `base` and the
    chunks of the collision. New texts written against an older version of the paragraph are
    first carried over to `base` (a three-way merge, which may collide too).
    """
    deletes = [a for a in amendments if a.kind == AmendmentKind.DELETE]
    results = []
    for amendment in (a for a in amendments if a.kind == AmendmentKind.REPLACE):
        if amendment.base_text == base:
            results.append(_new_text(amendment))
            continue
        rebased = merge(amendment.base_text, base, _new_text(amendment))
        if rebased.text is None:
            return base, [_chunk_json(c) for c in rebased.chunks]
        results.append(rebased.text)
    if not results:
        return (None if deletes else base), None
    merged = merge_all(base, results)
    if merged.text is None:
        return base, [_chunk_json(c) for c in merged.chunks]
    if deletes:  # one amendment strikes the paragraph, another rewrites it
        return base, [_chunk_json(Conflict(base, "", merged.text))]
    return merged.text, None


def start_version(user, draft: Draft, now: datetime) -> Version:
    """The next version, in preparation: the current one with the adopted amendments applied.

    Deletions drop their paragraph; a new text replaces it, and several new texts for one
    paragraph are merged word by word; new paragraphs (new identities) follow the one they
    were proposed after, oldest first. Where amendments collide, the paragraph keeps its
    text and a VersionConflict waits for a moderator. Refuses people other than moderators
    and the board, drafts outside commenting and editing, a second version in preparation
    (also when two start at once: the database's unique version number decides), and a
    draft without adopted amendments.
    """
    _refuse(user, draft)
    if in_preparation(draft) is not None:
        raise AlreadyChanged(_l("A new version of this draft is already in preparation."))
    current = current_version(draft)
    if current is None:
        raise InvalidInput(_l("This draft has no published version to start from."))
    amendments = taken_up(draft.id, current.id, now)
    if not amendments:
        raise InvalidInput(_l("No amendments have been accepted since the last version."))
    by_paragraph: dict[int, list[Amendment]] = {}
    for amendment in amendments:
        by_paragraph.setdefault(amendment.paragraph_id, []).append(amendment)

    texts: list[tuple[Paragraph, str]] = []
    conflicts = []
    inserted_by: dict[int, Paragraph] = {}  # amendment id -> the new paragraph it makes
    for text in paragraph_texts(current):
        items = by_paragraph.get(text.paragraph_id, [])
        changing = [a for a in items if a.kind != AmendmentKind.INSERT]
        new_text, chunks = _combine(text.text, changing)
        if chunks is not None:
            # Deletions first: in a deletion against a new text, the deletion is the first wording.
            ids = [a.id for a in sorted(changing, key=lambda a: a.kind != AmendmentKind.DELETE)]
            conflicts.append(
                VersionConflict(paragraph_id=text.paragraph_id, base_text=text.text, amendment_ids=ids, chunks=chunks)
            )
        if new_text is not None:
            texts.append((text.paragraph, new_text))
        for amendment in items:
            if amendment.kind == AmendmentKind.INSERT:
                inserted = Paragraph(draft=draft, created_at=now)
                texts.append((inserted, _new_text(amendment)))
                inserted_by[amendment.id] = inserted

    try:
        with db.session.begin_nested():
            version = build_version(draft, current.number + 1, texts)
            version.status, version.created_at = VersionStatus.IN_PREPARATION, now
            db.session.flush()
    except DraftError as error:
        raise InvalidInput(_l("The new version could not be built: %(problem)s", problem=str(error))) from None
    except IntegrityError:
        raise AlreadyChanged(_l("A new version of this draft is already in preparation.")) from None
    for conflict in conflicts:
        conflict.version_id = version.id
        db.session.add(conflict)
    for amendment in amendments:
        if amendment.id in inserted_by:
            amendment.inserted_paragraph_id = inserted_by[amendment.id].id
    record(
        user,
        "version.start",
        f"version:{version.id}",
        now,
        draft_id=draft.id,
        number=version.number,
        amendments=[a.id for a in amendments],
        conflicts=len(conflicts),
    )
    db.session.flush()
    return version


def _refuse_change(user, version: Version) -> None:
    _refuse(user, version.draft)
    # Read under a row lock, so that a publish running now is waited for and seen.
    status = db.session.scalar(select(Version.status).where(Version.id == version.id).with_for_update())
    if status != VersionStatus.IN_PREPARATION:
        raise AlreadyChanged(_l("This version has been published and cannot be changed any more."))


def resolve_conflict(
    user, conflict: VersionConflict, text: str | None, now: datetime, *, remove: bool = False
) -> VersionConflict:
    """A moderator settles a collision in the version in preparation, in one of two ways:

    - a common text (`text`): it becomes the paragraph's text (line numbers run on anew);
    - removing the paragraph (`remove`): it leaves the version, the paragraphs after it move up,
      and `resolved_text` is "" (how a document reads "removed"). A deletion may win a collision
      this way, against a rewrite as well as against anything else.

    Either may be chosen again until publishing; a text after a removal brings the paragraph back
    at its old place. The paragraph's identity, with its comments and votes, is never touched.
    The audit log says which way it was settled. Refuses others, a published version, an empty,
    too long or multi-paragraph text, and removing the last paragraph of a version.
    """
    version = conflict.version
    _refuse_change(user, version)
    paragraph_text = db.session.scalar(
        select(ParagraphText).where(
            ParagraphText.version_id == version.id, ParagraphText.paragraph_id == conflict.paragraph_id
        )
    )
    if remove:
        if paragraph_text is not None:
            if (
                db.session.execute(
                    select(func.count(ParagraphText.id)).where(ParagraphText.version_id == version.id)
                ).scalar_one()
                < 2
            ):
                raise InvalidInput(_l("A version needs at least one paragraph: this one cannot be removed."))
            db.session.delete(paragraph_text)
            db.session.flush()
        conflict.resolved_text = ""
        action = "version.resolve_remove"
    else:
        text, rendered = _common_text(text)
        if paragraph_text is None:  # removed before: it comes back where it stood
            paragraph_text = ParagraphText(
                version_id=version.id, paragraph_id=conflict.paragraph_id, position=0, first_line=0
            )
            db.session.add(paragraph_text)
        paragraph_text.text, paragraph_text.html, paragraph_text.line_count = text, rendered.html, rendered.line_count
        conflict.resolved_text = text
        action = "version.resolve_text"
    conflict.resolved_by_id, conflict.resolved_at = user.id, now
    _put_in_order(version)
    record(
        user,
        action,
        f"version:{version.id}",
        now,
        draft_id=version.draft_id,
        conflict=conflict.id,
        paragraph=conflict.paragraph_id,
        amendments=list(conflict.amendment_ids or ()),
    )
    db.session.flush()
    return conflict


def _common_text(text: str | None):
    """The moderator's common text, trimmed, and its rendering; refuses an empty, too long or
    multi-paragraph text."""
    text = (text or "").strip().replace("\r\n", "\n")
    if not text:
        raise InvalidInput(_l("Please write the combined text."))
    if "\n\n" in text:
        raise InvalidInput(_l("The combined text is one paragraph: please remove the empty lines."))
    limit = current_app.config["MARKDOWN_MAX_LENGTH"]
    try:
        return text, render_block(text, max_length=limit)
    except MarkdownError:
        raise InvalidInput(_l("The combined text is too long (at most %(max)d characters).", max=limit)) from None


def _put_in_order(version: Version) -> None:
    """Number the paragraphs of the version in preparation 1..n in the order start_version gave them,
    and let the line numbers run on, after a paragraph left the version or came back.

    The order is the base version's, each paragraph followed by the paragraphs inserted after it
    (`Amendment.inserted_paragraph_id`, kept in their present order); a paragraph inserted by an
    amendment that does not say so stays after the base paragraph it now follows. Positions are
    unique in a version, so they pass through negative numbers first.
    """
    base_id = db.session.scalar(
        select(Version.id).where(Version.draft_id == version.draft_id, Version.number == version.number - 1)
    )
    base: dict[int | None, int] = {
        pid: position
        for pid, position in db.session.execute(
            select(ParagraphText.paragraph_id, ParagraphText.position).where(ParagraphText.version_id == base_id)
        )
    }
    db.session.flush()
    texts = sorted(
        db.session.scalars(select(ParagraphText).where(ParagraphText.version_id == version.id)),
        key=lambda t: (t.position <= 0, t.position),
    )  # one that comes back has no place yet
    anchors = dict(
        db.session.execute(
            select(Amendment.inserted_paragraph_id, Amendment.paragraph_id).where(
                Amendment.inserted_paragraph_id.in_([t.paragraph_id for t in texts if t.paragraph_id not in base])
            )
        ).all()
    )
    keys, follows = {}, 0
    for order, text in enumerate(texts):
        if text.paragraph_id in base:
            follows = base[text.paragraph_id]
            keys[text.id] = (follows, 0, order)
        else:
            keys[text.id] = (base.get(anchors.get(text.paragraph_id), follows), 1, order)
    texts.sort(key=lambda t: keys[t.id])
    for position, text in enumerate(texts, start=1):
        if text.position != position:
            text.position = -position
    db.session.flush()
    first_line = 1
    for position, text in enumerate(texts, start=1):
        text.position, text.first_line = position, first_line
        first_line += text.line_count
    db.session.flush()
    db.session.expire(version, ["texts"])


def publish_version(user, version: Version, now: datetime) -> Version:
    """The version becomes the draft's current one, for everyone, and cannot change any more; the
    amendments it took up are marked as applied in it, and the audit log notes who published.

    Refuses others, collisions without a combined text (naming their paragraphs; nothing
    changes), and a version already published: of two publishing at once, one conditional
    UPDATE succeeds and the other is told.
    """
    draft = version.draft
    _refuse(user, draft)
    if version.status != VersionStatus.IN_PREPARATION:
        raise AlreadyChanged(_l("This version has already been published."))
    open_ids = [c.paragraph_id for c in conflicts_of(version) if c.resolved_text is None]
    if open_ids:
        positions = sorted(
            db.session.scalars(
                select(ParagraphText.position).where(
                    ParagraphText.version_id == version.id, ParagraphText.paragraph_id.in_(open_ids)
                )
            )
        )
        raise UnresolvedConflicts(
            _l(
                "This version cannot be published yet: amendments collide in %(paragraphs)s. "
                "Please write the combined text there first.",
                paragraphs=", ".join(f"§ {n}" for n in positions),
            )
        )
    base = db.session.scalar(
        select(Version.id).where(Version.draft_id == draft.id, Version.number == version.number - 1)
    )
    applied = [a.id for a in taken_up(draft.id, base, version.created_at)] if base is not None else []
    result = db.session.execute(
        update(Version)
        .where(Version.id == version.id, Version.status == VersionStatus.IN_PREPARATION)
        .values(status=VersionStatus.PUBLISHED, published_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    if result.rowcount != 1:
        db.session.refresh(version)
        raise AlreadyChanged(_l("Someone else has just published this version."))
    if applied:
        db.session.execute(update(Amendment).where(Amendment.id.in_(applied)).values(applied_in_version_id=version.id))
    touch(db.session.connection(), [draft.id])
    record(
        user,
        "version.publish",
        f"version:{version.id}",
        now,
        draft_id=draft.id,
        number=version.number,
        amendments=applied,
    )
    db.session.flush()
    db.session.refresh(version)
    return version
