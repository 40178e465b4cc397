"""The draft row as the lock of every write its phase must allow: the check and the write are one.

A vote, a comment, an amendment or a support is allowed while the draft is in a phase and
that phase's deadline has not passed. Checking that on a draft read earlier in the request
and writing afterwards leaves a gap: the board may adopt the draft (or move it on) in between,
and a vote that waited for the adoption's lock would then be stored after the adopted
documents were rendered. So every such service calls `lock_open_draft` just before it writes:
one conditional UPDATE of the draft row that raises its revision (every write to a draft
does, see `consult.drafts.revision`) only while the phase is open:

- on PostgreSQL the UPDATE takes the row's lock. When another transaction holds it (an
  adoption, a phase change), the UPDATE waits and then checks its condition again on the row
  as that transaction left it (READ COMMITTED re-evaluates an UPDATE's WHERE on the newest
  row version): after an adoption it finds the draft adopted and changes nothing;
- on SQLite the UPDATE is the transaction's first write, so it begins the write transaction
  (the driver emits BEGIN before it) and waits for the database's one write lock
  (`busy_timeout`, see `consult.core.db`) before it reads the row: nobody can write between
  its check and the commit.

Adoption and phase changes lock the same row first (`lock_draft_in`), read what they need
(adoption: the tallies it renders) and commit; the writes that waited are refused then.
The lock is held until the transaction ends, so callers take it late, after their slow work
(rendering Markdown, hashing): a new row (vote, comment, amendment, support) just before it is
written. A change to an existing row keeps one order of locks with everything else that writes
such rows, so that two transactions cannot wait for each other (PostgreSQL would abort one of
them with a deadlock error): amendments are written by the phase change under the draft's lock
(they lapse, are settled by consent, put to the vote, decided by it), so every change of an
amendment (an edit, a withdrawal, a decision, a recommendation, a report that hides it) takes
the draft's lock first and the row's second; comments, which no phase change writes, are
changed row first, draft second (an edit, a withdrawal, a moderator's decision). Either way the
check holds at the commit.

Known limit: on PostgreSQL a deadline is compared as the UPDATE's snapshot sees it. When the
board moves a deadline while a write waits for the draft's lock, the write is judged by the
deadline it saw when it began (the phase itself is always the newest).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, exists, select, update

from consult.core.refusals import PhaseClosed
from consult.drafts.models import Draft, DraftDeadline, Phase
from consult.extensions import db

_draft, _deadline = Draft.__table__, DraftDeadline.__table__

# Built once (their cache keys are then computed once): the vote POST runs the first one.
_IN_PHASE = (_draft.c.id == bindparam("lock_draft_id")) & (_draft.c.phase == bindparam("open_phase"))
_DEADLINE_PASSED = exists(
    select(_deadline.c.id).where(
        _deadline.c.draft_id == _draft.c.id, _deadline.c.phase == _draft.c.phase, _deadline.c.ends_at <= bindparam("at")
    )
)
_LOCK_OPEN = update(_draft).where(_IN_PHASE & ~_DEADLINE_PASSED).values(revision=_draft.c.revision + 1)
_LOCK_IN = update(_draft).where(_IN_PHASE).values(revision=_draft.c.revision + 1)
# A vote raises the tally revision only: the draft's text and comments (and their cached pages) stay as they are.
_LOCK_OPEN_TALLY = (
    update(_draft).where(_IN_PHASE & ~_DEADLINE_PASSED).values(tally_revision=_draft.c.tally_revision + 1)
)


def lock_open_draft(draft_id: int, phase: Phase, now: datetime, closed_message, *, tally: bool = False) -> None:
    """Lock the draft for a write that needs `phase` open at `now` (in it, before its deadline),
    or raise PhaseClosed(closed_message) and lock nothing. Raises the draft's revision, or with `tally`
    (a vote, a check-in, a proxy: what tallies and live pages show) its tally revision instead.

    Call it in the transaction that writes, just before the write; the caller's check on the
    draft it read before still gives the early, cheap refusal (and the buttons)."""
    result = db.session.connection().execute(
        _LOCK_OPEN_TALLY if tally else _LOCK_OPEN, {"lock_draft_id": draft_id, "open_phase": phase, "at": now}
    )
    if result.rowcount != 1:
        raise PhaseClosed(closed_message)


def lock_draft_in(draft: Draft, phase: Phase, closed_message) -> None:
    """Lock the draft while it is still in `phase` (deadline or not: the board closes a vote after
    its deadline), or raise PhaseClosed(closed_message). For the board's moves out of a phase
    (adoption, a phase change): the writes of that phase wait for this transaction and are
    refused after it. Raises the draft's revision; the loaded `draft` reads it anew."""
    result = db.session.connection().execute(_LOCK_IN, {"lock_draft_id": draft.id, "open_phase": phase})
    if result.rowcount != 1:
        raise PhaseClosed(closed_message)
    db.session.expire(draft, ["revision"])
