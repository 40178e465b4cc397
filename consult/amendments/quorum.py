"""The supporter quorum (issue 15, point 2): an amendment is published when enough other organisations
support it; until then only its own organisation, its supporters and holders of its support link see it;
it lapses when the commenting phase ends without the quorum.

- `Draft.support_quorum` = N > 0: `propose` leaves `published_at` empty; `publish_if_quorum` (called by
  `support` under the draft's lock) sets it when the Nth organisation other than the proposer supports
  it, once (a conditional UPDATE); when the board lowers N, `publish_reached` publishes those that meet it. Support
  withdrawn before that lowers the count; after publication
  the amendment stays published: what others have read cannot be taken back.
- Who sees an unpublished amendment: `consult.amendments.permissions.can_see_amendment` and the query
  filter `consult.amendments.queries.visible_to` (one rule). The support link carries a signed token
  naming the amendment (`consult.core.tokens.sign`); opening it remembers the amendment in the
  person's session (`remember_link`), so the page, its support form and its discussion open for them.
- `lapse_unsupported` at the end of commenting; before the phase changes, a commenting deadline that
  has passed is shown as a missed quorum (`quorum_missed`), computed, nothing written on a GET.
"""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context, session, url_for
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult

from consult.amendments.models import Amendment, AmendmentStatus, AmendmentSupport, LapseReason
from consult.amendments.permissions import is_of_or_supported_by
from consult.audit.services import record
from consult.core.tokens import sign, unsign
from consult.drafts.models import Draft, Phase
from consult.drafts.permissions import phase_is_open
from consult.drafts.revision import touch
from consult.extensions import db

LINK_PURPOSE = "amendment-support-link"
SESSION_KEY = "amendment_links"
MAX_HELD_LINKS = 50  # the session is a cookie: the most recent links opened


# The support link --------------------------------------------------------------------------------


def link_token(amendment: Amendment) -> str:
    return sign(LINK_PURPOSE, amendment.id)


def support_link(draft: Draft, amendment: Amendment) -> str:
    """The address the proposer shares with other organisations (absolute)."""
    return url_for(
        "amendments.show", slug=draft.slug, amendment_id=amendment.id, link=link_token(amendment), _external=True
    )


def opens(token: str | None, amendment: Amendment) -> bool:
    """Is `token` a valid support link of exactly this amendment?"""
    return unsign(LINK_PURPOSE, token) == amendment.id


def _holder() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def remember_link(amendment: Amendment) -> None:
    """The person opened the amendment's support link: it stays open to them for this session. The grant
    names the person (None: not signed in): whoever signs in next in the same browser does not inherit it."""
    held = session.get(SESSION_KEY)
    ids = held["ids"] if isinstance(held, dict) and held.get("holder") == _holder() else []
    ids = [i for i in ids if i != amendment.id] + [amendment.id]
    session[SESSION_KEY] = {"holder": _holder(), "ids": ids[-MAX_HELD_LINKS:]}


def held_links() -> frozenset[int]:
    """The amendments whose support link this person opened in this session."""
    if not has_request_context():
        return frozenset()
    held = session.get(SESSION_KEY)
    if not isinstance(held, dict) or held.get("holder") != _holder():
        return frozenset()
    return frozenset(i for i in held.get("ids", []) if isinstance(i, int))


# Publication --------------------------------------------------------------------------------------


def supporting_organisations(amendment: Amendment) -> int:
    """How many organisations other than the proposer support the amendment (one query)."""
    return (
        db.session.scalar(
            select(func.count(AmendmentSupport.id)).where(
                AmendmentSupport.amendment_id == amendment.id,
                AmendmentSupport.organisation_id != amendment.organisation_id,
            )
        )
        or 0
    )


