"""A draft where the organisations decide the amendments, with three organisations, a moderator and the
board, and small steps on it: shared by the tests of alternatives sets, of the phases where the organisations
decide, of the quorum settings and of `flask set-phase` (issue 15)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consult.accounts.models import Role
from consult.amendments.models import Amendment, AmendmentKind, AmendmentStatus
from consult.amendments.services import propose
from consult.board.services import change_phase
from consult.core import clock
from consult.drafts.models import AmendmentProcedure, Draft, Phase
from consult.drafts.services import current_version, import_draft, paragraph_texts, set_phase
from consult.extensions import db
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories
from tests.conftest import Auth

SECOND = "Die Bundesregierung fördert die Teilhabe. Die Länder sichern die Vielfalt."
THIRD = "Absatz drei bleibt, wie er ist."
BLOCKS = ["# Teilhabe", SECOND, THIRD, "Absatz vier schließt."]
STRENGTHENS = SECOND.replace("fördert", "stärkt")
FINANCES = SECOND.replace("fördert", "finanziert sehr großzügig")
PROTECTS = SECOND.replace("sichern", "schützen")


@pytest.fixture(name="world")
def fixture_world(app):
    """A draft where the organisations decide, in commenting: three organisations' delegates, a moderator,
    the board (English interface)."""
    orgs = [factories.organisation(short_name=s) for s in ("ABC", "DEF", "GHI")]
    people = {f"d{n}": factories.user(email=f"d{n}@example.org", org=org) for n, org in enumerate(orgs, start=1)}
    people["mod"] = factories.user(email="mod@example.org", roles=(Role.MODERATOR,))
    people["board"] = factories.user(email="board@example.org", roles=(Role.BOARD,))
    for person in people.values():
        person.locale = "en"
    draft = import_draft("\n\n".join(BLOCKS) + "\n", "Teilhabe stärken", "teilhabe")
    draft.amendment_procedure = AmendmentProcedure.ORGANISATIONS
    set_phase(draft, Phase.COMMENTING)
    db.session.commit()
    return {"draft_id": draft.id, **people, "minutes": iter(range(100))}


def draft_of(world) -> Draft:
    db.session.expire_all()
    return db.session.get(Draft, world["draft_id"])


def propose_at(world, position: int, kind: AmendmentKind, text: str | None = None, who: str = "d1") -> int:
    """An amendment to § position, each one a minute younger than the one before."""
    draft = draft_of(world)
    paragraph = paragraph_texts(current_version(draft))[position - 1]
    at = clock.now() - timedelta(hours=2) + timedelta(minutes=next(world["minutes"]))
    amendment = propose(world[who], draft, paragraph, kind, text, "Weil es besser ist.", at)
    db.session.commit()
    return amendment.id


def amendment_of(amendment_id: int) -> Amendment:
    db.session.expire_all()
    return db.session.get(Amendment, amendment_id)


def to_voting(world) -> None:
    change_phase(world["board"], draft_of(world), Phase.EDITING, None, now=clock.now())
    db.session.commit()
    change_phase(world["board"], draft_of(world), Phase.VOTING, None, now=clock.now())
    db.session.commit()


def vote_on(world, amendment_id: int, *choices: Choice) -> None:
    """The three organisations' votes on an amendment put to the vote."""
    draft = draft_of(world)
    for who, choice in zip(("d1", "d2", "d3"), choices, strict=False):  # fewer choices: the first ones vote
        cast_vote(world[who], draft, None, choice, clock.now(), amendment=amendment_of(amendment_id))
    db.session.commit()


def put_to_vote(*ids: int) -> None:
    db.session.execute(
        Amendment.__table__.update().where(Amendment.id.in_(ids)).values(status=AmendmentStatus.PUT_TO_VOTE)
    )
    db.session.commit()


def login(client, who: str) -> None:
    Auth(client).login(f"{who}@example.org", factories.PASSWORD)
