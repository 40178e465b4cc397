"""User text is inert in every export: a hostile corpus goes through every format and arrives as text.

Each piece of the corpus is an organisation's name, an amendment's justification, the reason of its
rejection and a comment; the draft's title is hostile too, and an accepted amendment puts raw HTML into
the draft's own text. The Markdown file is parsed by a permissive renderer (raw HTML, tables and
strikethrough on), the HTML file by an HTML parser, the PDF and the Word files are read back as text.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from html.parser import HTMLParser

import pytest
from docx import Document as WordDocument
from docx.oxml.ns import qn
from markdown_it import MarkdownIt

from consult.accounts.models import Role
from consult.amendments.models import AmendmentKind
from consult.amendments.services import decide, propose
from consult.comments.services import post_comment
from consult.core import clock
from consult.drafts.models import Phase
from consult.exports.appendix import provenance
from consult.exports.document import build_document
from consult.exports.docx import clean
from consult.exports.formats import FORMATS
from consult.exports.markdown import inline, neutralise_html
from consult.exports.tables import FORMULA_STARTS
from consult.extensions import db
from consult.versions.services import publish_version, start_version
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories

CORPUS = {
    "html": "Initiative <script>alert(1)</script> & Co",
    "heading": "Nein.\n# Beschluss: angenommen\n---",
    "image": '<img src=x onerror="alert(1)"> &lt;b&gt; &amp; <!-- versteckt -->',
    "list": "- Punkt eins\n* Stern\n+ Plus\n1. Liste\n2) Zwei",
    "link": "[klick](https://evil.example/a) ![bild](https://evil.example/x.png) <https://evil.example/b> "
    "www.evil.example e@evil.example",
    "table": "| a | b |\n|---|---|\n| c | d |",
    "code": "```\nrm -rf /\n```\n`x` ~~weg~~\n\n    eingerückt",
    "quote": "> Zitat **fett** _kursiv_ \\* ***\n===",
    "bidi": "Verein \u202eexe.txt\u202c und \u2066isoliert\u2069 \u200f\u200b\u061c",
    "control": "Tab\there\x0bvt\x1b[31mrot\x7fdel\x0cff",
    "formula": '=HYPERLINK("https://evil.example";"klick")',
    "numbers": "+49 30 1234 @SUM(A1) -5",
    "long": "Sehr lange Begründung mit <b>Tags</b> und # Zeichen " * 38,
}
TITLE = "Entwurf <script>alert('t')</script> # kein Titel\n---"
DRAFT_HTML = "Absatz mit <script>alert('v')</script> und <img src=x onerror=alert(2)> darin."


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def hostile(app):
    """A draft in the voting phase whose every piece of user text comes from CORPUS (a preview document)."""
    moderator = factories.user(email="mod@example.org", roles=(Role.MODERATOR,))
    draft = factories.draft(paragraphs=4, phase=Phase.COMMENTING, title="Platzhalter")
    draft.title = TITLE
    text = draft.versions[0].texts[1]
    delegates = []
    for index, value in enumerate(CORPUS.values()):
        organisation = factories.organisation()
        organisation.name = value[:200]  # stored before names were checked: the exports must still hold
        delegate = factories.user(org=organisation)
        delegates.append(delegate)
        amendment = propose(delegate, draft, text, AmendmentKind.REPLACE, f"Vorschlag {index}.", value, clock.now())
        with app.test_request_context():
            decide(moderator, amendment, draft, "reject", value, clock.now())
        post_comment(delegate, draft, text, value, None, clock.now())
    accepted = propose(
        delegates[0], draft, draft.versions[0].texts[2], AmendmentKind.REPLACE, DRAFT_HTML, "Begründung.", clock.now()
    )
    with app.test_request_context():
        decide(moderator, accepted, draft, "accept", "", clock.now())
        publish_version(moderator, start_version(moderator, draft, clock.now()), clock.now())
    draft.phase = Phase.VOTING
    db.session.flush()  # the vote's lock reads the phase from the draft's row (consult.drafts.locks)
    for delegate in delegates:
        cast_vote(delegate, draft, None, Choice.YES, clock.now())
    db.session.commit()
    return draft


def _export(app, draft, name: str) -> tuple[bytes, object]:
    with app.test_request_context():
        document = build_document(draft)
        return FORMATS[name].write(document), document


def _inline_text(tokens) -> str:
    parts = []
    for token in tokens:
        for child in token.children or []:
            parts.append(" " if child.type in ("softbreak", "hardbreak") else child.content)
        parts.append(" ")
    return words("".join(parts))


def test_markdown_export_opens_no_markup_from_user_text(app, hostile):
    content, document = _export(app, hostile, "md")
    text = content.decode("utf-8")
    tokens = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).parse(text)
    found = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert not found & {
        "html_block",
        "html_inline",
        "hr",
        "fence",
        "code_block",
        "code_inline",
        "table_open",
        "image",
        "link_open",
        "s_open",
        "blockquote_open",
        "ordered_list_open",
    }
    headings = [_inline_text([tokens[i + 1]]) for i, t in enumerate(tokens) if t.type == "heading_open"]
    # The title, the draft's own heading, "Anhang" and its five parts (results, how the votes came in, how the text
    # came about with the heading of the one paragraph an amendment changed, amendments not adopted,
    # organisations): nothing else.
    assert len(headings) == 9 and not any("Beschluss" in h for h in headings)
    assert words(headings[0]) == words(TITLE)
    items = sum(t.type == "list_item_open" for t in tokens)
    votes_on_changed = sum(1 for paragraph in provenance(document).shaped if paragraph.vote is not None)
    assert items == (
        1 + len(document.results.paragraphs) + len(document.amendments) + votes_on_changed + len(document.organisations)
    )
    assert "https://evil" not in text and "www.evil" not in text  # no bare link a GFM renderer would make
    shown = _inline_text(tokens)
    for value in CORPUS.values():
        assert words(value) in shown  # as the reason of its rejection
        assert words(value[:200]) in shown  # as an organisation's name
    assert words(DRAFT_HTML) in shown  # the draft's own text: raw HTML shown as text


def test_bidi_controls_in_markdown_are_isolated():
    assert inline("a\u202eb") == "\u2068a\u202eb\u2069"
    assert inline("plain") == "plain"
    # A PDI of the user's own cannot close the isolate early and leave the override open after it.
    assert inline("a\u2069\u202eb") == "\u2068a\u202eb\u2069"
    assert inline("\u2067x\u2069") == "\u2068\u2067x\u2069\u2069"


@pytest.mark.parametrize(
    "source, expected",
    [
        ("a <b>c</b>", "a \\<b>c\\</b>"),
        ("`<b>` and <https://example.org/x> and <a@b.de>", "`<b>` and <https://example.org/x> and <a@b.de>"),
        ("```\n<div>\n```\n<div>", "```\n<div>\n```\n\\<div>"),
        ("a < b and 1<2", "a < b and 1<2"),
    ],
)
def test_raw_html_in_the_drafts_markdown_becomes_text_outside_code(source, expected):
    assert neutralise_html(source) == expected


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "section",
    "p",
    "h1",
    "h2",
    "h3",
    "div",
    "span",
    "br",
    "em",
    "strong",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "dl",
    "dt",
    "dd",
    "ul",
    "li",
    "bdi",
    "colgroup",
    "col",
    "h4",
    "h5",
    "figure",
    "svg",
    "rect",
    "text",
}


def test_html_export_contains_no_injected_element(app, hostile):
    content, _ = _export(app, hostile, "html")
    parser = _Tags()
    parser.feed(content.decode("utf-8"))
    assert {tag for tag, _ in parser.tags} <= ALLOWED_TAGS
    assert not [a for _, attrs in parser.tags for a, _ in attrs if a.startswith("on") or a in ("src", "href")]
    shown = words("".join(parser.text))
    for value in CORPUS.values():
        assert words(value) in shown
    assert words(TITLE) in shown and words(DRAFT_HTML) in shown


def test_pdf_export_holds_the_literal_text(app, hostile, tmp_path):
    content, _ = _export(app, hostile, "pdf")
    (tmp_path / "p.pdf").write_bytes(content)
    text = words(
        subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(tmp_path / "p.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
    )
    for key in ("html", "heading", "numbers", "formula"):
        assert words(CORPUS[key]) in text
    assert "<script>alert('v')</script>" in text


def _docx_text(content: bytes) -> str:
    word = WordDocument(io.BytesIO(content))
    parts = [p.text for p in word.paragraphs]
    parts += [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    return words(" ".join(parts))


def test_docx_exports_hold_the_literal_text(app, hostile):
    content, _ = _export(app, hostile, "docx")
    text = _docx_text(content)
    for value in CORPUS.values():
        assert words(clean(value)) in text
    assert words(clean(TITLE)) in text and words(DRAFT_HTML) in text
    changes, _ = _export(app, hostile, "changes.docx")
    inserted = "".join(t.text or "" for t in WordDocument(io.BytesIO(changes)).element.body.iter(qn("w:t")))
    assert words(DRAFT_HTML) in words(inserted)  # inside the tracked insertions


def test_csv_exports_neutralise_formulas_and_keep_the_text(app, hostile):
    for name in ("comments.csv", "votes.csv"):
        content, _ = _export(app, hostile, name)
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        cells = [cell for row in rows[1:] for cell in row]
        assert cells and not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
        column = rows[0].index("text" if name == "comments.csv" else "organisation_name")
        values = {row[column].removeprefix("'") for row in rows[1:]}
        assert {value.strip()[:200] if name == "votes.csv" else value.strip() for value in CORPUS.values()} <= values


def test_json_export_keeps_the_text_as_written(app, hostile):
    content, _ = _export(app, hostile, "json")
    data = json.loads(content)
    assert data["title"] == TITLE
    assert {value.strip() for value in CORPUS.values()} <= {c["text"] for c in data["comments"]}
    assert {value.strip() for value in CORPUS.values()} <= {a["justification"] for a in data["amendments"]}
    assert {value[:200] for value in CORPUS.values()} <= {o["name"] for o in data["organisations"]}
