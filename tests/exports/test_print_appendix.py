"""The documents of the print writers (PDF, HTML, Markdown) are written in the draft's language, whoever asks,
and their appendix says how the text came about (issue 14, points 3 and 5).

Each format is read back the way its readers read it: the PDF by pdftotext, the HTML by an HTML parser
(lxml), the Markdown by a CommonMark parser.
"""

from __future__ import annotations

import io
import re
import subprocess

import lxml.html
from flask import session
from markdown_it import MarkdownIt
from pypdf import PdfReader

from consult.core.i18n import gettext as request_gettext
from consult.drafts.models import Draft
from consult.exports.document import build_document
from consult.exports.formats import FORMATS
from consult.extensions import db
from tests.exports.print_drafts import COMMON_TEXT, MODERATOR, shaped_draft

GERMAN_HEADINGS = [
    "Anhang",
    "Ergebnisse",
    "Wie der Text entstanden ist",
    "Nicht übernommene Änderungsanträge",
    "Wer hat wie abgestimmt",
    "Beteiligte Organisationen",
]
ENGLISH_HEADINGS = [
    "Appendix",
    "Results",
    "How the text came about",
    "Amendments not adopted",
    "Who voted how",
    "Participating organisations",
]


def words(text: str) -> str:
    return " ".join(text.replace("\u2068", "").replace("\u2069", "").split())


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text as pdftotext reads it (which drops the narrow space after "§")."""
    (tmp_path / "d.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(tmp_path / "d.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    return words(re.sub(r"§(?=\d)", "§ ", text))


def html_text(html: bytes) -> str:
    return words(lxml.html.document_fromstring(html.decode("utf-8")).text_content())


def markdown_text(markdown: bytes) -> str:
    """What a reader of the rendered Markdown sees (markup gone, escapes resolved)."""
    rendered = MarkdownIt("commonmark").render(markdown.decode("utf-8"))
    return words(lxml.html.fragment_fromstring(rendered, create_parent="div").text_content())


def headings(kind: str, content: bytes) -> list[str]:
    if kind == "md":
        tokens = MarkdownIt("commonmark").parse(content.decode("utf-8"))
        return [words(tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]
    tree = lxml.html.document_fromstring(content.decode("utf-8"))
    return [words(h.text_content()) for h in tree.iter("h1", "h2", "h3", "h4", "h5", "h6")]


def assert_in_order(text: str, facts: list[str], where: str) -> None:
    at = 0
    for fact in facts:
        found = text.find(words(fact), at)
        assert found >= 0, f"{where}: {fact!r} missing after position {at}: …{text[at : at + 300]}"
        at = found + len(words(fact))


def test_documents_are_written_in_the_drafts_language_whatever_the_request_speaks(app, tmp_path):
    shaped = shaped_draft(app)
    # A request of its own (a fresh app context: nothing cached from the requests that made the draft).
    with app.app_context(), app.test_request_context():
        session["locale"] = "en"
        assert request_gettext("Results") == "Results"  # the request speaks English (its catalogue cached)
        document = build_document(db.session.get(Draft, shaped.draft.id))
        written = {name: FORMATS[name].write(document) for name in ("html", "md", "pdf")}
        assert request_gettext("Results") == "Results"  # and still does afterwards
    for name in ("html", "md"):
        found = headings(name, written[name])
        assert set(GERMAN_HEADINGS) <= set(found), (name, found)
        assert not set(ENGLISH_HEADINGS) & set(found), (name, found)
    assert re.search(r'<html lang="de" dir="ltr">', written["html"].decode("utf-8"))
    assert "Beschlossene Position" in written["md"].decode("utf-8")
    text = pdf_text(written["pdf"], tmp_path)
    assert_in_order(text, ["Beschlossene Position", *GERMAN_HEADINGS], "pdf")
    assert not any(heading in text for heading in ENGLISH_HEADINGS)
    assert PdfReader(io.BytesIO(written["pdf"])).trailer["/Root"]["/Lang"] == "de"


def test_the_appendix_says_how_the_text_came_about_in_every_format(app, tmp_path):
    shaped = shaped_draft(app)
    first, second = shaped.colliding
    with app.test_request_context():
        document = build_document(shaped.draft)
        written = {name: FORMATS[name].write(document) for name in ("html", "md", "pdf")}
    facts = [
        "Wie der Text entstanden ist",
        "§ 2",
        f"Änderungsantrag {shaped.modified.id}",
        "Netzwerk Arabischer Vereine (NAV)",
        "Modifiziert übernommen",
        f"{MODERATOR},",
        "Kürzer gefasst.",
        "Die Mitgliedsorganisationen beraten über Teilhabe und Bildung.",
        "§ 3",
        f"Änderungsantrag {shaped.replaced.id}",
        "Türkischer Elternbund e.V. (TEB)",
        "Unterstützt von",
        "Netzwerk Arabischer Vereine (NAV), Polnischer Sozialrat (PSR)",
        "Übernommen",
        MODERATOR,
        "§ 4",
        f"Änderungsantrag {first.id}",
        "Türkischer Elternbund e.V. (TEB)",
        f"Änderungsantrag {second.id}",
        "Netzwerk Arabischer Vereine (NAV)",
        f"Die Änderungsanträge {first.id}, {second.id} passten nicht zusammen. Die Redaktion hat in "
        "Fassung 2 einen gemeinsamen Text geschrieben",
        COMMON_TEXT,
        "§ 6",
        f"Änderungsantrag {shaped.inserted.id} · Neuer Absatz",
        "Polnischer Sozialrat (PSR)",
        "Gestrichener Absatz",
        "Dieser Absatz wird gestrichen.",
        f"Änderungsantrag {shaped.deleted.id} · Streichung des Absatzes",
        "Türkischer Elternbund e.V. (TEB)",
        "Nicht übernommene Änderungsanträge",
        f"Änderungsantrag {shaped.rejected.id} · § 7",
        "Polnischer Sozialrat (PSR)",
        "Zurückgewiesen",
        "Einmal im Jahr genügt.",
        "Wer hat wie abgestimmt",
        "Beteiligte Organisationen",
    ]
    texts = {
        "html": html_text(written["html"]),
        "md": markdown_text(written["md"]),
        "pdf": pdf_text(written["pdf"], tmp_path),
    }
    for name, text in texts.items():
        appendix = text[text.index("Anhang") :]
        assert_in_order(appendix, facts, name)
        # § 5 and the title heading were not changed: no amendment is listed under them.
        assert "§ 5 Änderungsantrag" not in appendix
    # Names in the HTML are isolated from the text around them.
    tree = lxml.html.document_fromstring(written["html"].decode("utf-8"))
    isolated = {words(b.text_content()) for b in tree.iter("bdi")}
    assert {
        "Türkischer Elternbund e.V. (TEB)",
        "Netzwerk Arabischer Vereine (NAV)",
        "Polnischer Sozialrat (PSR)",
        MODERATOR,
    } <= isolated


def _ballots_html(html: bytes) -> dict[str, dict[str, list[str]]]:
    """Who voted how as the HTML's table says it: question -> column -> short names, each in its own <bdi>."""
    tree = lxml.html.document_fromstring(html.decode("utf-8"))
    (table,) = tree.find_class("ballots-table")
    columns = [words(th.text_content()) for th in table.find("thead").iter("th")][1:]
    found = {}
    for row in table.find("tbody").iter("tr"):
        label, *cells = list(row)
        found[words(label.text_content())] = {
            column: [words(b.text_content()) for b in cell.iter("bdi")]
            for column, cell in zip(columns, cells, strict=True)
        }
    return found


