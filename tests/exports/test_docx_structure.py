"""The position's Word document is Word's own structure, and its appendix says how the text came about
(issue 14, points 1, 3 and 5, for the DOCX).

A draft whose text has a heading, bold and italic words, a link, a bullet list, a nested numbered
list, a table and a paragraph that begins with "§" goes through amendments of three organisations
(one supported by the two others, an insertion accepted in modified form, a deletion, a rejection)
and a collision the moderation resolves, is voted on and adopted. python-docx then reads heading
styles, Word numbering, a table with a repeating header row, a hyperlink with its target, and no
Markdown syntax; LibreOffice (a real reader) converts the file to PDF, whose text holds the title,
the § labels, the list items with the numbers Word gave them, the table cells and the appendix's
headings in order, and not one split word in the results table.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import subprocess
from collections import Counter

import docx
import pytest
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph as WordParagraph
from pypdf import PdfReader

from consult.accounts.models import Role
from consult.amendments.models import AmendmentKind
from consult.amendments.services import decide, propose, support
from consult.board.services import adopt
from consult.core import clock
from consult.drafts.models import Phase
from consult.drafts.services import import_draft, is_heading, set_phase
from consult.exports import structure
from consult.exports.document import build_document
from consult.exports.formats import FORMATS
from consult.extensions import db
from consult.versions.services import conflicts_of, publish_version, resolve_conflict, start_version
from consult.votes.models import Choice
from consult.votes.services import cast_vote
from tests import factories

SOFFICE = shutil.which("soffice")
if SOFFICE is None and os.environ.get("CONSULT_TEST_LIBREOFFICE") == "1":
    raise RuntimeError("CONSULT_TEST_LIBREOFFICE=1 but soffice is missing (apt-get install libreoffice-writer-nogui)")

LABEL = "Paragraph Number"  # the style of the "§ N" labels (consult.exports.docx.LABEL_STYLE)
TEXT = """# Teilhabe gestalten

