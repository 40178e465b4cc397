"""Separation of duties: nobody decides a held comment, a report or an amendment of their own organisation.

Each decision kind (publish/reject a held comment, hide/dismiss a report on a comment or an
amendment, accept/reject an amendment in the queue, accept/accept modified/reject/merge it on its
page) is tried by each role (moderator, board) of the item's own and of another organisation:
the queue shows the item with or without its buttons, and the server decides or refuses with 403
and a message (plain and htmx). Where no moderator outside the organisation is left, the board decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import pytest
from sqlalchemy import func, select

from consult.accounts.models import Role
from consult.amendments.models import Amendment, AmendmentKind
from consult.amendments.services import propose
from consult.audit.models import AuditEntry
from consult.comments.models import Comment, CommentStatus
from consult.comments.services import post_comment
from consult.core import clock
from consult.drafts.models import ModerationPolicy, Phase
from consult.drafts.services import get_by_slug
from consult.extensions import db
from consult.moderation.models import Report
from consult.moderation.services import report
from tests import factories
from tests.conftest import csrf_token

HX = {"HX-Request": "true"}
NEW = "Absatz 3: Die Mitgliedsorganisationen beraten gemeinsam über *Teilhabe* und Vielfalt."
FOR_ANOTHER = "Für eine andere Moderation"
OWN = "Das kommt von Ihrer eigenen Organisation"
ONLY_MODERATORS = "Darüber entscheidet nur die Moderation."


@pytest.fixture(name="world")
def fixture_world(app):
    """IEB and NAVE (and ZZZ, whose amendment is a merge target). The item always comes from IEB."""
    ieb = factories.organisation(name="Interkulturelles Elternnetz Berlin e.V.", short_name="IEB")
    nave = factories.organisation(name="Netzwerk Afrikanischer Vereine Hamburg", short_name="NAVE")
    zzz = factories.organisation(short_name="ZZZ")
    people = {
        "a1": factories.user(email="a1@example.org", org=ieb, name="Ayşe Yılmaz"),
        "x1": factories.user(email="x1@example.org", org=nave),
        "z1": factories.user(email="z1@example.org", org=zzz),
        # The case seen: a delegate of IEB given the moderator role.
        "moderator-own": factories.user(email="mod-ieb@example.org", org=ieb, roles=(Role.DELEGATE, Role.MODERATOR)),
        "moderator-other": factories.user(
            email="mod-nave@example.org", org=nave, roles=(Role.DELEGATE, Role.MODERATOR)
        ),
        "board-own": factories.user(email="board-ieb@example.org", org=ieb, roles=(Role.BOARD,)),
        "board-other": factories.user(email="board-nave@example.org", org=nave, roles=(Role.BOARD,)),
        "board-none": factories.user(email="board@example.org", roles=(Role.BOARD,)),
    }
    held = factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="gehalten")
    held.moderation_policy = ModerationPolicy.HOLD
    factories.draft(paragraphs=3, phase=Phase.COMMENTING, slug="offen")
    db.session.commit()
    return {"ieb": ieb, "nave": nave, "held": held, **people}


def _draft(slug):
    return get_by_slug(slug)


# ---- the decision kinds: how to make the item (from IEB), where to post, and what state it is in


@dataclass
class Item:
    key: str  # its id in the queue, item-<key>
    url: str  # where the decision is posted
    data: dict  # the decision
    state: Callable[[], str]  # its status now
    page: str | None = None  # the amendment's page, for decisions taken there


def _held_comment(world, decision: dict) -> Item:
    draft = world["held"]
    comment = post_comment(world["a1"], draft, draft.versions[0].texts[1], "Bitte prüfen.", None, clock.now())
    db.session.commit()
    cid = comment.id
    return Item(
        f"comment-{cid}", f"/moderation/comments/{cid}", decision, lambda: db.session.get(Comment, cid).status.value
    )


def _amendment(world, author="a1") -> Amendment:
    draft = _draft("offen")
    amendment = propose(
        world[author],
        draft,
        draft.versions[0].texts[2],
        AmendmentKind.REPLACE,
        NEW,
        "Gemeinsam ist besser.",
        clock.now(),
    )
    db.session.commit()
    return amendment


def _reported(world, decision: dict, on: str) -> Item:
    draft = _draft("offen")
    if on == "comment":
        content = post_comment(
            world["a1"], draft, draft.versions[0].texts[1], "Ein Kommentar aus IEB.", None, clock.now()
        )
        row = report(world["x1"], draft, "Das ist beleidigend.", clock.now(), comment=content)
    else:
        row = report(world["x1"], draft, "Das ist beleidigend.", clock.now(), amendment=_amendment(world))
    db.session.commit()
    rid = row.id
    return Item(
        f"report-{rid}", f"/moderation/reports/{rid}", decision, lambda: db.session.get(Report, rid).status.value
    )


def _amendment_in_queue(world, decision: dict) -> Item:
    aid = _amendment(world).id
    return Item(
        f"amendment-{aid}",
        f"/moderation/amendments/{aid}",
        decision,
        lambda: db.session.get(Amendment, aid).status.value,
    )


def _amendment_on_page(world, decision: dict) -> Item:
    aid = _amendment(world).id
    data = dict(decision)
    if data["decision"] == "merge":  # into an amendment of a third organisation
        data["merged_into"] = str(_amendment(world, "z1").id)
    return Item(
        f"amendment-{aid}",
        f"/drafts/offen/amendments/{aid}/decision",
        data,
        lambda: db.session.get(Amendment, aid).status.value,
        page=f"/drafts/offen/amendments/{aid}",
    )


KINDS = {
    "comment-publish": lambda w: _held_comment(w, {"decision": "publish"}),
    "comment-reject": lambda w: _held_comment(w, {"decision": "reject", "reason": "Nicht zum Thema."}),
    "report-hide": lambda w: _reported(w, {"decision": "hide", "reason": "Beleidigend."}, "comment"),
    "report-dismiss": lambda w: _reported(w, {"decision": "dismiss"}, "comment"),
    "report-on-amendment-hide": lambda w: _reported(w, {"decision": "hide", "reason": "Beleidigend."}, "amendment"),
    "queue-amendment-accept": lambda w: _amendment_in_queue(w, {"decision": "accept"}),
    "queue-amendment-reject": lambda w: _amendment_in_queue(w, {"decision": "reject", "reason": "Passt nicht."}),
    "amendment-accept": lambda w: _amendment_on_page(w, {"decision": "accept", "reason": ""}),
    "amendment-accept-modified": lambda w: _amendment_on_page(
        w, {"decision": "accept_modified", "reason": "Gekürzt.", "adopted_text": NEW + " Gekürzt."}
    ),
    "amendment-reject": lambda w: _amendment_on_page(w, {"decision": "reject", "reason": "Passt nicht."}),
    "amendment-merge": lambda w: _amendment_on_page(w, {"decision": "merge", "reason": "Zusammengeführt."}),
}
WAITING = {"pending", "open", "submitted"}


# ---- helpers


def _login(client, world, who: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"csrf_token": csrf_token(page), "email": world[who].email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _queue_item(client, key: str) -> str:
    html = client.get("/moderation").get_data(as_text=True)
    client.token = csrf_token(html)
    found = re.search(rf'<article [^>]*id="item-{key}".*?</article>', html, re.S)
    assert found, f"item-{key} is not in the queue"
    return found.group(0)


def _post(client, item: Item, headers=None):
    token = getattr(client, "token", None) or csrf_token(client.get("/").get_data(as_text=True))
    return client.post(item.url, data={"csrf_token": token, **item.data}, headers=headers or {})


def _deciding_forms(html: str) -> int:
    return html.count('name="decision"')


def _assert_refused(client, item: Item, message: str) -> None:
    """No buttons where the item shows, and a POST (plain and htmx) is refused with 403 and the message."""
    queued = _queue_item(client, item.key)
    assert FOR_ANOTHER in queued and _deciding_forms(queued) == 0
    if item.page:
        page = client.get(item.page).get_data(as_text=True)
        assert "/decision" not in page and "Entscheidung speichern" not in page
    before = item.state()
    plain = _post(client, item)
    assert plain.status_code == 403 and message in plain.get_data(as_text=True)
    htmx = _post(client, item, HX)
    body = htmx.get_data(as_text=True)
    assert htmx.status_code == 403 and message in body
    assert "<html" not in body and 'role="alert"' in body  # a fragment htmx swaps in (403 swaps, see base.html)
    db.session.expire_all()
    assert item.state() == before and before in WAITING
    assert factories.count(AuditEntry) == 0


def _assert_decided(client, item: Item) -> None:
    queued = _queue_item(client, item.key)
    assert FOR_ANOTHER not in queued
    if item.page:
        assert "/decision" in client.get(item.page).get_data(as_text=True)
    else:
        assert _deciding_forms(queued) >= 1
    response = _post(client, item)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert item.state() not in WAITING and factories.count(AuditEntry) == 1


# ---- the rule, through the routes

# The matrices run on SQLite only: the rule is Python (one predicate); the one query it makes
# (`moderator_organisations`) runs on both databases in the tests below the matrices.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])

# While a moderator outside IEB (of NAVE) is active: they decide; nobody of IEB does, nor the board.
ACTORS = {
    "moderator-own": OWN,
    "moderator-other": None,
    "board-own": OWN,
    "board-other": ONLY_MODERATORS,
}


@SQLITE_ONLY
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("actor", ACTORS)
def test_nobody_decides_their_own_organisations_items(client, world, kind, actor):
    item = KINDS[kind](world)
    _login(client, world, actor)
    if ACTORS[actor] is None:
        _assert_decided(client, item)
    else:
        _assert_refused(client, item, ACTORS[actor])


# When the only active moderator is of IEB, the board decides IEB's items, but never a board member of IEB.
FALLBACK = {
    "moderator-own": OWN,
    "board-own": OWN,
    "board-other": None,
    "board-none": None,
}


@SQLITE_ONLY
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("actor", FALLBACK)
def test_the_board_decides_where_no_moderator_outside_the_organisation_is_left(client, world, kind, actor):
    world["moderator-other"].is_active_account = False
    db.session.commit()
    item = KINDS[kind](world)
    _login(client, world, actor)
    if FALLBACK[actor] is None:
        _assert_decided(client, item)
    else:
        _assert_refused(client, item, FALLBACK[actor])


def test_a_moderator_reads_the_own_organisations_items_clearly_and_decides_the_others(client, world):
    ours = _held_comment(world, {"decision": "publish"})
    draft = world["held"]
    theirs = post_comment(world["x1"], draft, draft.versions[0].texts[1], "Aus NAVE.", None, clock.now())
    db.session.commit()
    _login(client, world, "moderator-own")
    mine = _queue_item(client, ours.key)
    assert "Bitte prüfen." in mine and "<bdi>Ayşe Yılmaz</bdi> (IEB)" in mine
    assert f'<span class="badge badge--other">{FOR_ANOTHER}</span>' in mine  # in the heading, so read with it
    assert "Das kommt von Ihrer eigenen Organisation (IEB)" in mine
    other = _queue_item(client, f"comment-{theirs.id}")
    assert FOR_ANOTHER not in other and _deciding_forms(other) == 2
    # the refused htmx answer keeps the item, marked, with the message
    body = _post(client, ours, HX).get_data(as_text=True)
    assert f'id="item-{ours.key}"' in body and FOR_ANOTHER in body and "Bitte prüfen." in body


def test_a_moderators_count_leaves_out_what_another_moderator_decides(client, world):
    """The navigation counts what this person can decide: an IEB moderator's count leaves out IEB's items."""
    _held_comment(world, {"decision": "publish"})  # of IEB
    draft = world["held"]
    post_comment(world["x1"], draft, draft.versions[0].texts[1], "Aus NAVE.", None, clock.now())
    db.session.commit()
    _login(client, world, "moderator-own")
    nav = client.get("/").get_data(as_text=True)
    assert "(1 wartet)" in nav
    client.post("/logout", data={"csrf_token": csrf_token(nav)})
    _login(client, world, "moderator-other")  # of NAVE: the IEB item is theirs to decide, the NAVE one not
    assert "(1 wartet)" in client.get("/").get_data(as_text=True)


def test_the_board_finds_the_queue_only_when_something_waits_for_it(client, world):
    item = _held_comment(world, {"decision": "publish"})
    _login(client, world, "board-other")
    assert 'id="queue-link"' not in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    world["moderator-other"].is_active_account = False
    db.session.commit()
    _login(client, world, "board-other")
    nav = client.get("/").get_data(as_text=True)
    assert 'id="queue-link"' in nav and "(1 wartet)" in nav
    assert _post(client, item).status_code == 302


def test_a_merge_into_the_deciders_own_organisations_amendment_is_refused(client, world):
    item = _amendment_on_page(world, {"decision": "merge", "reason": "Zusammengeführt."})
    target = _amendment(world, "x1")  # of NAVE, the moderator's own organisation
    item.data["merged_into"] = str(target.id)
    _login(client, world, "moderator-other")
    response = _post(client, item)
    assert response.status_code == 403 and "kommt von Ihrer eigenen Organisation" in response.get_data(as_text=True)
    db.session.expire_all()
    assert item.state() == "submitted"


# ---- the predicate itself


def test_the_predicate_answers_for_authors_items_without_organisation_and_inactive_moderators(app, world):
    from consult.accounts.permissions import can_decide_item, outside_moderator_exists

    comment = _held_comment(world, {})
    held = db.session.get(Comment, int(comment.key.split("-")[1]))
    orphan = Comment(
        paragraph_id=held.paragraph_id,
        version_id=held.version_id,
        author_id=None,
        organisation_id=None,
        body="x",
        body_html="<p>x</p>",
        status=CommentStatus.PENDING,
    )
    db.session.add(orphan)
    db.session.commit()
    free = factories.user(email="mod@example.org", roles=(Role.MODERATOR,))
    assert can_decide_item(free, held) and can_decide_item(free, orphan)
    assert not can_decide_item(world["moderator-own"], held) and can_decide_item(world["moderator-own"], orphan)
    assert not can_decide_item(world["a1"], held) and not can_decide_item(world["a1"], orphan)  # not a moderator
    # the board: not while any moderator outside the organisation is active
    assert outside_moderator_exists(world["ieb"].id) and outside_moderator_exists(None)
    assert not can_decide_item(world["board-none"], held) and not can_decide_item(world["board-none"], orphan)
    world["moderator-other"].is_active_account = False
    free.is_active_account = False
    db.session.commit()
    assert not outside_moderator_exists(world["ieb"].id) and outside_moderator_exists(None)  # IEB's moderator
    assert can_decide_item(world["board-none"], held) and can_decide_item(world["board-other"], held)
    assert not can_decide_item(world["board-own"], held)
    assert not can_decide_item(world["board-none"], orphan)  # a moderator (of IEB) can decide it
    world["moderator-own"].is_active_account = False  # no active moderator at all
    db.session.commit()
    assert can_decide_item(world["board-none"], orphan)
    assert can_decide_item(world["board-own"], orphan)  # no organisation: nobody's own


def test_a_report_about_neither_a_comment_nor_an_amendment_is_refused_by_name(world):
    """`report` is about a comment or an amendment: called with neither (a caller's mistake) it says so,
    instead of failing on None.id, and stores nothing."""
    with pytest.raises(ValueError, match="a comment or an amendment"):
        report(world["x1"], _draft("offen"), "Das ist beleidigend.", clock.now())
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0
