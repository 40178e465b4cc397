"""The PDF is tagged PDF/UA-1 (issue 14, point 4): a screen reader finds its structure.

Read back by real readers: `pdfinfo` (poppler) says whether it is tagged; pypdf walks the structure tree
from /StructTreeRoot and reads the catalogue's /Lang, the metadata's /Title and the outline (bookmarks).
"""

from __future__ import annotations

import io
import subprocess
from collections import Counter

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from consult.drafts.models import Phase
from consult.drafts.services import import_draft
from consult.exports.document import build_document
from consult.exports.formats import FORMATS
from consult.extensions import db
from tests.exports.print_drafts import long_draft, shaped_draft
from tests.exports.test_change_document import _document, fixture_adopted  # noqa: F401  (the fixture adopted)

# A draft whose paragraphs hold the structures the stored HTML (consult/core/markdown.py) makes.
STRUCTURED = (
    "\n\n".join(
        [
            "# Grundsätze",
            "Die Mitgliedsorganisationen beraten über *Teilhabe*.",
            "## Forderungen",
            "- Beiräte in jeder Kommune\n- Geld für die Beiräte\n- Berichte jedes Jahr",
            "| Land | Gesetz |\n|---|---|\n| Berlin | PartMigG |\n| NRW | TIntG |",
            "1. Erstens\n2. Zweitens",
        ]
    )
    + "\n"
)


def _elements(reader: PdfReader) -> list[DictionaryObject]:
    """Every structure element of the PDF, depth first."""
    found, stack = [], [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, ArrayObject):
            stack.extend(reversed(list(node)))
        elif isinstance(node, DictionaryObject):
            if node.get("/Type") == "/StructElem" or "/S" in node:
                found.append(node)
            if "/K" in node and node.get("/Type") != "/MCR":
                stack.append(node["/K"])
    return found


def _marked_texts(reader: PdfReader) -> dict[tuple[int, int], str]:
    """The text of each marked-content sequence, by (page object number, MCID), as pypdf reads it."""
    texts: dict[tuple[int, int], str] = {}
    for page in reader.pages:
        open_ids: list[int | None] = []

        def before(operator, operands, cm, tm, open_ids=open_ids):  # this page's, bound now
            if operator == b"BDC":
                properties = operands[1] if len(operands) > 1 else None
                open_ids.append(properties.get("/MCID") if isinstance(properties, DictionaryObject) else None)
            elif operator == b"BMC":
                open_ids.append(None)
            elif operator == b"EMC" and open_ids:
                open_ids.pop()

        def text(value, cm, tm, font, size, open_ids=open_ids, page=page):
            mcid = next((i for i in reversed(open_ids) if i is not None), None)
            if mcid is not None:
                key = (page.indirect_reference.idnum, mcid)
                texts[key] = texts.get(key, "") + value

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def tagged_text(reader: PdfReader) -> dict[str, list[str]]:
    """Tag -> the text of each structure element with that tag (its descendants' marked content with it):
    what a screen reader reads as a heading, a paragraph, ..."""
    marked, out = _marked_texts(reader), {}

    def read(node, page) -> str:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, ArrayObject):
            return "".join(read(child, page) for child in node)
        if isinstance(node, DictionaryObject):
            if node.get("/Type") == "/MCR":
                return marked.get((node.raw_get("/Pg").idnum if "/Pg" in node else page, int(node["/MCID"])), "")
            page = node.raw_get("/Pg").idnum if "/Pg" in node else page
            text = read(node["/K"], page) if "/K" in node else ""
            if "/S" in node:
                out.setdefault(str(node["/S"])[1:], []).append(" ".join(text.split()))
            return text
        return marked.get((page, int(node)), "") if page is not None else ""

    read(reader.trailer["/Root"]["/StructTreeRoot"], None)
    return out


def _tags(reader: PdfReader) -> Counter:
    return Counter(str(element["/S"])[1:] for element in _elements(reader) if "/S" in element)


def _pdfinfo(pdf: bytes, tmp_path) -> dict[str, str]:
    path = tmp_path / "d.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in out.splitlines())}


def _outline_titles(outline) -> list[str]:
    titles = []
    for item in outline:
        titles += _outline_titles(item) if isinstance(item, list) else [item.title]
    return titles