Wir fordern **verbindliche** Regeln und *klare* Fristen, siehe [Gesetzentwurf](https://example.org/gesetz).

- Erstens eine Quote
- Zweitens ein Rat

1. Bestandsaufnahme
   1. Daten erheben
   2. Daten veröffentlichen
2. Maßnahmenplan

| Land | Gesetz | Stand |
| --- | --- | --- |
| Berlin | PartMigG | angenommen |
| Nordrhein-Westfalen | TIntG | Enthaltung |

§ 12 der Satzung bleibt unberührt.

Dieser Absatz wird gestrichen.

Hier widersprechen sich zwei Anträge.
"""
COMMON_TEXT = "Hier einigen sich zwei Anträge."


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def shaped(app):
    """The draft above, changed by amendments of three organisations (VA, VB, VC), voted on and adopted."""
    draft = import_draft(TEXT, "Teilhabe in der Einwanderungsgesellschaft", "teilhabe-gestalten")
    draft.phase = Phase.COMMENTING
    db.session.flush()
    orgs = [factories.organisation(f"Verein {c}", f"V{c}") for c in "ABC"]
    delegates = [factories.user(org=org) for org in orgs]
    moderator = factories.user(roles=(Role.MODERATOR,), name="Mira Moderation")
    board = factories.user(roles=(Role.BOARD,), name="Bora Vorstand")
    texts = {i + 1: t for i, t in enumerate(draft.versions[0].texts)}
    now = clock.now()
    with app.test_request_context():
        shorter = propose(
            delegates[0],
            draft,
            texts[2],
            AmendmentKind.REPLACE,
            texts[2].text.replace("*klare*", "*kurze*"),
            "Kürzer ist besser.",
            now,
        )
        support(delegates[1], shorter, draft, now)
        support(delegates[2], shorter, draft, now)
        decide(moderator, shorter, draft, "accept", "", now)
        inserted = propose(
            delegates[1],
            draft,
            texts[6],
            AmendmentKind.INSERT,
            "Ein neuer Absatz über Beiräte.",
            "Beiräte fehlen.",
            now,
        )
        decide(
            moderator,
            inserted,
            draft,
            "accept_modified",
            "Räte ergänzt.",
            now,
            adopted_text="Ein neuer Absatz über Beiräte und Räte.",
        )
        deleted = propose(delegates[2], draft, texts[7], AmendmentKind.DELETE, None, "Überflüssig.", now)
        decide(moderator, deleted, draft, "accept", "", now)
        for delegate, words in (
            (delegates[0], "Hier streiten sich zwei Anträge."),
            (delegates[1], "Hier zanken sich zwei Anträge."),
        ):
            colliding = propose(delegate, draft, texts[8], AmendmentKind.REPLACE, words, "Genauer.", now)
            decide(moderator, colliding, draft, "accept", "", now)
        refused = propose(
            delegates[2], draft, texts[2], AmendmentKind.REPLACE, "Wir fordern gar nichts.", "Weniger ist mehr.", now
        )
        decide(moderator, refused, draft, "reject", "Das widerspricht dem Auftrag.", now)
        version = start_version(moderator, draft, now)
        (conflict,) = conflicts_of(version)
        resolve_conflict(moderator, conflict, COMMON_TEXT, now)
        publish_version(moderator, version, now)
    set_phase(draft, Phase.VOTING)
    questions = [t.paragraph_id for t in draft.versions[-1].texts if not is_heading(t.text)]
    for delegate, choices in zip(
        delegates, ((Choice.YES, Choice.NO), (Choice.YES, Choice.ABSTAIN), (Choice.ABSTAIN, Choice.YES)), strict=True
    ):
        cast_vote(delegate, draft, None, Choice.YES, now)
        # Each votes on the first two paragraphs only; the others go without its vote.
        for paragraph_id, choice in zip(questions, choices, strict=False):
            cast_vote(delegate, draft, paragraph_id, choice, now)
    with app.test_request_context():
        adopt(board, draft, Phase.VOTING, now)
    db.session.commit()
    return draft


def _docx(app, draft) -> bytes:
    with app.test_request_context():
        return FORMATS["docx"].write(build_document(draft))


def _body(word) -> list[str]:
    """The document's text in order: each paragraph, and each table row by row."""
    return [
        part.text if isinstance(part, WordParagraph) else " ".join(cell.text for row in part.rows for cell in row.cells)
        for part in word.iter_inner_content()
    ]


def _paragraph(word, text: str):
    return next(p for p in word.paragraphs if p.text == text)


def _numbering(word, paragraph) -> tuple[int, int, str, int]:
    """(numId, level, number format, start) Word numbers `paragraph` with, directly or by its style."""
    numbering = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    if numbering is None or numbering.numId is None:
        numbering = paragraph.style.element.pPr.numPr
    num_id = numbering.numId.val
    level = numbering.ilvl.val if numbering.ilvl is not None else 0
    root = word.part.numbering_part.element
    abstract = root.xpath(f'./w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val')[0]
    lvl = root.xpath(f'./w:abstractNum[@w:abstractNumId="{abstract}"]/w:lvl[@w:ilvl="{level}"]')[0]
    start = lvl.find(qn("w:start"))
    return (
        num_id,
        level,
        lvl.find(qn("w:numFmt")).get(qn("w:val")),
        int(start.get(qn("w:val")) if start is not None else 1),
    )


def test_the_tree_holds_the_structure_and_no_markdown_syntax():
    heading, text, bullets, numbered, table, section, *_ = [
        structure.parse(block)[0] for block in TEXT.strip().split("\n\n")
    ]
    assert heading == structure.Heading(1, (structure.Text("Teilhabe gestalten"),))
    assert structure.Text("verbindliche", bold=True) in text.inlines
    assert structure.Text("klare", italic=True) in text.inlines
    assert structure.Text("Gesetzentwurf", href="https://example.org/gesetz") in text.inlines
    assert not bullets.ordered and [structure.plain(i[0].inlines) for i in bullets.items] == [
        "Erstens eine Quote",
        "Zweitens ein Rat",
    ]
    inner = numbered.items[0][1]
    assert numbered.ordered and numbered.start == 1 and isinstance(inner, structure.List) and inner.ordered
    assert [structure.plain(i[0].inlines) for i in inner.items] == ["Daten erheben", "Daten veröffentlichen"]
    assert [structure.plain(c) for c in table.header] == ["Land", "Gesetz", "Stand"]
    assert [[structure.plain(c) for c in row] for row in table.rows] == [
        ["Berlin", "PartMigG", "angenommen"],
        ["Nordrhein-Westfalen", "TIntG", "Enthaltung"],
    ]
    assert structure.plain(section.inlines) == "§ 12 der Satzung bleibt unberührt."
    # A link the page refuses is text; an escaped star is a star.
    (refused,) = structure.parse("[x](javascript:alert(1)) \\*a\\*")
    assert all(i.href is None for i in refused.inlines) and structure.plain(refused.inlines).endswith("*a*")


def test_the_word_document_is_word_structure(app, shaped):
    word = docx.Document(io.BytesIO(_docx(app, shaped)))

    assert _paragraph(word, "Teilhabe gestalten").style.name == "Heading 1"
    runs = [run for p in word.paragraphs for run in p.runs]
    assert any(r.bold and r.text == "verbindliche" for r in runs)
    assert any(r.italic and r.text == "kurze" for r in runs)

    # The link is a w:hyperlink whose relationship leads out to its address.
    link = _paragraph(word, "Wir fordern verbindliche Regeln und kurze Fristen, siehe Gesetzentwurf.")
    (hyperlink,) = link._p.findall(qn("w:hyperlink"))
    relationship = word.part.rels[hyperlink.get(qn("r:id"))]
    assert relationship.is_external and relationship.target_ref == "https://example.org/gesetz"
    assert "".join(t.text for t in hyperlink.iter(qn("w:t"))) == "Gesetzentwurf"

    # Lists: numbered by Word, bullets as bullets, the nested list one level deeper and counting from 1.
    first, second = _paragraph(word, "Erstens eine Quote"), _paragraph(word, "Zweitens ein Rat")
    assert first.style.name == "List Bullet" and _numbering(word, first)[2] == "bullet"
    assert _numbering(word, first)[0] == _numbering(word, second)[0]
    outer = [_numbering(word, _paragraph(word, t)) for t in ("Bestandsaufnahme", "Maßnahmenplan")]
    inner = [_numbering(word, _paragraph(word, t)) for t in ("Daten erheben", "Daten veröffentlichen")]
    assert outer[0] == outer[1] and outer[0][1:] == (0, "decimal", 1)
    assert inner[0] == inner[1] and inner[0][1:] == (1, "decimal", 1) and inner[0][0] != outer[0][0]
    assert _paragraph(word, "Bestandsaufnahme").style.name == "List Number"
    assert _paragraph(word, "Daten erheben").style.name == "List Number 2"

    # The table: a header row that repeats, rows that do not split, the cells' words.
    table = next(t for t in word.tables if t.rows[0].cells[0].text == "Land")
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["Land", "Gesetz", "Stand"],
        ["Berlin", "PartMigG", "angenommen"],
        ["Nordrhein-Westfalen", "TIntG", "Enthaltung"],
    ]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)

    # "§ N" stands on its own, kept with the paragraph it names; the text's own "§ 12" is text.
    paragraphs = word.paragraphs
    index = next(i for i, p in enumerate(paragraphs) if p.text == "§ 12 der Satzung bleibt unberührt.")
    assert paragraphs[index].style.name == "Normal"
    assert paragraphs[index - 1].style.name == LABEL and re.fullmatch(r"§ 6 · Zeile \d+", paragraphs[index - 1].text)
    assert paragraphs[index - 1].style.paragraph_format.keep_with_next

    # No Markdown syntax anywhere in the text, and no list marker typed into the draft's paragraphs.
    text = _body(word)
    assert not [line for line in text if re.search(r"#|\*\*|\|", line)], text
    draft_text = text[text.index("§ 1 · Zeile 1") : text.index("Ergebnisse")]
    assert not [line for line in draft_text if re.match(r"\s*(- |\* |\d+\. )", line)], draft_text


