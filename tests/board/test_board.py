"""The board runs a draft: creates it, sets rules and deadlines, moves it through its phases; others cannot."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from consult.accounts.models import Role
from consult.audit.models import AuditEntry
from consult.core import clock
from consult.drafts.models import Draft, MajorityRule, ModerationPolicy, Phase
from consult.extensions import db
from tests import factories
from tests.conftest import csrf_token

DOCUMENT = "# Titel\n\nErster Absatz über Teilhabe.\n\nZweiter Absatz mit *Betonung*.\n"


@pytest.fixture(name="world")
def fixture_world(app):
    people = {
        "board": factories.user(email="board@example.org", roles=(Role.BOARD,)),
        "mod": factories.user(email="mod@example.org", roles=(Role.MODERATOR,)),
        "a1": factories.user(email="a1@example.org"),
    }
    draft = factories.draft(paragraphs=3, phase=Phase.PREPARATION, slug="vorlage")
    db.session.commit()
    return {"draft_id": draft.id, **people}


def _draft(slug="vorlage") -> Draft:
    db.session.expire_all()
    return db.session.scalars(select(Draft).where(Draft.slug == slug)).one()


def _token(client, url="/") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


@pytest.mark.parametrize("who", [None, "a1@example.org", "mod@example.org"])
def test_only_the_board_creates_drafts_changes_settings_and_phases(client, auth, world, who):
    if who:
        auth.login(who, factories.PASSWORD)
    token = _token(client)
    for method, url, data in (
        ("get", "/drafts/new", None),
        ("post", "/drafts/new", {"title": "X", "slug": "x", "markdown": "A"}),
        ("get", "/drafts/vorlage/settings", None),
        (
            "post",
            "/drafts/vorlage/settings",
            {"title": "Geändert", "moderation_policy": "hold", "majority_rule": "simple"},
        ),
        ("get", "/drafts/vorlage/phase?to=commenting", None),
        ("post", "/drafts/vorlage/phase", {"to": "commenting", "from": "preparation"}),
    ):
        response = getattr(client, method)(url, data={**data, "csrf_token": token} if data else None)
        if who is None and "title" in (data or {}):
            # A guest's form with text comes back with the sign-in and the typed text kept (consult.core.kept_text).
            assert response.status_code == 401, (method, url)
            assert 'action="/login"' in response.get_data(as_text=True)
            continue
        assert response.status_code == (302 if who is None else 403), (method, url)
        if who is None:
            assert "/login" in response.headers["Location"]
    draft = _draft()
    assert draft.phase == Phase.PREPARATION and draft.title != "Geändert"
    assert db.session.scalars(select(Draft).where(Draft.slug == "x")).first() is None


def test_the_board_creates_a_draft_from_pasted_markdown(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    token = _token(client, "/drafts/new")
    response = client.post(
        "/drafts/new", data={"csrf_token": token, "title": "Neuer Entwurf", "slug": "neu-2027", "markdown": DOCUMENT}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/drafts/neu-2027/settings"
    draft = _draft("neu-2027")
    assert draft.phase == Phase.PREPARATION
    assert [t.text for t in draft.versions[0].texts] == [
        "# Titel",
        "Erster Absatz über Teilhabe.",
        "Zweiter Absatz mit *Betonung*.",
    ]


def test_a_taken_or_bad_address_and_an_empty_text_are_refused_keeping_the_text(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    token = _token(client, "/drafts/new")
    for slug, markdown, message in (
        ("vorlage", DOCUMENT, "hat bereits diese Webadresse"),
        ("new", DOCUMENT, "hat bereits diese Webadresse"),
        ("Mit Leerzeichen", DOCUMENT, "nur Kleinbuchstaben"),
        ("leer", "   ", "Der Text ist leer"),
    ):
        response = client.post(
            "/drafts/new", data={"csrf_token": token, "title": "Entwurf", "slug": slug, "markdown": markdown}
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and message in html, slug
        if markdown.strip():
            assert "Erster Absatz über Teilhabe." in html
    assert db.session.scalar(select(db.func.count()).select_from(Draft)) == 1


def test_settings_and_deadlines_in_berlin_time_are_saved_and_logged(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    token = _token(client, "/drafts/vorlage/settings")
    response = client.post(
        "/drafts/vorlage/settings",
        data={
            "csrf_token": token,
            "title": "Vorlage 2027",
            "is_public": "y",
            "moderation_policy": "hold",
            "majority_rule": "two_thirds",
            "weighted_votes": "y",
            "commenting_ends": "2026-12-04T18:00",
            "voting_ends": "",
        },
    )
    assert response.status_code == 302
    draft = _draft()
    assert (draft.title, draft.is_public, draft.moderation_policy, draft.majority_rule, draft.weighted_votes) == (
        "Vorlage 2027",
        True,
        ModerationPolicy.HOLD,
        MajorityRule.TWO_THIRDS,
        True,
    )
    assert draft.deadline_for(Phase.COMMENTING) == datetime(2026, 12, 4, 17, 0, tzinfo=timezone.utc)
    assert draft.deadline_for(Phase.VOTING) is None
    page = client.get("/drafts/vorlage/settings").get_data(as_text=True)
    assert 'value="2026-12-04T18:00"' in page
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions == ["draft.settings", "draft.deadline"]


def test_a_phase_change_is_confirmed_says_what_changes_and_is_logged(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get("/drafts/vorlage/phase?to=commenting").get_data(as_text=True)
    assert "Delegierte können Absätze kommentieren" in page
    assert client.get("/drafts/vorlage/phase?to=voting").status_code == 404  # not a next step
    response = client.post(
        "/drafts/vorlage/phase",
        data={"csrf_token": csrf_token(page), "to": "commenting", "from": "preparation", "reason": "Start"},
    )
    assert response.status_code == 302 and _draft().phase == Phase.COMMENTING
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.reason, entry.details) == (
        "phase.change",
        "Start",
        {"old": "preparation", "new": "commenting"},
    )
    # A second board member's page still shows "preparation": the draft has moved on, nothing happens.
    response = client.post(
        "/drafts/vorlage/phase", data={"csrf_token": csrf_token(page), "to": "commenting", "from": "preparation"}
    )
    assert response.status_code == 404 and _draft().phase == Phase.COMMENTING


def test_the_voting_rules_are_fixed_once_voting_has_begun(client, auth, world):
    draft = _draft()
    draft.phase = Phase.VOTING
    db.session.commit()
    auth.login("board@example.org", factories.PASSWORD)
    token = _token(client, "/drafts/vorlage/settings")
    response = client.post(
        "/drafts/vorlage/settings",
        data={"csrf_token": token, "title": draft.title, "moderation_policy": "publish", "majority_rule": "two_thirds"},
    )
    assert response.status_code == 409 and "Abstimmung begonnen" in response.get_data(as_text=True)
    assert _draft().majority_rule == MajorityRule.SIMPLE


def test_the_appendix_shows_ballots_only_when_the_board_says_so_and_not_changed_after_adoption(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    form = {"title": "Vorlage", "moderation_policy": "publish", "majority_rule": "simple"}
    assert not _draft().appendix_shows_ballots
    page = client.get("/drafts/vorlage/settings").get_data(as_text=True)
    assert "Abstimmungsverhalten im Anhang zeigen" in page
    response = client.post(
        "/drafts/vorlage/settings", data={"csrf_token": csrf_token(page), "appendix_shows_ballots": "y", **form}
    )
    assert response.status_code == 302 and _draft().appendix_shows_ballots
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "draft.settings")).one()
    assert entry.details["changed"]["appendix_shows_ballots"] == "True"
    draft = _draft()
    draft.phase, draft.adopted_at = Phase.ADOPTED, datetime(2026, 12, 1, tzinfo=timezone.utc)
    db.session.commit()
    page = client.get("/drafts/vorlage/settings").get_data(as_text=True)
    response = client.post("/drafts/vorlage/settings", data={"csrf_token": csrf_token(page), **form})
    assert response.status_code == 409 and "Anhang" in response.get_data(as_text=True)
    assert _draft().appendix_shows_ballots
    # Nor the title: the documents and the public page show the title it was adopted with.
    response = client.post(
        "/drafts/vorlage/settings",
        data={"csrf_token": csrf_token(page), "appendix_shows_ballots": "y", **{**form, "title": "Umbenannt"}},
    )
    assert response.status_code == 409 and "Titel" in response.get_data(as_text=True)
    assert _draft().title == "Vorlage"


def test_a_vote_after_the_deadline_set_by_the_board_is_refused(client, auth, world, monkeypatch):
    """The deadline passes between page load and submit: the server refuses with a message."""
    draft = _draft()
    draft.phase = Phase.VOTING
    db.session.commit()
    auth.login("board@example.org", factories.PASSWORD)
    token = _token(client, "/drafts/vorlage/settings")
    assert (
        client.post(
            "/drafts/vorlage/settings",
            data={
                "csrf_token": token,
                "title": draft.title,
                "moderation_policy": "publish",
                "majority_rule": "simple",
                "voting_ends": "2026-11-25T18:00",
            },
        ).status_code
        == 302
    )
    auth.logout()
    auth.login("a1@example.org", factories.PASSWORD)
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 25, 16, 59, tzinfo=timezone.utc))
    page = client.get("/drafts/vorlage").get_data(as_text=True)
    assert 'name="vote"' in page
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 25, 17, 0, 1, tzinfo=timezone.utc))
    pid = _draft().versions[0].texts[1].paragraph_id
    response = client.post("/drafts/vorlage/votes", data={"csrf_token": csrf_token(page), "vote": f"{pid}:yes"})
    assert response.status_code == 409 and "nicht möglich" in response.get_data(as_text=True)


def _voting_world(world, choices):
    """The draft in voting, with one member organisation per choice voting on the whole draft."""
    from consult.votes.models import Choice
    from consult.votes.services import cast_vote

    draft = _draft()
    draft.phase = Phase.VOTING
    db.session.commit()
    for choice in choices:
        delegate = factories.user()
        cast_vote(delegate, draft, None, Choice(choice), clock.now())
    db.session.commit()
    return draft


def test_the_board_adopts_when_the_final_vote_passes_and_the_position_is_public(client, auth, world):
    _voting_world(world, ["yes", "yes", "no", "abstain"])
    assert client.get("/positions/vorlage").status_code == 404  # not adopted yet
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get("/drafts/vorlage/phase?to=adopted").get_data(as_text=True)
    assert "beschlossene Position festgeschrieben" in page
    response = client.post(
        "/drafts/vorlage/phase", data={"csrf_token": csrf_token(page), "to": "adopted", "from": "voting"}
    )
    assert response.status_code == 302
    draft = _draft()
    assert draft.phase == Phase.ADOPTED and draft.adopted_version_id == draft.versions[0].id
    assert [e for e in db.session.scalars(select(AuditEntry.action))][-1] == "draft.adopt"
    auth.logout()
    position = client.get("/positions/vorlage")  # signed out, and the draft is not public
    html = position.get_data(as_text=True)
    assert position.status_code == 200 and "Beschlossene Position" in html and "Absatz 2" in html


def test_a_draft_whose_final_vote_fails_is_not_adopted(client, auth, world):
    _voting_world(world, ["yes", "no", "no"])
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get("/drafts/vorlage/phase?to=adopted").get_data(as_text=True)
    response = client.post(
        "/drafts/vorlage/phase", data={"csrf_token": csrf_token(page), "to": "adopted", "from": "voting"}
    )
    assert response.status_code == 409 and "nicht die nötige Mehrheit" in response.get_data(as_text=True)
    assert _draft().phase == Phase.VOTING and _draft().adopted_version_id is None


def test_delegates_and_moderators_cannot_adopt(client, auth, world):
    _voting_world(world, ["yes"])
    for email in ("a1@example.org", "mod@example.org"):
        auth.login(email, factories.PASSWORD)
        response = client.post(
            "/drafts/vorlage/phase", data={"csrf_token": _token(client), "to": "adopted", "from": "voting"}
        )
        assert response.status_code == 403
        auth.logout()
    assert _draft().phase == Phase.VOTING


def _word_file() -> bytes:
    import io

    import docx

    document = docx.Document()
    document.add_heading("Teilhabe für alle", level=1)
    paragraph = document.add_paragraph("Die Vereine fordern ")
    paragraph.add_run("verbindliche").bold = True
    paragraph.add_run(" Regeln für Şahin & Co.")
    document.add_paragraph("Erster Punkt", style="List Bullet")
    document.add_paragraph("Zweiter Punkt", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Bereich", "Frist"
    table.cell(1, 0).text, table.cell(1, 1).text = "Gremien", "ab sofort"
    document.add_paragraph("Schluss mit *Sternchen*.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_word_file_becomes_a_draft_with_headings_lists_and_emphasis(client, auth, world):
    import io

    auth.login("board@example.org", factories.PASSWORD)
    response = client.post(
        "/drafts/new",
        content_type="multipart/form-data",
        data={
            "csrf_token": _token(client, "/drafts/new"),
            "title": "Aus Word",
            "slug": "aus-word",
            "upload": (io.BytesIO(_word_file()), "entwurf.docx"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert [t.text for t in _draft("aus-word").versions[0].texts] == [
        "# Teilhabe für alle",
        "Die Vereine fordern **verbindliche** Regeln für Şahin & Co.",
        "- Erster Punkt\n- Zweiter Punkt",
        "| Bereich | Frist |\n| --- | --- |\n| Gremien | ab sofort |",
        "Schluss mit \\*Sternchen\\*.",
    ]
    response = client.post(
        "/drafts/new",
        content_type="multipart/form-data",
        data={
            "csrf_token": _token(client, "/drafts/new"),
            "title": "Kaputt",
            "slug": "kaputt",
            "upload": (io.BytesIO(b"not a zip"), "kaputt.docx"),
        },
    )
    assert response.status_code == 422 and "Diese Datei kann nicht gelesen werden" in response.get_data(as_text=True)


def test_the_text_is_edited_in_preparation_only(client, auth, world):
    auth.login("board@example.org", factories.PASSWORD)
    page = client.get("/drafts/vorlage/settings").get_data(as_text=True)
    assert "Absatz 2: Die Mitgliedsorganisationen" in page
    response = client.post("/drafts/vorlage/text", data={"csrf_token": csrf_token(page), "text": DOCUMENT})
    assert response.status_code == 302
    assert [t.text for t in _draft().versions[0].texts] == [
        "# Titel",
        "Erster Absatz über Teilhabe.",
        "Zweiter Absatz mit *Betonung*.",
    ]
    response = client.post("/drafts/vorlage/text", data={"csrf_token": csrf_token(page), "text": "  "})
    assert response.status_code == 422 and len(_draft().versions[0].texts) == 3
    draft = _draft()
    draft.phase = Phase.COMMENTING
    db.session.commit()
    response = client.post("/drafts/vorlage/text", data={"csrf_token": csrf_token(page), "text": "Neu."})
    assert response.status_code == 409 and "nur in der Vorbereitung" in response.get_data(as_text=True)
    assert len(_draft().versions[0].texts) == 3
    auth.logout()
    auth.login("mod@example.org", factories.PASSWORD)
    assert client.post("/drafts/vorlage/text", data={"csrf_token": _token(client), "text": "Neu."}).status_code == 403
