"""The heat map: each cell's number and marks come from the organisation's counted contributions, and a long
draft groups its §s so that the picture keeps at most MAX_COLUMNS columns."""

from __future__ import annotations

from consult.drafts.models import Phase
from consult.extensions import db
from consult.participation import heatmap
from consult.participation.queries import overview
from tests import factories
from tests.participation.seed import seed, vote


def _cells(data, letter):
    row = next(
        r for r in heatmap.build(data, data.organisations).rows if r.organisation.name == f"Verein {letter} e.V."
    )
    return row.cells


def test_cells_say_comments_amendments_and_supports(app):
    seeded = seed()
    data = overview(seeded.draft, Phase.COMMENTING)
    columns = heatmap.build(data, data.organisations).columns
    assert [c.label for c in columns] == ["2", "3", "4", "5", "6"]  # § 1 is a heading
    a, e, f = _cells(data, "A"), _cells(data, "E"), _cells(data, "F")
    assert [c.number for c in a] == [2, 2, 0, 0, 0]
    assert a[2].supported and not a[2].proposed  # A supports E's amendment on § 4
    assert e[2].proposed and e[2].number == 0
    assert all(c.empty for c in f)  # F's amendment is withdrawn


def test_voting_counts_votes_and_the_whole_text(app):
    seeded = seed()
    vote(seeded, "B", [1, 2, None])
    data = overview(seeded.draft, Phase.VOTING)
    columns = heatmap.build(data, data.organisations).columns
    assert columns[-1].whole
    assert [c.number for c in _cells(data, "B")] == [1, 1, 0, 0, 0, 1]


def test_a_long_draft_groups_its_paragraphs(app, client, auth):
    draft = factories.draft(paragraphs=121)
    factories.organisation()
    moderator = factories.user(email="office@example.org", roles=("moderator",))
    db.session.commit()
    data = overview(draft, Phase.COMMENTING)
    columns = heatmap.build(data, data.organisations).columns
    assert len(columns) <= heatmap.MAX_COLUMNS
    assert columns[0].label == "2–4" and columns[-1].label.endswith("121")
    auth.login(moderator.email, factories.PASSWORD)
    page = client.get(f"/drafts/{draft.slug}/participation").get_data(as_text=True)
    assert "<title>§ 2–4</title>" in page and "Jede Spalte fasst mehrere Absätze zusammen" in page
