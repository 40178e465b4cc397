"""The print page of a document, shared by the PDF, the HTML file and the DOCX: its words and its stylesheet.

No WeasyPrint here: the HTML and DOCX exports (and the command line) do without loading it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app, render_template
from flask_babel import format_date
from flask_babel import gettext as _

from consult.core.i18n import in_language
from consult.core.markdown import plain_text
from consult.exports.appendix import (
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
    results_charts,
    results_row,
    session_title,
    vote_requests_note,
    ways_note,
)
from consult.exports.document import Document


def document_language() -> str:
    """The language a draft's documents are written in: the draft's. A draft has no language of its own
    yet, so it is the app's default (German, BABEL_DEFAULT_LOCALE)."""
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@contextmanager
def document_locale() -> Iterator[None]:
    """Write a document in its draft's language (`document_language()`), whoever asks and wherever:
    in an English request, from the command line, in a job. Every writer renders inside it, so that a
    document's headings, labels and dates are the same whoever downloaded it first (documents are stored
    at adoption and handed to everyone). The request's cached catalogue and labels are set aside."""
    with in_language(document_language()):
        yield


def version_label(document: Document) -> str:
    """ "Beschlossene Position", or "Entwurf, Fassung N (Vorschau)" for a version not adopted."""
    if document.adopted:
        return _("Adopted position")
    return _("Draft, version %(number)d (preview)", number=document.version.number)


def title_lines(document: Document) -> dict[str, str]:
    """The words of the title page, the same in every format."""
    return {
        "federation": document.federation,
        "title": document.draft.title,
        "date": format_date(document.dated, format="long"),
        "version": _("Version %(number)d", number=document.version.number),
        "status": version_label(document),
    }


def static_css(name: str) -> str:
    """A stylesheet of static/css; the app is made with its static folder (`create_app`)."""
    folder = current_app.static_folder
    assert folder is not None, "the app has its static folder"
    return (Path(folder) / "css" / name).read_text(encoding="utf-8")


def stylesheet() -> str:
    return static_css("print.css")


def file_policy(inline_css: str) -> str:
    """The Content-Security-Policy the standalone HTML file carries in a <meta>: its own stylesheet and
    nothing else (no script, no request anywhere), wherever the file is opened later (from a disk, a
    mail, another site). The stylesheet is named by its hash, so that no other inline style applies."""
    digest = base64.b64encode(hashlib.sha256(inline_css.encode("utf-8")).digest()).decode("ascii")
    return f"default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"


def render_page(document: Document, inline_css: str | None = None) -> str:
    """The print page of the document: the PDF's source, and with `inline_css` the HTML export."""
    with document_locale():
        return render_template(
            "exports/print.html",
            document=document,
            title=title_lines(document),
            lang=document_language(),
            plain=plain_text,
            amendment_title=amendment_title,
            decision=decision,
            decided_when=decided_when,
            recommendation_note=recommendation_note,
            vote_requests_note=vote_requests_note,
            provenance=provenance(document),
            collision_note=collision_note,
            figures_line=figures_line,
            question_label=question_label,
            results_row=results_row,
            ways_note=ways_note,
            session_title=session_title,
            proxy_note=proxy_note,
            ballot_name=ballot_name,
            charts=results_charts(document.results) if document.results else (),
            inline_css=inline_css,
            file_policy=file_policy(inline_css) if inline_css else None,
        )


def render_html(document: Document) -> str:
    """The same page as the PDF's, as a standalone HTML file (the stylesheet inside it)."""
    return render_page(document, inline_css=stylesheet())
