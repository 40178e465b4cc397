"""Alternatives sets (issue 15, point 5): amendments to one paragraph that collide are voted in order;
the first that passes wins, the ones after it lapse.

Only where the organisations decide (`Draft.amendment_procedure`). Two amendments collide when the
three-way merge that builds versions cannot take both (`diff.merge`), or when one strikes the paragraph
and the other rewrites it; new paragraphs (INSERT) never collide. A set is a connected group of "collides
with" among the published amendments still open (SUBMITTED), so only compatible amendments can pass
together and the next version never meets a collision. The text that counts is the one that would be
voted: `proposed_text`.

While the draft is commented on or edited, the sets are worked out on every read (no writes on GET).
The proposed voting order puts the one that departs furthest from the base text first (a deletion
furthest, then the share of changed words, older first on a tie). A moderator may change the order
with a reason: an `AlternativeSet` row and the members' positions keep it, as long as the set has the
same members; when the members change, that order no longer applies and the page says so. When voting
begins (`freeze_alternatives`) the sets are stored and fixed, keeping a moderator's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.accounts.permissions import is_moderator
from consult.amendments.diff import diff, merge
from consult.amendments.models import AlternativeSet, Amendment, AmendmentKind, AmendmentStatus
from consult.audit.services import record
from consult.core.refusals import AlreadyChanged, InvalidInput, NotAllowed, PhaseClosed
from consult.drafts.locks import lock_draft_in
from consult.drafts.models import AmendmentProcedure, Draft, Phase
from consult.drafts.services import current_version, paragraph_texts
from consult.extensions import db

# The phases in which the sets still change and a moderator may reorder them.
OPEN_PHASES = (Phase.COMMENTING, Phase.EDITING)
FIXED = _l("The voting order can only change before voting begins.")


def collide(base: str, a: str | None, b: str | None) -> bool:
    """Whether two amendments' texts for a paragraph reading `base` cannot both go into the next version.

    None stands for a deletion: two deletions agree, a deletion and a new text collide. Two new texts
    collide where the word-by-word merge finds a conflict (the same rule `versions.services` applies).
    """
    if a is None or b is None:
        return (a is None) != (b is None)
    return merge(base, a, b).text is None


def changed_share(base: str, text: str | None) -> float:
    """How far a text departs from `base`: 1 for a deletion, else the share of words deleted or inserted
    among the words of both texts (the diff's matcher decides what is unchanged)."""
    if text is None:
        return 1.0
    changed = total = 0
    for segment in diff(base, text):
        words = len(segment.text.split())
        total += words * (2 if segment.kind == "equal" else 1)
        if segment.kind != "equal":
            changed += words
    return changed / total if total else 0.0


def _voted_text(amendment: Amendment, base: str) -> str | None:
    """The text the amendment would put in place of `base` (None: a deletion). One written against an
    older wording of the paragraph is carried over to `base` first, as `versions.services` does."""
    if amendment.kind == AmendmentKind.DELETE:
        return None
    if amendment.base_text == base:
        return amendment.proposed_text
    rebased = merge(amendment.base_text, base, amendment.proposed_text or "")
    return rebased.text if rebased.text is not None else amendment.proposed_text


def proposed_order(base: str, members: list[Amendment]) -> list[Amendment]:
    """Furthest from the base text first: a deletion, then by the share of changed words; older first."""
    return sorted(
        members,
        key=lambda a: (a.kind != AmendmentKind.DELETE, -changed_share(base, _voted_text(a, base)), a.created_at, a.id),
    )


@dataclass(frozen=True)
class Alternatives:
    """One alternatives set: its members in voting order (position 1 first)."""

    paragraph_id: int
    members: tuple[Amendment, ...]
    stored: AlternativeSet | None = None  # the row whose order applies (a moderator's, or the frozen one)
    order_dropped: bool = False  # a moderator's order was for other members and no longer applies

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(a.id for a in self.members)

    @property
    def frozen(self) -> bool:
        return self.stored is not None and self.stored.frozen_at is not None

    @property
    def reordered(self) -> bool:
        return self.stored is not None and self.stored.ordered_at is not None

    def position(self, amendment_id: int) -> int | None:
        return next((n for n, a in enumerate(self.members, start=1) if a.id == amendment_id), None)


def _open_candidates(draft: Draft, paragraph_id: int | None = None) -> list[Amendment]:
    """Published amendments still open that change or strike a paragraph (or only `paragraph_id`), oldest
    first (one query)."""
    query = select(Amendment).where(
        Amendment.draft_id == draft.id,
        Amendment.status == AmendmentStatus.SUBMITTED,
        Amendment.published_at.is_not(None),
        Amendment.kind != AmendmentKind.INSERT,
    )
    if paragraph_id is not None:
        query = query.where(Amendment.paragraph_id == paragraph_id)
    return list(db.session.scalars(query.order_by(Amendment.created_at, Amendment.id)))


def _components(base: str, amendments: list[Amendment]) -> list[list[Amendment]]:
    """The groups of two or more connected by "collides with", in the order of their oldest member."""
    texts = [_voted_text(a, base) for a in amendments]
    parent = list(range(len(amendments)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(amendments)):
        for j in range(i + 1, len(amendments)):
            if root(i) != root(j) and collide(base, texts[i], texts[j]):
                parent[root(j)] = root(i)
    groups: dict[int, list[Amendment]] = {}
    for i, amendment in enumerate(amendments):
        groups.setdefault(root(i), []).append(amendment)
    return [group for group in groups.values() if len(group) > 1]


def _stored_members(draft: Draft) -> dict[int, list[Amendment]]:
    """The members of the draft's stored sets, by set id, in their stored order (one query)."""
    members: dict[int, list[Amendment]] = {}
    for amendment in db.session.scalars(
        select(Amendment)
        .where(Amendment.draft_id == draft.id, Amendment.alternative_set_id.is_not(None))
        .order_by(Amendment.alternative_position, Amendment.id)
    ):
        set_id = amendment.alternative_set_id
        assert set_id is not None, "the query's condition"
        members.setdefault(set_id, []).append(amendment)
    return members


def _computed(draft: Draft, paragraph_id: int | None = None) -> list[Alternatives]:
    """The sets among the open amendments now (of one paragraph, if given), each in a moderator's order
    where one still applies, else in the proposed order."""
    current = current_version(draft)
    if current is None:
        return []
    bases = {t.paragraph_id: t.text for t in paragraph_texts(current)}
    by_paragraph: dict[int, list[Amendment]] = {}
    for amendment in _open_candidates(draft, paragraph_id):
        if amendment.paragraph_id in bases:
            by_paragraph.setdefault(amendment.paragraph_id, []).append(amendment)
    stored = _stored_members(draft)
    sets = []
    for paragraph_id, amendments in by_paragraph.items():
        for group in _components(bases[paragraph_id], amendments):
            ids = {a.id for a in group}
            set_ids = {a.alternative_set_id for a in group}
            (set_id,) = set_ids if len(set_ids) == 1 else (None,)
            if set_id is not None and {a.id for a in stored.get(set_id, [])} == ids:
                sets.append(Alternatives(paragraph_id, tuple(stored[set_id]), db.session.get(AlternativeSet, set_id)))
                continue
            dropped = any(i is not None for i in set_ids)
            sets.append(
                Alternatives(paragraph_id, tuple(proposed_order(bases[paragraph_id], group)), order_dropped=dropped)
            )
    return sets


def sets_of(draft: Draft) -> list[Alternatives]:
    """The draft's alternatives sets: those fixed when voting began, then those among the amendments
    still open (worked out now), by paragraph. Nothing is written."""
    if draft.amendment_procedure != AmendmentProcedure.ORGANISATIONS:
        return []
    frozen_rows = list(
        db.session.scalars(
            select(AlternativeSet)
            .where(AlternativeSet.draft_id == draft.id, AlternativeSet.frozen_at.is_not(None))
            .order_by(AlternativeSet.id)
        )
    )
    stored = _stored_members(draft) if frozen_rows else {}
    frozen = [Alternatives(s.paragraph_id, tuple(stored.get(s.id, [])), s) for s in frozen_rows if stored.get(s.id)]
    computed = _computed(draft) if draft.phase in OPEN_PHASES else []
    return frozen + computed


def set_of(draft: Draft, amendment: Amendment) -> Alternatives | None:
    """The alternatives set the amendment belongs to, if any: the stored one once fixed, else worked out
    among the open amendments of its paragraph."""
    if draft.amendment_procedure != AmendmentProcedure.ORGANISATIONS:
        return None
    row = amendment.alternative_set
    if row is not None and row.frozen_at is not None:
        return Alternatives(row.paragraph_id, tuple(row.members), row)
    if amendment.status != AmendmentStatus.SUBMITTED or draft.phase not in OPEN_PHASES:
        return None
    return next((s for s in _computed(draft, amendment.paragraph_id) if amendment.id in s.ids), None)


def can_reorder(user, draft: Draft) -> bool:
    """Moderators, where the organisations decide, before voting begins."""
    return (
        is_moderator(user)
        and draft.amendment_procedure == AmendmentProcedure.ORGANISATIONS
        and draft.phase in OPEN_PHASES
    )


def _unlink(set_id: int, members: list[Amendment]) -> None:
    for amendment in members:
        amendment.alternative_set_id = amendment.alternative_position = None
    db.session.flush()
    row = db.session.get(AlternativeSet, set_id)
    if row is not None and row.frozen_at is None:
        db.session.delete(row)


def reorder(user, draft: Draft, order: list[int], reason: str, now: datetime) -> AlternativeSet:
    """A moderator sets the voting order of one set (`order`: its members' ids, first voted first), with a
    reason. Refuses others, a draft whose sets are fixed (voting has begun) or where the moderation decides,
    an empty reason, and an order that is not exactly the set's members now (someone changed it meanwhile)."""
    if not is_moderator(user):
        raise NotAllowed(_l("Only moderators can change the voting order."))
    if draft.amendment_procedure != AmendmentProcedure.ORGANISATIONS or draft.phase not in OPEN_PHASES:
        raise PhaseClosed(FIXED)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Please give a reason for the new voting order."))
    # Under the draft's lock, in the phase read: a step into voting (which fixes the sets) waits for this
    # transaction, or this one waits for it and is refused.
    lock_draft_in(draft, draft.phase, FIXED)
    current = next((s for s in _computed(draft) if set(s.ids) == set(order)), None)
    if current is None or len(order) != len(set(order)):
        raise AlreadyChanged(_l("These alternatives have changed meanwhile; please look at them again."))
    stored = _stored_members(draft)
    for set_id in {a.alternative_set_id for a in current.members if a.alternative_set_id is not None}:
        _unlink(set_id, stored.get(set_id, []))
    row = AlternativeSet(
        draft_id=draft.id,
        paragraph_id=current.paragraph_id,
        created_at=now,
        order_reason=reason,
        ordered_by_id=user.id,
        ordered_at=now,
    )
    db.session.add(row)
    db.session.flush()
    members = {a.id: a for a in current.members}
    for position, amendment_id in enumerate(order, start=1):
        members[amendment_id].alternative_set_id, members[amendment_id].alternative_position = row.id, position
    record(
        user,
        "alternatives.reorder",
        f"alternative_set:{row.id}",
        now,
        draft_id=draft.id,
        reason=reason,
        paragraph=current.paragraph_id,
        order=list(order),
        proposed=list(a.id for a in proposed_order(_base(draft, current.paragraph_id), list(current.members))),
    )
    db.session.flush()
    return row


def _base(draft: Draft, paragraph_id: int) -> str:
    version = current_version(draft)
    assert version is not None, "amendments are made on a published version"
    return next(t.text for t in paragraph_texts(version) if t.paragraph_id == paragraph_id)


def freeze_alternatives(user, draft: Draft, now: datetime) -> None:
    """Called when the draft enters its voting phase, before `procedure.settle_before_vote`: the sets among
    the open amendments are stored and fixed (`frozen_at`), in a moderator's order where it still applies,
    else in the proposed order. Orders set for members that changed since are dropped."""
    sets = _computed(draft)
    stored = _stored_members(draft)
    kept = {s.stored.id for s in sets if s.stored is not None}
    for set_id, members in stored.items():
        row = db.session.get(AlternativeSet, set_id)
        if set_id not in kept and row is not None and row.frozen_at is None:
            _unlink(set_id, members)
    db.session.flush()
    for alternatives in sets:
        row = alternatives.stored
        if row is None:
            row = AlternativeSet(draft_id=draft.id, paragraph_id=alternatives.paragraph_id, created_at=now)
            db.session.add(row)
            db.session.flush()
        row.frozen_at = now
        for position, amendment in enumerate(alternatives.members, start=1):
            amendment.alternative_set_id, amendment.alternative_position = row.id, position
        record(
            user,
            "alternatives.freeze",
            f"alternative_set:{row.id}",
            now,
            draft_id=draft.id,
            paragraph=alternatives.paragraph_id,
            order=list(alternatives.ids),
            reordered=alternatives.reordered,
        )
    db.session.flush()


def alternatives_context(user, draft: Draft, amendment: Amendment, now: datetime) -> dict:
    """What templates/amendments/_alternatives.html needs: the amendment's set in voting order, and
    whether this person may change the order."""
    alternatives = set_of(draft, amendment)
    return {
        "alternatives": alternatives,
        "can_reorder_alternatives": alternatives is not None and can_reorder(user, draft),
    }


@dataclass(frozen=True)
class VotingGroup:
    """What the voters see as one step of the amendment round: an alternatives set (its members in voting
    order) or one single amendment. `members` are whatever the page lists (questions, results rows)."""

    paragraph_position: int | None  # the paragraph's § (None: not in the version shown)
    set_id: int | None  # the alternatives set, None for a single amendment
    members: tuple

    @property
    def is_alternatives(self) -> bool:
        return self.set_id is not None


def voting_groups(items, describe) -> list[VotingGroup]:
    """`items` (amendments, or rows standing for them) grouped as they are voted: each alternatives set's
    members together in their voting order (`alternative_position`), the sets by §, then the single amendments
    by § and age. `describe(item)` gives (set id, position in the set, §, amendment id) from what the caller
    already loaded, so no query is made. A stored set with one member left is shown as a single amendment:
    there is nothing to choose between."""
    by_set: dict[int, list] = {}
    singles: list = []
    for item in items:
        set_id = describe(item)[0]
        (by_set.setdefault(set_id, []) if set_id is not None else singles).append(item)
    groups = []
    for set_id, members in by_set.items():
        if len(members) < 2:
            singles.extend(members)
            continue
        members.sort(key=lambda item: (describe(item)[1] or 0, describe(item)[3]))
        groups.append(VotingGroup(describe(members[0])[2], set_id, tuple(members)))
    last = float("inf")
    groups.sort(key=lambda g: (g.paragraph_position if g.paragraph_position is not None else last, g.set_id))
    singles.sort(key=lambda item: (describe(item)[2] if describe(item)[2] is not None else last, describe(item)[3]))
    return groups + [VotingGroup(describe(item)[2], None, (item,)) for item in singles]
