"""Reading a Word document (.docx) as Markdown: headings, paragraphs, lists and emphasis kept."""
from __future__ import annotations

import io
import re

import docx
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

_SPACES = re.compile(r"[ \t]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class NotADocx(ValueError):
    """The file cannot be read as a Word document."""


def _escape(text: str) -> str:
    """Text as Markdown that means only itself (no stray emphasis, no HTML)."""
    return re.sub(r"([\\*_`<>\[\]#])", r"\\\1", text)


def _runs(paragraph) -> str:
    parts = []
    for run in paragraph.runs:
        text = _CONTROL.sub("", run.text)
        if not text.strip():
            parts.append(text)
            continue
        text = _escape(text)
        lead, core, trail = re.match(r"(\s*)(.*?)(\s*)$", text, re.S).groups()
        if run.bold:
            core = f"**{core}**"
        elif run.italic:
            core = f"*{core}*"
        parts.append(lead + core + trail)
    return _SPACES.sub(" ", "".join(parts)).strip()


def _level(style_name: str) -> int | None:
    match = re.match(r"(?:Heading|Überschrift)\s*(\d)", style_name or "")
    if match:
        return min(int(match.group(1)), 6)
    return 1 if style_name == "Title" else None


def docx_to_markdown(data: bytes) -> str:
    """The document's headings, paragraphs and lists as Markdown blocks (tables as lines of text).

    Whatever python-docx raises while it reads the file (a broken package, a missing part, XML it
    does not expect: its exceptions are many and not all documented) means the file cannot be read,
    and is `NotADocx`; the board gets a message and nothing is stored."""
    try:
        return _markdown(docx.Document(io.BytesIO(data)))
    except Exception as error:  # noqa: BLE001  (any failure inside python-docx, see above)
        raise NotADocx(f"{type(error).__name__}: {error}") from None


def _markdown(document) -> str:
    blocks: list[str] = []
    list_items: list[str] = []

    def flush_list():
        if list_items:
            blocks.append("\n".join(list_items))
            list_items.clear()

    for element in document.element.body.iterchildren():
        if element.tag == qn("w:tbl"):
            flush_list()
            blocks.append(_table(Table(element, document)))
            continue
        if element.tag != qn("w:p"):
            continue
        paragraph = Paragraph(element, document)
        text = _runs(paragraph)
        if not text:
            flush_list()
            continue
        style = paragraph.style.name if paragraph.style is not None else ""
        level = _level(style)
        if level:
            flush_list()
            blocks.append("#" * level + " " + text.replace("**", ""))
        elif "List" in style or "Liste" in style:
            list_items.append(("1. " if "Number" in style or "Nummer" in style else "- ") + text)
        else:
            flush_list()
            blocks.append(text)
    flush_list()
    return "\n\n".join(block for block in blocks if block) + ("\n" if blocks else "")


def _table(table) -> str:
    """A Word table as a Markdown table (the first row is its head)."""
    rows = [[_escape(cell.text.strip()).replace("|", "\\|").replace("\n", " ") for cell in row.cells]
            for row in table.rows]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)
