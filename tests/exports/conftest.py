"""The demo participation-law draft, carried through a new version and a weighted vote to adoption."""

from __future__ import annotations

import pytest

from consult.accounts.models import User
from consult.amendments.models import AmendmentKind
from consult.amendments.services import decide, propose
from consult.board.services import adopt
from consult.core import clock
from consult.demo.content import DELEGATES, STAFF
from consult.demo.services import demo_email, seed_demo
from consult.drafts.models import Phase
from consult.drafts.services import get_by_slug, is_heading, set_phase
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.versions.services import publish_version, start_version
from consult.votes.models import Choice
from consult.votes.services import cast_vote

DEMO_SLUG = "participation-law"
# Each organisation's choices on the first paragraphs put to the vote: mixed, so that one paragraph
# is carried, one is not and one is tied; IEB's vote weighs 2.
PARAGRAPH_CHOICES = {
    "IEB": (Choice.YES, Choice.NO, Choice.YES, Choice.ABSTAIN),
    "NAVE": (Choice.YES, Choice.NO, Choice.NO, Choice.YES),
    "GDGW": (Choice.NO, Choice.ABSTAIN, Choice.NO),
}


def _demo_user(email: str) -> User:
    return db.session.query(User).filter_by(email=email).one()


@pytest.fixture
def adopted_demo(app):
    return adopt_demo(app)


def adopt_demo(app):
    """Seed the demo and adopt its participation-law draft (also used by tests/backup, which fills a database
    once per module)."""
    seed_demo()
    draft = get_by_slug(DEMO_SLUG)
    delegate = _demo_user(demo_email(DELEGATES["IEB"][0], "IEB"))
    moderator = _demo_user(demo_email(STAFF["moderator"]))
    with app.test_request_context():
        # Version 2 differs from version 1 by an accepted amendment, so the change document has changes.
        text = next(t for t in draft.versions[0].texts if "im Sinne des Gesetzes" in t.text)
        amendment = propose(
            delegate,
            draft,
            text,
            AmendmentKind.REPLACE,
            text.text.replace("Wir schlagen vor", "Wir fordern"),
            "Klarer.",
            clock.now(),
        )
        decide(moderator, amendment, draft, "accept", "", clock.now())
        publish_version(moderator, start_version(moderator, draft, clock.now()), clock.now())
    draft.weighted_votes = True
    db.session.query(Organisation).filter_by(short_name="IEB").one().vote_weight = 2
    set_phase(draft, Phase.VOTING)
    questions = [t.paragraph_id for t in draft.versions[-1].texts if not is_heading(t.text)]
    for short_name, choices in PARAGRAPH_CHOICES.items():
        voter = _demo_user(demo_email(DELEGATES[short_name][0], short_name))
        cast_vote(voter, draft, None, Choice.YES, clock.now())
        # Each votes on as many of the first paragraphs as it has choices; the others go without its vote.
        for paragraph_id, choice in zip(questions, choices, strict=False):
            cast_vote(voter, draft, paragraph_id, choice, clock.now())
    board = _demo_user(demo_email(STAFF["board"]))
    with app.test_request_context():
        adopt(board, draft, Phase.VOTING, clock.now())
    db.session.commit()
    return draft