def test_the_pdf_is_tagged_with_language_title_bookmarks_and_a_described_chart(app, tmp_path):
    shaped = shaped_draft(app)
    with app.test_request_context():
        document = build_document(shaped.draft)
        pdf = FORMATS["pdf"].write(document)
    info = _pdfinfo(pdf, tmp_path)
    assert info["Tagged"] == "yes"
    assert info["Title"] == "Teilhabe vor Ort"

    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "de"
    assert root["/MarkInfo"]["/Marked"] in (True, "true")
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] in (True, "true")
    assert reader.metadata["/Title"] == "Teilhabe vor Ort"
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfuaid:part="1"' in xmp and "Teilhabe vor Ort</rdf:li>" in xmp  # claims PDF/UA-1, titled

    tags = _tags(reader)
    for tag in ("H1", "H2", "H3", "H4", "H5", "P", "L", "LI", "Table", "TR", "TH", "TD", "Figure"):
        assert tags[tag] > 0, f"no {tag} in the structure tree: {dict(tags)}"
    # The results table and the table of who voted how: a header row and one row per question each, a question's
    # row a header cell and five data cells (figures) or three (organisations).
    questions = document.results.questions
    assert tags["Table"] == 2
    assert tags["TR"] == 2 * (1 + len(questions))
    assert tags["TH"] == 6 + 4 + 2 * len(questions)
    assert tags["TD"] == (5 + 3) * len(questions)

    # The chart is a Figure whose alternative text states every question's figures and outcome.
    (figure,) = [e for e in _elements(reader) if e.get("/S") == "/Figure"]
    alt = str(figure["/Alt"])
    for question in questions:
        label = "Gesamter Text" if question.is_whole_draft else f"§ {question.position}"
        f = question.deciding
        outcome = "angenommen" if question.carried else "nicht angenommen"
        assert f"{label}: Ja {f.yes}, Nein {f.no}, Enthaltung {f.abstain}, {outcome}" in alt

    # Bookmarks: the title, the draft's heading, the appendix and its parts, in order.
    titles = _outline_titles(reader.outline)
    expected = [
        "Teilhabe vor Ort",
        "Anhang",
        "Ergebnisse",
        "Wie der Text entstanden ist",
        "Nicht übernommene Änderungsanträge",
        "Wer hat wie abgestimmt",
        "Beteiligte Organisationen",
    ]
    positions = [titles.index(title) for title in expected]
    assert positions == sorted(positions), titles


def test_the_drafts_own_lists_tables_and_headings_are_structure_not_text(app):
    """A preview in commenting has no results, amendments or organisations: every list, table and heading
    below the title comes from the paragraphs' stored HTML."""
    draft = import_draft(STRUCTURED, "Grundsätze der Teilhabe", "grundsaetze")
    draft.phase = Phase.COMMENTING
    db.session.flush()
    with app.test_request_context():
        document = build_document(draft)
        assert document.results is None and not document.amendments and not document.organisations
        reader = PdfReader(io.BytesIO(FORMATS["pdf"].write(document)))
    tags = _tags(reader)
    assert tags["H1"] == 1  # the title
    assert tags["H2"] == 1 and tags["H3"] == 1  # "Grundsätze", "Forderungen": no appendix
    assert tags["L"] == 2 and tags["LI"] == 5  # the bullet list and the numbered list
    assert tags["Table"] == 1 and tags["TR"] == 3 and tags["TH"] == 2 and tags["TD"] == 4
    assert "Figure" not in tags


def test_a_long_vote_gets_several_described_charts_none_taller_than_a_page(app):
    draft = long_draft(app, paragraphs=85)
    with app.test_request_context():
        document = build_document(draft)
        reader = PdfReader(io.BytesIO(FORMATS["pdf"].write(document)))
    figures = [e for e in _elements(reader) if e.get("/S") == "/Figure"]
    assert len(figures) == 3  # 85 questions (the whole text and 84 paragraphs), at most 40 bars a figure
    alts = " ".join(str(figure["/Alt"]) for figure in figures)
    for question in document.results.questions:
        label = "Gesamter Text" if question.is_whole_draft else f"§ {question.position}"
        f = question.counts
        assert f"{label}: Ja {f.yes}, Nein {f.no}, Enthaltung {f.abstain}," in alts
    for figure in figures:  # each fits on the page (A4 is 842 points high)
        x1, y1, x2, y2 = (float(v) for v in figure["/A"]["/BBox"])
        assert 0 < y2 - y1 < 842 - 2 * 62


def test_the_change_document_pdf_is_tagged_with_its_changes_in_the_paragraphs(app, adopted, tmp_path):
    """The change PDF is written as the position's (consult.exports.pdf.write_pdf): tagged PDF/UA-1, titled,
    in the draft's language; a screen reader finds the title as H1 and every inserted and deleted word
    inside the paragraph it belongs to (the <ins>/<del> text is structure, not an artifact)."""
    with app.test_request_context():
        document = _document(adopted)
        pdf = FORMATS["changes.pdf"].write(document)
    info = _pdfinfo(pdf, tmp_path)
    assert info["Tagged"] == "yes"
    assert info["Title"] == "Teilhabe stärken – Änderungen von Fassung 1 zu Fassung 3"
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "de"
    texts = tagged_text(reader)
    assert texts["H1"] == ["Teilhabe stärken"]
    paragraphs = " | ".join(texts["P"])
    for changed in (
        "politische",
        "kulturelle",
        "stärkt",
        "fördert",
        "Absatz vier wird gestrichen.",
        "Geduld",
        "Teilhabebeiräte",
        "verbindlich",
    ):
        assert changed in paragraphs, (changed, texts["P"])
    assert any("Die Bundesregierung" in p and "fördert" in p and "stärkt" in p for p in texts["P"]), texts["P"]
