"""The amendment questions in the results (issue 15, point 4): weights and the majority rule applied to them,
and the results page, the API, votes.csv, the JSON and the documents' appendix (Markdown, HTML with its chart,
Word) stating the same figures."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from consult.amendments.models import AmendmentKind, AmendmentStatus
from consult.drafts.models import Draft, MajorityRule, Phase
from consult.exports.appendix import results_charts
from consult.exports.document import build_document
from consult.exports.formats import FORMATS
from consult.extensions import db
from consult.results.queries import results
from consult.votes.models import Choice, Vote
from tests import factories
from tests.votes.test_amendment_votes import make_amendment

Y, N, A = Choice.YES, Choice.NO, Choice.ABSTAIN
WEIGHTS = {"ADV": 3, "AEV": 1, "BKB": 1, "CHG": 1, "NMV": 1}
# First amendment: unweighted 1 yes, 2 no (not carried); weighted 3 yes, 2 no (carried by a simple majority).
# Second amendment (a deletion): unweighted 3 yes, 1 no (carried, also by two thirds); weighted 3 : 3 (not carried).
# NMV is no member: its votes do not count.
VOTES = {
    "first": {"ADV": Y, "AEV": N, "BKB": N, "CHG": A, "NMV": Y},
    "second": {"ADV": N, "AEV": Y, "BKB": Y, "CHG": Y, "NMV": N},
}


@pytest.fixture
def world(app):
    orgs = {}
    for short, weight in WEIGHTS.items():
        orgs[short] = factories.organisation(name=f"Verband {short}", short_name=short)
        orgs[short].vote_weight = weight
    orgs["NMV"].is_member = False
    author = factories.user(email="d@example.org", org=orgs["AEV"])
    factories.user(email="board@example.org", roles=(factories.Role.BOARD,))
    draft = factories.draft(paragraphs=4, phase=Phase.VOTING, slug="rat", public=True)
    first = make_amendment(draft, 1, orgs["AEV"], author, text="Absatz 2: Alle Verbände beraten zusammen.")
    second = make_amendment(draft, 2, orgs["AEV"], author, text=None)
    second.kind = AmendmentKind.DELETE
    waiting = make_amendment(draft, 3, orgs["AEV"], author, status=AmendmentStatus.SUBMITTED, text="Nie gezählt.")
    amendments = {"first": first, "second": second}
    for name, choices in VOTES.items():
        for short, choice in choices.items():
            db.session.add(Vote(draft=draft, amendment_id=amendments[name].id, organisation=orgs[short], choice=choice))
    db.session.commit()
    return {"draft_id": draft.id, "first": first.id, "second": second.id, "waiting": waiting.id}


def _draft(world) -> Draft:
    return db.session.get(Draft, world["draft_id"])


def _figures(question):
    return (question.counts.yes, question.counts.no, question.counts.abstain, question.voted, question.entitled)


@pytest.mark.parametrize(
    "rule, weighted, carried",
    [
        (MajorityRule.SIMPLE, False, (False, True)),
        (MajorityRule.SIMPLE, True, (True, False)),
        (MajorityRule.TWO_THIRDS, False, (False, True)),
        (MajorityRule.TWO_THIRDS, True, (False, False)),
    ],
)
def test_weights_and_the_majority_rule_decide_amendment_questions(app, world, rule, weighted, carried):
    draft = _draft(world)
    draft.majority_rule, draft.weighted_votes = rule, weighted
    db.session.commit()
    found = results(draft)
    first, second = found.amendment(world["first"]), found.amendment(world["second"])
    assert [q.amendment_id for q in found.amendments] == [world["first"], world["second"]]  # not the waiting one
    assert _figures(first) == (1, 2, 1, 4, 4) and _figures(second) == (3, 1, 0, 4, 4)
    assert (first.position, first.kind, second.kind) == (2, AmendmentKind.REPLACE, AmendmentKind.DELETE)
    assert first.excerpt == "Absatz 2: Alle Verbände beraten zusammen." and second.excerpt == ""
    if weighted:
        assert (first.weighted.yes, first.weighted.no, second.weighted.yes, second.weighted.no) == (3, 2, 3, 3)
    else:
        assert first.weighted is None
    assert (first.carried, second.carried) == carried
    assert [o.short_name for o in first.organisations(Y)] == ["ADV"]


def test_the_results_page_has_the_amendment_questions(client, auth, world):
    _draft(world).weighted_votes = True
    db.session.commit()
    auth.login("board@example.org", factories.PASSWORD)
    html = client.get("/drafts/rat/results").get_data(as_text=True)
    section = html.split('id="amendments"', 1)[1].split("</section>", 1)[0]
    first = section.split(f'id="amendment-{world["first"]}"', 1)[1].split("</tbody>", 1)[0]
    second = section.split(f'id="amendment-{world["second"]}"', 1)[1].split("</tbody>", 1)[0]
    assert f'href="/drafts/rat/amendments/{world["first"]}">Änderungsantrag {world["first"]}</a>' in first
    assert "neuer Text für § 2" in first and "Absatz 2: Alle Verbände beraten zusammen." in first
    assert "§ 3 streichen" in second
    # Weighted figures decide: 3 yes, 2 no for the first (carried), 3 : 3 for the second (not carried).
    cells = [c.split(">", 1)[1].split("<", 1)[0] for c in first.split('class="num" data-label=')[1:4]]
    assert cells == ["3", "2", "1"]
    assert "4&thinsp;/&thinsp;4" in first and "outcome--carried" in first
    assert "outcome--not-carried" in second
    assert 'class="share"' in first and 'class="share__part share__part--yes" width="50.000%"' in first
    assert '<abbr title="Verband ADV">ADV</abbr>' in first  # who voted how
    assert f"Änderungsantrag {world['waiting']}" not in html


def test_the_results_page_needs_a_fixed_number_of_queries_whatever_the_amendments(client, auth, world, count_queries):
    auth.login("board@example.org", factories.PASSWORD)
    with count_queries() as two:
        client.get("/drafts/rat/results")
    draft = _draft(world)
    author = factories.user()
    for i in range(12):
        amendment = make_amendment(draft, 1 + i % 3, author.organisation, author, text=f"Neu {i}.")
        db.session.add(Vote(draft=draft, amendment_id=amendment.id, organisation=author.organisation, choice=Y))
    db.session.commit()
    with count_queries() as fourteen:
        html = client.get("/drafts/rat/results").get_data(as_text=True)
    assert html.count('id="amendment-') == 14
    assert fourteen.count == two.count, fourteen.statements


def test_the_api_has_the_amendment_questions(client, world):
    data = client.get("/api/v1/drafts/rat").get_json()
    assert [(a["number"], a["paragraph"], a["kind"], a["status"]) for a in data["amendments"]] == [
        (world["first"], 2, "replace", "put_to_vote"),
        (world["second"], 3, "delete", "put_to_vote"),
    ]
    assert data["amendments"][0]["tally"] == {"yes": 1, "no": 2, "abstain": 1, "voted": 4, "entitled": 4}
    assert data["amendments"][1]["tally"] == {"yes": 3, "no": 1, "abstain": 0, "voted": 4, "entitled": 4}
    # The paragraph's and the whole draft's tallies do not count the amendment votes.
    assert data["tally"]["voted"] == 0 and all(p["tally"]["voted"] == 0 for p in data["paragraphs"])


def test_csv_json_and_every_document_have_the_amendment_questions(app, world):
    draft = _draft(world)
    draft.weighted_votes = True
    db.session.commit()
    first, second = world["first"], world["second"]
    with app.test_request_context():
        document = build_document(draft)
        votes = FORMATS["votes.csv"].write(document).decode("utf-8-sig")
        data = json.loads(FORMATS["json"].write(document))
        markdown = FORMATS["md"].write(document).decode("utf-8")
        html = FORMATS["html"].write(document).decode("utf-8")
        word = FORMATS["docx"].write(document)
        charts = results_charts(document.results)
    rows = [(r["question"], r["organisation"], r["choice"]) for r in csv.DictReader(io.StringIO(votes))]
    assert (f"a{first}", "ADV", "yes") in rows and (f"a{second}", "ADV", "no") in rows
    assert not any(question == "whole" for question, _, _ in rows)  # no amendment vote read as the whole draft's
    assert len(rows) == 10  # NMV's votes stay in the table of every vote cast
    on_first = data["results"]["amendments"][0]
    assert (
        on_first["amendment"],
        on_first["paragraph"],
        on_first["kind"],
        on_first["yes"],
        on_first["no"],
        on_first["weighted"]["yes"],
        on_first["carried"],
    ) == (first, 2, "replace", 1, 2, 3, True)
    assert data["results"]["amendments"][1]["carried"] is False
    assert {v["amendment"] for v in data["votes"]} == {first, second}
    assert f"- Änderungsantrag {first} (§ 2): Ja 1 (3) · Nein 2 (2) · Enthaltung 1 (1)" in markdown
    assert f"Änderungsantrag {second} (§ 3)" in markdown
    assert f'<th scope="row">Änderungsantrag {first} (§ 2)</th>' in html
    assert f">Antrag {first}</text>" in html  # the chart's bar
    labels = [row.label for chart in charts for row in chart.rows]
    assert labels[-2:] == [f"Antrag {first}", f"Antrag {second}"]
    assert f"Änderungsantrag {first} (§ 2): Ja 3, Nein 2, Enthaltung 1, angenommen" in charts[-1].alt
    with zipfile.ZipFile(io.BytesIO(word)) as package:
        body = package.read("word/document.xml").decode("utf-8")
    assert f"Änderungsantrag {first} (§ 2)" in body and f"Änderungsantrag {second} (§ 3)" in body
