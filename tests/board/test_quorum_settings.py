"""The board lowers the supporter quorum while commenting: the amendments that meet it now are published at
once, each with the audit row a completing support writes; raising it again unpublishes nothing."""

from __future__ import annotations

from sqlalchemy import select

from consult.amendments.models import AmendmentKind
from consult.amendments.services import support
from consult.audit.models import AuditEntry
from consult.core import clock
from consult.extensions import db
from tests.amendments.alternatives_world import (
    FINANCES,
    PROTECTS,
    STRENGTHENS,
    amendment_of,
    draft_of,
    fixture_world,  # noqa: F401  (the fixture world)
    login,
    propose_at,
)
from tests.conftest import csrf_token

BASE = {
    "title": "Teilhabe stärken",
    "moderation_policy": "publish",
    "majority_rule": "simple",
    "commenting_ends": "",
    "voting_ends": "",
    "amendment_procedure": "organisations",
}


def _save_quorum(client, quorum: int):
    page = client.get("/drafts/teilhabe/settings").get_data(as_text=True)
    response = client.post(
        "/drafts/teilhabe/settings", data={"csrf_token": csrf_token(page), **BASE, "support_quorum": str(quorum)}
    )
    db.session.expire_all()
    return response


def _published() -> list[tuple[int, int, int]]:
    """(amendment, supporters, quorum) of each publication in the audit log, in order."""
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "amendment.published").order_by(AuditEntry.id)
    ).all()
    return [(int(e.subject.split(":")[1]), e.details["supporters"], e.details["quorum"]) for e in entries]


def test_a_lowered_quorum_publishes_what_meets_it_and_a_raised_one_unpublishes_nothing(app, world, client):
    draft = draft_of(world)
    draft.support_quorum = 2
    db.session.commit()
    one = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    none = propose_at(world, 2, AmendmentKind.REPLACE, FINANCES, who="d2")
    other = propose_at(world, 3, AmendmentKind.REPLACE, PROTECTS, who="d3")
    support(world["d2"], amendment_of(one), draft_of(world), clock.now())
    support(world["d1"], amendment_of(other), draft_of(world), clock.now())
    db.session.commit()
    assert [amendment_of(i).published_at for i in (one, none, other)] == [None, None, None]
    login(client, "board")

    assert _save_quorum(client, 1).status_code == 302
    assert draft_of(world).support_quorum == 1
    assert amendment_of(one).published_at is not None and amendment_of(other).published_at is not None
    assert amendment_of(none).published_at is None
    assert _published() == [(one, 1, 1), (other, 1, 1)]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "amendment.published")).first()
    assert entry.actor_id == world["board"].id

    # Others see it now: a delegate of an organisation that neither proposed nor supports it.
    delegate = app.test_client()
    login(delegate, "d3")
    assert delegate.get(f"/drafts/teilhabe/amendments/{one}").status_code == 200
    assert delegate.get(f"/drafts/teilhabe/amendments/{none}").status_code == 404

    published_at = amendment_of(one).published_at
    assert _save_quorum(client, 3).status_code == 302  # raised: nothing is taken back
    assert amendment_of(one).published_at == published_at and amendment_of(none).published_at is None
    assert _save_quorum(client, 0).status_code == 302  # no quorum: every amendment is published
    assert amendment_of(none).published_at is not None
    assert _published() == [(one, 1, 1), (other, 1, 1), (none, 0, 0)]


def test_a_support_counts_against_the_quorum_as_it_is_now(app, world):
    """The quorum is read under the draft's lock, not taken from the draft the request loaded: a support
    that waited for the board's change of the quorum is counted against the new one."""
    draft = draft_of(world)
    draft.support_quorum = 2
    db.session.commit()
    waiting = propose_at(world, 2, AmendmentKind.REPLACE, STRENGTHENS)
    amendment = amendment_of(waiting)
    loaded = draft_of(world)  # the support's request loaded the draft with quorum 2 ...
    db.session.execute(type(loaded).__table__.update().values(support_quorum=1))  # ... the board lowered it
    assert loaded.support_quorum == 2
    support(world["d2"], amendment, loaded, clock.now())
    db.session.commit()
    assert amendment_of(waiting).published_at is not None
    assert _published() == [(waiting, 1, 1)]
