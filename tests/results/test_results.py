"""The results of a draft: exact figures under both majority rules, weighted and not, and the page
that shows them to whoever sees the draft (the not-voted list to the office only).

The people here read the English interface, so that the assertions hold before and after the
German catalogue has the new texts; one test reads the German page once it has them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from consult.accounts.models import Role
from consult.drafts.models import Draft, MajorityRule, Phase, VersionStatus
from consult.drafts.services import build_version
from consult.extensions import db
from consult.results.queries import Figures, excerpt, majority_met, results
from consult.votes.models import Choice, Vote
from tests import factories
from tests.conftest import csrf_token

Y, N, A = Choice.YES, Choice.NO, Choice.ABSTAIN

# Four entitled organisations (ADV weighs 3), one that is not a member, one inactive.
# Their names sort as a dictionary does: "Ägyptischer" between "Afrikanischer" and "Bosnischer".
ORGANISATIONS = {
    "ADV": ("Afrikanischer Dachverband", 3),
    "AEV": ("Ägyptischer Elternverein", 1),
    "BKB": ("Bosnischer Kulturbund", 1),
    "CHG": ("Chilenische Gemeinde", 1),
    "NMV": ("Nichtmitglied Verein", 1),
    "INV": ("Inaktiver Verein", 1),
}
# § 1 is a heading; § 2 and § 3 are put to the vote; None is the whole draft.
# NMV's and INV's votes must not count: with them, § 2 unweighted would be carried.
VOTES = {
    2: {"ADV": Y, "AEV": N, "BKB": N, "CHG": A, "NMV": Y, "INV": Y},
    3: {"ADV": N, "AEV": Y, "BKB": Y, "NMV": N, "INV": N},
    None: {"ADV": Y, "AEV": Y, "CHG": N, "NMV": N, "INV": N},
}


@pytest.fixture
def world(app):
    orgs = {}
    for short, (name, weight) in ORGANISATIONS.items():
        orgs[short] = factories.organisation(name=name, short_name=short)
        orgs[short].vote_weight = weight
    orgs["NMV"].is_member = False
    orgs["INV"].is_active = False
    people = {
        "delegate": factories.user(email="d@example.org", org=orgs["ADV"]),
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
        "mod": factories.user(email="mod@example.org", roles=(Role.MODERATOR,)),
    }
    for person in people.values():
        person.locale = "en"
    draft = factories.draft(paragraphs=3, phase=Phase.VOTING, slug="rat", public=True, title="Ein Rat")
    pids = {t.position: t.paragraph_id for t in draft.versions[0].texts}
    for position, choices in VOTES.items():
        for short, choice in choices.items():
            db.session.add(
                Vote(
                    draft=draft,
                    paragraph_id=pids[position] if position else None,
                    organisation=orgs[short],
                    choice=choice,
                )
            )
    db.session.commit()
    return {"draft_id": draft.id, "pids": pids, "orgs": orgs, **people}


def _draft(world) -> Draft:
    return db.session.get(Draft, world["draft_id"])


def _set(world, **values) -> None:
    draft = _draft(world)
    for name, value in values.items():
        setattr(draft, name, value)
    db.session.commit()


def _shorts(organisations) -> list[str]:
    return [o.short_name for o in organisations]


# --- The figures --------------------------------------------------------------------------------


def test_counts_turnout_and_who_voted_how_unweighted(world):
    r = results(_draft(world))
    assert [q.position for q in r.paragraphs] == [2, 3]  # the heading is not put to the vote
    assert _shorts(r.entitled) == ["ADV", "AEV", "BKB", "CHG"]  # NMV and INV are not entitled
    p2, p3, whole = *r.paragraphs, r.whole
    assert (p2.counts, p3.counts, whole.counts) == (Figures(1, 2, 1), Figures(2, 1, 0), Figures(2, 1, 0))
    assert p2.weighted is p3.weighted is whole.weighted is None
    assert (p2.voted, p2.entitled, p3.voted, whole.voted) == (4, 4, 3, 3)
    assert (p2.turnout, p3.turnout) == (1.0, 0.75)
    assert [(o.short_name, c) for o, c in p2.ballots] == [("ADV", Y), ("AEV", N), ("BKB", N), ("CHG", A)]
    assert _shorts(p2.organisations("no")) == ["AEV", "BKB"]
    assert (_shorts(p2.not_voted), _shorts(p3.not_voted), _shorts(whole.not_voted)) == ([], ["CHG"], ["BKB"])
    assert p2.excerpt == "Absatz 2: Die Mitgliedsorganisationen beraten über Teilhabe und Vielfalt."
    assert whole.is_whole_draft and whole.position is None


def test_weighted_sums_and_turnout(world):
    _set(world, weighted_votes=True)
    r = results(_draft(world))
    p2, p3, whole = *r.paragraphs, r.whole
    assert r.weighted
    assert (p2.weighted, p3.weighted, whole.weighted) == (Figures(3, 2, 1), Figures(2, 3, 0), Figures(4, 1, 0))
    assert p2.counts == Figures(1, 2, 1)  # the counts stay one per organisation
    assert (p3.voted_weight, p3.entitled_weight, p3.weighted_turnout) == (5, 6, 5 / 6)
    assert (p3.voted, p3.turnout) == (3, 0.75)


@pytest.mark.parametrize(
    "rule, weighted, carried",
    [
        (MajorityRule.SIMPLE, False, (True, False, True)),
        (MajorityRule.TWO_THIRDS, False, (True, False, True)),  # § 3: 2 of 3 is exactly two thirds
        (MajorityRule.SIMPLE, True, (True, True, False)),  # ADV's weight of 3 turns § 2 and § 3
        (MajorityRule.TWO_THIRDS, True, (True, False, False)),  # § 2: 3 yes of 5 is less than two thirds
    ],
)
def test_majority_rule_weighted_and_not(world, rule, weighted, carried):
    _set(world, majority_rule=rule, weighted_votes=weighted)
    r = results(_draft(world))
    assert r.rule == rule
    assert tuple(q.carried for q in r.questions) == carried


def test_an_adopted_draft_shows_the_version_adopted(world):
    draft = _draft(world)
    version_1 = draft.versions[0]
    draft.adopted_version_id, draft.phase = version_1.id, Phase.ADOPTED
    later = build_version(draft, 2, [(version_1.texts[2].paragraph, "Nur noch ein Absatz.")])
    later.status = VersionStatus.PUBLISHED
    db.session.commit()
    r = results(_draft(world))
    assert r.version_number == 1 and [q.position for q in r.paragraphs] == [2, 3]


@pytest.mark.parametrize(
    "figures, simple, two_thirds",
    [
        (Figures(0, 0, 0), False, False),
        (Figures(0, 0, 3), False, False),  # abstentions are not cast votes
        (Figures(1, 1, 5), False, False),  # a tie is not a majority
        (Figures(3, 2, 0), True, False),
        (Figures(2, 1, 9), True, True),
        (Figures(1, 0, 0), True, True),
    ],
)
def test_majority_met(figures, simple, two_thirds):
    assert majority_met(MajorityRule.SIMPLE, figures) is simple
    assert majority_met(MajorityRule.TWO_THIRDS, figures) is two_thirds


def test_excerpt_is_plain_text_cut_at_a_word():
    text = "Die *Mitgliedsorganisationen* beraten über [Teilhabe](https://example.org) und " + "Vielfalt " * 12
    short = excerpt(text)
    assert len(short) <= 80 and short.endswith("…") and "*" not in short and "https" not in short
    assert short.startswith("Die Mitgliedsorganisationen beraten über Teilhabe und Vielfalt")
    assert not short[:-1].endswith(" ") and excerpt("Kurz und *gut*.") == "Kurz und gut."


# --- The page -----------------------------------------------------------------------------------


def _english(client) -> None:
    page = client.get("/").get_data(as_text=True)
    client.post("/language", data={"language": "en", "next": "/", "csrf_token": csrf_token(page)})


def _cells(html: str, position: int) -> list[str]:
    """The text of the figures row of § `position` in the paragraph table."""
    row = html.split(f'<tbody class="results-row" id="p{position}"', 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).replace("&nbsp;", " ").replace("&thinsp;", "").split()) for c in cells]


def _section(html: str, element_id: str) -> str:
    return html.split(f'id="{element_id}"', 1)[1].split("</section>", 1)[0]


def test_page_shows_the_figures_and_outcomes(client, auth, world):
    auth.login("d@example.org", factories.PASSWORD)
    response = client.get("/drafts/rat/results")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert "<h1>Results: Ein Rat</h1>" in html
    assert "simple majority" in html and "Every organisation has one vote." in html
    assert "interim results" in html
    assert _cells(html, 2) == [
        "§ 2",
        "Absatz 2: Die Mitgliedsorganisationen beraten über Teilhabe und Vielfalt.",
        "1",
        "2",
        "1",
        "4/4 100%",
        "✗ not carried",
    ]
    assert _cells(html, 3)[2:] == ["2", "1", "0", "3/4 75%", "✓ carried"]
    assert 'id="p1"' not in html  # the heading
    whole = _section(html, "whole-draft")
    assert "✓</span> carried" in whole and "3 of 4 organisations voted" in whole
    assert "Yes in the Yes and No votes: 67% (required: more than half)." in whole
    assert 'aria-label="Yes 67%, No 33%, Abstain 0%"' in whole
    # who voted how: public, with full names on the whole draft and short names per paragraph
    assert (
        "<li><bdi>Afrikanischer Dachverband</bdi> (ADV)</li><li><bdi>Ägyptischer Elternverein</bdi> (AEV)</li>"
    ) in whole
    paragraph_2 = html.split('id="p2"', 1)[1].split("</tbody>", 1)[0]
    assert "<summary>Who voted how" in paragraph_2
    assert re.search(
        r'No \(2\)</dt>\s*<dd>\s*<abbr title="Ägyptischer Elternverein">AEV</abbr>, '
        r'<abbr title="Bosnischer Kulturbund">BKB</abbr>',
        paragraph_2,
    )
    assert "NMV" not in html and "INV" not in html
    # the office's list is not for delegates
    assert "Not voted yet" not in html and "have not voted" not in html and len(_cells(html, 2)) == 7
    assert 'href="/drafts/rat"' in html


def test_weighted_two_thirds_page(client, auth, world):
    _set(world, majority_rule=MajorityRule.TWO_THIRDS, weighted_votes=True)
    auth.login("d@example.org", factories.PASSWORD)
    html = client.get("/drafts/rat/results").get_data(as_text=True)
    assert "two-thirds majority" in html and "Votes are weighted" in html
    assert _cells(html, 2)[2:] == ["3 1 org.", "2 2 orgs.", "1 1 org.", "4/4 100%", "✗ not carried"]
    assert _cells(html, 3)[2:] == ["2 2 orgs.", "3 1 org.", "0 0 orgs.", "3/4 75%", "✗ not carried"]
    whole = _section(html, "whole-draft")
    assert "weighted: 5 of 6 votes (83%)" in whole and "(required: at least two thirds)" in whole
    assert "<li><bdi>Afrikanischer Dachverband</bdi> (ADV), weight 3</li>" in whole


def test_office_sees_who_has_not_voted(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    html = client.get("/drafts/rat/results").get_data(as_text=True)
    missing = _section(html, "not-voted")
    assert (
        "Not voted yet" in missing
        and ('<bdi>Bosnischer Kulturbund</bdi> (<span class="short-name">BKB</span>)') in missing
    )
    assert "Chilenische Gemeinde" not in missing and "NMV" not in missing
    assert '<th scope="col" role="columnheader" class="num missing">Not voted yet</th>' in html
    assert (_cells(html, 2)[-1], _cells(html, 3)[-1]) == ("0", "1")  # per paragraph: how many
    auth.logout()
    auth.login("mod@example.org", factories.PASSWORD)
    assert 'id="not-voted"' in client.get("/drafts/rat/results").get_data(as_text=True)


def test_guests_see_a_public_drafts_results_but_not_the_not_voted_list(client, world):
    _english(client)
    response = client.get("/drafts/rat/results")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Cache-Control" not in response.headers
    assert "✗</span> not carried" in html and "<bdi>Afrikanischer Dachverband</bdi> (ADV)" in html
    assert 'id="not-voted"' not in html and "have not voted" not in html
    _set(world, is_public=False)
    assert client.get("/drafts/rat/results").status_code == 404


@pytest.mark.parametrize("phase", [Phase.VOTING, Phase.ADOPTED, Phase.ARCHIVED])
def test_results_from_the_voting_phase_on(client, auth, world, phase):
    _set(world, phase=phase)
    auth.login("d@example.org", factories.PASSWORD)
    html = client.get("/drafts/rat/results").get_data(as_text=True)
    assert "Results: Ein Rat" in html
    assert ("interim results" in html) is (phase == Phase.VOTING)
    assert ("These are the final results." in html) is (phase != Phase.VOTING)


@pytest.mark.parametrize("phase", [Phase.PREPARATION, Phase.COMMENTING, Phase.EDITING])
def test_no_results_before_the_voting_phase(client, auth, world, phase):
    _set(world, phase=phase)
    assert client.get("/drafts/rat/results").status_code == 404  # guest
    auth.login("d@example.org", factories.PASSWORD)
    response = client.get("/drafts/rat/results")
    assert response.status_code == 404 and "Ein Rat" not in response.get_data(as_text=True)
    auth.logout()
    auth.login("board@example.org", factories.PASSWORD)
    response = client.get("/drafts/rat/results")
    assert response.status_code == 409 and "Results are shown from the voting phase on." in response.get_data(
        as_text=True
    )


def test_unknown_draft_is_404(client, world):
    assert client.get("/drafts/gibt-es-nicht/results").status_code == 404


def test_page_needs_a_fixed_number_of_queries(client, auth, world, count_queries):
    auth.login("board@example.org", factories.PASSWORD)
    with count_queries() as few:
        assert client.get("/drafts/rat/results").status_code == 200
    big = factories.draft(paragraphs=40, phase=Phase.VOTING, slug="gross", public=True)
    for i in range(10):
        org = factories.organisation()
        for text in big.versions[0].texts:
            db.session.add(Vote(draft=big, paragraph_id=text.paragraph_id, organisation=org, choice=(Y, N, A)[i % 3]))
        db.session.add(Vote(draft=big, paragraph_id=None, organisation=org, choice=Y))
    db.session.commit()
    with count_queries() as many:
        html = client.get("/drafts/gross/results").get_data(as_text=True)
    assert "10 of 14 organisations voted" in html and 'id="p40"' in html
    assert many.count == few.count, many.statements


def _german_has(msgid: str) -> bool:
    path = Path(__file__).resolve().parents[2] / "translations" / "de" / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as f:
        message = read_po(f, locale="de").get(msgid)
    return bool(message and message.string and not message.fuzzy)


@pytest.mark.skipif(
    not (_german_has("carried") and _german_has("not carried")), reason="the German catalogue has no results texts yet"
)
def test_german_page_says_angenommen(client, world):
    html = client.get("/drafts/rat/results").get_data(as_text=True)
    assert "✗</span> nicht angenommen" in html and "✓</span> angenommen" in html
