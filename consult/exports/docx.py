"""The Word export: the document model as DOCX.

`render_docx` writes what the PDF shows (title page, § numbered text, appendix) as Word's own
structure, from the tree of consult.exports.structure (never from Markdown text): the draft's
headings as `Heading n` styles (its `#` is Heading 1, under the document's title), lists as Word
lists numbered by Word (each list its own numbering, which restarts; nested lists one level
deeper), emphasis as runs, links as hyperlinks (http(s) and mailto only), tables as Word tables
whose header row repeats on every page. Each paragraph's "§ N" (and its first line number) is a
small label of its own, kept with the paragraph it names. Table columns are as wide as their
longest word needs (so Word never splits "Enthaltung"), and no row is split across pages.

The appendix has the parts and words of the print page's (PDF, HTML), from consult.exports.appendix, in
the document's language:
the results; how the votes came in (where each question was decided, online or in the live session, its
votes by channel, the proxies used, the paper ballots; the live sessions' confirmed proxies); how the text came about -
for each paragraph the amendments that shaped it (who
proposed and supported them, who decided when and why), the collisions the moderation resolved,
its vote, and the paragraphs removed; the amendments not adopted; who voted how (only when the
draft's setting asks for it); the participating organisations.

The change document (version 1 against the text, as Word revisions) is
consult/exports/changes_docx.py.

User text passes `clean()` first: characters XML 1.0 cannot hold (control characters,
lone surrogates) would make the file unreadable, and are dropped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from docx import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor, Twips
from docx.text.paragraph import Paragraph as WordParagraph
from flask_babel import get_locale
from flask_babel import gettext as _

from consult.core.markdown import plain_text
from consult.exports import structure
from consult.exports.appendix import (
    ShapedParagraph,
    amendment_title,
    ballot_name,
    collision_note,
    decided_when,
    decision,
    figures_line,
    provenance,
    proxy_note,
    question_label,
    recommendation_note,
    results_row,
    session_title,
    vote_requests_note,
    ways_note,
)
from consult.exports.document import DecidedAmendment, Document
from consult.exports.page import document_locale, title_lines
from consult.exports.structure import Inlines, LineBreak, Text
from consult.results.queries import DraftResults

_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# The page: A4 with 2.5 cm margins, so the text is 16 cm wide.
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Cm(21), Cm(29.7), Cm(2.5)
TEXT_WIDTH = round((21 - 2 * 2.5) / 2.54 * 1440)  # in twips
TABLE_FONT = Pt(10)
# The document's font: Arial is on every Word, and LibreOffice sets it in the metric-compatible
# Liberation Sans, so a column measured for its longest word holds it in either (the template's theme
# fonts, Calibri and Cambria, are missing on most other systems, and their stand-ins are wider).
FONT = "Arial"
# A character's width as a share of the font size, on the wide side (Arial's letters average about
# half; a wider stand-in such as DejaVu Sans still fits).
_CHARACTER, _BOLD_CHARACTER = 0.62, 0.72
_CELL_PADDING = 2 * 108 + 40  # Word's default cell margins (twips), and a little air
_KEPT_WHOLE = 12  # a cell this short ("3 (4)", "§ 12") is not broken at its space
_LINK_SCHEMES = {"http", "https", "mailto"}
_LINK_COLOUR = "0563C1"
_MONOSPACE = "Courier New"
LABEL_STYLE = "Paragraph Number"  # the "§ N" label before each paragraph of the text
TABLE_STYLE = "Table Text"
_BULLETS = ("•", "◦", "▪")


def clean(text: str) -> str:
    """`text` without the characters an XML document cannot hold (tabs and line breaks stay)."""
    return _NOT_IN_XML.sub("", text)


class Styles:
    """A document's styles, each looked up once: python-docx finds a style name anew on every use, and
    assigning a style compares it with the default style by walking all styles (most of the time of a
    300-paragraph export), so paragraphs get the style's id straight (`_Writer.add`). The change document
    (consult/exports/changes_docx.py) uses it too."""

    def __init__(self, word) -> None:
        self._styles = word.styles
        self._found: dict[str, object] = {}

    def __getitem__(self, name: str):
        if name not in self._found:
            self._found[name] = self._styles[name]
        return self._found[name]

    def id(self, name: str) -> str:
        return self[name].style_id

    def paragraph(self, container, name: str):
        """A new paragraph at the end of `container` (the document, a table cell) in the style named `name`."""
        paragraph = container.add_paragraph()
        _set_style(paragraph, self.id(name))
        return paragraph

    @staticmethod
    def heading(level: int) -> str:
        return "Title" if level == 0 else f"Heading {min(level, 9)}"


def add_label_style(word) -> None:
    """The style of the "§ N" label before each paragraph (small, bold, kept with its paragraph); the change
    document's too."""
    label = word.styles.add_style(LABEL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    label.base_style = word.styles["Normal"]
    label.font.bold, label.font.size = True, Pt(9)
    label.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    label.paragraph_format.keep_with_next = True
    label.paragraph_format.space_before, label.paragraph_format.space_after = Pt(8), Pt(0)


def _add_styles(word) -> None:
    """The two styles of our own: the "§ N" label and table text."""
    add_label_style(word)
    cell = word.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = word.styles["Normal"]
    cell.font.size = TABLE_FONT
    cell.paragraph_format.space_after = Pt(0)


def _set_fonts(word) -> None:
    """FONT for the text, the headings and the title, in place of the template's theme fonts."""
    elements = [word.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")]
    elements += [word.styles[name].element.rPr for name in ("Title", *(f"Heading {n}" for n in range(1, 10)))]
    for properties in elements:
        if properties is None:
            continue
        fonts = properties.get_or_add_rFonts()
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)
        for name in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(name), FONT)


