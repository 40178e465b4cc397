"""Importing drafts, building versions, and moving drafts between phases."""

from __future__ import annotations

import re
from pathlib import Path

from flask import abort, current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consult.audit.services import record
from consult.core.db import utcnow
from consult.core.markdown import MarkdownError, plain_text, render_block, split_blocks
from consult.drafts.models import Draft, Paragraph, ParagraphText, Phase, Version, VersionStatus
from consult.drafts.permissions import can_view_draft
from consult.drafts.queries import DraftState
from consult.extensions import db

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_PARAGRAPHS = 2000


class DraftError(ValueError):
    """A draft cannot be created or changed as asked."""


def get_by_slug(slug: str) -> Draft | None:
    """The draft with its deadlines (every view of a draft checks them), in one query."""
    query = select(Draft).where(Draft.slug == slug).options(joinedload(Draft.deadlines))
    return db.session.execute(query).unique().scalar_one_or_none()


def read_markdown_file(path: Path) -> str:
    """The text of a UTF-8 Markdown file; refuses a missing, unreadable, non-UTF-8 or empty file."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DraftError(f"cannot read {path}: {error.strerror}") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DraftError(
            f"{path} is not UTF-8 text (byte {error.start} cannot be read); save it as UTF-8 and try again"
        ) from error
    if not text.strip():
        raise DraftError(f"{path} is empty")
    return text


def _max_length() -> int:
    return current_app.config["MARKDOWN_MAX_LENGTH"]


def build_version(draft: Draft, number: int, texts: list[tuple[Paragraph, str]]) -> Version:
    """A version of `draft` holding the given paragraphs in order, rendered once now.

    Line numbers run on through the version. Refuses an empty version or a
    paragraph that is empty or too long (naming its number).
    """
    if not texts:
        raise DraftError("a version needs at least one paragraph")
    version = Version(draft=draft, number=number)
    first_line = 1
    for position, (paragraph, text) in enumerate(texts, start=1):
        try:
            rendered = render_block(text, max_length=_max_length())
        except MarkdownError as error:
            raise DraftError(f"paragraph {position}: {error}") from error
        version.texts.append(
            ParagraphText(
                paragraph=paragraph,
                position=position,
                first_line=first_line,
                line_count=rendered.line_count,
                text=text,
                html=rendered.html,
            )
        )
        first_line += rendered.line_count
    db.session.add(version)
    return version


def import_draft(markdown: str, title: str, slug: str) -> Draft:
    """A new draft in preparation whose published version 1 holds the document's top-level blocks.

    Refuses an empty title, a malformed or taken slug, and a document without
    blocks or with more than MAX_PARAGRAPHS; nothing is written then.
    """
    title, slug = title.strip(), slug.strip()
    if not title:
        raise DraftError("the title must not be empty")
    if not SLUG.match(slug) or len(slug) > 80:
        raise DraftError("the slug must be lower-case letters, digits and single hyphens, e.g. teilhabegesetz-2027")
    if get_by_slug(slug) is not None:
        raise DraftError(f"a draft with the slug {slug!r} already exists")
    blocks = split_blocks(markdown)
    if not blocks:
        raise DraftError("the document has no paragraphs")
    if len(blocks) > MAX_PARAGRAPHS:
        raise DraftError(f"the document has {len(blocks)} paragraphs, at most {MAX_PARAGRAPHS} are allowed")
    draft = Draft(title=title, slug=slug, phase=Phase.PREPARATION)
    db.session.add(draft)
    version = build_version(draft, 1, [(Paragraph(draft=draft), block) for block in blocks])
    version.status = VersionStatus.PUBLISHED
    version.published_at = utcnow()
    db.session.flush()
    return draft


def set_phase(draft: Draft, phase: Phase, user=None, reason: str | None = None) -> None:
    """Move a draft to another phase, and write it to the audit log (`user` None: the command line)."""
    old = draft.phase
    draft.phase = phase
    record(
        user,
        "phase.change",
        f"draft:{draft.id}",
        utcnow(),
        draft_id=draft.id,
        reason=reason,
        old=old.value if old else None,
        new=phase.value,
    )
    db.session.flush()


def current_version(draft: Draft) -> Version | None:
    """The latest published version of the draft."""
    return db.session.scalar(
        select(Version)
        .where(Version.draft_id == draft.id, Version.status == VersionStatus.PUBLISHED)
        .order_by(Version.number.desc())
        .limit(1)
    )


def paragraph_rows(version: Version) -> list:
    """The paragraphs of a version in order as plain rows (attributes as on ParagraphText),
    for reading pages: one query, no ORM objects to build."""
    columns = ParagraphText.__table__.c
    return list(db.session.execute(select(*columns).where(columns.version_id == version.id).order_by(columns.position)))


def paragraph_texts(version: Version) -> list[ParagraphText]:
    """The paragraphs of a version in order, in one query."""
    return list(
        db.session.scalars(
            select(ParagraphText).where(ParagraphText.version_id == version.id).order_by(ParagraphText.position)
        )
    )


def is_heading(markdown: str) -> bool:
    """A heading paragraph: it structures the text and is not put to the vote."""
    return markdown.lstrip().startswith("#")


def current_text(draft: Draft | DraftState, paragraph_id: int) -> ParagraphText | None:
    """The paragraph as it reads in the draft's current version, or None if it is not in it (one query)."""
    current = (
        select(Version.id)
        .where(Version.draft_id == draft.id, Version.status == VersionStatus.PUBLISHED)
        .order_by(Version.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    return db.session.scalar(
        select(ParagraphText).where(ParagraphText.version_id == current, ParagraphText.paragraph_id == paragraph_id)
    )


def sentences(markdown: str) -> list[str]:
    """The sentences of a paragraph's plain text, for choosing a passage by keyboard."""
    return [s for s in re.split(r"(?<=[.!?…])\s+(?=[A-ZÄÖÜ0-9„\"(])", plain_text(markdown)) if s]


def visible_draft_or_404(slug: str, user) -> Draft:
    """The draft, or 404 when it does not exist or `user` may not see it."""
    draft = get_by_slug(slug)
    if draft is None or not can_view_draft(user, draft):
        abort(404)
    return draft


def current_and_preparing(draft: Draft) -> tuple[Version | None, Version | None]:
    """The draft's current (latest published) version and the one in preparation, if any (one query)."""
    latest = (
        select(Version.id)
        .where(Version.draft_id == draft.id, Version.status == VersionStatus.PUBLISHED)
        .order_by(Version.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    current = preparing = None
    for version in db.session.scalars(
        select(Version).where(
            Version.draft_id == draft.id, (Version.id == latest) | (Version.status == VersionStatus.IN_PREPARATION)
        )
    ):
        if version.status == VersionStatus.PUBLISHED:
            current = version
        else:
            preparing = version
    return current, preparing


def renumber_lines(version: Version) -> None:
    """Let the line numbers run on through `version` again, after a paragraph's text (and so its
    line count) changed."""
    first_line = 1
    for text in paragraph_texts(version):
        if text.first_line != first_line:
            text.first_line = first_line
        first_line += text.line_count
    db.session.flush()
