"""The draft every translation test starts from: five paragraphs in the commenting phase, a translator into
Turkish, one into Arabic, a delegate, a moderator, the board and an administrator (reading English)."""

from __future__ import annotations

import pytest

from consult.accounts.models import Role
from consult.amendments.models import AmendmentKind
from consult.amendments.services import Decision, decide, propose
from consult.core import clock
from consult.drafts.models import Draft, Phase
from consult.drafts.services import current_version, import_draft, paragraph_texts, set_phase
from consult.extensions import db
from consult.translations.models import Translator
from consult.versions.services import publish_version, start_version
from tests import factories

BLOCKS = [
    "# Teilhabe",
    "Die Bundesregierung fördert die Teilhabe.",
    "Absatz drei bleibt, wie er ist.",
    "Absatz vier wird geändert.",
    "Absatz fünf schließt.",
]
TURKISH = [
    "# Katılım",
    "Federal hükümet katılımı destekler.",
    "Üçüncü paragraf olduğu gibi kalır.",
    "Dördüncü paragraf değiştirilir.",
    "Beşinci paragraf kapanır.",
]


@pytest.fixture
def world(app):
    org = factories.organisation(short_name="ABC")
    people = {
        "delegate": factories.user(email="delegate@example.org", org=org),
        "tr": factories.user(email="tr@example.org", org=org, name="Ayşe Çevirmen"),
        "ar": factories.user(email="ar@example.org", org=org, name="Layla Translator"),
        "mod": factories.user(email="mod@example.org", roles=(Role.MODERATOR,)),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
        "admin": factories.user(email="admin@example.org", roles=(Role.ADMIN,)),
    }
    for person in people.values():
        person.locale = "en"
    db.session.add_all(
        [Translator(user_id=people["tr"].id, language="tr"), Translator(user_id=people["ar"].id, language="ar")]
    )
    draft = import_draft("\n\n".join(BLOCKS) + "\n", "Teilhabe stärken", "teilhabe")
    set_phase(draft, Phase.COMMENTING)
    db.session.commit()
    return {"draft_id": draft.id, "pids": [t.paragraph_id for t in draft.versions[0].texts], **people}


def the_draft(world) -> Draft:
    return db.session.get(Draft, world["draft_id"])


def new_version(world, changes: dict[int, str]):
    """Version N+1 with the paragraphs at the given positions rewritten (accepted amendments), published."""
    draft = the_draft(world)
    texts = paragraph_texts(current_version(draft))
    for position, text in changes.items():
        amendment = propose(
            world["delegate"], draft, texts[position - 1], AmendmentKind.REPLACE, text, "Klarer.", clock.now()
        )
        decide(world["mod"], amendment, draft, Decision.ACCEPT, "", clock.now())
    db.session.commit()
    version = start_version(world["mod"], draft, clock.now())
    db.session.commit()
    publish_version(world["mod"], version, clock.now())
    db.session.commit()
    return current_version(the_draft(world))