def _set_language(word, language: str) -> None:
    """The document's language (Word's spelling and hyphenation), instead of the template's en-US."""
    defaults = word.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    lang = defaults.find(qn("w:lang")) if defaults is not None else None
    if lang is not None:
        lang.set(qn("w:val"), language)


class _Numbering:
    """Word numbering for the draft's lists: each list gets a definition of its own, so that every
    numbered list starts at its own first number (Word continues lists that share one)."""

    def __init__(self, word) -> None:
        self._root = word.part.numbering_part.element
        ids = [int(value) for value in self._root.xpath("./w:abstractNum/@w:abstractNumId")]
        self._next = max(ids, default=-1) + 1

    def new_list(self, ordered: bool, start: int) -> int:
        """A new numbering (its numId): decimal "1." or bullets, `start` on every level."""
        abstract = OxmlElement("w:abstractNum")
        abstract.set(qn("w:abstractNumId"), str(self._next))
        kind = OxmlElement("w:multiLevelType")
        kind.set(qn("w:val"), "hybridMultilevel")
        abstract.append(kind)
        for level in range(9):
            abstract.append(self._level(level, ordered, start))
        numbers = self._root.num_lst
        if numbers:
            numbers[0].addprevious(abstract)  # the schema wants every abstractNum before the first num
        else:
            self._root.append(abstract)
        self._next += 1
        return self._root.add_num(self._next - 1).numId

    @staticmethod
    def _level(level: int, ordered: bool, start: int):
        element = OxmlElement("w:lvl")
        element.set(qn("w:ilvl"), str(level))
        for tag, value in (
            ("w:start", str(start if ordered else 1)),
            ("w:numFmt", "decimal" if ordered else "bullet"),
            ("w:lvlText", f"%{level + 1}." if ordered else _BULLETS[level % len(_BULLETS)]),
            ("w:lvlJc", "left"),
        ):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            element.append(child)
        properties, indent = OxmlElement("w:pPr"), OxmlElement("w:ind")
        indent.set(qn("w:left"), str(_indent(level)))
        indent.set(qn("w:hanging"), "360")
        properties.append(indent)
        element.append(properties)
        return element


def _indent(level: int) -> int:
    """The left indent (twips) of a list item's text on `level` (0: a top-level list)."""
    return 720 + 360 * level


