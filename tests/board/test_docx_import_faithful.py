"""Word files in, faithfully (issue 14, point 7): every word a reader of the Word file sees is kept.

The files are the ones real users send: built with python-docx plus the raw WordprocessingML Word
itself writes for what python-docx cannot make (a hyperlink with its relationship, tracked
insertions and deletions, simple and complex fields, a footnotes part, numbering definitions), and,
under LibreOffice, written by LibreOffice itself from an HTML page. The imported text is cut into
the draft's paragraphs by the app's own splitter and compared block by block, word for word.

LibreOffice tests: skipped when `soffice` is missing, an error with CONSULT_TEST_LIBREOFFICE=1 (CI).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from sqlalchemy import select

from consult.accounts.models import Role
from consult.board.docx_import import NotADocx, docx_to_markdown
from consult.core.markdown import plain_text, render_block, split_blocks
from consult.drafts.models import Draft
from consult.extensions import db
from tests import factories
from tests.conftest import csrf_token

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
SOFFICE = shutil.which("soffice")
if SOFFICE is None and os.environ.get("CONSULT_TEST_LIBREOFFICE") == "1":
    raise RuntimeError("CONSULT_TEST_LIBREOFFICE=1 but soffice is missing (apt-get install libreoffice-writer-nogui)")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def _paragraph(document, xml: str):
    """A paragraph written as Word writes it (`xml` is the content of `w:p`)."""
    element = parse_xml(f"<w:p {W} {R}>{xml}</w:p>")
    document.element.body.sectPr.addprevious(element)
    return element


def _run(text: str, props: str = "") -> str:
    return f'<w:r>{f"<w:rPr>{props}</w:rPr>" if props else ""}<w:t xml:space="preserve">{text}</w:t></w:r>'


def _numbering(document) -> tuple[str, str]:
    """Two lists as Word defines them: a decimal one (1., a nested bullet level) and a bullet one
    (a nested decimal level). Returns their numIds."""
    numbering = document.part.numbering_part.element
    levels = {"decimal": [("decimal", "%1."), ("bullet", "•")], "bullet": [("bullet", "•"), ("decimal", "%2.")]}
    ids = []
    for offset, lvls in enumerate(levels.values()):
        abstract_id, num_id = 90 + offset, 90 + offset
        xml = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/><w:pPr><w:ind w:left="{720 * (i + 1)}" '
            f'w:hanging="360"/></w:pPr></w:lvl>'
            for i, (fmt, text) in enumerate(lvls)
        )
        numbering.insert(0, parse_xml(f'<w:abstractNum {W} w:abstractNumId="{abstract_id}">{xml}</w:abstractNum>'))
        numbering.append(parse_xml(f'<w:num {W} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'))
        ids.append(str(num_id))
    return ids[0], ids[1]


def _item(num_id: str, level: int, content: str) -> str:
    return (
        f'<w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="{level}"/>'
        f'<w:numId w:val="{num_id}"/></w:numPr></w:pPr>{content}'
    )


def _notes(document, notes: dict[int, str], kind: str = "footnote") -> None:
    """A footnotes (or endnotes) part as Word writes it (separators -1/0, then each note's paragraph)."""
    style = "FootnoteText" if kind == "footnote" else "EndnoteText"
    body = "".join(
        f'<w:{kind} w:id="{note_id}"><w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>'
        f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{kind}Ref/></w:r>{_run(" " + text)}</w:p></w:{kind}>'
        for note_id, text in notes.items()
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{kind}s {W} {R}>'
        f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        f'<w:{kind} w:type="continuationSeparator" '
        f'w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:{kind}>'
        f"{body}</w:{kind}s>"
    ).encode()
    content_type = f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}s+xml"
    part = Part(PackURI(f"/word/{kind}s.xml"), content_type, xml, document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES if kind == "footnote" else RT.ENDNOTES)


