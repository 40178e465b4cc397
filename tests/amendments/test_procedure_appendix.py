"""The provenance appendix of the documents says, where the organisations decide, how each amendment was
decided (by consent of the proposing organisation, with the person and the date; by the organisations'
vote), the moderation's procedural recommendation, and which organisations asked for a vote and when."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from consult.accounts.models import Role
from consult.amendments.models import AmendmentKind, AmendmentStatus, DecidedHow
from consult.amendments.procedure import consent, recommend, request_vote, settle_before_vote
from consult.amendments.services import decide, propose
from consult.drafts.models import AmendmentProcedure, Phase
from consult.exports.document import build_document
from consult.exports.markdown import render_markdown
from consult.exports.page import render_page
from consult.extensions import db
from tests import factories

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)  # 10:00 in Berlin


@pytest.fixture
def decided(app):
    """Three amendments of a draft where the organisations decide: one taken over by consent, one put to the
    vote after a request and rejected there, one in the moderators' words for comparison."""
    abc, xyz = (
        factories.organisation(name="Verein Anfang", short_name="ABC"),
        factories.organisation(name="Verein Zukunft", short_name="XYZ"),
    )
    a1 = factories.user(org=abc, name="Anna Eins")
    x1 = factories.user(org=xyz, name="Xaver Eins")
    mod = factories.user(roles=(Role.MODERATOR,), name="Mona Moderation")
    draft = factories.draft(paragraphs=4, phase=Phase.COMMENTING, slug="teilhabe")
    draft.amendment_procedure = AmendmentProcedure.ORGANISATIONS
    texts = draft.versions[0].texts
    with app.test_request_context():
        modified = propose(a1, draft, texts[1], AmendmentKind.REPLACE, "Absatz 2: Gemeinsam beraten.", "Besser.", NOW)
        asked = propose(a1, draft, texts[2], AmendmentKind.REPLACE, "Absatz 3: Neu beraten.", "Klarer.", NOW)
        recommend(
            mod,
            modified,
            draft,
            "accept_modified",
            "Etwas offener.",
            NOW + timedelta(hours=1),
            recommended_text="Absatz 2: Gemeinsam und offen beraten.",
        )
        recommend(mod, asked, draft, "accept", "", NOW + timedelta(hours=1))
        consent(a1, modified, draft, NOW + timedelta(hours=2))
        request_vote(x1, asked, draft, NOW + timedelta(hours=3))
        settle_before_vote(mod, draft, NOW + timedelta(days=1))
        # What the organisations' vote decides (consult.amendments.outcomes) for the one put to the vote.
        assert asked.status == AmendmentStatus.PUT_TO_VOTE
        asked.status, asked.decided_how = AmendmentStatus.REJECTED, DecidedHow.VOTE
        asked.decided_at = NOW + timedelta(days=2)
        db.session.commit()
        yield draft


def test_the_markdown_and_print_appendix_say_how_each_amendment_was_decided(app, decided):
    with app.test_request_context():
        document = build_document(decided, decided.versions[-1])
        markdown = render_markdown(document)
        page = render_page(document)
    # Taken over by consent: the organisation in the decision, the person and date under "Entschieden von".
    assert "Modifiziert übernommen · durch Zustimmung von Verein Anfang (ABC)" in markdown
    # (the Markdown export escapes every colon of a value)
    assert r"Verfahrensvorschlag: Modifiziert übernehmen (Mona Moderation, 5. Dezember 2026, 11\:00)" in markdown
    # The person who agreed; the decision is dated at the step into voting.
    assert "Entschieden von: Anna Eins, 6. Dezember 2026, 10:00" in markdown
    assert "Entschieden von: 7. Dezember 2026, 10:00" in markdown  # the vote: no person
    # Put to the vote after a request, and rejected by the vote.
    assert "Zurückgewiesen · durch Abstimmung der Organisationen" in markdown
    assert r"Verfahrensvorschlag: Übernehmen (Mona Moderation, 5. Dezember 2026, 11\:00)" in markdown
    assert r"Abstimmung verlangt von: Verein Zukunft (XYZ), 5. Dezember 2026, 13\:00" in markdown
    for words in (
        "durch Zustimmung von Verein Anfang (ABC)",
        "durch Abstimmung der Organisationen",
        "Modifiziert übernehmen (Mona Moderation, 5. Dezember 2026, 11:00)",
        "Verein Zukunft (XYZ), 5. Dezember 2026, 13:00",
    ):
        assert words in page


def test_the_moderators_procedure_keeps_its_appendix_words(app):
    org = factories.organisation(short_name="ABC")
    author = factories.user(org=org)
    mod = factories.user(roles=(Role.MODERATOR,), name="Mona Moderation")
    draft = factories.draft(paragraphs=3, phase=Phase.COMMENTING)
    with app.test_request_context():
        amendment = propose(
            author, draft, draft.versions[0].texts[1], AmendmentKind.REPLACE, "Absatz 2: Neu.", "Besser.", NOW
        )
        decide(mod, amendment, draft, "reject", "Nein.", NOW)
        db.session.commit()
        markdown = render_markdown(build_document(draft, draft.versions[-1]))
    assert "Entscheidung: Zurückgewiesen  " in markdown and "Verfahrensvorschlag" not in markdown