def test_who_voted_how_is_shown_only_when_the_draft_says_so(app, tmp_path):
    shaped = shaped_draft(app)
    with app.test_request_context():
        document = build_document(shaped.draft)
        shown = {name: FORMATS[name].write(document) for name in ("html", "md", "pdf")}
        shaped.draft.appendix_shows_ballots = False
        db.session.flush()
        hidden = {name: FORMATS[name].write(build_document(shaped.draft)) for name in ("html", "md", "pdf")}

    questions = document.results.questions
    choices = (("yes", "Ja"), ("no", "Nein"), ("abstain", "Enthaltung"))
    expected = {
        ("Gesamter Text" if q.is_whole_draft else f"§ {q.position}"): {
            label: [o.short_name for o in q.organisations(choice)] for choice, label in choices
        }
        for q in questions
    }
    assert expected["§ 2"] == {"Ja": ["TEB"], "Nein": ["NAV"], "Enthaltung": ["PSR"]}
    assert expected["Gesamter Text"] == {"Ja": ["NAV", "PSR", "TEB"], "Nein": [], "Enthaltung": []}
    assert _ballots_html(shown["html"]) == expected
    markdown = markdown_text(shown["md"])
    part = markdown[markdown.index("Wer hat wie abgestimmt") : markdown.rindex("Beteiligte Organisationen")]
    said = [
        f"{label} " + " ".join(f"{name}: {', '.join(names) or '–'}" for name, names in choices_of.items())
        for label, choices_of in expected.items()
    ]
    assert_in_order(part, said, "md")
    text = pdf_text(shown["pdf"], tmp_path)
    assert_in_order(
        text,
        [
            "Wer hat wie abgestimmt",
            "Frage Ja Nein Enthaltung",
            "Gesamter Text NAV, PSR, TEB – –",
            "§ 2 TEB NAV PSR",
            "§ 7 TEB NAV PSR",
            "Beteiligte Organisationen",
        ],
        "pdf",
    )

    assert b"Wer hat wie abgestimmt" not in hidden["html"] and b'class="ballots-table"' not in hidden["html"]
    assert "Wer hat wie abgestimmt" not in hidden["md"].decode("utf-8")
    assert "Wer hat wie abgestimmt" not in pdf_text(hidden["pdf"], tmp_path)
