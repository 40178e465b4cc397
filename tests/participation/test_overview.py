"""The participation overview: its figures against a recount in plain SQL, who may see it, its CSV, and a fixed
number of queries however many organisations there are."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text

from consult.accounts.models import Role
from consult.drafts.models import Phase
from consult.extensions import db
from consult.participation.queries import overview
from tests import factories
from tests.participation.seed import office, seed, vote


def _recount(draft_id: int, voting: bool) -> dict[str, dict]:
    """Per active member organisation (by name), written independently of consult.participation: published
    comments per paragraph id, counted amendments and supports, votes, and whether it responded."""
    result = {}
    for (name,) in db.session.execute(
        text("SELECT name FROM organisation WHERE is_member = :t AND is_active = :t"), {"t": True}
    ):
        result[name] = {"comments": {}, "proposed": set(), "supported": set(), "votes": 0}
    for name, paragraph_id, n in db.session.execute(
        text(
            "SELECT o.name, c.paragraph_id, COUNT(*) FROM comment c JOIN organisation o ON o.id = c.organisation_id "
            "JOIN paragraph p ON p.id = c.paragraph_id WHERE p.draft_id = :d AND c.status = 'published' "
            "GROUP BY o.name, c.paragraph_id"
        ),
        {"d": draft_id},
    ):
        if name in result:
            result[name]["comments"][paragraph_id] = n
    for name, amendment_id in db.session.execute(
        text(
            "SELECT o.name, a.id FROM amendment a JOIN organisation o ON o.id = a.organisation_id "
            "WHERE a.draft_id = :d AND a.published_at IS NOT NULL AND a.status NOT IN ('withdrawn', 'hidden')"
        ),
        {"d": draft_id},
    ):
        if name in result:
            result[name]["proposed"].add(amendment_id)
    for name, amendment_id in db.session.execute(
        text(
            "SELECT o.name, a.id FROM amendment_support s JOIN amendment a ON a.id = s.amendment_id "
            "JOIN organisation o ON o.id = s.organisation_id WHERE a.draft_id = :d AND a.published_at IS NOT NULL "
            "AND a.status NOT IN ('withdrawn', 'hidden')"
        ),
        {"d": draft_id},
    ):
        if name in result:
            result[name]["supported"].add(amendment_id)
    for name, n in db.session.execute(
        text(
            "SELECT o.name, COUNT(*) FROM vote v JOIN organisation o ON o.id = v.organisation_id "
            "WHERE v.draft_id = :d GROUP BY o.name"
        ),
        {"d": draft_id},
    ):
        if name in result:
            result[name]["votes"] = n
    for row in result.values():
        row["responded"] = (
            bool(row["votes"]) if voting else bool(row["comments"] or row["proposed"] or row["supported"])
        )
    return result


@pytest.mark.parametrize("phase", [Phase.COMMENTING, Phase.VOTING])
def test_figures_match_a_recount_from_the_database(app, phase):
    seeded = seed()
    vote(seeded, "BC", [1, 2, None])
    vote(seeded, "D", [None])
    data = overview(seeded.draft, phase)
    expected = _recount(seeded.draft.id, phase == Phase.VOTING)
    got = {
        o.name: {
            "comments": o.comments,
            "proposed": set(o.proposed_ids),
            "supported": set(o.supported_ids),
            "votes": o.vote_count,
            "responded": o.responded,
        }
        for o in data.organisations
    }
    assert got == expected
    # The seed's rules, in plain words: held, rejected, withdrawn comments and withdrawn or hidden amendments
    # do not count; the inactive and the non-member organisation are not listed.
    assert "Verein H e.V." not in got and "Verein I e.V." not in got
    assert got["Verein A e.V."]["comments"] == {seeded.texts[1].paragraph_id: 2, seeded.texts[2].paragraph_id: 2}
    assert got["Verein A e.V."]["supported"] and got["Verein E e.V."]["proposed"]
    for letter in "FG":
        assert not got[f"Verein {letter} e.V."]["proposed"]
    waiting = {o.name for o in data.not_responded}
    if phase == Phase.COMMENTING:
        assert waiting == {"Verein B e.V.", "Verein C e.V.", "Verein D e.V.", "Verein F e.V.", "Verein G e.V."}
    else:
        assert got["Verein B e.V."]["votes"] == 3 and got["Verein D e.V."]["votes"] == 1
        assert waiting == {"Verein A e.V.", "Verein E e.V.", "Verein F e.V.", "Verein G e.V."}


def test_internal_drafts_of_the_workspace_never_count(app):
    from consult.workspace.models import InternalDraft

    seeded = seed()
    draft, b = seeded.draft, seeded.delegates["B"]
    db.session.add(
        InternalDraft(
            organisation_id=b.organisation_id,
            draft_id=draft.id,
            paragraph_id=seeded.texts[1].paragraph_id,
            version_id=seeded.texts[1].version_id,
            kind="comment",
            body="Intern.",
            created_by_id=b.id,
        )
    )
    db.session.flush()
    row = next(o for o in overview(draft, Phase.COMMENTING).organisations if o.id == b.organisation_id)
    assert not row.responded and not row.comments


def _sign_in(auth, person):
    auth.login(person.email, factories.PASSWORD)


def test_who_may_see_it(app, client, auth):
    seeded = seed()
    slug = seeded.draft.slug
    moderator, board = office(), office(Role.BOARD, "board@example.org")
    delegate = seeded.delegates["A"]
    db.session.commit()
    paths = [
        f"/drafts/{slug}/participation",
        f"/drafts/{slug}/participation.csv",
        f"/drafts/{slug}/participation/reminder?all=1",
    ]
    for path in paths:  # guests go to the sign-in page
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    _sign_in(auth, delegate)
    for path in paths:
        assert client.get(path).status_code == 403, path
    assert "/participation" not in client.get(f"/drafts/{slug}").get_data(as_text=True)
    auth.logout()
    for person in (moderator, board):
        _sign_in(auth, person)
        page = client.get(f"/drafts/{slug}/participation")
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert "Verein A e.V." in body and "Verein I e.V." not in body
        assert f'href="/drafts/{slug}/participation"' in client.get(f"/drafts/{slug}").get_data(as_text=True)
        assert client.get("/drafts/no-such-draft/participation").status_code == 404
        auth.logout()


def test_table_lists_those_without_response_first_with_their_checkbox(app, client, auth):
    seeded = seed()
    moderator = office()
    db.session.commit()
    _sign_in(auth, moderator)
    body = client.get(f"/drafts/{seeded.draft.slug}/participation").get_data(as_text=True)
    order = [body.index(f"Verein {x} e.V.</bdi>") for x in "BCDFGAE"]
    assert order[:5] == sorted(order[:5]) and max(order[:5]) < min(order[5:])
    for letter in "BCDFG":
        assert f'name="organisation" value="{seeded.organisations[letter].id}"' in body
    assert f'name="organisation" value="{seeded.organisations["A"].id}"' not in body  # A responded
    assert "<svg" in body and "<title" in body  # the heat map, with text alternatives


def test_csv_has_one_row_per_organisation(app, client, auth):
    seeded = seed()
    moderator = office()
    db.session.commit()
    _sign_in(auth, moderator)
    response = client.get(f"/drafts/{seeded.draft.slug}/participation.csv?phase=commenting")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    by_name = {r["organisation"]: r for r in rows}
    assert sorted(by_name) == [f"Verein {x} e.V." for x in "ABCDEFG"]
    a = by_name["Verein A e.V."]
    assert (a["responded"], a["comments"], a["commented_paragraphs"]) == ("yes", "4", "§2 §3")
    assert a["amendments_supported"] and not a["amendments_proposed"]
    assert by_name["Verein B e.V."]["responded"] == "no" and by_name["Verein B e.V."]["comments"] == "0"


def test_queries_do_not_grow_with_the_organisations(app, count_queries):
    draft = factories.draft(paragraphs=8)
    texts = sorted(draft.versions[0].texts, key=lambda t: t.position)

    def organisations(n: int) -> int:
        from consult.comments.services import post_comment
        from tests.participation.seed import NOW

        for _ in range(n):
            person = factories.user()
            post_comment(person, draft, texts[1 + len(person.email) % 6], "Ja.", None, NOW)
        db.session.flush()
        db.session.expire_all()
        with count_queries() as counter:
            data = overview(draft, Phase.COMMENTING)
        assert len(data.organisations) >= n
        return counter.count

    small = organisations(10)
    large = organisations(50)  # 60 in all
    assert small == large <= 9, "seven queries of its own and the expired rows read again"


def test_a_long_list_comes_in_pages(app, client, auth):
    from consult.participation.views import PER_PAGE

    draft = factories.draft(paragraphs=3)
    for n in range(PER_PAGE + 5):
        factories.organisation(name=f"Organisation {n:03d} e.V.", short_name=f"O{n:03d}")
    moderator = office()
    db.session.commit()
    auth.login(moderator.email, factories.PASSWORD)
    first = client.get(f"/drafts/{draft.slug}/participation?sort=name").get_data(as_text=True)
    second = client.get(f"/drafts/{draft.slug}/participation?sort=name&page=2").get_data(as_text=True)
    assert first.count("data-organisation=") == PER_PAGE and second.count("data-organisation=") == 5
    assert "Organisation 104 e.V." in second and "Organisation 104 e.V." not in first
    assert "Seite 1 von 2" in first and "sort=name" in first.split('rel="next"')[0].rsplit("href=", 1)[1]
    assert client.get(f"/drafts/{draft.slug}/participation?page=3").status_code == 404
