"""The draft every version test starts from: five paragraphs in the commenting phase, two organisations'
delegates, two moderators and a board member (reading the English interface)."""

from __future__ import annotations

import pytest

from consult.accounts.models import Role
from consult.drafts.models import Phase
from consult.drafts.services import import_draft, set_phase
from consult.extensions import db
from tests import factories

SECOND = "Die Bundesregierung fördert die Teilhabe. Die Länder sichern die Vielfalt."
BLOCKS = [
    "# Teilhabe",
    SECOND,
    "Absatz drei bleibt, wie er ist.",
    "Absatz vier wird gestrichen.",
    "Absatz fünf schließt.",
]


@pytest.fixture
def world(app):
    org, other = factories.organisation(short_name="ABC"), factories.organisation(short_name="XYZ")
    people = {
        "a1": factories.user(email="a1@example.org", org=org),
        "x1": factories.user(email="x1@example.org", org=other),
        "mod": factories.user(email="mod@example.org", roles=(Role.MODERATOR,)),
        "mod2": factories.user(email="mod2@example.org", roles=(Role.MODERATOR,)),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
    }
    for person in people.values():
        person.locale = "en"
    draft = import_draft("\n\n".join(BLOCKS) + "\n", "Teilhabe stärken", "teilhabe")
    set_phase(draft, Phase.COMMENTING)
    db.session.commit()
    return {"draft_id": draft.id, "pids": [t.paragraph_id for t in draft.versions[0].texts], **people}
