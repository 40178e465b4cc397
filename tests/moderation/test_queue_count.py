"""The navigation's count of what waits for a person (`decidable_count`, one query) says what
`can_decide_item` says item by item, for moderators and board members of the item's own, another and
no organisation, whichever moderators are active."""

from __future__ import annotations

import pytest

from consult.accounts.permissions import can_decide_item, is_moderator
from consult.accounts.queries import moderator_organisations
from consult.comments.services import post_comment
from consult.core import clock
from consult.extensions import db
from consult.moderation.queries import decidable_count, waiting
from consult.moderation.services import report
from tests.moderation.test_duties import (
    _amendment,
    _draft,
    _held_comment,
    _reported,
    fixture_world,  # noqa: F401  (the fixture world)
)

PEOPLE = ("moderator-own", "moderator-other", "board-own", "board-other", "board-none")


@pytest.fixture
def items(world):
    """Held comments of IEB and NAVE, an amendment of IEB, reports on a comment and on an amendment of IEB,
    and a report on a comment of NAVE."""
    _held_comment(world, {})
    draft = world["held"]
    post_comment(world["x1"], draft, draft.versions[0].texts[1], "Aus NAVE.", None, clock.now())
    _amendment(world)
    _reported(world, {}, "comment")
    _reported(world, {}, "amendment")
    open_draft = _draft("offen")
    nave_comment = post_comment(
        world["x1"], open_draft, open_draft.versions[0].texts[1], "NAVE spricht.", None, clock.now()
    )
    report(world["a1"], open_draft, "Bitte prüfen.", clock.now(), comment=nave_comment)
    db.session.commit()
    return world


def _counts(world) -> dict[str, tuple[int, int]]:
    queue = waiting()
    found = {}
    for name in PEOPLE:
        user = world[name]
        if not user.is_active_account:  # signed out: the navigation never counts for them
            continue
        expected = sum(can_decide_item(user, item.content) for item in queue)
        found[name] = (decidable_count(user, is_moderator(user), moderator_organisations()), expected)
    return found


@pytest.mark.parametrize(
    "inactive", [(), ("moderator-other",), ("moderator-own",), ("moderator-own", "moderator-other")]
)
def test_the_count_in_the_database_matches_the_predicate(app, items, inactive):
    for name in inactive:
        items[name].is_active_account = False
    db.session.commit()
    counts = _counts(items)
    assert len(waiting()) == 7  # two held comments, two amendments, three reports
    assert all(found == expected for found, expected in counts.values()), counts
    # The cases differ: an IEB moderator counts NAVE's two items, a NAVE moderator IEB's five; the board
    # counts what only it can decide (IEB's when only an IEB moderator is left, everything without one).
    expected = {
        (): {"moderator-own": 2, "moderator-other": 5, "board-own": 0, "board-other": 0, "board-none": 0},
        ("moderator-other",): {"moderator-own": 2, "board-own": 0, "board-other": 5, "board-none": 5},
        ("moderator-own",): {"moderator-other": 5, "board-own": 2, "board-other": 0, "board-none": 2},
        ("moderator-own", "moderator-other"): {"board-own": 2, "board-other": 5, "board-none": 7},
    }
    assert {name: found for name, (found, _) in counts.items()} == expected[inactive]
