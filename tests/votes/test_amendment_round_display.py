"""How the amendment round and its results show an alternatives set (issue 15): on the draft page each set's
members stand together under "Alternativen zu § N" with the rule of the vote, in their voting order (not by
age) and numbered by their place, then the single amendments by §; on the results page the same grouping,
with the lapsed alternative saying which amendment settled it; and in the documents' appendix (Markdown,
Word) the lapse's reason and each alternative's place."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest

from consult.accounts.models import Role
from consult.amendments.models import AlternativeSet, Amendment, AmendmentStatus, LapseReason
from consult.amendments.outcomes import decide_by_vote
from consult.core import clock
from consult.drafts.models import AmendmentProcedure, Draft, Phase
from consult.exports.document import build_document
from consult.exports.formats import FORMATS
from consult.extensions import db
from consult.votes.models import Choice, Vote
from tests import factories
from tests.votes.test_amendment_votes import make_amendment

RULE = (
    "Abgestimmt wird in dieser Reihenfolge. Der erste Antrag, der die Mehrheit erhält, ist angenommen; "
    "die folgenden sind damit erledigt."
)


def alternatives_round(draft: Draft, author, voters) -> dict[str, int]:
    """Puts `draft` into its amendment round: on § 2 three alternatives whose voting order is not their age
    (`first` and `second` are younger than `third`), a single amendment on § 4 older than the one on § 1.
    Every organisation in `voters` votes: the first alternative not carried, the second and third carried, the
    single one on § 1 carried, the one on § 4 not. Returns the amendments' ids by name."""
    draft.amendment_procedure, draft.phase = AmendmentProcedure.ORGANISATIONS, Phase.VOTING
    org = author.organisation if author is not None else None
    third = make_amendment(draft, 1, org, author, text="Absatz zwei, ganz anders geschrieben.")
    on_four = make_amendment(draft, 3, org, author, text="Absatz vier, neu.")
    first = make_amendment(draft, 1, org, author, text="Absatz zwei, erste Alternative.")
    second = make_amendment(draft, 1, org, author, text="Absatz zwei, zweite Alternative.")
    on_one = make_amendment(draft, 0, org, author, text="Absatz eins, neu.")
    now = clock.now()
    row = AlternativeSet(draft_id=draft.id, paragraph_id=first.paragraph_id, created_at=now, frozen_at=now)
    db.session.add(row)
    db.session.flush()
    for position, amendment in enumerate((first, second, third), start=1):
        amendment.alternative_set_id, amendment.alternative_position = row.id, position
    for amendment, choice in (
        (first, Choice.NO),
        (second, Choice.YES),
        (third, Choice.YES),
        (on_one, Choice.YES),
        (on_four, Choice.NO),
    ):
        for voter in voters:
            db.session.add(Vote(draft=draft, amendment_id=amendment.id, organisation=voter, choice=choice))
    db.session.commit()
    return {"first": first.id, "second": second.id, "third": third.id, "on_one": on_one.id, "on_four": on_four.id}


def close_round(draft: Draft, user) -> None:
    """The board closes the round (VOTING -> EDITING): the vote decides the amendments."""
    decide_by_vote(user, draft, clock.now() + timedelta(minutes=1))
    draft.phase = Phase.EDITING
    db.session.commit()


@pytest.fixture
def world(app):
    orgs = [factories.organisation(short_name=s) for s in ("ABC", "DEF", "GHI")]
    author = factories.user(email="a@example.org", org=orgs[0])
    board = factories.user(email="board@example.org", roles=(Role.BOARD,))
    draft = factories.draft(paragraphs=4, slug="rat", public=True)
    ids = alternatives_round(draft, author, orgs)
    return {"draft_id": draft.id, "board": board, **ids}


def _draft(world) -> Draft:
    return db.session.get(Draft, world["draft_id"])


def _positions(html: str, ids) -> list[int]:
    return [html.index(f'id="amendment-{i}"') for i in ids]


def test_the_round_groups_an_alternatives_set_in_its_voting_order(client, auth, world):
    auth.login("a@example.org", factories.PASSWORD)
    page = client.get("/drafts/rat").get_data(as_text=True)
    section = page.split('id="amendment-round"', 1)[1].split("</section>", 1)[0]
    order = [world[name] for name in ("first", "second", "third", "on_one", "on_four")]
    places = _positions(section, order)
    assert places == sorted(places), "the set in voting order, then the single amendments by §"
    assert "Alternativen zu § 2</h3>" in section and RULE in section
    for place, name in enumerate(("first", "second", "third"), start=1):
        question = section.split(f'id="amendment-{world[name]}"', 1)[1].split("</h4>", 1)[0]
        assert f"{place}. Alternative:</span>" in question
        assert f"Änderungsantrag {world[name]} · neuer Text für § 2" in question
    # The single amendments are not in the set's frame and carry no place.
    frame = section.split('class="amendment-alternatives"', 1)[1].split(f'id="amendment-{world["on_one"]}"', 1)[0]
    assert all(f'id="amendment-{world[n]}"' in frame for n in ("first", "second", "third"))
    single = section.split(f'id="amendment-{world["on_one"]}"', 1)[1].split("</h3>", 1)[0]
    assert "Alternative" not in single and f"Änderungsantrag {world['on_one']} · neuer Text für § 1" in single


