"""The Word export: the document model as DOCX.

`render_docx` writes what the PDF shows (title page, § numbered text, appendix with
result tables). The change document (version 1 against the text, as Word revisions) is
consult/exports/changes_docx.py.

User text passes `clean()` first: characters XML 1.0 cannot hold (control characters,
lone surrogates) would make the file unreadable, and are dropped.
"""
from __future__ import annotations

import io
import re

from docx import Document as WordDocument
from docx.enum.text import WD_BREAK
from flask_babel import gettext as _
from markdown_it import MarkdownIt

from consult.core.markdown import plain_text
from consult.drafts.services import is_heading
from consult.exports.document import Document
from consult.exports.page import document_locale, status_label, title_lines

_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_markdown = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False, "breaks": True})


def clean(text: str) -> str:
    """`text` without the characters an XML document cannot hold (tabs and line breaks stay)."""
    return _NOT_IN_XML.sub("", text)


def _inline_runs(paragraph, children) -> None:
    """Text, emphasis and strong emphasis of one inline token as runs; links keep their text only."""
    bold = italic = 0
    for child in children:
        if child.type == "strong_open":
            bold += 1
        elif child.type == "strong_close":
            bold -= 1
        elif child.type == "em_open":
            italic += 1
        elif child.type == "em_close":
            italic -= 1
        elif child.type in ("softbreak", "hardbreak"):
            paragraph.add_run(" ")
        elif child.type == "tab":
            paragraph.add_run("\t")
        elif child.type in ("text", "code_inline") and child.content:
            run = paragraph.add_run(clean(child.content))
            run.bold, run.italic = bold > 0 or None, italic > 0 or None


class _Styles:
    """A document's styles, each looked up once: python-docx finds a style name anew on every use,
    which took a third of a 300-paragraph export."""

    def __init__(self, word) -> None:
        self._styles = word.styles
        self._found: dict[str, object] = {}

    def __getitem__(self, name: str):
        if name not in self._found:
            self._found[name] = self._styles[name]
        return self._found[name]

    def heading(self, level: int):
        return self["Title" if level == 0 else f"Heading {level}"]


def _add_block(word, styles: _Styles, position: int, markdown: str) -> None:
    """One paragraph of the draft: "§ N" and its text; a heading as a Heading, each list item or table row
    on its own line."""
    heading = is_heading(markdown)
    lines: list[tuple[bool, list]] = []   # (in a list, inline children) per line
    in_list = 0
    for token in _markdown.parse(clean(markdown)):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        elif token.type == "tr_open":
            lines.append((False, []))
        elif token.type == "inline":
            if lines and token.level > 2 and not in_list and lines[-1][1] and lines[-1][1][-1].type != "tab":
                lines[-1][1].append(_Tab())   # the next cell of the same table row
            if token.level > 2 and not in_list and lines:
                lines[-1][1].extend(token.children or [])
            else:
                lines.append((in_list > 0, list(token.children or [])))
    for index, (item, children) in enumerate(lines or [(False, [])]):
        if heading:
            paragraph = word.add_paragraph(style=styles.heading(2))
        else:
            paragraph = word.add_paragraph(style=styles["List Bullet"] if item else None)
        if index == 0:
            paragraph.add_run(f"§ {position}\t").bold = True
        _inline_runs(paragraph, children)


class _Tab:
    """Between two cells of a table row."""

    type = "tab"
    content = "\t"


def _results_table(word, styles: _Styles, document: Document) -> None:
    questions = document.results.questions
    # All rows at once: adding them one by one copies the table's grid for each.
    table = word.add_table(rows=1 + len(questions), cols=6)
    table.style = styles["Table Grid"]
    rows = table.rows
    for cell, label in zip(rows[0].cells, ("", _("Yes"), _("No"), _("Abstain"), _("Turnout"), _("Result"))):
        cell.text = label
    for question, table_row in zip(questions, rows[1:]):
        def figure(name: str) -> str:
            shown = str(getattr(question.counts, name))
            return f"{shown} ({getattr(question.weighted, name)})" if question.weighted is not None else shown
        row = table_row.cells
        row[0].text = _("Whole text") if question.is_whole_draft else f"§ {question.position}"
        row[1].text, row[2].text, row[3].text = figure("yes"), figure("no"), figure("abstain")
        row[4].text = _("%(voted)d of %(entitled)d organisations voted", voted=question.voted,
                        entitled=question.entitled)
        row[5].text = _("carried") if question.carried else _("not carried")


def _appendix(word, styles: _Styles, document: Document) -> None:
    if document.results is not None:
        word.add_paragraph(_("Results"), style=styles.heading(1))
        _results_table(word, styles, document)
    if document.amendments:
        word.add_paragraph(_("Amendments"), style=styles.heading(1))
        for amendment in document.amendments:
            title = _("Amendment %(num)d", num=amendment.number)
            word.add_paragraph(f"{title} · § {amendment.position}" if amendment.position else title,
                               style=styles.heading(2))
            for label, value in ((_("Proposed by"), amendment.organisation),
                                 (_("Proposed text"), plain_text(amendment.proposed_text or "")),
                                 (_("Justification"), amendment.justification),
                                 (_("Decision"), status_label(amendment.status)),
                                 (_("Adopted text"), plain_text(amendment.adopted_text or "")),
                                 (_("Reason"), amendment.reason)):
                if value:
                    paragraph = word.add_paragraph()
                    paragraph.add_run(f"{label}: ").bold = True
                    paragraph.add_run(clean(value))
    if document.organisations:
        word.add_paragraph(_("Participating organisations"), style=styles.heading(1))
        for organisation in document.organisations:
            word.add_paragraph(clean(f"{organisation.name} ({organisation.short_name})"),
                               style=styles["List Bullet"])


def _save(word) -> bytes:
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def render_docx(document: Document) -> bytes:
    """The document as DOCX (inside an app context): title page, text with § numbers, appendix."""
    with document_locale():
        title = title_lines(document)
        word = WordDocument()
        styles = _Styles(word)
        word.core_properties.title = clean(title["title"])[:255]
        word.add_paragraph(clean(title["federation"]))
        word.add_paragraph(clean(title["title"]), style=styles.heading(0))
        word.add_paragraph(title["status"])
        word.add_paragraph(f"{title['date']} · {title['version']}").add_run().add_break(WD_BREAK.PAGE)
        for block in document.blocks:
            _add_block(word, styles, block.position, block.markdown)
        word.add_page_break()
        _appendix(word, styles, document)
        return _save(word)