def test_the_results_table_fits_its_words_and_repeats_its_header(app, shaped):
    word = docx.Document(io.BytesIO(_docx(app, shaped)))
    table = next(t for t in word.tables if t.rows[0].cells[1].text == "Ja")
    widths = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert len(widths) == 6 and sum(widths) <= 9072
    # The turnout ("3 von 3 Organisationen haben abgestimmt") gets the widest column; no column is a sliver.
    assert widths[4] == max(widths) and min(widths) >= 500
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)


def _appendix(word) -> list[str]:
    text = _body(word)
    return text[text.index("Anhang") :]


def _entry(lines: list[str], heading: str, end: str) -> list[str]:
    """The lines from `heading` up to the next line that starts with `end`."""
    start = lines.index(heading)
    stop = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(end)), len(lines))
    return lines[start:stop]


def test_the_appendix_tells_how_the_text_came_about(app, shaped):
    appendix = _appendix(docx.Document(io.BytesIO(_docx(app, shaped))))
    with app.test_request_context():
        document = build_document(shaped)
    number = {key: a.number for a in document.amendments for key in (a.justification, a.proposed_text)}
    decided = next(line for line in appendix if line.startswith("Entschieden von: "))
    assert re.fullmatch(r"Entschieden von: Mira Moderation, \d+\. \w+ \d{4}, \d\d:\d\d", decided)
    when = decided.split(", ", 1)[1]

    assert appendix[:2] == ["Anhang", "Ergebnisse"]
    parts = [
        line
        for line in appendix
        if line
        in (
            "Ergebnisse",
            "Wie der Text entstanden ist",
            "Nicht übernommene Änderungsanträge",
            "Beteiligte Organisationen",
        )
    ]
    assert parts == [
        "Ergebnisse",
        "Wie der Text entstanden ist",
        "Nicht übernommene Änderungsanträge",
        "Beteiligte Organisationen",
    ]
    came_about = _entry(appendix, "Wie der Text entstanden ist", "Nicht übernommene")
    shorter = number["Kürzer ist besser."]
    assert _entry(came_about, "§ 2", "§ ") == [
        "§ 2",
        f"Änderungsantrag {shorter}",
        "Gestellt von: Verein A (VA)",
        "Unterstützt von: Verein B (VB), Verein C (VC)",
        "Vorgeschlagener Text: Wir fordern verbindliche Regeln und kurze Fristen, siehe Gesetzentwurf.",
        "Begründung: Kürzer ist besser.",
        "Entscheidung: Übernommen · Fassung 2",
        decided,
        "Abstimmung: Ja 2 · Nein 0 · Enthaltung 1 · 3 von 3 Organisationen haben abgestimmt · angenommen",
    ]
    inserted = _entry(came_about, "§ 7", "§ ")
    assert inserted[1] == f"Änderungsantrag {number['Ein neuer Absatz über Beiräte.']} · Neuer Absatz"
    assert "Entscheidung: Modifiziert übernommen · Fassung 2" in inserted and "Grund: Räte ergänzt." in inserted
    assert "Übernommener Text: Ein neuer Absatz über Beiräte und Räte." in inserted
    collided = sorted(number[t] for t in ("Hier streiten sich zwei Anträge.", "Hier zanken sich zwei Anträge."))
    resolved = _entry(came_about, "§ 8", "Gestrichener Absatz")
    assert [line for line in resolved if line.startswith("Änderungsantrag")] == [
        f"Änderungsantrag {collided[0]}",
        f"Änderungsantrag {collided[1]}",
    ]
    assert (
        f"Die Änderungsanträge {collided[0]}, {collided[1]} passten nicht zusammen. Die Redaktion hat in "
        f"Fassung 2 einen gemeinsamen Text geschrieben ({when})." in resolved
    )
    assert f"Gemeinsamer Text: {COMMON_TEXT}" in resolved
    removed = _entry(came_about, "Gestrichener Absatz", "Nicht übernommene")
    assert removed[1:4] == [
        "Dieser Absatz wird gestrichen.",
        f"Änderungsantrag {number['Überflüssig.']} · Streichung des Absatzes",
        "Gestellt von: Verein C (VC)",
    ]

    rejected = _entry(appendix, "Nicht übernommene Änderungsanträge", "Beteiligte Organisationen")
    assert rejected[1] == f"Änderungsantrag {number['Wir fordern gar nichts.']} · § 2"
    assert "Entscheidung: Zurückgewiesen" in rejected and "Grund: Das widerspricht dem Auftrag." in rejected
    assert appendix[-3:] == ["Verein A (VA)", "Verein B (VB)", "Verein C (VC)"]
    assert "Wer hat wie abgestimmt" not in appendix  # the setting is off by default