def _set_numbering(paragraph, num_id: int, level: int) -> None:
    numbering = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    numbering.get_or_add_ilvl().val = level
    numbering.get_or_add_numId().val = num_id


def _set_style(paragraph, style_id: str) -> None:
    """The style of a new paragraph (one without a style yet): w:pStyle is the first child of w:pPr."""
    style = OxmlElement("w:pStyle")
    style.set(qn("w:val"), style_id)
    paragraph._p.get_or_add_pPr().insert(0, style)


# Runs are built as elements straight rather than through python-docx's Run: `add_run(text)` reads the
# text character by character, and each of `run.bold`, `run.italic`, ... searches where its element goes
# among all the children w:rPr may have (together most of the time of a 300-paragraph export).


def run_properties(
    bold: bool = False, italic: bool = False, strike: bool = False, code: bool = False, link: bool = False
):
    """A run's w:rPr, its children in the schema's order (Word refuses others); empty for a plain run."""
    properties = OxmlElement("w:rPr")
    if code:
        fonts = OxmlElement("w:rFonts")
        for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attribute), _MONOSPACE)
        properties.append(fonts)
    for on, tag in ((bold, "w:b"), (italic, "w:i"), (strike, "w:strike")):
        if on:
            properties.append(OxmlElement(tag))
    if link:
        colour, underline = OxmlElement("w:color"), OxmlElement("w:u")
        colour.set(qn("w:val"), _LINK_COLOUR)
        underline.set(qn("w:val"), "single")
        properties.extend([colour, underline])
    return properties


_RUN_BREAKS = re.compile(r"([\t\n\r])")


def text_run(text: str, properties=None, deleted: bool = False):
    """A w:r of `text` (cleaned), a tab as w:tab and a line break as w:br as in Word; `properties` its w:rPr;
    `deleted`: the text of a tracked deletion (w:delText)."""
    run = OxmlElement("w:r")
    if properties is not None and len(properties):
        run.append(properties)
    for part in _RUN_BREAKS.split(text):
        if part == "\t":
            run.append(OxmlElement("w:tab"))
        elif part in ("\n", "\r"):
            run.append(OxmlElement("w:br"))
        elif part:
            element = OxmlElement("w:delText" if deleted else "w:t")
            element.set(qn("xml:space"), "preserve")
            element.text = part
            run.append(element)
    return run


def _link_target(href: str | None) -> str | None:
    """The link's address if Word may open it: http(s) and mailto only (no relative or other links)."""
    if not href:
        return None
    href = clean(href).strip()
    return href if urlsplit(href).scheme.lower() in _LINK_SCHEMES and not re.search(r"[\s<>\"]", href) else None