def publish_if_quorum(user, amendment: Amendment, draft: Draft, now: datetime) -> bool:
    """Publish the amendment when the quorum is met; True when this call published it.

    Called under the draft's lock, which every support takes first and the board takes to change the
    quorum (`publish_reached`): concurrent supports are counted one after the other, each sees the ones
    committed before it and the quorum as it is now (read anew under the lock, not as the request loaded
    it). The UPDATE is conditional on `published_at IS NULL`, so the amendment is published exactly once."""
    if amendment.published_at is not None:
        return False
    quorum = db.session.scalar(select(Draft.support_quorum).where(Draft.id == draft.id)) or 0
    have = supporting_organisations(amendment)
    if have < quorum:
        return False
    result = db.session.execute(
        update(Amendment)
        .where(
            Amendment.id == amendment.id,
            Amendment.published_at.is_(None),
            Amendment.status == AmendmentStatus.SUBMITTED,
        )
        .values(published_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)  # an UPDATE without RETURNING: the cursor's result, with its rowcount
    if result.rowcount != 1:
        return False
    touch(db.session.connection(), [draft.id])
    record(
        user,
        "amendment.published",
        f"amendment:{amendment.id}",
        now,
        draft_id=draft.id,
        paragraph_id=amendment.paragraph_id,
        supporters=have,
        quorum=quorum,
    )
    db.session.refresh(amendment)
    return True


def publish_reached(user, draft: Draft, now: datetime) -> list[Amendment]:
    """The board has changed the supporter quorum (`consult.board.services.update_settings`, under the
    draft's lock, the new quorum flushed): the amendments still collecting support that meet it now are
    published, each as its Nth support would have done it (`publish_if_quorum`, its audit row). A raised
    quorum publishes nothing and unpublishes nothing: what others have read cannot be taken back."""
    waiting = db.session.scalars(
        select(Amendment)
        .where(
            Amendment.draft_id == draft.id,
            Amendment.status == AmendmentStatus.SUBMITTED,
            Amendment.published_at.is_(None),
        )
        .order_by(Amendment.id)
    ).all()
    return [amendment for amendment in waiting if publish_if_quorum(user, amendment, draft, now)]


# Lapse ---------------------------------------------------------------------------------------------


def lapse_unsupported(draft: Draft, now: datetime, user=None) -> list[Amendment]:
    """Called when the draft leaves its commenting phase (consult.board.services.change_phase), under the
    draft's lock: the amendments still collecting support lapse (LAPSED, reason QUORUM), each with an
    audit row. Withdrawn ones stay withdrawn."""
    if not draft.support_quorum:
        return []
    lapsed = list(
        db.session.scalars(
            select(Amendment)
            .where(
                Amendment.draft_id == draft.id,
                Amendment.status == AmendmentStatus.SUBMITTED,
                Amendment.published_at.is_(None),
            )
            .order_by(Amendment.id)
        )
    )
    for amendment in lapsed:
        have = supporting_organisations(amendment)
        amendment.status = AmendmentStatus.LAPSED
        amendment.lapse_reason = LapseReason.QUORUM
        amendment.decided_at = now
        record(
            user,
            "amendment.lapsed",
            f"amendment:{amendment.id}",
            now,
            draft_id=draft.id,
            paragraph_id=amendment.paragraph_id,
            reason_code=LapseReason.QUORUM.value,
            supporters=have,
            quorum=draft.support_quorum,
        )
    if lapsed:
        db.session.flush()
        touch(db.session.connection(), [draft.id])
    return lapsed


def quorum_missed(draft: Draft, amendment: Amendment, now: datetime) -> bool:
    """Still collecting support, but commenting is over (its deadline passed, the phase not yet changed):
    it will lapse at the phase change. Computed for the page; nothing is written on a GET."""
    return (
        bool(draft.support_quorum)
        and amendment.published_at is None
        and amendment.status == AmendmentStatus.SUBMITTED
        and draft.phase != Phase.PREPARATION
        and not phase_is_open(draft, Phase.COMMENTING, now)
    )


# The page ------------------------------------------------------------------------------------------


def quorum_context(user, draft: Draft, amendment: Amendment, now: datetime) -> dict:
    """What templates/amendments/_quorum.html needs: the count against the quorum, the support link (to the
    proposing organisation while it collects support), when it was published, whether it missed the quorum."""
    if not draft.support_quorum:
        return {"quorum": None}
    have = sum(1 for row in amendment.supports if row.organisation_id != amendment.organisation_id)
    collecting = amendment.published_at is None and amendment.status == AmendmentStatus.SUBMITTED
    own = (
        user.is_authenticated
        and getattr(user, "organisation_id", None) is not None
        and user.organisation_id == amendment.organisation_id
    )
    return {
        "quorum": {
            "need": draft.support_quorum,
            "have": have,
            "published_at": amendment.published_at,
            "collecting": collecting and not quorum_missed(draft, amendment, now),
            "missed": quorum_missed(draft, amendment, now),
            "lapsed": amendment.status == AmendmentStatus.LAPSED and amendment.lapse_reason == LapseReason.QUORUM,
            "link": support_link(draft, amendment)
            if own and collecting and not quorum_missed(draft, amendment, now)
            else None,
            "supporter": is_of_or_supported_by(user, amendment) and not own,
        }
    }
