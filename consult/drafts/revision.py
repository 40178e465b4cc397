"""The draft's revision counter: every write to a draft or to a row that belongs to it counts.

Cached pages of a draft (see `consult.core.page_cache`) are keyed by `Draft.revision`,
so the counter must move whenever anything shown on them changes. Instead of asking
every service to remember that, one session hook looks at what each flush wrote:
the draft itself, and every row that names a draft directly (`draft_id`: deadlines,
versions, paragraphs, votes, vote casts) or through its paragraph (`paragraph_id`:
comments) or its version (`version_id`: paragraph texts). The counter is raised in
the same transaction as the change, so a page can never be cached from a state that
was rolled back. Writes that bypass the ORM's unit of work (a Core `insert`,
`update` or `delete`) are not seen, nor rows of a model that says `shown_on_draft_pages = False`
(an organisation's internal drafts: no page of the draft shows them, and their edits must not be
observable there, not even as a changed key): call `touch` yourself on the same connection
(as `_set_status` of amendments does; `consult.drafts.locks.lock_open_draft`, which `cast_vote`
calls, raises it too), or flush an ORM row beside them.
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session

from consult.drafts.models import Draft, Paragraph, Version

_draft = Draft.__table__
# Built once (their cache keys are then computed once): `touch` runs in every write request,
# most often for one draft (an IN list is expanded anew on each execution).
_TOUCH_ONE = update(_draft).where(_draft.c.id == bindparam("draft_id")).values(revision=_draft.c.revision + 1)
_TOUCH = update(_draft).where(_draft.c.id.in_(bindparam("ids", expanding=True))).values(revision=_draft.c.revision + 1)


_TOUCH_TALLY = (
    update(_draft).where(_draft.c.id == bindparam("draft_id")).values(tally_revision=_draft.c.tally_revision + 1)
)


def touch_tally(connection, draft_id: int) -> None:
    """Raise the draft's tally revision: something a tally or a live page shows changed (a check-in, a proxy);
    votes raise it through `consult.drafts.locks.lock_open_draft(..., tally=True)`."""
    connection.execute(_TOUCH_TALLY, {"draft_id": draft_id})


def touch(connection, draft_ids) -> None:
    """Raise the revision of the given drafts by one (a Core statement on `connection`)."""
    ids = sorted({i for i in draft_ids if i is not None})
    if len(ids) == 1:
        connection.execute(_TOUCH_ONE, {"draft_id": ids[0]})
    elif ids:
        connection.execute(_TOUCH, {"ids": ids})


def _written(session: Session):
    for obj in chain(session.new, session.deleted):
        yield obj
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            yield obj


@event.listens_for(Session, "after_flush")
def _count_changes(session: Session, flush_context) -> None:
    """After each flush (new, dirty and deleted still list what it wrote): raise the revisions."""
    drafts, paragraphs, versions = set(), set(), set()
    for obj in _written(session):
        if not getattr(obj, "shown_on_draft_pages", True):
            continue  # e.g. an organisation's internal draft (consult.workspace): on no cached page
        if isinstance(obj, Draft):
            if obj not in session.new:
                drafts.add(obj.id)
        elif getattr(obj, "draft_id", None) is not None:
            drafts.add(obj.draft_id)
        elif getattr(obj, "paragraph_id", None) is not None:
            paragraphs.add(obj.paragraph_id)
        elif getattr(obj, "version_id", None) is not None:
            versions.add(obj.version_id)
    if paragraphs:
        drafts.update(
            session.connection().scalars(select(Paragraph.draft_id).where(Paragraph.id.in_(sorted(paragraphs))))
        )
    if versions:
        drafts.update(session.connection().scalars(select(Version.draft_id).where(Version.id.in_(sorted(versions)))))
    touch(session.connection(), drafts)