def test_without_a_set_the_round_lists_the_amendments_by_paragraph(client, auth, world):
    for name in ("first", "second", "third"):
        amendment = db.session.get(Amendment, world[name])
        amendment.alternative_set_id = amendment.alternative_position = None
    db.session.commit()
    auth.login("a@example.org", factories.PASSWORD)
    section = client.get("/drafts/rat").get_data(as_text=True).split('id="amendment-round"', 1)[1]
    section = section.split("</section>", 1)[0]
    assert "Alternativen zu" not in section and RULE not in section
    order = [world[name] for name in ("on_one", "third", "first", "second", "on_four")]  # by §, then age
    places = _positions(section, order)
    assert places == sorted(places)


def test_the_round_needs_no_more_queries_for_more_sets(client, auth, world, count_queries):
    auth.login("a@example.org", factories.PASSWORD)
    with count_queries() as one:
        client.get("/drafts/rat")
    draft = _draft(world)
    author = factories.user(org=factories.organisation())
    for index in (0, 2, 3):
        members = [
            make_amendment(draft, index, author.organisation, author, text=f"Neu {index}-{n}.") for n in range(3)
        ]
        row = AlternativeSet(draft_id=draft.id, paragraph_id=members[0].paragraph_id, frozen_at=clock.now())
        db.session.add(row)
        db.session.flush()
        for position, amendment in enumerate(reversed(members), start=1):
            amendment.alternative_set_id, amendment.alternative_position = row.id, position
    db.session.commit()
    with count_queries() as four:
        page = client.get("/drafts/rat").get_data(as_text=True)
    assert page.count('class="amendment-alternatives"') == 4 and page.count('class="amendment-question"') == 14
    assert four.count == one.count, four.statements


def test_the_results_group_the_set_and_say_why_one_lapsed(client, auth, world):
    close_round(_draft(world), world["board"])
    auth.login("board@example.org", factories.PASSWORD)
    html = client.get("/drafts/rat/results").get_data(as_text=True)
    section = html.split('id="amendments"', 1)[1].split("</section>", 1)[0]
    order = [world[name] for name in ("first", "second", "third", "on_one", "on_four")]
    places = _positions(section, order)
    assert places == sorted(places)
    head = section.split('class="results-group"', 1)[1].split("</tbody>", 1)[0]
    assert "Alternativen zu § 2" in head and RULE in head and 'colspan="8"' in head

    def row(name):
        return section.split(f'id="amendment-{world[name]}"', 1)[1].split("</tbody>", 1)[0]

    first, second, third = row("first"), row("second"), row("third")
    assert "1. Alternative" in first and "2. Alternative" in second and "3. Alternative" in third
    assert "outcome--not-carried" in first and "nicht angenommen" in first and "Zurückgewiesen" in first
    assert "outcome--carried" in second and "Übernommen" in second
    # The third had a majority of its own, but the second was voted first and passed: it lapsed.
    assert f"Erledigt, weil Änderungsantrag {world['second']} angenommen wurde" in third
    assert "outcome--carried" not in third and "nicht angenommen" not in third
    assert "Alternative" not in row("on_one") and "Alternative" not in row("on_four")


def test_the_appendix_names_the_lapse_and_the_alternatives_order(app, world):
    draft = _draft(world)
    close_round(draft, world["board"])
    # Lapsed at the end of commenting without its supporters: never published, so in no document.
    unpublished = make_amendment(
        draft, 2, None, None, status=AmendmentStatus.LAPSED, lapse_reason=LapseReason.QUORUM, text="Nie veröffentlicht."
    )
    unpublished.published_at = None
    db.session.commit()
    with app.test_request_context():
        document = build_document(draft)
        markdown = FORMATS["md"].write(document).decode("utf-8")
        html = FORMATS["html"].write(document).decode("utf-8")
        word = FORMATS["docx"].write(document)
    with zipfile.ZipFile(io.BytesIO(word)) as package:
        body = package.read("word/document.xml").decode("utf-8")
    lapsed = f"Erledigt durch Annahme von Änderungsantrag {world['second']}"
    for text in (markdown, html, body):
        assert lapsed in text
        for place, name in enumerate(("first", "second", "third"), start=1):
            assert f"Alternative {place} von 3 zu § 2" in text, name
        assert "lapsed" not in text and "put_to_vote" not in text
    for text in (markdown, html, body):
        assert "Unterstützungsquorum nicht erreicht" not in text and "Nie veröffentlicht" not in text
    # The single amendments have no place in a set.
    assert markdown.count("Alternative ") == 3