def _note_reference(note_id: int, kind: str = "footnote") -> str:
    return f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{kind}Reference w:id="{note_id}"/></w:r>'


def _saved(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _word_file() -> bytes:
    """A position paper as a member of the board writes it in Word, with changes tracked."""
    document = docx.Document()
    numbered, bullets = _numbering(document)
    document.add_heading("Stellungnahme zum Teilhabegesetz", level=1)
    law = document.part.relate_to("https://example.org/gesetz?id=7", RT.HYPERLINK, is_external=True)
    _paragraph(
        document,
        _run("Siehe ")
        + f'<w:hyperlink r:id="{law}" w:history="1">'
        + _run("Gesetzentwurf", '<w:rStyle w:val="Hyperlink"/>')
        + "</w:hyperlink>"
        + _run(" des Bundes."),
    )
    _paragraph(
        document,
        _run("Die Länder ") + '<w:del w:id="1" w:author="IEB" '
        'w:date="2026-11-30T10:00:00Z"><w:r><w:delText>sollen</w:delText></w:r></w:del>'
        + '<w:ins w:id="2" w:author="NAVE" w:date="2026-11-30T10:01:00Z"><w:r><w:t>müssen</w:t></w:r></w:ins>'
        + _run(" die Beratung ")
        + '<w:ins w:id="3" w:author="NAVE" w:date="2026-11-30T10:02:00Z">'
        + _run("unabhängig ", "<w:b/>")
        + "</w:ins>"
        + _run("fördern."),
    )
    _paragraph(
        document,
        _run("Stand: ")
        + '<w:fldSimple w:instr=" DATE \\@ &quot;dd.MM.yyyy&quot; ">'
        + _run("05.12.2026")
        + "</w:fldSimple>"
        + _run(", Seite ")
        + '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE '
        "</w:instrText></w:r>"
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + _run("3")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    )
    _paragraph(
        document,
        _run("Mehr unter ") + '<w:fldSimple w:instr=" HYPERLINK &quot;https://example.org/mehr&quot; '
        '\\t &quot;_blank&quot; ">'
        + _run("unserer Seite")
        + "</w:fldSimple>"
        + _run(" und bei ")
        + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + '<w:r><w:instrText xml:space="preserve"> HYPERLINK "mailto:buero@example.org" \\o "Schreiben Sie '
        'uns" </w:instrText></w:r>'
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + _run("der Geschäftsstelle")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        + _run("."),
    )
    local = document.part.relate_to("file:///C:/Intern/geheim.docx", RT.HYPERLINK, is_external=True)
    _paragraph(
        document,
        _run("Die Quote liegt bei 30 %")
        + _note_reference(1)
        + _run(", intern siehe ")
        + f'<w:hyperlink r:id="{local}">'
        + _run("Ablage")
        + "</w:hyperlink>"
        + _run("."),
    )
    _notes(document, {1: "Quelle: Statistisches Bundesamt 2025, Tabelle 4."})
    _paragraph(
        document,
        _item(
            numbered,
            0,
            _run("Barrierefreiheit in allen ") + f'<w:hyperlink r:id="{law}">' + _run("Ämtern") + "</w:hyperlink>",
        ),
    )
    _paragraph(document, _item(numbered, 1, _run("Gebärdensprache")))
    _paragraph(document, _item(numbered, 1, _run("Leichte Sprache")))
    _paragraph(document, _item(numbered, 0, _run("Beratung ") + _run("vor Ort", "<w:i/>")))
    _paragraph(document, _item(numbered, 0, _run("1. Januar 2027 als Stichtag")))
    document.add_paragraph("Wir fordern:")
    _paragraph(document, _item(bullets, 0, _run("mehr Geld")))
    _paragraph(document, _item(bullets, 1, _run("für die Länder")))
    _paragraph(document, _item(bullets, 1, _run("für die Kommunen")))
    _paragraph(document, _item(bullets, 0, _run("klare Fristen")))
    table = document.add_table(rows=3, cols=2)
    for row, (land, law_name) in enumerate([("Land", "Gesetz"), ("Bayern", "BayBGG"), ("Berlin", "LGBG | neu")]):
        table.cell(row, 0).text, table.cell(row, 1).text = land, law_name
    document.add_paragraph("Schluss mit *Sternchen*, [Klammern] und <b>Tags</b>.")
    return _saved(document)


EXPECTED = [
    "# Stellungnahme zum Teilhabegesetz",
    "Siehe [Gesetzentwurf](https://example.org/gesetz?id=7) des Bundes.",
    "Die Länder müssen die Beratung **unabhängig** fördern.",
    "Stand: 05.12.2026, Seite 3",
    "Mehr unter [unserer Seite](https://example.org/mehr) und bei [der Geschäftsstelle](mailto:buero@example.org).",
    "Die Quote liegt bei 30 %, intern siehe Ablage. (Fußnote: Quelle: Statistisches Bundesamt 2025, Tabelle 4.)",
    "1. Barrierefreiheit in allen [Ämtern](https://example.org/gesetz?id=7)\n"
    "   - Gebärdensprache\n"
    "   - Leichte Sprache\n"
    "2. Beratung *vor Ort*\n"
    "3. 1\\. Januar 2027 als Stichtag",
    "Wir fordern:",
    "- mehr Geld\n  1. für die Länder\n  2. für die Kommunen\n- klare Fristen",
    "| Land | Gesetz |\n| --- | --- |\n| Bayern | BayBGG |\n| Berlin | LGBG \\| neu |",
    "Schluss mit \\*Sternchen\\*, \\[Klammern\\] und \\<b\\>Tags\\</b\\>.",
]


def test_a_word_file_keeps_links_tracked_changes_fields_footnotes_lists_and_tables_word_for_word():
    markdown = docx_to_markdown(_word_file())
    assert split_blocks(markdown) == EXPECTED
    assert markdown == "\n\n".join(EXPECTED) + "\n"


@pytest.fixture
def board(app):
    factories.user(email="board@example.org", roles=(Role.BOARD,))
    db.session.commit()


def test_the_board_uploads_the_word_file_and_the_draft_holds_every_word(client, auth, board):
    """Through the board's "new draft" upload: version 1 holds the blocks above, as stored HTML."""
    auth.login("board@example.org", factories.PASSWORD)
    token = csrf_token(client.get("/drafts/new").get_data(as_text=True))
    response = client.post(
        "/drafts/new",
        content_type="multipart/form-data",
        data={
            "csrf_token": token,
            "title": "Stellungnahme",
            "slug": "stellungnahme",
            "upload": (io.BytesIO(_word_file()), "Stellungnahme.docx"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    texts = db.session.scalars(select(Draft).where(Draft.slug == "stellungnahme")).one().versions[0].texts
    assert [t.text for t in texts] == EXPECTED
    assert '<a href="https://example.org/gesetz?id=7" rel="nofollow noopener ugc">Gesetzentwurf</a>' in texts[1].html


def test_the_imported_blocks_render_as_the_structure_the_word_file_had():
    """Read back by the app's own renderer: links are links (the file: one is text), the lists are
    an ordered list holding a bullet list, the table has a head, the author's asterisks stay text."""
    blocks = split_blocks(docx_to_markdown(_word_file()))
    assert '<a href="https://example.org/gesetz?id=7"' in render_block(blocks[1]).html
    assert '<a href="mailto:buero@example.org"' in render_block(blocks[4]).html
    assert "<a" not in render_block(blocks[5]).html and "Ablage" in render_block(blocks[5]).html
    lists = render_block(blocks[6]).html
    assert lists.index("<ol>") < lists.index("<ul>") < lists.index("</ul>") < lists.index("</ol>")
    assert lists.count("<li>") == 5 and "1. Januar 2027" in lists
    table = re.sub(r"<span class=\"ln\"[^>]*></span>", "", render_block(blocks[9]).html)
    assert "<th>Land</th>" in table and "<td>LGBG | neu</td>" in table
    last = render_block(blocks[10]).html
    assert "<em>" not in last and "*Sternchen*" in last and "&lt;b&gt;Tags&lt;/b&gt;" in last


def test_a_deleted_paragraph_mark_joins_the_paragraphs_and_a_moved_text_is_kept_once():
    document = docx.Document()
    _paragraph(
        document,
        '<w:pPr><w:rPr><w:del w:id="5" w:author="IEB" w:date="2026-11-30T10:00:00Z"/></w:rPr></w:pPr>'
        + _run("Erster Teil"),
    )
    _paragraph(document, _run(" und zweiter Teil."))
    _paragraph(
        document,
        '<w:moveFrom w:id="6" w:author="IEB" w:date="2026-11-30T10:00:00Z">'
        + _run("Verschoben.")
        + "</w:moveFrom>"
        + _run("Bleibt."),
    )
    _paragraph(
        document,
        _run("Hier: ")
        + '<w:moveTo w:id="7" w:author="IEB" w:date="2026-11-30T10:00:00Z">'
        + _run("Verschoben.")
        + "</w:moveTo>",
    )
    assert split_blocks(docx_to_markdown(_saved(document))) == [
        "Erster Teil und zweiter Teil.",
        "Bleibt.",
        "Hier: Verschoben.",
    ]


def test_notes_go_to_the_end_of_the_paragraph_item_or_cell_that_refers_to_them():
    document = docx.Document()
    numbered, _ = _numbering(document)
    _paragraph(document, _run("Erstens") + _note_reference(1) + _run(" und zweitens") + _note_reference(2) + _run("."))
    _paragraph(document, _item(numbered, 0, _run("Punkt") + _note_reference(3)))
    _paragraph(document, _item(numbered, 0, _run("Noch ein Punkt")))
    table = document.add_table(rows=2, cols=1)
    table.cell(0, 0).text = "Kopf"
    table.cell(1, 0).paragraphs[0]._p.append(parse_xml(f"<w:r {W}><w:t>Zelle</w:t></w:r>"))
    table.cell(1, 0).paragraphs[0]._p.append(parse_xml(_note_reference(1, "endnote").replace("<w:r>", f"<w:r {W}>", 1)))
    _notes(document, {1: "Erste Quelle.", 2: "Zweite *Quelle*.", 3: "Dritte Quelle."})
    _notes(document, {1: "Am Ende."}, "endnote")
    assert split_blocks(docx_to_markdown(_saved(document))) == [
        "Erstens und zweitens. (Fußnote: Erste Quelle.) (Fußnote: Zweite \\*Quelle\\*.)",
        "1. Punkt (Fußnote: Dritte Quelle.)\n2. Noch ein Punkt",
        "| Kopf |\n| --- |\n| Zelle (Endnote: Am Ende.) |",
    ]


def test_merged_table_cells_keep_the_columns_in_place():
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for row in range(3):
        for column in range(3):
            table.cell(row, column).text = f"Z{row}S{column}"
    table.cell(0, 0).merge(table.cell(0, 1))
    table.cell(1, 2).merge(table.cell(2, 2))
    assert split_blocks(docx_to_markdown(_saved(document))) == [
        "| Z0S0 Z0S1 |  | Z0S2 |\n| --- | --- | --- |\n| Z1S0 | Z1S1 | Z1S2 Z2S2 |\n| Z2S0 | Z2S1 |  |"
    ]


def test_headings_in_german_word_styles_and_a_numbered_list_starting_later():
    document = docx.Document()
    styles = document.styles.element
    for style_id, name in (("berschrift2", "Überschrift 2"), ("Titel", "Titel")):
        styles.append(
            parse_xml(
                f'<w:style {W} w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/>'
                '<w:basedOn w:val="Normal"/></w:style>'
            )
        )
    _paragraph(document, '<w:pPr><w:pStyle w:val="Titel"/></w:pPr>' + _run("Positionspapier", "<w:b/>"))
    _paragraph(document, '<w:pPr><w:pStyle w:val="berschrift2"/></w:pPr>' + _run("§ 3 Ziele"))
    numbered, _ = _numbering(document)
    _paragraph(document, _item(numbered, 0, _run("Erstens")))
    _paragraph(document, _item(numbered, 0, ""))  # an empty item: Word counts it, Markdown has no such item
    _paragraph(document, _item(numbered, 0, _run("Drittens")))
    document.add_paragraph("Dazwischen.")
    _paragraph(document, _item(numbered, 0, _run("Viertens")))
    restarted = document.part.numbering_part.element
    restarted.append(
        parse_xml(
            f'<w:num {W} w:numId="97"><w:abstractNumId w:val="90"/>'
            '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="7"/></w:lvlOverride></w:num>'
        )
    )
    document.add_paragraph("Neu gezählt:")
    _paragraph(document, _item("97", 0, _run("Siebtens")))
    _paragraph(document, _item("97", 0, _run("Achtens")))
    document.add_paragraph("Mit der Formatvorlage:")
    document.add_paragraph("Eins", style="List Number")
    document.add_paragraph("Zwei", style="List Number")
    assert split_blocks(docx_to_markdown(_saved(document))) == [
        "# Positionspapier",
        "## § 3 Ziele",
        "1. Erstens\n2. Drittens",
        "Dazwischen.",
        "4. Viertens",
        "Neu gezählt:",
        "7. Siebtens\n8. Achtens",
        "Mit der Formatvorlage:",
        "1. Eins\n2. Zwei",
    ]


AUTHOR_LINES = [
    "- Anmerkung der Redaktion",
    "+ 3 Stellen",
    "2) zweitens",
    "1. Januar 2027",
    "---",
    "~~~ Code",
    "=== Ende",
    "> Zitat",
    "# Kein Titel",
    "| A | B |",
    "-5 Grad und 10.000 Euro",
    "a_b_c *x* `y` [z](u)",
]


def test_what_the_author_typed_stays_text_even_where_markdown_would_make_it_structure():
    """Each line an author typed at the start of a paragraph, or after a line break (Shift+Enter):
    the app reads it back as one paragraph of exactly those words, no list, rule, code or heading."""
    document = docx.Document()
    for line in AUTHOR_LINES:
        document.add_paragraph(line)
    _paragraph(
        document,
        "<w:br/>".join(
            f'<w:r><w:t xml:space="preserve">{line.replace(">", "&gt;")}</w:t></w:r>'
            for line in ["Vorher", *AUTHOR_LINES[:4]]
        ).replace("</w:r><w:br/>", "<w:br/></w:r>"),
    )
    blocks = split_blocks(docx_to_markdown(_saved(document)))
    assert len(blocks) == len(AUTHOR_LINES) + 1
    for block, line in zip(blocks, AUTHOR_LINES, strict=False):  # the last block is not an author's line
        html = render_block(block).html
        assert html.startswith("<p>") and html.count("<p>") == 1 and plain_text(block) == line, (block, html)
    assert "-5 Grad und 10.000 Euro" in blocks and "\\- Anmerkung der Redaktion" in blocks
    assert plain_text(blocks[-1]) == " ".join(["Vorher", *AUTHOR_LINES[:4]])
    assert blocks[-1].count("\n") == 4 and render_block(blocks[-1]).html.count("<p>") == 1
    assert "<li>" not in render_block(blocks[-1]).html


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a zip",
        b"PK\x03\x04" + b"\x00" * 100,
        "Ein Text.".encode(),
    ],
)
def test_a_file_that_is_not_a_word_package_is_not_a_docx(content):
    with pytest.raises(NotADocx):
        docx_to_markdown(content)


def _rewritten(data: bytes, name: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, change(source.read(item)) if item.filename == name else source.read(item))
    return out.getvalue()


@pytest.mark.parametrize(
    "name, change",
    [
        ("word/document.xml", lambda xml: xml[: len(xml) // 2]),  # cut off
        ("word/document.xml", lambda xml: xml.replace(b"<w:body>", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><w:body>', 1)),
        (
            "word/document.xml",
            lambda xml: (
                b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + xml.split(b"?>", 1)[1]
            ),
        ),
        ("word/document.xml", lambda xml: xml.replace(b'r:id="rId', b'r:id="xx', 1)),  # a link to no relationship
        (
            "word/document.xml",
            lambda xml: xml.replace(b'w:footnoteReference w:id="1"', b'w:footnoteReference w:id="7"'),
        ),
        ("word/footnotes.xml", lambda xml: xml.replace(b'w:id="1"', b"")),
        ("word/numbering.xml", lambda xml: b"<x"),
        ("word/_rels/document.xml.rels", lambda xml: b"kein xml"),
        ("_rels/.rels", lambda xml: b"<Relationships/>"),
        ("[Content_Types].xml", lambda xml: b"<Types/>"),
        (
            "[Content_Types].xml",
            lambda xml: xml.replace(b"wordprocessingml.document.main+xml", b"spreadsheetml.sheet.main+xml"),
        ),
    ],
)
def test_a_broken_word_file_is_not_a_docx_whatever_part_is_broken(name, change):
    """The hostile walk sends such files: every failure of the readers is NotADocx (a 422), never a 500."""
    with pytest.raises(NotADocx):
        docx_to_markdown(_rewritten(_word_file(), name, change))


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_word_file())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("word/media/leer.bin", b"\0" * (70 * 2**20))
    assert len(out.getvalue()) < 2**20
    with pytest.raises(NotADocx, match="too large"):
        docx_to_markdown(out.getvalue())


# --- Files written by LibreOffice -----------------------------------------------------------------

# A flat OpenDocument text as LibreOffice stores it: a link, a numbered list with a nested bullet
# list that goes on ("3.") after a paragraph, a bullet list with a nested numbered one, a table, a
# footnote and a date field.
OPEN_DOCUMENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:styles>
  <style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph"
  style:default-outline-level="1"/>
  <style:style style:name="Strong" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
 </office:styles>
 <office:automatic-styles>
  <number:date-style style:name="N37"><number:day number:style="long"/><number:text>.</number:text><number:month
  number:style="long"/><number:text>.</number:text><number:year number:style="long"/></number:date-style>
  <text:list-style style:name="Nummern">
   <text:list-level-style-number text:level="1" style:num-suffix="." style:num-format="1"/>
   <text:list-level-style-bullet text:level="2" text:bullet-char="•"/>
  </text:list-style>
  <text:list-style style:name="Punkte">
   <text:list-level-style-bullet text:level="1" text:bullet-char="•"/>
   <text:list-level-style-number text:level="2" style:num-suffix="." style:num-format="1"/>
  </text:list-style>
 </office:automatic-styles>
 <office:body><office:text>
  <text:h text:style-name="Heading_20_1" text:outline-level="1">Positionspapier Teilhabe</text:h>
  <text:p>Siehe <text:a xlink:type="simple" xlink:href="https://example.org/gesetz">Gesetzentwurf</text:a> des Bundes
  und <text:span text:style-name="Strong">verbindliche</text:span> Regeln.</text:p>
  <text:list text:style-name="Nummern">
   <text:list-item><text:p>Erstens</text:p></text:list-item>
   <text:list-item><text:p>Zweitens</text:p>
    <text:list><text:list-item><text:p>Unterpunkt a</text:p></text:list-item><text:list-item><text:p>Unterpunkt
    b</text:p></text:list-item></text:list>
   </text:list-item>
  </text:list>
  <text:p>Dazwischen ein Absatz.</text:p>
  <text:list text:style-name="Nummern" text:continue-numbering="true">
   <text:list-item><text:p>Drittens</text:p></text:list-item>
  </text:list>
  <text:list text:style-name="Punkte">
   <text:list-item><text:p>Geld</text:p>
    <text:list><text:list-item><text:p>für die Länder</text:p></text:list-item><text:list-item><text:p>für die
    Kommunen</text:p></text:list-item></text:list>
   </text:list-item>
  </text:list>
  <table:table table:name="Gesetze"><table:table-column table:number-columns-repeated="2"/>
   <table:table-row><table:table-cell><text:p>Land</text:p></table:table-cell><table:table-cell><text:p>Gesetz</text:p></table:table-cell></table:table-row>
   <table:table-row><table:table-cell><text:p>Bayern</text:p></table:table-cell><table:table-cell><text:p>BayBGG</text:p></table:table-cell></table:table-row>
  </table:table>
  <text:p>Die Quote liegt bei 30 %<text:note text:id="ftn1"
  text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>Quelle: Statistisches
  Bundesamt 2025.</text:p></text:note-body></text:note>. Stand: <text:date style:data-style-name="N37"
  text:date-value="2026-12-05" text:fixed="true">05.12.2026</text:date></text:p>
 </office:text></office:body>
</office:document>
"""

# An HTML page, as someone saves a web page and opens it in LibreOffice: a list starting at 4.
WEB_PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Entwurf</title></head><body>
<h2>Forderungen</h2>
<ol start="4"><li>Viertens</li><li>F&uuml;nftens <i>vor Ort</i></li></ol>
<p>Mehr bei <a href="mailto:buero@example.org">der Gesch&auml;ftsstelle</a> und <a href="ftp://example.org/x">im
Archiv</a>.</p>
</body></html>
"""


def _libreoffice(source: Path, out: Path, profile: Path) -> bytes:
    """`source` saved by LibreOffice as Word 2007-365 .docx (its own profile: parallel runs don't collide)."""
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = out / (source.stem + ".docx")
    assert converted.exists(), "LibreOffice did not write the .docx"
    return converted.read_bytes()


@needs_libreoffice
def test_word_files_written_by_libreoffice_keep_links_lists_table_footnote_and_field(tmp_path):
    (tmp_path / "entwurf.fodt").write_text(OPEN_DOCUMENT, encoding="utf-8")
    (tmp_path / "seite.html").write_text(WEB_PAGE, encoding="utf-8")
    document = _libreoffice(tmp_path / "entwurf.fodt", tmp_path / "out", tmp_path / "profile")
    page = _libreoffice(tmp_path / "seite.html", tmp_path / "out", tmp_path / "profile")
    with zipfile.ZipFile(io.BytesIO(document)) as package:  # what LibreOffice wrote is what we test
        xml = package.read("word/document.xml").decode()
        assert "<w:hyperlink" in xml and "w:footnoteReference" in xml and "DATE" in xml and "<w:numPr>" in xml
    assert split_blocks(docx_to_markdown(document)) == [
        "# Positionspapier Teilhabe",
        "Siehe [Gesetzentwurf](https://example.org/gesetz) des Bundes und **verbindliche** Regeln.",
        "1. Erstens\n2. Zweitens\n   - Unterpunkt a\n   - Unterpunkt b",
        "Dazwischen ein Absatz.",
        "3. Drittens",
        "- Geld\n  1. für die Länder\n  2. für die Kommunen",
        "| Land | Gesetz |\n| --- | --- |\n| Bayern | BayBGG |",
        "Die Quote liegt bei 30 %. Stand: 05.12.2026 (Fußnote: Quelle: Statistisches Bundesamt 2025.)",
    ]
    assert split_blocks(docx_to_markdown(page)) == [
        "## Forderungen",
        "4. Viertens\n5. Fünftens *vor Ort*",
        "Mehr bei [der Geschäftsstelle](mailto:buero@example.org) und im Archiv.",
    ]