def test_who_voted_how_only_with_the_setting(app, shaped):
    shaped.appendix_shows_ballots = True
    db.session.commit()
    appendix = _appendix(docx.Document(io.BytesIO(_docx(app, shaped))))
    ballots = _entry(appendix, "Wer hat wie abgestimmt", "Beteiligte Organisationen")
    assert _entry(ballots, "Gesamter Text", "§ ")[1:] == ["Ja (3): VA, VB, VC", "Nein (0): –", "Enthaltung (0): –"]
    assert _entry(ballots, "§ 2", "§ ")[1:] == ["Ja (2): VA, VB", "Nein (0): –", "Enthaltung (1): VC"]
    assert _entry(ballots, "§ 3", "§ ")[1:] == ["Ja (1): VC", "Nein (1): VA", "Enthaltung (1): VB"]
    assert ballots[-4:] == ["§ 8", "Ja (0): –", "Nein (0): –", "Enthaltung (0): –"]


def _soffice_pdf_text(data: bytes, tmp_path) -> str:
    source = tmp_path / "position.docx"
    source.write_bytes(data)
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(tmp_path / "position.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_the_structure_in_order_and_splits_no_word(app, shaped, tmp_path):
    text = _soffice_pdf_text(_docx(app, shaped), tmp_path)
    flat = _words(text)
    expected = [
        "Teilhabe in der Einwanderungsgesellschaft",
        "§ 1",
        "Teilhabe gestalten",
        "§ 2",
        "Wir fordern verbindliche Regeln und kurze Fristen, siehe Gesetzentwurf.",
        "§ 3",
        "• Erstens eine Quote",
        "• Zweitens ein Rat",
        "§ 4",
        "1. Bestandsaufnahme",
        "1. Daten erheben",
        "2. Daten veröffentlichen",
        "2. Maßnahmenplan",
        "§ 5",
        "Land",
        "Gesetz",
        "Stand",
        "Berlin",
        "PartMigG",
        "angenommen",
        "Nordrhein-Westfalen",
        "§ 6",
        "§ 12 der Satzung bleibt unberührt.",
        "§ 7",
        "Ein neuer Absatz über Beiräte und Räte.",
        "§ 8",
        COMMON_TEXT,
        "Anhang",
        "Ergebnisse",
        "Wie der Text entstanden ist",
        "Nicht übernommene Änderungsanträge",
        "Beteiligte Organisationen",
    ]
    at = 0
    for needle in expected:
        found = flat.find(needle, at)
        assert found >= 0, f"{needle!r} missing or out of order after {flat[max(0, at - 80) : at]!r}"
        at = found + len(needle)
    assert "Dieser Absatz wird gestrichen." not in flat[: flat.index("Ergebnisse")]
    # The results table's words stand whole in LibreOffice's layout (no "Enthaltun g", no "angenom men").
    results = text[text.index("Ergebnisse") : text.index("Wie der Text entstanden ist")]
    words = set(results.split())
    for word in ("Enthaltung", "Beteiligung", "Ergebnis", "Gesamter", "angenommen", "Organisationen", "abgestimmt"):
        assert word in words, (word, results)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_splits_no_word_of_the_demo_results_table(app, adopted_demo, tmp_path):
    """Every word of every cell of the adopted demo's results table stands whole in LibreOffice's PDF,
    as often as the table holds it (a row that breaks "angenomme n" makes the count short)."""
    data = _docx(app, adopted_demo)
    table = next(t for t in docx.Document(io.BytesIO(data)).tables if t.rows[0].cells[1].text == "Ja")
    wanted = Counter(word for row in table.rows for cell in row.cells for word in cell.text.split() if len(word) > 3)
    assert wanted["angenommen"] >= 10 and wanted["Organisationen"] == len(table.rows) - 1
    text = _soffice_pdf_text(data, tmp_path)
    start = re.search(r"^\s*Ergebnisse\s*$", text, re.M).end()  # the appendix's heading, not the text's word
    found = Counter(text[start : text.index("Wie der Text entstanden ist")].split())
    assert {word: min(found[word], count) for word, count in wanted.items()} == dict(wanted)


@pytest.mark.parametrize(
    "href, target",
    [
        ("https://example.org/a?b=1", "https://example.org/a?b=1"),
        ("mailto:buero@example.org", "mailto:buero@example.org"),
        ("/drafts/teilhabe", None),
        ("javascript:alert(1)", None),
        ("file:///etc/passwd", None),
        ("", None),
        (None, None),
    ],
)
def test_only_web_and_mail_links_become_word_hyperlinks(href, target):
    from consult.exports.docx import _link_target

    assert _link_target(href) == target


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_repeats_the_results_header_and_splits_no_row(app, shaped, tmp_path):
    """A results table over three pages: each page of it opens with the header row, and each row's
    turnout ("3 von 3 Organisationen / haben abgestimmt", two lines) stands on one page."""
    with app.test_request_context():
        document = build_document(shaped)
        rows = document.results.paragraphs * 15
        many = dataclasses.replace(document, results=dataclasses.replace(document.results, paragraphs=rows))
        data = FORMATS["docx"].write(many)
    source = tmp_path / "many.docx"
    source.write_bytes(data)
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    texts = [_words(page.extract_text()) for page in PdfReader(tmp_path / "many.pdf").pages]
    first = next(i for i, t in enumerate(texts) if "Anhang Ergebnisse" in t)
    last = next(i for i, t in enumerate(texts) if "Wie der Text entstanden ist" in t)
    table_pages = texts[first:last] + [texts[last].split("Wie der Text entstanden ist")[0]]
    assert len(table_pages) >= 3
    for text in table_pages:
        assert text.count("Frage Ja Nein Enthaltung Beteiligung Ergebnis") == 1, text[:200]
        assert text.count("von 3 Organisationen") == text.count("haben abgestimmt"), text
    assert sum(t.count("von 3 Organisationen haben abgestimmt") for t in table_pages) == len(rows) + 1
