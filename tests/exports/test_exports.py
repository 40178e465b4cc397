"""Markdown, CSV and JSON exports of an adopted draft, the download links' permissions, and `flask export`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import delete, func, select

from consult.accounts.models import Role
from consult.comments.services import post_comment
from consult.core import clock
from consult.drafts.models import Draft, Phase
from consult.exports import jobs
from consult.exports.document import build_document
from consult.exports.formats import FORMATS, Format
from consult.exports.models import PositionFile
from consult.exports.storage import STORED_FORMATS
from consult.exports.tables import safe_cell
from consult.extensions import db
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories


@pytest.fixture(name="adopted")
def fixture_adopted(app):
    """A draft with a comment (written in commenting), three yes votes on the whole draft, adopted."""
    board = factories.user(email="board@example.org", roles=(Role.BOARD,))
    factories.user(email="mod@example.org", roles=(Role.MODERATOR,))
    delegate = factories.user(
        email="a1@example.org", org=factories.organisation(name="Türkischer Elternbund e.V.", short_name="TEB")
    )
    draft = factories.draft(paragraphs=4, phase=Phase.COMMENTING, slug="teilhabe")
    post_comment(
        delegate, draft, draft.versions[0].texts[1], '=HYPERLINK("http://x") Größere Vielfalt!', None, clock.now()
    )
    draft.phase = Phase.VOTING
    for voter in (delegate, factories.user(), factories.user()):
        cast_vote(voter, draft, None, Choice.YES, clock.now())
    from consult.board.services import adopt

    with app.test_request_context():
        adopt(board, draft, Phase.VOTING, clock.now())
    db.session.commit()
    jobs.start(draft.id)  # as the board's page does after its commit (at once: tests run it in the request)
    return draft


def test_markdown_has_the_text_in_order_and_the_appendix_agrees_with_the_results(app, adopted):
    with app.test_request_context():
        document = build_document(adopted)
        text = FORMATS["md"].write(document).decode("utf-8")
    positions = [text.index(block.markdown.lstrip("#").strip()) for block in document.blocks]
    assert positions == sorted(positions)
    assert "Beschlossene Position" in text
    whole = document.results.whole
    assert f"Ja {whole.deciding.yes} · Nein {whole.deciding.no}" in text and whole.deciding.yes == 3
    assert "Türkischer Elternbund e.V. (TEB)" in text


def test_csv_has_a_bom_and_neutralises_formulas_and_json_agrees(app, adopted):
    with app.test_request_context():
        document = build_document(adopted)
        comments = FORMATS["comments.csv"].write(document)
        votes = FORMATS["votes.csv"].write(document)
        data = json.loads(FORMATS["json"].write(document))
    assert comments.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(comments.decode("utf-8-sig"))))
    assert rows[0]["text"].startswith("'=HYPERLINK") and "Größere Vielfalt!" in rows[0]["text"]
    assert [r["choice"] for r in csv.DictReader(io.StringIO(votes.decode("utf-8-sig")))] == ["yes"] * 3
    assert data["results"]["whole"]["yes"] == 3 and data["results"]["whole"]["carried"] is True
    assert [p["markdown"] for p in data["paragraphs"]] == [b.markdown for b in document.blocks]
    assert data["comments"][0]["text"].startswith("=HYPERLINK")  # JSON keeps the text as written


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+49 30", "'+49 30"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Größe", "Größe"),
        (None, ""),
    ],
)
def test_cells_that_look_like_formulas_are_text(value, expected):
    assert safe_cell(value) == expected


def test_file_names_come_from_the_slug_and_date(app, client, auth, adopted):
    auth.login("board@example.org", factories.PASSWORD)
    response = client.get("/drafts/teilhabe/export/md")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="teilhabe-{db.session.get(Draft, adopted.id).adopted_at.date().isoformat()}.md"'
    )


@pytest.mark.parametrize("who", [None, "a1@example.org", "mod@example.org"])
def test_only_the_board_exports_and_only_the_adopted_text_is_public(client, auth, adopted, who):
    if who:
        auth.login(who, factories.PASSWORD)
    for name in ("md", "json", "comments.csv", "votes.csv"):
        response = client.get(f"/drafts/teilhabe/export/{name}")
        assert response.status_code == (302 if who is None else 403), name
    assert client.get("/positions/teilhabe/download/md").status_code == 200
    assert client.get("/positions/teilhabe/download/votes.csv").status_code == 404


def test_a_draft_that_is_not_adopted_has_no_public_download(client, app):
    factories.draft(paragraphs=2, phase=Phase.VOTING, slug="offen", public=True)
    db.session.commit()
    assert client.get("/positions/offen/download/md").status_code == 404


def test_the_command_line_writes_the_same_document(app, runner, adopted, tmp_path):
    out = tmp_path / "position.md"
    result = runner.invoke(args=["export", "teilhabe", "--format", "md", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        assert out.read_bytes() == FORMATS["md"].write(build_document(db.session.get(Draft, adopted.id)))
    assert runner.invoke(args=["export", "nirgends", "--format", "md", "--out", str(out)]).exit_code == 1


def test_every_format_downloads_for_the_board_and_the_html_agrees_with_the_markdown(app, client, auth, adopted):
    auth.login("board@example.org", factories.PASSWORD)
    starts = {
        "pdf": b"%PDF",
        "docx": b"PK",
        "changes.docx": b"PK",
        "changes.pdf": b"%PDF",
        "changes.html": b"<!doctype html>",
        "json": b"{",
        "md": b"# ",
        "html": b"<!doctype html>",
        "comments.csv": "\ufeff".encode(),
        "votes.csv": "\ufeff".encode(),
    }
    for name in FORMATS:
        response = client.get(f"/drafts/teilhabe/export/{name}")
        assert response.status_code == 200 and response.data.startswith(starts[name]), name
        assert response.headers["Cache-Control"] == "private, no-store"
    html = client.get("/drafts/teilhabe/export/html").get_data(as_text=True)
    with app.test_request_context():
        document = build_document(db.session.get(Draft, adopted.id))
    assert "<style>" in html and "&#34;" not in html.split("</style>")[0]
    assert all(block.markdown.lstrip("# ").split(":")[0] in html for block in document.blocks)
    assert client.get("/positions/teilhabe/download/pdf").status_code == 200
    assert {client.get(f"/positions/teilhabe/download/changes.{e}").status_code for e in ("docx", "pdf", "html")} == {
        404
    }


def _refuse_rendering(monkeypatch):
    """Every writer raises: what is served now can only come from storage."""

    def refuse(document):
        raise AssertionError("rendered again")

    for name, chosen in FORMATS.items():
        monkeypatch.setitem(FORMATS, name, Format(refuse, chosen.media_type, chosen.ending))


def test_adoption_renders_the_positions_documents_once_and_downloads_serve_them(
    app, client, auth, adopted, monkeypatch, count_queries
):
    stored = {f.name: f for f in db.session.scalars(select(PositionFile).where(PositionFile.draft_id == adopted.id))}
    assert sorted(stored) == sorted(STORED_FORMATS)
    assert stored["pdf"].content.startswith(b"%PDF") and stored["md"].content.startswith(b"# ")
    _refuse_rendering(monkeypatch)
    for name in ("pdf", "docx", "md", "html"):
        with count_queries() as counter:
            response = client.get(f"/positions/teilhabe/download/{name}")
        assert response.status_code == 200 and response.data == stored[name].content, name
        assert counter.count <= 3, counter.statements
        assert response.headers["Content-Disposition"] == f'attachment; filename="{stored[name].filename}"'
    # A browser that has the file asks again and gets a 304 without the body.
    etag = client.get("/positions/teilhabe/download/pdf").headers["ETag"]
    again = client.get("/positions/teilhabe/download/pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # The board's downloads of the adopted text read the same files; the command line too.
    auth.login("board@example.org", factories.PASSWORD)
    assert client.get("/drafts/teilhabe/export/changes.docx").data == stored["changes.docx"].content


def test_previews_and_tables_are_rendered_on_demand(app, client, auth, adopted, monkeypatch):
    auth.login("board@example.org", factories.PASSWORD)
    calls = []
    for name in ("md", "votes.csv"):
        chosen = FORMATS[name]
        monkeypatch.setitem(
            FORMATS, name, Format(lambda d, w=chosen.write: calls.append(d) or w(d), chosen.media_type, chosen.ending)
        )
    assert client.get("/drafts/teilhabe/export/md?version=1").status_code == 200
    assert client.get("/drafts/teilhabe/export/votes.csv").status_code == 200
    assert [d.adopted for d in calls] == [False, True]


def test_a_position_adopted_without_stored_files_gets_them_at_the_first_download(app, client, adopted):
    db.session.execute(delete(PositionFile))
    db.session.commit()
    first = client.get("/positions/teilhabe/download/docx")
    assert first.status_code == 200 and first.data.startswith(b"PK")
    assert db.session.scalar(select(func.count()).select_from(PositionFile)) == len(STORED_FORMATS)
    assert client.get("/positions/teilhabe/download/docx").data == first.data
