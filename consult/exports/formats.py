"""The export formats: name -> (writer, media type, file ending). Every writer takes the one Document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from consult.exports.document import Document
from consult.exports.markdown import render_markdown
from consult.exports.tables import comments_csv, consultation_json, votes_csv


@dataclass(frozen=True)
class Format:
    write: Callable[[Document], bytes]
    media_type: str
    ending: str


def _html(document: Document) -> bytes:
    from consult.exports.page import render_html

    return render_html(document).encode("utf-8")


def _pdf(document: Document) -> bytes:
    from consult.exports.pdf import render_pdf  # WeasyPrint loads pango: only when a PDF is asked for

    return render_pdf(document)


def _docx(document: Document) -> bytes:
    from consult.exports.docx import render_docx

    return render_docx(document)


def _changes_docx(document: Document) -> bytes:
    from consult.exports.changes_docx import render_change_docx

    return render_change_docx(document)


def _changes_html(document: Document) -> bytes:
    from consult.exports.changes_page import render_change_html

    return render_change_html(document)


def _changes_pdf(document: Document) -> bytes:
    from consult.exports.changes_page import render_change_pdf

    return render_change_pdf(document)


FORMATS: dict[str, Format] = {
    "pdf": Format(_pdf, "application/pdf", "pdf"),
    "docx": Format(_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "changes.docx": Format(
        _changes_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "aenderungen.docx"
    ),
    "changes.html": Format(_changes_html, "text/html; charset=utf-8", "aenderungen.html"),
    "changes.pdf": Format(_changes_pdf, "application/pdf", "aenderungen.pdf"),
    "md": Format(lambda d: render_markdown(d).encode("utf-8"), "text/markdown; charset=utf-8", "md"),
    "html": Format(_html, "text/html; charset=utf-8", "html"),
    "comments.csv": Format(comments_csv, "text/csv; charset=utf-8", "kommentare.csv"),
    "votes.csv": Format(votes_csv, "text/csv; charset=utf-8", "stimmen.csv"),
    "json": Format(consultation_json, "application/json", "json"),
}


def filename(document: Document, name: str) -> str:
    return f"{document.filename_stem}.{FORMATS[name].ending}"
