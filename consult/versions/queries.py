"""Read-only questions about the versions of a draft, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from consult.amendments.models import ADOPTED, Amendment
from consult.drafts.models import Draft, ParagraphText, Version, VersionConflict, VersionStatus
from consult.extensions import db

# The people who make new versions, and see a version while it is prepared.
VERSION_ROLES = ("moderator", "board")


def manages_versions(user) -> bool:
    """Moderators and the board start, resolve and publish versions, and see one in preparation."""
    return user.is_authenticated and user.has_role(*VERSION_ROLES)


def versions_of(draft: Draft) -> list[Version]:
    """Every version of the draft, oldest first (one query)."""
    return list(db.session.scalars(select(Version).where(Version.draft_id == draft.id).order_by(Version.number)))


def visible_versions(user, versions: list[Version]) -> list[Version]:
    """The published versions; a version in preparation only for moderators and the board."""
    staff = manages_versions(user)
    return [v for v in versions if v.status == VersionStatus.PUBLISHED or staff]


def in_preparation(draft: Draft) -> Version | None:
    """The draft's version in preparation, if there is one (one query)."""
    return db.session.scalar(
        select(Version).where(Version.draft_id == draft.id, Version.status == VersionStatus.IN_PREPARATION)
    )


def taken_up(draft_id: int, base_version_id: int, cutoff: datetime) -> list[Amendment]:
    """The amendments a version built from `base_version_id` at `cutoff` takes up, oldest first:
    adopted, not yet in an earlier version, decided by then, on a paragraph of the base version.

    Amendments adopted later wait for the next version (one query)."""
    in_base = select(ParagraphText.paragraph_id).where(ParagraphText.version_id == base_version_id)
    return list(
        db.session.scalars(
            select(Amendment)
            .options(joinedload(Amendment.organisation))
            .where(
                Amendment.draft_id == draft_id,
                Amendment.status.in_(ADOPTED),
                Amendment.applied_in_version_id.is_(None),
                Amendment.paragraph_id.in_(in_base),
                or_(Amendment.decided_at.is_(None), Amendment.decided_at <= cutoff),
            )
            .order_by(Amendment.created_at, Amendment.id)
        )
    )


def adopted_later_count(version: Version) -> int:
    """How many amendments were adopted after `version` was started: they wait for the next one."""
    return db.session.execute(
        select(func.count(Amendment.id)).where(
            Amendment.draft_id == version.draft_id,
            Amendment.status.in_(ADOPTED),
            Amendment.applied_in_version_id.is_(None),
            Amendment.decided_at > version.created_at,
        )
    ).scalar_one()


def conflicts_of(version: Version) -> list[VersionConflict]:
    """The collisions of a version, in no particular order (one query)."""
    return list(
        db.session.scalars(
            select(VersionConflict).where(VersionConflict.version_id == version.id).order_by(VersionConflict.id)
        )
    )


def amendments_by_id(ids) -> dict[int, Amendment]:
    """The given amendments with their organisations (one query, none without ids)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {
        a.id: a
        for a in db.session.scalars(
            select(Amendment).options(joinedload(Amendment.organisation)).where(Amendment.id.in_(ids))
        )
    }


@dataclass(frozen=True)
class Row:
    """One paragraph in the comparison of two versions.

    `kind` is "changed", "inserted" (only in the newer), "deleted" (only in the older) or
    "unchanged"; `old` and `new` are its texts in the two versions (None where it is missing).
    """

    kind: str
    paragraph_id: int
    old: object | None
    new: object | None


def compare(old_texts: list, new_texts: list) -> list[Row]:
    """Two versions' paragraphs side by side by identity, in the order of the newer one; a paragraph
    only the older one has stands after the paragraph it followed there."""
    new_ids = {t.paragraph_id for t in new_texts}
    old_by_id = {t.paragraph_id: t for t in old_texts}
    deleted_after: dict[int | None, list] = {}
    anchor = None
    for text in old_texts:
        if text.paragraph_id in new_ids:
            anchor = text.paragraph_id
        else:
            deleted_after.setdefault(anchor, []).append(text)
    rows = [Row("deleted", t.paragraph_id, t, None) for t in deleted_after.get(None, [])]
    for text in new_texts:
        old = old_by_id.get(text.paragraph_id)
        if old is None:
            kind = "inserted"
        else:
            kind = "unchanged" if old.text == text.text else "changed"
        rows.append(Row(kind, text.paragraph_id, old, text))
        rows += [Row("deleted", t.paragraph_id, t, None) for t in deleted_after.get(text.paragraph_id, [])]
    return rows


def decisions(version: Version, base: Version | None) -> dict[int, list[Amendment]]:
    """The amendments a version takes up, by the paragraph each changed (a new paragraph: the paragraph it
    became), oldest first, with their organisations: those applied in it once published, those
    `taken_up` from `base` (the version before) while it is prepared (one query). The version page links
    each change to them."""
    if version.status == VersionStatus.PUBLISHED:
        amendments = list(
            db.session.scalars(
                select(Amendment)
                .options(joinedload(Amendment.organisation))
                .where(Amendment.applied_in_version_id == version.id)
                .order_by(Amendment.created_at, Amendment.id)
            )
        )
    else:
        amendments = taken_up(version.draft_id, base.id, version.created_at) if base is not None else []
    by_paragraph: dict[int, list[Amendment]] = {}
    for amendment in amendments:
        by_paragraph.setdefault(amendment.inserted_paragraph_id or amendment.paragraph_id, []).append(amendment)
    return by_paragraph
