"""The change document as DOCX: every change a Word revision (`w:ins` / `w:del`) with its author and time.

Word's "accept all" gives the document's text, "reject all" version 1 (consult/exports/changes.py
tracks who changed what). Paragraph marks are revisions too, so an inserted paragraph is one
insertion and a removed one one deletion. Headings, lists, emphasis and tables are Word's own
(Heading styles, list styles with numbering, bold/italic runs, tables with a header row).
"""

from __future__ import annotations

import io
from dataclasses import replace
from itertools import count

from docx import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from consult.exports.changes import (
    Author,
    Line,
    Piece,
    TrackedParagraph,
    author_line,
    authors,
    cells,
    legend,
    lines,
    number_label,
    runs,
    subtitle,
    timestamp,
    tracked_paragraphs,
)
from consult.exports.document import Document
from consult.exports.docx import LABEL_STYLE, Styles, add_label_style, clean, run_properties, text_run
from consult.exports.layout import PLAIN, Block, Format
from consult.exports.page import document_locale, title_lines


class _Marks:
    """The revision marks of one Word document (w:id unique in it)."""

    def __init__(self) -> None:
        self._ids = count(1)

    def mark(self, tag: str, author: Author):
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(next(self._ids)))
        element.set(qn("w:author"), clean(author.name))
        element.set(qn("w:date"), timestamp(author.moment))
        return element

    def paragraph_mark(self, paragraph, inserted: Author | None, deleted: Author | None) -> None:
        if inserted is None and deleted is None:
            return
        properties = OxmlElement("w:rPr")
        if inserted is not None:
            properties.append(self.mark("w:ins", inserted))
        if deleted is not None:
            properties.append(self.mark("w:del", deleted))
        paragraph._p.get_or_add_pPr().append(properties)


def _properties(fmt: Format):
    """w:rPr of a run with `fmt` (consult.exports.docx.run_properties: the position DOCX's runs)."""
    return run_properties(fmt.bold, fmt.italic, fmt.strike, fmt.code, link=bool(fmt.href))


def _run(text: str, fmt: Format, deleted: bool, change=None):
    """A run of `text` (a table's CELL is a tab); `change` (a w:rPrChange) records the formatting it had
    before, as the last child of its w:rPr."""
    properties = _properties(fmt)
    if change is not None:
        properties.append(change)
    return text_run(clean(text), properties, deleted)


def _style(block: Block) -> str:
    if block.kind == "heading":
        return f"Heading {min(block.level, 9)}"
    if block.kind == "bullet":
        return "List Bullet" if block.level == 1 else f"List Bullet {min(block.level, 3)}"
    if block.kind == "ordered":
        return "List Number"
    if block.kind == "quote":
        return "Quote"
    return "Normal"


class _Numbering:
    """Word numbering for ordered lists: each list counts from its own start (a new w:num on the
    "List Number" style's numbering), rather than on from the document's previous list."""

    def __init__(self, word) -> None:
        self._numbering = word.part.numbering_part.element
        style_num = word.styles["List Number"]._element.pPr.numPr.numId.val
        self._abstract = self._numbering.num_having_numId(style_num).abstractNumId.val
        self._current: int | None = None

    def number(self, paragraph, block: Block, previous: Block | None) -> None:
        if (
            self._current is None
            or previous is None
            or previous.kind not in ("ordered", "bullet")
            or (
                previous.kind == "ordered"
                and previous.level == block.level
                and block.number is not None
                and previous.number is not None
                and block.number <= previous.number
            )
            or (previous.kind == "bullet" and previous.level == block.level)
        ):
            num = self._numbering.add_num(self._abstract)
            num.add_lvlOverride(ilvl=block.level - 1).add_startOverride(block.number or 1)
            self._current = num.numId
        properties = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        properties.get_or_add_ilvl().val = block.level - 1
        properties.get_or_add_numId().val = self._current