def _text_width(text: str, bold: bool) -> int:
    """A generous estimate of `text`'s width in a table cell, in twips."""
    return round(len(text) * (_BOLD_CHARACTER if bold else _CHARACTER) * TABLE_FONT.pt * 20)


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]], available: int = TEXT_WIDTH) -> list[int]:
    """Column widths (twips) for a table: each at least as wide as its longest word (or its whole text,
    when that is short), the rest of the page's width shared by how much more text each column holds."""
    needed, wanted = [], []
    for index, title in enumerate(header):
        cells = [(title, True)] + [(row[index], False) for row in rows]
        least = most = 0
        for text, bold in cells:
            text = " ".join(text.split())
            pieces = [text] if len(text) <= _KEPT_WHOLE else text.split(" ")
            least = max(least, *(_text_width(piece, bold) for piece in pieces))
            most = max(most, _text_width(text, bold))
        needed.append(least + _CELL_PADDING)
        wanted.append(max(most, least) + _CELL_PADDING)
    if sum(needed) >= available:  # longer words than the page holds: shrink all alike
        return [max(1, need * available // sum(needed)) for need in needed]
    if sum(wanted) <= available:  # everything fits on one line: give the rest out by width
        spare = available - sum(wanted)
        return [want + spare * want // sum(wanted) for want in wanted]
    spare, more = available - sum(needed), [want - need for want, need in zip(wanted, needed, strict=True)]
    return [need + spare * extra // sum(more) for need, extra in zip(needed, more, strict=True)]


def _mark_row(row, header: bool) -> None:
    """A row never splits across pages; the header row repeats on each page."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


class _Writer:
    """Writes the tree of consult.exports.structure into one Word document."""

    def __init__(self, word) -> None:
        self.word = word
        self.styles = Styles(word)
        self.numbering = _Numbering(word)

    # -- inlines

    def inlines(self, paragraph, inlines: Inlines, bold: bool = False) -> None:
        """Runs with their bold, italic, code and strike; links as `w:hyperlink` with an external target."""
        link, link_target = None, None
        for inline in inlines:
            if isinstance(inline, LineBreak):
                paragraph._p.append(text_run("\n"))
                link = None
                continue
            target = _link_target(inline.href)
            run = text_run(
                clean(inline.text),
                run_properties(inline.bold or bold, inline.italic, inline.strike, inline.code, link=target is not None),
            )
            if target is None:
                link = None
                paragraph._p.append(run)
                continue
            if link is None or link_target != target:
                link, link_target = OxmlElement("w:hyperlink"), target
                link.set(qn("r:id"), paragraph.part.relate_to(target, RELATIONSHIP_TYPE.HYPERLINK, is_external=True))
                paragraph._p.append(link)
            link.append(run)

    def add(self, text: str = "", style: str | None = None):
        """A new paragraph at the document's end: `text` (cleaned) in the style named `style`."""
        paragraph = self.word.add_paragraph()
        if style:
            _set_style(paragraph, self.styles.id(style))
        if text:
            paragraph._p.append(text_run(clean(text)))
        return paragraph

    def paragraph(self, inlines: Inlines = (), style: str | None = None, bold: bool = False):
        paragraph = self.add(style=style)
        self.inlines(paragraph, inlines, bold)
        return paragraph

    # -- blocks

    def blocks(self, blocks: Sequence[structure.Block], depth: int = -1) -> None:
        """`blocks` in order; `depth` >= 0 inside a list item (its paragraphs indented to the item's text)."""
        for block in blocks:
            if isinstance(block, structure.Heading):
                self.paragraph(block.inlines, f"Heading {min(block.level, 9)}")
            elif isinstance(block, structure.Paragraph):
                paragraph = self.paragraph(block.inlines)
                if depth >= 0:
                    paragraph.paragraph_format.left_indent = Twips(_indent(depth))
            elif isinstance(block, structure.List):
                self.list(block, depth + 1)
            elif isinstance(block, structure.Table):
                self.table(block.header, block.rows, block.alignments)
            elif isinstance(block, structure.Quote):
                for inner in block.blocks:
                    if isinstance(inner, structure.Paragraph):
                        self.paragraph(inner.inlines, "Quote")
                    else:
                        self.blocks((inner,), depth)
            elif isinstance(block, structure.Code):
                paragraph = self.word.add_paragraph()
                paragraph._p.append(text_run(clean(block.text), run_properties(code=True)))
            elif isinstance(block, structure.Rule):
                self._rule()

    def list(self, block: structure.List, depth: int) -> None:
        """Each item's first paragraph numbered by Word (style `List Number`/`List Bullet`, levels 2 and 3
        by their own styles); the item's further blocks indented under it, nested lists one level deeper."""
        num_id = self.numbering.new_list(block.ordered, block.start)
        style = ("List Number" if block.ordered else "List Bullet") + (f" {min(depth, 2) + 1}" if depth else "")
        for item in block.items:
            first, rest = (item[0], item[1:]) if item and isinstance(item[0], structure.Paragraph) else (None, item)
            paragraph = self.paragraph(first.inlines if first else (), style)
            _set_numbering(paragraph, num_id, depth)
            paragraph.paragraph_format.left_indent = Twips(_indent(depth))
            self.blocks(rest, depth)

    def table(
        self, header: Sequence[Inlines], rows: Sequence[Sequence[Inlines]], alignments: Sequence[str | None] = ()
    ) -> object:
        """A Word table: header row marked as such (repeated on each page, bold), no row split across
        pages, fixed column widths from `column_widths`."""
        columns = len(header)
        # All rows at once: adding them one by one copies the table's grid for each.
        table = self.word.add_table(rows=1 + len(rows), cols=columns)
        table.style = self.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False  # a fixed layout: Word keeps our widths
        widths = [
            Twips(w)
            for w in column_widths(
                [structure.plain(c) for c in header], [[structure.plain(c) for c in row] for row in rows]
            )
        ]
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        aligned = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}
        cell_style = self.styles.id(TABLE_STYLE)
        for index, (row, values) in enumerate(zip(table.rows, [header, *rows], strict=True)):
            _mark_row(row, header=index == 0)
            for column, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
                cell.width = widths[column]
                paragraph = cell.paragraphs[0]
                _set_style(paragraph, cell_style)
                align = alignments[column] if column < len(alignments) else None
                if align is not None and align in aligned:
                    paragraph.alignment = aligned[align]
                self.inlines(paragraph, value, bold=index == 0)
        return table

    def _rule(self) -> None:
        paragraph = self.word.add_paragraph()
        borders, bottom = OxmlElement("w:pBdr"), OxmlElement("w:bottom")
        for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
            bottom.set(qn(name), value)
        borders.append(bottom)
        paragraph._p.get_or_add_pPr().append(borders)

    # -- the parts of the document

    def numbered(self, position: int, first_line: int, blocks: Sequence[structure.Block]) -> None:
        """One paragraph of the text: "§ N" on a line of its own, kept with the paragraph, with the paragraph's
        first line number; before a heading, the space above the heading goes above its label."""
        label = self.add(style=LABEL_STYLE)
        label.add_run(f"§ {position}")
        if first_line:
            label.add_run(f" · {_('Line')} {first_line}").bold = False
        before = len(self.word.element.body)
        self.blocks(blocks)
        if blocks and isinstance(blocks[0], structure.Heading):
            label.paragraph_format.space_before = Pt(18)
            heading = WordParagraph(self.word.element.body[before - 1], self.word._body)
            heading.paragraph_format.space_before = Pt(2)

    def field(self, label: str, value: str) -> None:
        """ "Label: value" as one paragraph of the appendix."""
        if value:
            paragraph = self.word.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(3)
            paragraph._p.append(text_run(f"{label}: ", run_properties(bold=True)))
            paragraph._p.append(text_run(clean(value)))


def _plain(value: str) -> Inlines:
    return (Text(value),)


def _results_table(writer: _Writer, results: DraftResults) -> None:
    header = [_("Question"), _("Yes"), _("No"), _("Abstain"), _("Turnout"), _("Result")]
    writer.table(
        [_plain(text) for text in header],
        [[_plain(text) for text in results_row(question)] for question in results.questions],
        (None, "right", "right", "right", None, None),
    )
    if results.weighted:
        writer.add(_("In brackets: the weighted votes, which decide.")).paragraph_format.space_before = Pt(4)


def _amendment(writer: _Writer, amendment: DecidedAmendment, level: int) -> None:
    """One amendment: what it does, who proposed and supported it, what it asked and why, who decided it
    when and why."""
    writer.add(amendment_title(amendment), writer.styles.heading(level))
    writer.field(_("Proposed by"), amendment.organisation)
    writer.field(_("Supported by"), ", ".join(amendment.supporters))
    writer.field(_("Proposed text"), plain_text(amendment.proposed_text or ""))
    writer.field(_("Justification"), amendment.justification)
    writer.field(_("Procedural recommendation"), recommendation_note(amendment))
    writer.field(_("Vote asked for by"), vote_requests_note(amendment))
    writer.field(_("Decision"), decision(amendment))
    writer.field(
        _("Decided by"), ", ".join(part for part in (amendment.decided_by, decided_when(amendment.decided_at)) if part)
    )
    writer.field(_("Reason"), amendment.reason or "")
    writer.field(_("Adopted text"), plain_text(amendment.adopted_text or ""))


def _shaped(writer: _Writer, paragraph: ShapedParagraph) -> None:
    """A paragraph the decisions shaped: its amendments, the collisions resolved in it (and the common text
    the moderation wrote), its vote."""
    writer.add(f"§ {paragraph.position}" if paragraph.position else _("Removed paragraph"), writer.styles.heading(3))
    if not paragraph.position and paragraph.text:
        writer.add(plain_text(paragraph.text))
    for amendment in paragraph.amendments:
        _amendment(writer, amendment, 4)
    for collision in paragraph.collisions:
        writer.add(collision_note(collision))
        if collision.text:
            writer.field(_("Common text"), plain_text(collision.text))
    if paragraph.vote is not None:
        writer.field(_("Vote"), figures_line(paragraph.vote))


def _ways(writer: _Writer, results: DraftResults) -> None:
    """Where each question was decided and how its votes came in; the live sessions' confirmed proxies."""
    writer.add(_("How the votes came in"), writer.styles.heading(2))
    if not results.sessions:
        writer.add(_("This draft had no live session: every question was voted on online."))
        return
    for question in results.questions:
        writer.field(question_label(question), ways_note(question))
    for session in results.sessions:
        writer.add(session_title(session), writer.styles.heading(3))
        if session.proxies:
            writer.add(_("Proxies confirmed by the office"))
            for proxy in session.proxies:
                writer.add(proxy_note(proxy), "List Bullet")
        else:
            writer.add(_("No proxy was confirmed in this session."))


def _ballots(writer: _Writer, results: DraftResults) -> None:
    """Per question, which organisations voted yes, no or abstained, by their short names."""
    writer.add(_("Who voted how"), writer.styles.heading(2))
    writer.add(_("The organisations by their short names (see the participating organisations)."))
    for question in results.questions:
        writer.add(question_label(question), writer.styles.heading(3))
        for choice, label in (("yes", _("Yes")), ("no", _("No")), ("abstain", _("Abstain"))):
            chosen = question.organisations(choice)
            writer.field(f"{label} ({len(chosen)})", ", ".join(ballot_name(question, o) for o in chosen) or "–")


def _appendix(writer: _Writer, document: Document) -> None:
    """Results, how the text came about, amendments not adopted, who voted how (with the draft's setting),
    participating organisations: the parts of the print page's appendix, in its words
    (consult.exports.appendix)."""
    history = provenance(document)
    if document.results is None and not history and not document.organisations:
        return
    writer.word.add_page_break()
    writer.add(_("Appendix"), writer.styles.heading(1))
    if document.results is not None:
        writer.add(_("Results"), writer.styles.heading(2))
        _results_table(writer, document.results)
        _ways(writer, document.results)
    if history.shaped or history.removed:
        writer.add(_("How the text came about"), writer.styles.heading(2))
        for paragraph in (*history.shaped, *history.removed):
            _shaped(writer, paragraph)
    if history.not_adopted:
        writer.add(_("Amendments not adopted"), writer.styles.heading(2))
        for amendment in history.not_adopted:
            _amendment(writer, amendment, 3)
    if document.show_ballots and document.results is not None:
        _ballots(writer, document.results)
    if document.organisations:
        writer.add(_("Participating organisations"), writer.styles.heading(2))
        for organisation in document.organisations:
            writer.add(f"{organisation.name} ({organisation.short_name})", "List Bullet")


def _save(word) -> bytes:
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _page(word) -> None:
    section = word.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN


def render_docx(document: Document) -> bytes:
    """The document as DOCX (inside an app context): title page, text with § numbers, appendix."""
    with document_locale():
        title = title_lines(document)
        word = WordDocument()
        _page(word)
        _add_styles(word)
        _set_fonts(word)
        _set_language(word, str(get_locale() or "de").replace("_", "-"))
        writer = _Writer(word)
        styles = writer.styles
        word.core_properties.title = clean(title["title"])[:255]
        writer.add(title["federation"])
        writer.add(title["title"], styles.heading(0))
        writer.add(title["status"])
        writer.add(f"{title['date']} · {title['version']}").add_run().add_break(WD_BREAK.PAGE)
        for block in document.blocks:
            writer.numbered(block.position, block.first_line, structure.parse(clean(block.markdown)))
        _appendix(writer, document)
        return _save(word)