def _fill(paragraph, marks: _Marks, pieces: list[Piece], bold: bool = False) -> None:
    """The pieces as runs of `paragraph`, changed ones inside w:ins / w:del."""
    for piece in runs(pieces):
        fmt = piece.format
        if bold:
            fmt = replace(fmt, bold=True)
        change = None
        if piece.was is not None and piece.reformatted_by is not None:
            change = marks.mark("w:rPrChange", piece.reformatted_by)
            change.append(_properties(replace(piece.was, bold=piece.was.bold or bold)))
        run = _run(piece.text, fmt, deleted=piece.deleted is not None, change=change)
        author = piece.deleted or piece.inserted
        if author is not None:
            wrapper = marks.mark("w:del" if piece.deleted is not None else "w:ins", author)
            wrapper.append(run)
            run = wrapper
        if fmt.href:
            link = OxmlElement("w:hyperlink")
            link.set(qn("r:id"), paragraph.part.relate_to(clean(fmt.href), RT.HYPERLINK, is_external=True))
            link.append(run)
            run = link
        paragraph._p.append(run)


def _word_line(word, styles: Styles, marks: _Marks, line: Line, numbering: _Numbering, previous: Block | None) -> None:
    block = line.block
    paragraph = styles.paragraph(word, _style(block))
    if block.kind == "ordered":
        numbering.number(paragraph, block, previous)
    _fill(paragraph, marks, line.pieces)
    marks.paragraph_mark(paragraph, line.inserted, line.deleted)


def _row_mark(line: Line) -> tuple[str, Author] | None:
    """A row all of whose words one change inserted (or deleted) is an inserted (deleted) row."""
    solid = [piece for piece in line.pieces if piece.text.strip()]
    for tag, marks in (("w:ins", {p.inserted for p in solid}), ("w:del", {p.deleted for p in solid})):
        author = marks.pop() if solid and len(marks) == 1 else None
        if author is not None:
            return tag, author
    return None


def _word_table(word, marks: _Marks, rows: list[Line]) -> None:
    """Table rows as a Word table (header rows repeat on each page); a whole inserted or deleted row is a
    tracked row."""
    by_row = [cells(line) for line in rows]
    table = word.add_table(rows=len(rows), cols=max(len(c) for c in by_row))
    table.style = word.styles["Table Grid"]
    for line, row_cells, row in zip(rows, by_row, table.rows, strict=True):
        properties = row._tr.get_or_add_trPr()
        if line.block.header:
            properties.append(OxmlElement("w:tblHeader"))
        mark = _row_mark(line)
        if mark is not None:
            properties.append(marks.mark(*mark))
        for pieces, cell in zip(row_cells, row.cells, strict=False):  # a short row leaves its last cells empty
            _fill(cell.paragraphs[0], marks, pieces, bold=line.block.header)


def render_change_docx(document: Document) -> bytes:
    """The change document as DOCX (inside an app context): title, subtitle, legend with every author,
    then each paragraph with its "§ N" line and its changes as Word revisions."""
    with document_locale():
        paragraphs = tracked_paragraphs(document)
        word = WordDocument()
        add_label_style(word)
        word.core_properties.title = clean(document.draft.title)[:255]
        word.add_paragraph(clean(title_lines(document)["federation"]))
        word.add_paragraph(clean(document.draft.title), style="Title")
        word.add_paragraph(subtitle(document), style="Subtitle")
        word.add_paragraph(legend())
        for author in authors(paragraphs):
            word.add_paragraph(clean(author_line(author)), style="List Bullet")
        marks, numbering, styles = _Marks(), _Numbering(word), Styles(word)
        for paragraph in paragraphs:
            _label(styles.paragraph(word, LABEL_STYLE), marks, paragraph)
            previous = None
            rows: list[Line] = []
            for line in lines(paragraph):
                if line.block.kind == "row":
                    rows.append(line)
                    continue
                if rows:
                    _word_table(word, marks, rows)
                    rows = []
                _word_line(word, styles, marks, line, numbering, previous)
                previous = line.block
            if rows:
                _word_table(word, marks, rows)
        out = io.BytesIO()
        word.save(out)
        return out.getvalue()


def _label(label, marks: _Marks, paragraph: TrackedParagraph) -> None:
    """The "§ N" line: inserted or deleted with its paragraph, so that accepting or rejecting all leaves none
    without its text."""
    run = _run(number_label(paragraph), PLAIN, deleted=paragraph.deleted is not None)
    mark = paragraph.deleted or paragraph.inserted
    if mark is not None:
        wrapper = marks.mark("w:del" if paragraph.deleted is not None else "w:ins", mark)
        wrapper.append(run)
        label._p.append(wrapper)
    else:
        label._p.append(run)
    marks.paragraph_mark(label, paragraph.inserted, paragraph.deleted)
